"""The MockLuma handle: both modes, the journal, env variables, per-test settings."""

from __future__ import annotations

import httpx
import pytest
from lumaai import AsyncLumaAI, LumaAI

from mockluma import ConfigError, MockLuma


def test_in_process_mode_serves_the_sync_sdk_without_a_socket() -> None:
    with (
        MockLuma(in_process=True, timing="quick") as luma,
        httpx.Client(transport=luma.sync_transport()) as http_client,
        LumaAI(
            auth_token="luma-in-process",
            base_url=luma.dream_machine_url,
            http_client=http_client,
            _strict_response_validation=True,
        ) as client,
    ):
        assert luma.url == "http://mockluma.test"
        created = client.generations.create(model="ray-2", prompt="no socket at all")
        assert created.id is not None
        luma.advance(60)
        done = client.generations.get(created.id)
        assert done.state == "completed"
        assert done.assets is not None
        assert done.assets.video is not None
        video = http_client.get(done.assets.video)
        assert video.headers["content-type"] == "video/mp4"
        assert video.content[4:8] == b"ftyp"


@pytest.mark.anyio
async def test_in_process_mode_serves_the_async_sdk() -> None:
    with MockLuma(in_process=True, progression="polls:1") as luma:
        async with (
            httpx.AsyncClient(transport=luma.transport()) as http_client,
            AsyncLumaAI(
                auth_token="luma-async",
                base_url=luma.dream_machine_url,
                http_client=http_client,
                _strict_response_validation=True,
            ) as client,
        ):
            created = await client.generations.create(model="ray-flash-2", prompt="async")
            assert created.id is not None
            states = [(await client.generations.get(created.id)).state for _ in range(3)]
    assert states == ["dreaming", "completed", "completed"]


def test_the_journal_records_and_queries_exchanges(luma: MockLuma, client: LumaAI) -> None:
    created = client.generations.create(model="ray-2", prompt="journal me")
    assert created.id is not None
    client.generations.get(created.id)
    client.credits.get()
    journal = luma.journal
    assert journal.count(method="POST", path="/dream-machine/v1/generations/video") == 1
    about = journal.find(generation_id=created.id)
    assert [entry.method for entry in about] == ["POST", "GET"]
    assert about[0].request_json() == {"model": "ray-2", "prompt": "journal me"}
    assert about[0].response_json()["state"] == "queued"
    assert about[0].status == 201
    assert journal.count(path="/dream-machine/v1/generations/*") == 2  # the create and the get
    assert journal.count(api_key="luma-test-key") == 3
    assert journal.count(api_key="somebody-else") == 0


def test_assert_called_lists_the_near_misses(luma: MockLuma, client: LumaAI) -> None:
    client.generations.create(model="ray-2", prompt="close but not quite")
    client.credits.get()
    with pytest.raises(AssertionError) as failure:
        luma.journal.assert_called(method="POST", path="/dream-machine/v1/generations/image")
    message = str(failure.value)
    assert "found 0" in message
    assert "POST /dream-machine/v1/generations/video -> 201   (differs in: path)" in message
    assert luma.journal.assert_called(method="GET", path="/dream-machine/v1/credits", times=1)


def test_the_journal_is_bounded() -> None:
    with MockLuma(journal_limit=3) as luma, httpx.Client(base_url=luma.dream_machine_url) as http:
        for _ in range(5):
            http.get("/ping", headers={"Authorization": "Bearer k"})
        assert len(luma.journal) == 3
        assert [entry.sequence for entry in luma.journal] == [3, 4, 5]


def test_the_admin_api_exposes_the_journal(luma: MockLuma, client: LumaAI) -> None:
    created = client.generations.create(model="ray-2", prompt="over http")
    with httpx.Client(base_url=f"{luma.url}/_mockluma") as admin:
        entries = admin.get("/journal", params={"generation_id": created.id}).json()
        assert [(e["method"], e["status"]) for e in entries] == [("POST", 201)]
        assert entries[0]["request"]["prompt"] == "over http"
        assert admin.get("/journal", params={"status": "x"}).status_code == 422
        assert admin.delete("/journal").status_code == 204
        assert admin.get("/journal").json() == []


def test_env_points_the_sdk_at_the_mock(luma: MockLuma, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in luma.env().items():
        monkeypatch.setenv(name, value)
    with LumaAI() as client:  # reads LUMAAI_BASE_URL and LUMAAI_API_KEY
        assert client.ping.check().message == "pong"
    assert luma.journal.find()[-1].api_key == luma.api_key


def test_reset_with_settings_changes_the_simulation_for_the_next_test(
    luma: MockLuma, client: LumaAI
) -> None:
    luma.reset(progression="immediate", credits_cents=500)
    created = client.generations.create(model="ray-flash-2", prompt="at once")
    assert created.id is not None
    assert client.generations.get(created.id).state == "completed"
    assert client.credits.get().credit_balance < 500
    luma.reset()
    assert client.credits.get().credit_balance == 100_000
    with pytest.raises(ConfigError, match="cannot change between tests"):
        luma.reset(api_keys={"x"})


def test_run_until_idle_finishes_everything_that_can_finish(luma: MockLuma, client: LumaAI) -> None:
    ids = [client.generations.create(model="ray-2", prompt=f"clip {n}").id for n in range(3)]
    elapsed = luma.run_until_idle()
    assert 0 < elapsed < 3600
    assert {client.generations.get(i).state for i in ids if i} == {"completed"}
    assert luma.run_until_idle() == 0


def test_errors_inside_the_mock_are_collected_for_the_test(luma: MockLuma, client: LumaAI) -> None:
    import lumaai

    def broken(surface: str, owner: str) -> float:
        raise RuntimeError("balance ledger exploded")

    luma.simulation.balance = broken  # type: ignore[method-assign]
    try:
        with pytest.raises(lumaai.InternalServerError):
            client.credits.get()
    finally:
        del luma.simulation.balance
    (error,) = luma.take_errors()
    assert "balance ledger exploded" in error
    assert luma.take_errors() == []
