"""A misspelled failure trigger or fault rule is refused, naming the known kinds, instead of
quietly running the success path (which would turn a failure-path test green for nothing)."""

from __future__ import annotations

import httpx
import luma_agents
import lumaai
import pytest
from luma_agents import Luma
from lumaai import LumaAI

from mockluma.handle import MockLuma
from mockluma.scenario import ScenarioError


def test_dream_machine_refuses_an_unknown_failure_kind(luma: MockLuma, client: LumaAI) -> None:
    with pytest.raises(lumaai.BadRequestError) as caught:
        client.generations.create(model="ray-2", prompt="a fox [mockluma:fail=bogus]")
    detail = caught.value.body["detail"]  # type: ignore[index]
    assert "no failure kind 'bogus'" in detail
    # The known kinds are named.
    assert "frames_unreadable" in detail
    assert "moderation" in detail
    assert client.generations.list().generations == []  # nothing was created


def test_agents_refuses_a_failure_code_used_as_a_kind(luma: MockLuma, agents: Luma) -> None:
    with pytest.raises(luma_agents.BadRequestError) as caught:
        agents.generations.create(prompt="a cat [mockluma:fail=content_moderated]")
    detail = caught.value.body["detail"]  # type: ignore[index]
    assert "no failure kind 'content_moderated'" in detail
    # The kinds that fail with that failure_code are suggested.
    assert "the kinds that fail with it are moderation, prompt" in detail


def test_known_kinds_and_own_reasons_still_fail_the_generation(
    luma: MockLuma, agents: Luma
) -> None:
    known = agents.generations.create(prompt="a cat [mockluma:fail=moderation]")
    own = agents.generations.create(prompt="a cat [mockluma:fail=anything,reason=My words]")
    luma.run_until_idle()
    assert agents.generations.get(known.id).failure_code == "content_moderated"
    failed = agents.generations.get(own.id)
    assert (failed.state, failed.failure_reason) == ("failed", "My words")


def test_fault_rules_refuse_an_unknown_kind(luma: MockLuma) -> None:
    with pytest.raises(ScenarioError, match=r"no failure kind 'bogus'.*moderation"):
        luma.faults.add(match={"surface": "dream-machine"}, generation={"fail": "bogus"})
    with pytest.raises(ScenarioError, match="no failure kind 'content_moderated'"):
        luma.faults.add(match={"surface": "agents"}, generation={"fail": "content_moderated"})
    assert luma.faults.list() == []


def test_captures_refuses_an_unknown_kind_in_a_title(luma: MockLuma) -> None:
    answer = httpx.post(
        f"{luma.captures_url}/capture",
        data={"title": "a chair [mockluma:fail=bogus]"},
        headers={"Authorization": "luma-api-key=captures-fidelity"},
    )
    assert answer.status_code == 400
    assert "no failure kind 'bogus'" in str(answer.json())
