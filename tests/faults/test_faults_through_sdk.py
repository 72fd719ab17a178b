"""Each fault as the official ``lumaai`` SDK sees it, over a real socket."""

from __future__ import annotations

import httpx
import lumaai
import pytest
from lumaai import LumaAI
from lumaai.types import Generation

from mockluma.engine.jobs import Phase
from mockluma.handle import MockLuma

API_KEY = "luma-test-key"  # the key of the shared client fixtures (tests/conftest.py)


def ident(generation: Generation) -> str:
    assert generation.id is not None
    return generation.id


VIDEO = "/dream-machine/v1/generations/video"


def sdk(luma: MockLuma, **options: object) -> LumaAI:
    return LumaAI(
        auth_token=API_KEY,
        base_url=luma.dream_machine_url,
        _strict_response_validation=True,
        **options,  # type: ignore[arg-type]
    )


def test_injected_error_in_the_dialect_with_its_exception_class(
    luma: MockLuma, client: LumaAI
) -> None:
    luma.faults.add(match={"path": "*/credits"}, error={"status": 503}, times=1)
    with pytest.raises(lumaai.InternalServerError) as caught:
        client.credits.get()
    assert caught.value.status_code == 503
    assert caught.value.body == {
        "detail": "Service unavailable (injected by mockluma: fault rule 'rule-1')."
    }
    assert client.credits.get().credit_balance > 0  # times=1: only once


@pytest.mark.parametrize(
    ("status", "exception"),
    [
        (400, lumaai.BadRequestError),
        (401, lumaai.AuthenticationError),
        (403, lumaai.PermissionDeniedError),
        (404, lumaai.NotFoundError),
        (422, lumaai.UnprocessableEntityError),
        (429, lumaai.RateLimitError),
    ],
)
def test_any_status_maps_to_the_sdk_exception(
    luma: MockLuma, client: LumaAI, status: int, exception: type[Exception]
) -> None:
    luma.faults.add(
        match={"method": "GET", "path": "*/ping"}, error={"status": status, "message": "no"}
    )
    with pytest.raises(exception) as caught:
        client.ping.check()
    assert caught.value.body == {"detail": "no"}  # type: ignore[attr-defined]


def test_sdk_retries_honour_retry_after(luma: MockLuma) -> None:
    # Two 429s carrying a 1 ms Retry-After, then the real answer: the SDK's retries get it.
    luma.faults.add(
        match={"method": "POST", "path": VIDEO},
        error={"status": 429, "headers": {"retry-after-ms": "1"}},
        times=2,
    )
    with sdk(luma, max_retries=2) as retrying:
        generation = retrying.generations.create(model="ray-2", prompt="a red fox in snow")
    posts = luma.journal.find(method="POST", path=VIDEO)
    assert [entry.status for entry in posts] == [429, 429, 201]
    assert generation.state == "queued"
    assert len(luma.simulation.page("dream-machine", API_KEY, offset=0, limit=10)[0]) == 1


def test_x_should_retry_false_stops_the_sdk_retrying(luma: MockLuma) -> None:
    luma.faults.add(
        match={"path": "*/ping"},
        error={"status": 503, "headers": {"x-should-retry": "false"}},
    )
    with sdk(luma, max_retries=2) as retrying, pytest.raises(lumaai.InternalServerError):
        retrying.ping.check()
    assert luma.journal.count(path="*/ping") == 1


def test_x_should_retry_true_makes_the_sdk_retry_a_400(luma: MockLuma) -> None:
    luma.faults.add(
        match={"path": "*/ping"},
        error={"status": 400, "headers": {"x-should-retry": "true", "retry-after-ms": "1"}},
        times=1,
    )
    with sdk(luma, max_retries=1) as retrying:
        assert retrying.ping.check() is not None
    assert [e.status for e in luma.journal.find(path="*/ping")] == [400, 200]


@pytest.mark.parametrize("fault", ["reset", "empty", "truncated"])
def test_network_faults_are_connection_errors(luma: MockLuma, client: LumaAI, fault: str) -> None:
    luma.faults.add(match={"path": "*/credits"}, network=fault)
    with pytest.raises(lumaai.APIConnectionError):
        client.credits.get()
    assert luma.take_errors() == []
    luma.faults.clear()
    assert client.credits.get().credit_balance > 0  # the server is fine afterwards


