"""Every AppyPie refusal: a 4xx (or the 500) with ``{"error": "<documented phrase>. ..."}``."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from mockluma.config import ConfigError, build_config
from mockluma.handle import MockLuma
from mockluma.schemas import store as schema_store
from mockluma.surfaces.appypie import catalog
from mockluma.surfaces.appypie.errors import DIALECT, DOCUMENTED

GENERATE = "/lumalabs-ai/v1/generate"
FROM_IMAGE = "/lumalabs-ai/v1/generateRequestFromImage"
STATUS = "/lumalabs-ai-polling/v1/getStatus"
IMAGE = "https://example.com/frame.jpg"


def error_of(response: httpx.Response, status: int) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    problem = schema_store.first_error("appypie/error.response.json", body)
    assert problem is None, schema_store.describe(problem)
    message: str = body["error"]
    return message


@pytest.mark.parametrize(
    ("path", "body", "fragment"),
    [
        (GENERATE, {}, "Field 'prompt' is required."),
        (GENERATE, {"prompt": 42}, "Field 'prompt' must be of type string, not number."),
        (GENERATE, {"prompt": "   "}, "Field 'prompt' is blank."),
        (GENERATE, {"prompt": "x" * 5001}, "Field 'prompt' is out of range: it must have at most 5000 characters, not 5001."),
        (GENERATE, {"prompt": "a cat", "aspect_ratio": "2:1"}, "Field 'aspect_ratio' must be one of"),
        (GENERATE, {"prompt": "a cat", "aspect_ratio": 1.5}, "Field 'aspect_ratio' must be one of"),
        (GENERATE, {"prompt": "a cat", "loop": "yes"}, "Field 'loop' must be of type boolean or null, not string."),
        (GENERATE, ["a cat"], "The request body must be a JSON object, not array."),
        (FROM_IMAGE, {"prompt": "a cat"}, "Field 'url' is required."),
        (FROM_IMAGE, {"url": IMAGE}, "Field 'prompt' is required."),
        (FROM_IMAGE, {"prompt": "a cat", "url": "frame.jpg"}, "Field 'url' must be an absolute http or https URL"),
        (FROM_IMAGE, {"prompt": "a cat", "url": "http://[::1"}, "Field 'url' must be an absolute http or https URL"),
        (STATUS, {}, "Field 'task_id' is required."),
        (STATUS, {"task_id": ""}, "Field 'task_id' must not be empty."),
        (STATUS, {"task_id": "x" * 101}, "Field 'task_id' is out of range: it must have at most 100 characters, not 101."),
        (STATUS, {"task_id": 7}, "Field 'task_id' must be of type string, not number."),
    ],
    ids=["no-prompt", "number-prompt", "blank-prompt", "long-prompt", "unknown-ratio", "number-ratio", "text-loop", "array-body",
         "image-no-url", "image-no-prompt", "relative-url", "broken-url", "status-no-id", "status-empty-id", "status-long-id", "status-number-id"],
)  # fmt: skip
def test_bad_parameters_are_400_naming_the_field(
    appypie: httpx.Client, path: str, body: Any, fragment: str
) -> None:
    message = error_of(appypie.post(path, json=body), 400)
    assert message.startswith("Invalid request parameters. ")
    assert fragment in message


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        (b'{"prompt": "a cat",', "Request body is not valid JSON"),
        (b"\xff\xfe", "not valid UTF-8"),
        (b'{"prompt": "a cat", "loop": NaN}', "NaN is not a JSON number"),
    ],
    ids=["truncated", "binary", "nan"],
)
def test_malformed_json_is_400(appypie: httpx.Client, raw: bytes, fragment: str) -> None:
    for path in (GENERATE, STATUS):
        assert fragment in error_of(appypie.post(path, content=raw), 400)


def test_an_oversized_body_is_413_and_creates_nothing(
    appypie: httpx.Client, luma: MockLuma
) -> None:
    huge = {"prompt": "a cat", "padding": "x" * 2_000_000}
    assert "too large" in error_of(appypie.post(GENERATE, json=huge), 413)
    key = appypie.headers["Ocp-Apim-Subscription-Key"]
    assert luma.simulation.page(catalog.SURFACE, key, offset=0, limit=10) == ([], 0)


@pytest.mark.parametrize("path", [GENERATE, FROM_IMAGE, STATUS])
@pytest.mark.parametrize(
    "headers", [{}, {"Ocp-Apim-Subscription-Key": ""}, {"Authorization": "Bearer k"}], ids=["none", "empty", "bearer"]
)  # fmt: skip
def test_a_missing_key_is_401(luma: MockLuma, path: str, headers: dict[str, str]) -> None:
    response = httpx.post(f"{luma.appypie_url}{path}", json={"prompt": "a cat"}, headers=headers)
    message = error_of(response, 401)
    assert message.startswith("Invalid or missing authentication. ")
    assert "Ocp-Apim-Subscription-Key" in message


def test_the_key_may_come_as_a_query_parameter(luma: MockLuma) -> None:
    url = f"{luma.appypie_url}{GENERATE}?subscription-key=appypie-query-key"
    assert httpx.post(url, json={"prompt": "a cat"}).status_code == 200


def test_a_server_restricted_to_given_keys_refuses_others() -> None:
    with MockLuma(api_keys={"appypie-good"}) as restricted:
        url = f"{restricted.appypie_url}{GENERATE}"
        bad = httpx.post(url, json={"prompt": "a"}, headers={"Ocp-Apim-Subscription-Key": "nope"})
        assert "not valid" in error_of(bad, 401)
        good = {"Ocp-Apim-Subscription-Key": "appypie-good"}
        assert httpx.post(url, json={"prompt": "a"}, headers=good).status_code == 200


def test_unknown_or_foreign_ids_are_404_in_the_docs_example_shape(
    appypie: httpx.Client, luma: MockLuma
) -> None:
    response = appypie.post(STATUS, json={"task_id": "20dd7c76-a931-4ac2-8adb-5c17468bXXXX"})
    error_of(response, 404)
    body = response.json()
    assert body["status"] == "NOT_FOUND"
    assert body["error"].startswith("The requested resource could not be located. ")
    assert "20dd7c76-a931-4ac2-8adb-5c17468bXXXX" in body["error"]

    mine = appypie.post(GENERATE, json={"prompt": "private"}).json()["requestId"]
    theirs = httpx.post(
        f"{luma.appypie_url}{STATUS}",
        json={"task_id": mine},
        headers={"Ocp-Apim-Subscription-Key": "someone-else"},
    )
    assert theirs.json()["status"] == "NOT_FOUND"


def test_unknown_paths_are_404_and_wrong_methods_405(appypie: httpx.Client) -> None:
    for path in (
        "/lumalabs-ai/v1/getStatus",
        "/lumalabs-ai-polling/v1/generate",
        "/lumalabs-ai/v1/nope",
    ):
        message = error_of(appypie.post(path, json={}), 404)
        assert message.startswith("Endpoint not found. ")
        assert path in message
    assert "use POST" in error_of(appypie.get(GENERATE), 405)
    assert "use POST" in error_of(appypie.get(STATUS), 405)


def test_an_exhausted_balance_is_403_and_a_refused_call_costs_nothing(
    appypie: httpx.Client, luma: MockLuma
) -> None:
    luma.reset(credits_cents=catalog.PRICE_CENTS * 1.5)
    assert appypie.post(GENERATE, json={"prompt": "the only one"}).status_code == 200
    message = error_of(appypie.post(GENERATE, json={"prompt": "one too many"}), 403)
    assert message.startswith("Access denied for this operation. ")
    assert "balance" in message
    image = {"prompt": "also too many", "url": IMAGE}
    assert appypie.post(FROM_IMAGE, json=image).status_code == 403
    key = appypie.headers["Ocp-Apim-Subscription-Key"]
    assert luma.simulation.balance(catalog.SURFACE, key) == pytest.approx(catalog.PRICE_CENTS / 2)


def test_a_rate_limit_is_429_with_the_documented_phrase_and_retry_after(
    appypie: httpx.Client, luma: MockLuma
) -> None:
    luma.reset(rate_limits=True, limits={"appypie": {"video": {"per_minute": 1}}})
    assert appypie.post(GENERATE, json={"prompt": "the first"}).status_code == 200
    image = {"prompt": "the second", "url": IMAGE}
    refused = appypie.post(FROM_IMAGE, json=image)  # both endpoints share one quota
    message = error_of(refused, 429)
    assert message.startswith("Rate limit exceeded, please retry later. ")
    assert "1 videos a minute" in message
    assert int(refused.headers["retry-after"]) >= 1


def test_injected_http_errors_speak_the_dialect(appypie: httpx.Client) -> None:
    for status in (429, 500):
        body = {"prompt": f"[mockluma:error={status}] a cat"}
        message = error_of(appypie.post(GENERATE, json=body), status)
        assert message.startswith(DOCUMENTED[status] + ". ")


def test_fault_rules_reach_the_polling_path_and_name_gateway_failures(
    appypie: httpx.Client, luma: MockLuma
) -> None:
    luma.faults.add(
        name="flaky-poll", match={"surface": "appypie", "path": "/lumalabs-ai-polling/*"},
        error={"status": 500}, times=1,
    )  # fmt: skip
    luma.faults.add(
        name="moderated", match={"surface": "appypie"}, generation={"fail": "moderation"}
    )
    request_id = appypie.post(GENERATE, json={"prompt": "a cat"}).json()["requestId"]
    flaky = appypie.post(STATUS, json={"task_id": request_id})
    assert error_of(flaky, 500).startswith(DOCUMENTED[500])
    luma.advance(3600)
    moderated = appypie.post(STATUS, json={"task_id": request_id}).json()
    assert moderated == {"status": "failed", "error": catalog.FAILURES["moderation"].reason}


def test_a_crash_inside_the_mock_is_a_500_in_the_dialect(
    appypie: httpx.Client, luma: MockLuma, monkeypatch: pytest.MonkeyPatch
) -> None:
    request_id = appypie.post(GENERATE, json={"prompt": "a cat"}).json()["requestId"]

    def broken(*args: object) -> None:
        raise RuntimeError("simulated bug")

    monkeypatch.setattr(luma.simulation, "poll", broken)
    message = error_of(appypie.post(STATUS, json={"task_id": request_id}), 500)
    assert message.startswith("An unexpected error occurred, please try again later. ")
    assert len(luma.take_errors()) == 1


@pytest.mark.parametrize("status", sorted(DOCUMENTED))
def test_every_documented_status_has_its_phrase(status: int) -> None:
    # What the engine's faults and limits will send through the dialect (429 among them).
    assert DIALECT.error(status, "").body == {"error": DOCUMENTED[status]}
    assert DIALECT.error(status, "Wait.").body == {"error": f"{DOCUMENTED[status]}. Wait."}


@pytest.mark.parametrize("value", ["queued,running", "a,,c", "queued,completed,failed", "a,b,c,d"])
def test_status_words_are_checked(value: str) -> None:
    with pytest.raises(ConfigError, match="appypie_statuses"):
        build_config({"appypie_statuses": value}, environ={})


def test_status_words_come_from_the_environment_too() -> None:
    config = build_config(environ={"MOCKLUMA_APPYPIE_STATUSES": "pending, processing ,error"})
    assert config.appypie_statuses == ("pending", "processing", "error")
    assert build_config({"appypie_statuses": ["a", "b", "c"]}, environ={}).appypie_statuses == (
        "a",
        "b",
        "c",
    )
