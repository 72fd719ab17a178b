"""Every UmamiAI refusal: a 4xx (or the 500) with ``{"message": "...", "statusCode": N}``."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from mockluma.handle import MockLuma
from mockluma.schemas import store as schema_store
from mockluma.surfaces.umami import catalog

GENERATIONS = "/luma-ai/generations"
FETCH = "/luma-ai/generation"
UNKNOWN = "4c9126f3-d9a6-4eaf-aa4c-b64b634f65bd"


def error_of(response: httpx.Response, status: int) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    problem = schema_store.first_error("umami/error.response.json", body)
    assert problem is None, schema_store.describe(problem)
    assert body["statusCode"] == status
    message: str = body["message"]
    return message


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({}, "Field 'user_prompt' is required."),
        ({"aspect_ratio": "16:9", "expand_prompt": True}, "Field 'user_prompt' is required."),
        ({"user_prompt": 3}, "Field 'user_prompt' must be of type string, not number."),
        ({"user_prompt": " "}, "Field 'user_prompt' is blank."),
        ({"user_prompt": "x" * 5001}, "Field 'user_prompt' is out of range: it must have at most 5000 characters, not 5001."),
        ({"user_prompt": "a cat", "aspect_ratio": "2:1"}, "Field 'aspect_ratio' must be one of"),
        ({"user_prompt": "a cat", "expand_prompt": "yes"}, "Field 'expand_prompt' must be of type boolean or null"),
        ({"user_prompt": "a cat", "image_url": "main-image.jpg"}, "Field 'image_url' must be an absolute http or https URL"),
        ({"user_prompt": "a cat", "image_end_url": 5}, "Field 'image_end_url' must be of type string or null"),
        ([], "The request body must be a JSON object, not array."),
    ],
    ids=["empty", "docs-payload-without-prompt", "number-prompt", "blank-prompt", "long-prompt", "unknown-ratio",
         "text-expand", "relative-image", "number-end-image", "array-body"],
)  # fmt: skip
def test_bad_bodies_are_400_naming_the_field(
    umami: httpx.Client, luma: MockLuma, body: Any, fragment: str
) -> None:
    message = error_of(umami.post(GENERATIONS, json=body), 400)
    assert message.startswith("Body validation error! ")
    assert fragment in message


def test_extend_checks_its_body_too(umami: httpx.Client, luma: MockLuma) -> None:
    parent = umami.post(GENERATIONS, json={"user_prompt": "a cat"}).json()["id"]
    luma.advance(3600)
    message = error_of(umami.post(f"{GENERATIONS}/{parent}/extend", json={}), 400)
    assert "Field 'user_prompt' is required." in message


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [(b'{"user_prompt": "a', "Request body is not valid JSON"), (b'{"user_prompt": 1e999}', "Out of range")],
    ids=["truncated", "overflow"],
)  # fmt: skip
def test_malformed_json_is_400(umami: httpx.Client, raw: bytes, fragment: str) -> None:
    assert fragment in error_of(umami.post(GENERATIONS, content=raw), 400)


def test_an_oversized_body_is_413(umami: httpx.Client) -> None:
    huge = {"user_prompt": "a cat", "padding": "x" * 2_000_000}
    assert "too large" in error_of(umami.post(GENERATIONS, json=huge), 413)


@pytest.mark.parametrize(
    ("query", "fragment"),
    [
        ("", "Query parameter 'ids' is required"),
        ("ids=", "Query parameter 'ids' is required"),
        ("ids=,,", "Query parameter 'ids' is required"),
        ("ids=text", "'text' in 'ids' is not a generation id"),
        (f"ids[0]={UNKNOWN}&ids[1]=nope", "'nope' in 'ids' is not a generation id"),
        ("ids[x]=1", "Query parameter 'ids[x]' is not understood"),
        ("ids[1234567]=1", "Query parameter 'ids[1234567]' is not understood"),
        ("ids=" + ",".join(f"{n:08x}-d9a6-4eaf-aa4c-b64b634f65bd" for n in range(101)), "fetch at most 100"),
    ],
    ids=["none", "empty", "commas", "docs-placeholder", "one-bad", "bad-index", "huge-index", "too-many"],
)  # fmt: skip
def test_bad_fetch_queries_are_400(umami: httpx.Client, query: str, fragment: str) -> None:
    message = error_of(umami.get(f"{FETCH}?{query}"), 400)
    assert message.startswith("Query validation error! ")
    assert fragment in message


def test_unknown_or_foreign_ids_are_404(umami: httpx.Client, luma: MockLuma) -> None:
    mine = umami.post(GENERATIONS, json={"user_prompt": "private"}).json()["id"]
    message = error_of(umami.get(f"{FETCH}?ids[0]={mine}&ids[1]={UNKNOWN}"), 404)
    assert UNKNOWN in message
    assert mine not in message
    with httpx.Client(
        base_url=luma.umami_url, headers={"Authorization": "Bearer someone-else"}
    ) as other:
        assert mine in error_of(other.get(FETCH, params={"ids": mine}), 404)
        extend = other.post(f"{GENERATIONS}/{mine}/extend", json={"user_prompt": "more"})
        assert mine in error_of(extend, 404)
    extend_unknown = umami.post(f"{GENERATIONS}/{UNKNOWN}/extend", json={"user_prompt": "more"})
    assert UNKNOWN in error_of(extend_unknown, 404)


def test_extend_refuses_a_generation_that_is_not_completed(umami: httpx.Client) -> None:
    pending = umami.post(GENERATIONS, json={"user_prompt": "still going"}).json()["id"]
    response = umami.post(f"{GENERATIONS}/{pending}/extend", json={"user_prompt": "more"})
    message = error_of(response, 400)
    assert "not completed yet" in message
    assert pending in message


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer"}, {"Authorization": "Token abc"}, {"Ocp-Apim-Subscription-Key": "k"}],
    ids=["none", "empty", "wrong-scheme", "other-gateways-header"],
)  # fmt: skip
def test_requests_without_a_bearer_key_are_401(luma: MockLuma, headers: dict[str, str]) -> None:
    base = luma.umami_url
    calls = [
        httpx.post(f"{base}{GENERATIONS}", json={"user_prompt": "a"}, headers=headers),
        httpx.get(f"{base}{FETCH}", params={"ids": UNKNOWN}, headers=headers),
        httpx.post(f"{base}{GENERATIONS}/{UNKNOWN}/extend", json={}, headers=headers),
    ]
    for response in calls:
        assert "Authorization: Bearer <key>" in error_of(response, 401)


def test_a_server_restricted_to_given_keys_refuses_others() -> None:
    with MockLuma(api_keys={"umami-good"}) as restricted:
        url = f"{restricted.umami_url}{GENERATIONS}"
        bad = httpx.post(url, json={"user_prompt": "a"}, headers={"Authorization": "Bearer no"})
        assert "valid API key" in error_of(bad, 401)
        good = {"Authorization": "Bearer umami-good"}
        assert httpx.post(url, json={"user_prompt": "a"}, headers=good).status_code == 201


def test_running_out_of_tokens_is_403_and_costs_nothing(
    umami: httpx.Client, luma: MockLuma
) -> None:
    # 750 cents are 750,000 tokens: one generation, with 250,000 left over.
    luma.reset(credits_cents=750)
    parent = umami.post(GENERATIONS, json={"user_prompt": "the only one"}).json()["id"]
    message = error_of(umami.post(GENERATIONS, json={"user_prompt": "one too many"}), 403)
    assert "run out of tokens" in message
    luma.advance(3600)
    extend = umami.post(f"{GENERATIONS}/{parent}/extend", json={"user_prompt": "more"})
    assert "500,000 tokens" in error_of(extend, 403)
    key = umami.headers["Authorization"].removeprefix("Bearer ")
    assert luma.simulation.balance(catalog.SURFACE, key) == 250_000


def test_a_rate_limit_is_429_with_retry_after(umami: httpx.Client, luma: MockLuma) -> None:
    luma.reset(rate_limits=True, limits={"umami": {"video": {"per_minute": 1}}})
    parent = umami.post(GENERATIONS, json={"user_prompt": "the first"}).json()["id"]
    luma.advance(30)
    refused = umami.post(GENERATIONS, json={"user_prompt": "the second"})
    assert "at most 1 generations a minute" in error_of(refused, 429)
    assert int(refused.headers["retry-after"]) >= 1
    luma.advance(3600)  # a new minute; extensions count towards the same limit
    assert (
        umami.post(f"{GENERATIONS}/{parent}/extend", json={"user_prompt": "more"}).status_code
        == 201
    )
    assert (
        umami.post(f"{GENERATIONS}/{parent}/extend", json={"user_prompt": "again"}).status_code
        == 429
    )


def test_injected_http_errors_speak_the_dialect(umami: httpx.Client) -> None:
    response = umami.post(GENERATIONS, json={"user_prompt": "[mockluma:error=503] a cat"})
    assert "injected by mockluma" in error_of(response, 503)


def test_fault_rules_name_the_gateways_failures(umami: httpx.Client, luma: MockLuma) -> None:
    luma.faults.add(name="stuck", match={"surface": "umami"}, generation={"stuck": True})
    created = umami.post(GENERATIONS, json={"user_prompt": "forever"}).json()
    luma.advance(24 * 3600)
    [stuck] = umami.get(FETCH, params={"ids[0]": created["id"]}).json()
    assert stuck["state"] == "processing"
    message = error_of(
        umami.post(f"{GENERATIONS}/{created['id']}/extend", json={"user_prompt": "x"}), 400
    )
    assert "not completed yet" in message


def test_unknown_paths_are_404_and_wrong_methods_405(umami: httpx.Client) -> None:
    for path in ("/luma-ai/nope", "/luma-ai/generations/x/y", "/luma-ai/generations/x"):
        assert "There is no endpoint" in error_of(umami.get(path), 404)
    assert "use POST" in error_of(umami.get(GENERATIONS), 405)
    assert "GET" in error_of(umami.post(FETCH, json={}), 405)
    assert "use POST" in error_of(umami.get(f"{GENERATIONS}/{UNKNOWN}/extend"), 405)


def test_a_crash_inside_the_mock_is_a_500_in_the_dialect(
    umami: httpx.Client, luma: MockLuma, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("simulated bug")

    monkeypatch.setattr(luma.simulation, "submit", broken)
    assert "bug in mockluma" in error_of(umami.post(GENERATIONS, json={"user_prompt": "a"}), 500)
    assert len(luma.take_errors()) == 1