def test_a_reset_is_a_tcp_reset(luma: MockLuma) -> None:
    luma.faults.add(match={"path": "*/ping"}, network="reset")
    with httpx.Client() as plain, pytest.raises(httpx.ReadError, match="reset"):
        plain.get(f"{luma.dream_machine_url}/ping")


def test_malformed_body_fails_to_parse(luma: MockLuma, client: LumaAI) -> None:
    luma.faults.add(match={"path": "*/credits"}, network="malformed")
    with pytest.raises(ValueError, match="Expecting value"):
        client.credits.get()


def test_a_response_slower_than_the_client_timeout(luma: MockLuma) -> None:
    luma.faults.add(match={"path": "*/ping"}, network={"fault": "timeout", "seconds": 30})
    with sdk(luma, max_retries=0, timeout=0.2) as impatient, pytest.raises(lumaai.APITimeoutError):
        impatient.ping.check()


def test_lost_answer_after_the_create_was_processed(luma: MockLuma, client: LumaAI) -> None:
    # The classic double-submit trap: the generation exists, the client never heard.
    luma.faults.add(
        match={"method": "POST", "path": VIDEO},
        network={"fault": "empty", "after_handler": True},
        times=1,
    )
    with pytest.raises(lumaai.APIConnectionError):
        client.generations.create(model="ray-2", prompt="a red fox in snow")
    listed = client.generations.list()
    assert listed.count == 1


@pytest.mark.parametrize(
    ("kind", "reason"),
    [
        ("moderation", "Advanced prompt moderation failed"),
        ("blacklisted", "Contains blacklisted words"),
        ("prompt", "Prompt processing failed"),
        ("dispatch", "Error dispatching job"),
        ("job", "Job failed"),
    ],
)
def test_generation_fails_after_acceptance_with_its_reason_and_a_refund(
    luma: MockLuma, client: LumaAI, kind: str, reason: str
) -> None:
    luma.faults.add(match={"body": {"prompt": {"contains": "storm"}}}, generation={"fail": kind})
    before = client.credits.get().credit_balance
    generation = client.generations.create(model="ray-2", prompt="a storm at sea")
    assert generation.state == "queued"
    assert client.credits.get().credit_balance < before
    luma.run_until_idle()
    failed = client.generations.get(ident(generation))
    assert (failed.state, failed.failure_reason, failed.assets) == ("failed", reason, None)
    assert client.credits.get().credit_balance == before
    calm = client.generations.create(model="ray-2", prompt="a calm sea")
    luma.run_until_idle()
    assert client.generations.get(ident(calm)).state == "completed"


def test_fail_from_dreaming_at_a_chosen_time(luma: MockLuma, client: LumaAI) -> None:
    luma.faults.add(generation={"fail": "job", "from": "dreaming", "after": 7})
    generation = client.generations.create(model="ray-2", prompt="a red fox in snow")
    while client.generations.get(ident(generation)).state == "queued":
        luma.advance(1)
    job = luma.simulation.get("dream-machine", API_KEY, ident(generation))
    dreaming_since = job.entered(Phase.RUNNING)
    assert dreaming_since is not None
    luma.advance(dreaming_since + 6.9 - luma.simulation.now())
    assert client.generations.get(ident(generation)).state == "dreaming"
    luma.advance(0.2)
    assert client.generations.get(ident(generation)).failure_reason == "Job failed"


def test_moderation_from_queued_at_a_chosen_time(luma: MockLuma, client: LumaAI) -> None:
    luma.faults.add(generation={"fail": "moderation", "from": "queued", "after": 0.5})
    generation = client.generations.create(model="ray-2", prompt="a red fox in snow")
    luma.advance(0.4)
    assert client.generations.get(ident(generation)).state == "queued"
    luma.advance(0.2)
    assert client.generations.get(ident(generation)).state == "failed"


