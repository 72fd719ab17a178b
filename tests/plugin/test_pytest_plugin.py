"""The pytest plugin, exercised the way a downstream suite uses it (through pytester)."""

from __future__ import annotations

import pytest

HEADER = """
import httpx
import lumaai
import pytest
from lumaai import LumaAI


def sdk(luma_mock):
    return LumaAI(auth_token="luma-test", base_url=luma_mock.dream_machine_url, max_retries=0)
"""


def run(pytester: pytest.Pytester, body: str, *args: str) -> pytest.RunResult:
    pytester.makepyfile(test_downstream=HEADER + body)
    return pytester.runpytest_inprocess("-p", "no:cacheprovider", *args)


def test_each_test_gets_a_fresh_mock(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
def test_one(luma_mock):
    sdk(luma_mock).generations.create(model="ray-2", prompt="first test")
    assert luma_mock.journal.count(method="POST") == 1

def test_two(luma_mock):
    client = sdk(luma_mock)
    assert client.generations.list().count == 0
    assert client.credits.get().credit_balance == 100_000
    assert len(luma_mock.journal) == 2
""",
    )
    result.assert_outcomes(passed=2)


def test_polling_code_finishes_by_default_without_touching_the_clock(
    pytester: pytest.Pytester,
) -> None:
    result = run(
        pytester,
        """
def fetch_result(client, generation_id):
    # Application code: poll until done, as Luma's docs show (minus the sleep).
    while True:
        generation = client.generations.get(generation_id)
        if generation.state in ("completed", "failed"):
            return generation

def test_app_code(luma_mock):
    client = sdk(luma_mock)
    created = client.generations.create(model="ray-2", prompt="a red fox in snow")
    done = fetch_result(client, created.id)
    assert done.state == "completed"
    assert httpx.get(done.assets.video).headers["content-type"] == "video/mp4"
    polls = luma_mock.journal.find(method="GET", path="/dream-machine/*", generation_id=created.id)
    assert len(polls) == 2
    # the download is journaled too, under the generation's id
    assert luma_mock.journal.count(path="/_mockluma/media/*", generation_id=created.id) == 1

def test_advancing_the_clock_also_works(luma_mock):
    client = sdk(luma_mock)
    created = client.generations.create(model="ray-2", prompt="a red fox in snow")
    luma_mock.advance(120)
    assert client.generations.get(created.id).state == "completed"
""",
    )
    result.assert_outcomes(passed=2)


def test_the_marker_changes_settings_for_one_test(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
@pytest.mark.luma_mock(progression="clock", timing="realistic")
def test_clock_only(luma_mock):
    client = sdk(luma_mock)
    created = client.generations.create(model="ray-2", prompt="patience")
    for _ in range(5):
        assert client.generations.get(created.id).state == "queued"
    luma_mock.advance(30)
    assert client.generations.get(created.id).state != "queued"

@pytest.mark.luma_mock(credits_cents=10)
def test_poor(luma_mock):
    with pytest.raises(lumaai.APIStatusError) as refused:
        sdk(luma_mock).generations.create(model="ray-2", prompt="too expensive")
    assert refused.value.status_code == 402

@pytest.mark.luma_mock(seed=42)
def test_seeded_ids_repeat_only_in_a_fresh_state(luma_mock):
    from mockluma import MockLuma

    first = sdk(luma_mock).generations.create(model="ray-2", prompt="same id").id
    luma_mock.reset(seed=42)
    assert sdk(luma_mock).generations.create(model="ray-2", prompt="same id").id != first
    with MockLuma(seed=42, in_process=True) as one, MockLuma(seed=42, in_process=True) as two:
        ids = [
            LumaAI(
                auth_token="luma-test",
                base_url=luma.dream_machine_url,
                http_client=httpx.Client(transport=luma.sync_transport()),
            ).generations.create(model="ray-2", prompt="same id").id
            for luma in (one, two)
        ]
    assert ids[0] == ids[1]

def test_back_to_defaults(luma_mock):
    client = sdk(luma_mock)
    assert client.credits.get().credit_balance == 100_000
    created = client.generations.create(model="ray-2", prompt="polls again")
    assert client.generations.get(created.id).state == "dreaming"
""",
    )
    result.assert_outcomes(passed=4)


def test_a_crash_inside_the_mock_fails_the_test_with_its_traceback(
    pytester: pytest.Pytester,
) -> None:
    result = run(
        pytester,
        """
def test_breaks_the_mock(luma_mock):
    def broken(surface, owner):
        raise RuntimeError("ledger exploded")
    luma_mock.simulation.balance = broken
    try:
        with pytest.raises(lumaai.InternalServerError):
            sdk(luma_mock).credits.get()
    finally:
        del luma_mock.simulation.balance
""",
    )
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(
        ["*mockluma raised, or broke its contract, while handling a request*", "*ledger exploded*"]
    )


def test_failed_journal_assertions_show_the_near_misses(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
def test_expects_an_image(luma_mock):
    sdk(luma_mock).generations.create(model="ray-2", prompt="a video instead")
    luma_mock.journal.assert_called(method="POST", path="/dream-machine/v1/generations/image")
""",
    )
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*Expected a request matching method='POST', path='/dream-machine/v1/generations/image'*",
            "*Closest requests seen:*",
            "*POST /dream-machine/v1/generations/video -> 201   (differs in: path)*",
        ]
    )


def test_luma_env_lets_code_build_its_own_clients(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
def test_env(luma_env):
    assert LumaAI().ping.check().message == "pong"
""",
    )
    result.assert_outcomes(passed=1)


def test_session_settings_can_be_overridden_in_conftest(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(
        """
import pytest

@pytest.fixture(scope="session")
def luma_mock_settings():
    return {"credits_cents": 42}
"""
    )
    result = run(
        pytester,
        """
def test_balance(luma_mock):
    assert sdk(luma_mock).credits.get().credit_balance == 42
""",
    )
    result.assert_outcomes(passed=1)


def test_the_marker_is_registered_with_help(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest_inprocess("--markers")
    result.stdout.fnmatch_lines(["@pytest.mark.luma_mock(**settings): per-test mockluma settings*"])


def test_a_marker_with_a_server_level_setting_is_refused(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
@pytest.mark.luma_mock(api_keys={"k"})
def test_wrong(luma_mock):
    pass
""",
    )
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*api_keys cannot change between tests*"])
