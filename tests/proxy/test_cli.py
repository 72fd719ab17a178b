"""``mockluma proxy`` as a user runs it (a real process, stopped with Ctrl-C, writing its
reports, recordings and drift report), and the offline commands."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree

import httpx
import pytest
from lumaai import LumaAI

from mockluma.cli import main
from mockluma.handle import MockLuma
from mockluma.proxy.running import ProxyServer

from .conftest import KEY


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_the_proxy_command_checks_records_compares_and_reports_at_exit(
    luma: MockLuma, tmp_path: Path, stop: signal.Signals
) -> None:
    recordings, report, junit, drift = (
        tmp_path / name for name in ("rec", "r.json", "r.xml", "d.json")
    )
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "mockluma",
            "proxy",
            "--port",
            "0",
            "--target",
            f"all={luma.url}",
            "--record",
            str(recordings),
            "--report",
            str(report),
            "--junit",
            str(junit),
            "--compare",
            "--drift-report",
            str(drift),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert process.stdout is not None
        banner = process.stdout.readline()
        match = re.search(r"listening on (http://127\.0\.0\.1:\d+)", banner)
        assert match, banner
        base = match.group(1)
        with LumaAI(auth_token=KEY, base_url=f"{base}/dream-machine/v1", max_retries=0) as sdk:
            created = sdk.generations.create(prompt="from the command line", model="ray-2")
            assert created.id is not None
            luma.advance(3600)
            assert sdk.generations.get(created.id).state == "completed"
        live = httpx.get(f"{base}/_mockluma/proxy/report").json()
        assert live["exchanges"] == 2
    finally:
        process.send_signal(stop)
        out, errors = process.communicate(timeout=60)
    assert process.returncode == 0, (out, errors)
    assert "mockluma proxy stopped: 2 exchanges, 0 violations." in out
    assert "2 exchanges replayed, 0 skipped: no drift." in out
    document = json.loads(report.read_text())
    assert document["ok"] is True
    assert document["counts"]["failed"] == 0
    assert document["counts"]["passed"] > 0
    assert ElementTree.fromstring(junit.read_text()).tag == "testsuites"
    assert json.loads(drift.read_text())["ok"] is True
    assert len(list(recordings.glob("dream-machine/*.json"))) == 2


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--compare"], "--compare replays what was recorded: give --record DIR too."),
        (["--target", "dream=http://x"], "--target names 'dream', which is not a surface"),
        (["--target", "dream-machine=ftp://x"], "the URL must start with http:// or https://"),
    ],
)
def test_misuse_is_refused_with_a_sentence(
    arguments: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as refused:
        main(["proxy", *arguments])
    assert refused.value.code == 2
    assert message in capsys.readouterr().err


def test_recordings_check_and_contract_take_a_directory(
    luma: MockLuma, proxy: ProxyServer, recordings: Path, tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    httpx.get(f"{proxy.url}/dream-machine/v1/ping", headers={"Authorization": f"Bearer {KEY}"})
    proxy.settle()
    with pytest.raises(SystemExit) as checked:
        main(["recordings", "check", str(recordings)])
    assert checked.value.code == 0
    assert "1 recordings checked: 0 violations." in capsys.readouterr().out

    # A recording edited to break its schema fails both commands.
    (path,) = recordings.glob("*/*.json")
    document = json.loads(path.read_text())
    document["body"]["message"] = 7
    path.write_text(json.dumps(document))
    with pytest.raises(SystemExit) as failed:
        main(["recordings", "check", str(recordings)])
    assert failed.value.code == 1
    assert "body_matches_schema at $.message" in capsys.readouterr().out

    report = tmp_path / "contract.json"
    with pytest.raises(SystemExit) as contract:
        main([
            "contract", "--surface", "dream-machine", "--check", "ping_answers_with_a_message",
            "--recordings", str(recordings), "--json", str(report),
        ])  # fmt: skip
    assert contract.value.code == 1
    results = json.loads(report.read_text())["results"]
    (broken,) = [r for r in results if r["outcome"] == "failed"]
    assert broken["surface"] == "recorded:dream-machine"
    assert broken["failures"][0]["json_path"] == "$.message"
    assert any(r["check"] == "ping_answers_with_a_message" for r in results)


def test_recordings_commands_refuse_a_directory_without_recordings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as refused:
        main(["recordings", "compare", str(tmp_path)])
    assert refused.value.code == 2
    assert "holds no recordings made by `mockluma proxy --record`" in capsys.readouterr().err
