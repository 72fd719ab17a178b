"""``mockluma serve`` as a subprocess, for the tests of ``--state``."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx


class Served:
    """One ``mockluma serve`` process; :attr:`url` once it listens."""

    def __init__(self, *args: str | Path, port: int = 0) -> None:
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        env.pop("MOCKLUMA_STATE", None)
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "mockluma",
                "serve",
                "--port",
                str(port),
                "--quiet",
                *map(str, args),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        assert self.process.stdout is not None
        first = self.process.stdout.readline()
        if "listening on" not in first:
            self.process.kill()
            _, err = self.process.communicate(timeout=10)
            raise AssertionError(f"mockluma serve did not start: {first!r} {err!r}")
        self.url = first.rsplit(" ", 1)[-1].strip()
        self.port = int(self.url.rsplit(":", 1)[1])
        self.banner = [first]
        for line in self.process.stdout:
            self.banner.append(line)
            if "Press Ctrl-C" in line:
                break

    def admin(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        return httpx.request(method, f"{self.url}/_mockluma/{path}", **kwargs)

    def advance(self, seconds: float) -> None:
        answer = self.admin("POST", "clock/advance", json={"seconds": seconds})
        assert answer.status_code == 200, answer.text

    def now(self) -> float:
        epoch: float = self.admin("GET", "clock").json()["epoch"]
        return epoch

    def stop(self) -> int:
        """SIGTERM, as a process manager stops it; returns the exit status."""
        self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(timeout=30)
        self.process.communicate(timeout=10)
        return code

    def kill(self) -> None:
        self.process.kill()  # SIGKILL: nothing runs on the way out
        self.process.wait(timeout=30)
        self.process.communicate(timeout=10)


def refused(*args: str | Path) -> str:
    """Run ``mockluma serve`` expecting it to refuse to start; return its error output."""
    done = subprocess.run(
        [sys.executable, "-m", "mockluma", "serve", "--port", "0", "--quiet", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode != 0, done.stdout
    return done.stderr.strip()