def test_stuck_generations_never_finish(luma: MockLuma, client: LumaAI) -> None:
    luma.faults.add(generation={"stuck": True}, times=1)
    stuck = client.generations.create(model="ray-2", prompt="a red fox in snow")
    fine = client.generations.create(model="ray-2", prompt="a red fox in snow")
    luma.advance(30 * 24 * 3600)
    assert client.generations.get(ident(stuck)).state == "dreaming"
    assert client.generations.get(ident(fine)).state == "completed"


def test_probability_rules_pick_the_same_generations_under_a_seed(luma: MockLuma) -> None:
    def outcomes(seed: int) -> list[str]:
        luma.reset(
            seed=seed,
            faults=[{"when": {"probability": 0.5}, "generation": {"fail": "moderation"}}],
        )
        with sdk(luma, max_retries=0) as client:
            ids = [
                ident(client.generations.create(model="ray-2", prompt="a fox")) for _ in range(12)
            ]
            luma.run_until_idle()
            return [str(client.generations.get(i).state) for i in ids]

    first = outcomes(3)
    assert first == outcomes(3)
    assert set(first) == {"completed", "failed"}


def test_in_band_triggers_in_the_prompt(luma: MockLuma, client: LumaAI) -> None:
    failing = client.generations.create(model="ray-2", prompt="a fox [mockluma:fail=moderation]")
    assert failing.request.prompt == "a fox [mockluma:fail=moderation]"  # type: ignore[union-attr]
    stuck = client.generations.create(model="ray-2", prompt="a fox [mockluma:stuck]")
    luma.run_until_idle()
    assert (
        client.generations.get(ident(failing)).failure_reason == "Advanced prompt moderation failed"
    )
    assert client.generations.get(ident(stuck)).state == "dreaming"
    with pytest.raises(lumaai.InternalServerError):
        client.generations.create(model="ray-2", prompt="a fox [mockluma:error=500]")
    with pytest.raises(lumaai.APIConnectionError):
        client.generations.create(model="ray-2", prompt="a fox [mockluma:network=reset]")
    with pytest.raises(lumaai.BadRequestError, match=r"\[mockluma:explode\] is not understood"):
        client.generations.create(model="ray-2", prompt="a fox [mockluma:explode]")


def test_triggers_can_be_switched_off(luma: MockLuma, client: LumaAI) -> None:
    luma.reset(triggers=False)
    generation = client.generations.create(model="ray-2", prompt="a fox [mockluma:fail=job]")
    luma.run_until_idle()
    assert client.generations.get(ident(generation)).state == "completed"


def test_latency_rules_count_and_do_not_change_the_answer(luma: MockLuma, client: LumaAI) -> None:
    luma.faults.add(
        name="slow", match={"path": "*/ping"}, latency={"kind": "fixed", "seconds": 0.01}
    )
    client.ping.check()
    client.credits.get()
    (rule,) = luma.faults.list()
    assert (rule["name"], rule["calls"], rule["fired"]) == ("slow", 1, 1)


def test_dribbled_download_arrives_whole(luma: MockLuma, client: LumaAI) -> None:
    generation = client.generations.create(model="ray-2", prompt="a red fox in snow")
    luma.run_until_idle()
    video_url = client.generations.get(ident(generation)).assets.video  # type: ignore[union-attr]
    assert video_url is not None
    with httpx.Client() as plain:
        whole = plain.get(video_url).content
        luma.faults.add(
            match={"path": "/_mockluma/media/*"}, dribble={"chunk_bytes": 4096, "interval": 0}
        )
        with plain.stream("GET", video_url) as slow:
            dribbled = b"".join(slow.iter_raw())
    assert dribbled == whole
    assert luma.faults.list()[0]["fired"] == 1


def test_faults_in_process_raise_what_httpx_raises(client: LumaAI) -> None:
    with MockLuma(in_process=True) as luma:
        luma.faults.add(match={"path": "*/ping"}, network="reset")
        with (
            LumaAI(
                auth_token=API_KEY,
                base_url=luma.dream_machine_url,
                max_retries=0,
                http_client=httpx.Client(transport=luma.sync_transport()),
            ) as in_process,
            pytest.raises(lumaai.APIConnectionError),
        ):
            in_process.ping.check()
        assert luma.journal.find(path="*/ping")[0].status == 0
