"""The Agents API under fault rules, triggers and its documented rate limits, through the SDK."""

from __future__ import annotations

import luma_agents
import pytest
from luma_agents import Luma

from mockluma.handle import MockLuma

from .conftest import API_KEY


def create(agents: Luma, prompt: str = "a red fox in snow") -> str:
    generation = agents.generations.create(prompt=prompt, model="uni-1", type="image")
    assert generation.id is not None
    return generation.id


def test_a_create_carries_the_rate_limit_headers(luma: MockLuma, agents: Luma) -> None:
    luma.reset(rate_limits=True)
    raw = agents.generations.with_raw_response.create(prompt="a fox", model="uni-1", type="image")
    now = int(luma.simulation.now())
    assert raw.headers["x-ratelimit-limit"] == "30"
    assert raw.headers["x-ratelimit-remaining"] == "29"
    assert int(raw.headers["x-ratelimit-reset"]) == now + 60
    second = agents.generations.with_raw_response.create(
        prompt="a fox", model="uni-1", type="image"
    )
    assert second.headers["x-ratelimit-remaining"] == "28"
    polled = agents.generations.with_raw_response.get(raw.parse().id or "")
    assert "x-ratelimit-limit" not in polled.headers  # only creates count


def test_the_concurrency_429(luma: MockLuma, agents: Luma) -> None:
    luma.reset(rate_limits=True)
    for _ in range(10):
        create(agents)
    with pytest.raises(luma_agents.RateLimitError) as caught:
        create(agents)
    response = caught.value.response
    assert caught.value.body == {"detail": "Too many concurrent jobs"}
    assert response.headers["retry-after"] == "60"
    assert "x-ratelimit-limit" not in response.headers
    assert response.headers["x-api-version"]
    assert response.headers["x-request-id"]
    luma.run_until_idle()
    create(agents)  # finished jobs free their slots


def test_the_per_minute_429(luma: MockLuma, agents: Luma) -> None:
    luma.reset(rate_limits=True, progression="immediate")
    for _ in range(30):
        create(agents)
    luma.advance(12)
    with pytest.raises(luma_agents.RateLimitError) as caught:
        create(agents)
    headers = caught.value.response.headers
    assert caught.value.body == {"detail": "Rate limit exceeded"}
    assert headers["retry-after"] == "48"  # the oldest create leaves the window in 48 s
    assert headers["x-ratelimit-remaining"] == "0"
    assert int(headers["x-ratelimit-reset"]) == int(luma.simulation.now()) + 48
    luma.advance(48)
    create(agents)


def test_sdk_retries_wait_out_an_injected_429(luma: MockLuma) -> None:
    luma.faults.add(
        match={"method": "POST", "path": "/v1/generations"},
        error={"status": 429, "message": "Rate limit exceeded", "headers": {"retry-after-ms": "1"}},
        times=1,
    )
    with Luma(
        auth_token=API_KEY,
        base_url=f"{luma.url}/v1",
        max_retries=1,
        _strict_response_validation=True,
    ) as retrying:
        create(retrying)
    assert [e.status for e in luma.journal.find(method="POST", path="/v1/generations")] == [
        429,
        201,
    ]


@pytest.mark.parametrize(
    ("kind", "code"),
    [
        ("moderation", "content_moderated"),
        ("prompt", "content_moderated"),
        ("dispatch", "generation_failed"),
        ("job", "generation_failed"),
        ("image_too_large", "image_too_large"),
    ],
)
def test_failures_after_acceptance_carry_code_and_reason(
    luma: MockLuma, agents: Luma, kind: str, code: str
) -> None:
    luma.faults.add(match={"surface": "agents"}, generation={"fail": kind})
    before = luma.simulation.balance("agents", API_KEY)
    generation_id = create(agents)
    luma.run_until_idle()
    failed = agents.generations.get(generation_id)
    assert failed.state == "failed"
    assert failed.failure_code == code
    assert failed.failure_reason
    assert failed.output == []
    assert luma.simulation.balance("agents", API_KEY) == before  # refunded


def test_triggers_and_network_faults(luma: MockLuma, agents: Luma) -> None:
    stuck = create(agents, "a fox [mockluma:stuck]")
    luma.run_until_idle()
    assert agents.generations.get(stuck).state == "processing"
    with pytest.raises(luma_agents.InternalServerError) as caught:
        create(agents, "a fox [mockluma:error=503]")
    assert isinstance(caught.value.body, dict)
    assert set(caught.value.body) == {"detail"}
    assert caught.value.response.headers["x-request-id"]  # the API's headers, faults included
    luma.faults.add(match={"path": "/v1/generations/*"}, network="reset")
    with pytest.raises(luma_agents.APIConnectionError):
        agents.generations.get(stuck)
