"""The Captures API on the wire: shapes, the upload host, and every refusal (never a 5xx)."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from datetime import datetime
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mockluma.engine.media import MediaCatalog
from mockluma.handle import IN_PROCESS_URL, MockLuma
from mockluma.surfaces.captures import catalog, errors

from .conftest import API_KEY, auth_header
from .support import check_schema

VIDEO = MediaCatalog().video("16:9", 5).path.read_bytes()
ZIP_HEAD = b"PK\x03\x04" + b"\x00" * 60


def create(api: httpx.Client, title: str = "a chair", **fields: str) -> dict[str, Any]:
    response = api.post("capture", data={"title": title, **fields})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    check_schema("capture-create.response.json", body)
    return body


def upload(created: dict[str, Any], data: bytes = VIDEO) -> httpx.Response:
    # No API key, and the odd content type lumaapi sends.
    return httpx.put(
        created["signedUrls"]["source"], content=data, headers={"Content-Type": "text/plain"}
    )


def start(api: httpx.Client, slug: str) -> httpx.Response:
    return api.post(f"capture/{slug}")


def get(api: httpx.Client, slug: str) -> dict[str, Any]:
    response = api.get(f"capture/{slug}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    check_schema("capture.response.json", body)
    return body


def refused(response: httpx.Response, status: int, message: str | None = None) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    check_schema("error.response.json", body)
    assert set(body) == {"error"}
    if message is not None:
        assert message in body["error"]
    text: str = body["error"]
    return text


# -- shapes -----------------------------------------------------------------------------------


def test_a_new_capture_has_every_key_the_client_reads(api: httpx.Client, luma: MockLuma) -> None:
    created = create(api, "sofa set", camModel="fisheye", removeHumans="true")
    capture = created["capture"]
    assert capture == {
        "title": "sofa set",
        "type": "reconstruction",
        "location": None,
        "privacy": "private",
        "date": capture["date"],
        "username": None,
        "status": "new",
        "slug": capture["slug"],
        "latestRun": None,
        "uuid": capture["slug"],
    }
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", capture["date"])
    stamped = datetime.fromisoformat(capture["date"].replace("Z", "+00:00"))
    assert abs((stamped - luma.clock).total_seconds()) < 0.001
    assert created["signedUrls"]["source"].startswith(f"{luma.url}/_mockluma/uploads/captures/")
    assert get(api, capture["slug"]) == capture


def test_credits_have_exactly_three_keys(api: httpx.Client) -> None:
    body = api.get("capture/credits").json()
    check_schema("credits.response.json", body)
    assert body == {"remaining": 100, "used": 0, "total": 100}


def test_upload_status_goes_new_uploading_complete(api: httpx.Client, luma: MockLuma) -> None:
    created = create(api)
    slug = created["capture"]["slug"]
    halfway, resume = threading.Event(), threading.Event()

    def body() -> Iterator[bytes]:
        yield VIDEO[:1000]
        halfway.set()
        assert resume.wait(30)
        yield VIDEO[1000:]

    done: list[httpx.Response] = []
    sender = threading.Thread(
        target=lambda: done.append(httpx.put(created["signedUrls"]["source"], content=body()))
    )
    sender.start()
    try:
        assert halfway.wait(30)
        # The headers are sent, but the server may not have read them yet: ask until it has.
        statuses = [get(api, slug)["status"] for _ in range(3)]
        while statuses[-1] == "new" and len(statuses) < 500:
            statuses.append(get(api, slug)["status"])
        assert statuses[-1] == "uploading"
        refused(start(api, slug), 400, "still uploading")
    finally:
        resume.set()
        sender.join(30)
    assert done[0].status_code == 200
    assert done[0].content == b""
    assert get(api, slug)["status"] == "complete"


def test_starting_returns_the_capture_with_its_queued_run(api: httpx.Client) -> None:
    created = create(api)
    slug = created["capture"]["slug"]
    assert upload(created).status_code == 200
    started = start(api, slug)
    assert started.status_code == 200
    check_schema("capture-start.response.json", started.json())
    assert started.json()["latestRun"] == {
        "status": "new",
        "progress": 0,
        "currentStage": "Queued",
        "artifacts": [],
        "pipelineVersion": 2,
    }


def test_finished_runs_list_artifacts_with_scale_only_on_3d_ones(
    api: httpx.Client, luma: MockLuma
) -> None:
    created = create(api)
    upload(created)
    start(api, created["capture"]["slug"])
    luma.run_until_idle()
    artifacts = get(api, created["capture"]["slug"])["latestRun"]["artifacts"]
    for artifact, expected in zip(artifacts, catalog.ARTIFACTS, strict=True):
        assert artifact["type"] == expected.type
        assert ("scale_to_world" in artifact) == expected.spatial
        assert re.search(r"/_mockluma/media/[0-9a-f]{64}/", artifact["url"])
    scales = {artifact.get("scale_to_world") for artifact in artifacts} - {None}
    assert len(scales) == 1


def test_polls_can_drive_a_run(api: httpx.Client, luma: MockLuma) -> None:
    luma.reset(progression="polls:1")
    created = create(api)
    upload(created)
    start(api, created["capture"]["slug"])
    statuses = [get(api, created["capture"]["slug"])["latestRun"]["status"] for _ in range(3)]
    assert statuses == ["dispatched", "finished", "finished"]


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "The uploaded file is empty"),
        (b"PK\x05\x06" + b"\x00" * 18, "The uploaded zip archive contains no files"),
        (
            b"\xff\xd8\xff\xe0 one JPEG is not a capture",
            "The uploaded file is neither a video nor a zip",
        ),
    ],
    ids=["empty", "empty-zip", "single-photo"],
)
def test_bad_uploads_fail_the_run_with_a_reason_and_refund_it(
    api: httpx.Client, luma: MockLuma, data: bytes, reason: str
) -> None:
    created = create(api)
    assert upload(created, data).status_code == 200
    assert start(api, created["capture"]["slug"]).status_code == 200
    assert api.get("capture/credits").json()["used"] == 1
    luma.run_until_idle()
    run = get(api, created["capture"]["slug"])["latestRun"]
    assert (run["status"], run["currentStage"], run["artifacts"]) == ("failed", "Failed", [])
    assert run["failureReason"].startswith(reason)
    assert api.get("capture/credits").json() == {"remaining": 100, "used": 0, "total": 100}


def test_a_second_upload_replaces_the_first(api: httpx.Client, luma: MockLuma) -> None:
    created = create(api)
    upload(created, b"oops, the wrong file")
    upload(created, ZIP_HEAD)
    start(api, created["capture"]["slug"])
    luma.run_until_idle()
    assert get(api, created["capture"]["slug"])["latestRun"]["status"] == "finished"


def test_the_journal_records_keys_and_uploads_without_their_bytes(
    api: httpx.Client, luma: MockLuma
) -> None:
    created = create(api)
    upload(created)
    [put] = luma.journal.assert_called(method="PUT")
    assert put.request_body == b""
    assert put.api_key is None
    [post] = luma.journal.assert_called(method="POST", path="/api/v2/capture")
    assert post.api_key == API_KEY


# -- refusals ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "capture/credits"),
        ("POST", "capture"),
        ("GET", "capture"),
        ("GET", "capture/some-slug"),
        ("POST", "capture/some-slug"),
    ],
)
@pytest.mark.parametrize(
    ("header", "message"),
    [
        (None, errors.MISSING_API_KEY),
        ("", errors.MISSING_API_KEY),
        ("luma-api-key=", errors.MISSING_API_KEY),
        (f"Bearer {API_KEY}", errors.MALFORMED_AUTHORIZATION),
        (API_KEY, errors.MALFORMED_AUTHORIZATION),
    ],
    ids=["absent", "empty", "no-key", "bearer", "bare-key"],
)
def test_every_endpoint_needs_a_luma_api_key_header(
    luma: MockLuma, method: str, path: str, header: str | None, message: str
) -> None:
    headers = {} if header is None else {"Authorization": header}
    response = httpx.request(method, f"{luma.captures_url}/{path}", headers=headers)
    assert refused(response, 401) == message


def test_an_unlisted_key_is_refused() -> None:
    with (
        MockLuma(api_keys=["good"], in_process=True) as strict,
        httpx.Client(transport=strict.sync_transport(), base_url=IN_PROCESS_URL) as http,
    ):
        assert http.get("/api/v2/capture", headers=auth_header("good")).status_code == 200
        wrong = http.get("/api/v2/capture", headers=auth_header("bad"))
        assert refused(wrong, 401) == errors.INVALID_API_KEY


@pytest.mark.parametrize(
    ("content", "content_type", "status", "message"),
    [
        (b"camModel=normal", None, 400, "Field 'title' is required."),
        (b"title=", None, 400, "Field 'title' must not be empty"),
        (b"title=a&camModel=pinhole", None, 400, "Field 'camModel' must be one of"),
        (b"title=a&removeHumans=maybe", None, 400, "Field 'removeHumans' must be one of"),
        (b"title=a&title=b", None, 400, "Field 'title' must be of type string, not array."),
        (b"title=%ff", None, 400, "not valid UTF-8"),
        (b"title=\xff", None, 400, "not valid UTF-8"),
        (b"&".join(b"f%d=1" % n for n in range(200)), None, 400, "too many fields"),
        (b'{"title": 3}', "application/json", 400, "Field 'title' must be of type string"),
        (b'["title"]', "application/json", 400, "must be a JSON object"),
        (b'{"title": ', "application/json", 400, "not valid JSON"),
        (b"--x\r\n", "multipart/form-data; boundary=x", 415, "is not accepted here"),
        (b"title=" + b"x" * 1_100_000, None, 413, "too large"),
    ],
    ids=[
        "no-title", "empty-title", "unknown-camera", "bad-flag", "repeated", "bad-escape",
        "raw-bytes", "many-fields", "json-number", "json-array", "json-broken", "multipart",
        "huge",
    ],
)  # fmt: skip
def test_bad_create_bodies_are_400s_and_create_nothing(
    api: httpx.Client, content: bytes, content_type: str | None, status: int, message: str
) -> None:
    headers = {"Content-Type": content_type or "application/x-www-form-urlencoded"}
    refused(api.post("capture", content=content, headers=headers), status, message)
    assert api.get("capture").json() == {"captures": []}


def test_a_json_body_and_unknown_fields_are_accepted(api: httpx.Client) -> None:
    response = api.post("capture", json={"title": "json chair", "privacy": "public", "x": 1})
    assert response.status_code == 200
    assert response.json()["capture"]["privacy"] == "private"


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("skip=-1", "Query parameter 'skip' is out of range"),
        ("take=ten", "Query parameter 'take' must be an integer, not 'ten'."),
        ("order=sideways", "Query parameter 'order' must be one of"),
    ],
)
def test_bad_list_queries_are_400s(api: httpx.Client, query: str, message: str) -> None:
    refused(api.get(f"capture?{query}"), 400, message)


def test_order_is_case_insensitive(api: httpx.Client) -> None:
    create(api, "one")
    body = api.get("capture?order=asc&take=5").json()
    check_schema("capture-list.response.json", body)
    assert [capture["title"] for capture in body["captures"]] == ["one"]


def test_unknown_slugs_and_other_keys_captures_are_404(api: httpx.Client, luma: MockLuma) -> None:
    slug = create(api)["capture"]["slug"]
    refused(api.get("capture/no-such-slug"), 404, "Capture no-such-slug not found")
    refused(api.post("capture/no-such-slug"), 404)
    stranger = auth_header("someone-else")
    refused(httpx.get(f"{luma.captures_url}/capture/{slug}", headers=stranger), 404)


def test_processing_needs_an_upload_first_and_starts_only_once(api: httpx.Client) -> None:
    created = create(api)
    slug = created["capture"]["slug"]
    refused(start(api, slug), 400, "not uploaded yet")
    assert api.get("capture/credits").json()["used"] == 0
    upload(created)
    assert start(api, slug).status_code == 200
    refused(start(api, slug), 409, "already processing")
    refused(upload(created), 409, "its file cannot change")
    assert api.get("capture/credits").json()["used"] == 1


def test_upload_urls_expire_on_the_simulated_clock(api: httpx.Client, luma: MockLuma) -> None:
    created = create(api)
    luma.advance(catalog.UPLOAD_URL_SECONDS - 1)
    assert upload(created).status_code == 200
    luma.advance(2)
    refused(upload(created), 400, "expired")


def test_a_made_up_or_reset_upload_url_is_403(api: httpx.Client, luma: MockLuma) -> None:
    created = create(api)
    refused(httpx.put(f"{luma.url}/_mockluma/uploads/captures/0123abcd", content=b"x"), 403)
    luma.reset(API_KEY)
    refused(upload(created), 403, "not valid")
    refused(httpx.post(created["signedUrls"]["source"]), 405)


def test_running_out_of_credits_is_402(api: httpx.Client, luma: MockLuma) -> None:
    luma.reset(capture_credits=1)
    first, second = create(api, "first"), create(api, "second")
    for created in (first, second):
        upload(created)
    assert start(api, first["capture"]["slug"]).status_code == 200
    refused(start(api, second["capture"]["slug"]), 402, "No capture credits left")
    assert api.get("capture/credits").json() == {"remaining": 0, "used": 1, "total": 1}
    assert get(api, second["capture"]["slug"])["latestRun"] is None


@pytest.fixture(scope="module")
def small_uploads() -> Iterator[httpx.Client]:
    # A real server: the chunked case streams the body over a socket.
    with (
        MockLuma(max_upload_bytes=4096) as small,
        httpx.Client(base_url=small.url, headers=auth_header()) as http,
    ):
        yield http


@pytest.mark.parametrize("streamed", [False, True], ids=["declared-length", "chunked"])
def test_an_upload_over_the_limit_is_413_and_leaves_the_capture_new(
    small_uploads: httpx.Client, streamed: bool
) -> None:
    created = small_uploads.post("/api/v2/capture", data={"title": "big"}).json()
    data = VIDEO[:10_000]
    content: bytes | Iterator[bytes] = (
        iter([data[i : i + 1000] for i in range(0, len(data), 1000)]) if streamed else data
    )
    response = small_uploads.put(created["signedUrls"]["source"], content=content)
    refused(response, 413, "the limit is 4096 bytes")
    slug = created["capture"]["slug"]
    assert small_uploads.get(f"/api/v2/capture/{slug}").json()["status"] == "new"
    assert small_uploads.put(created["signedUrls"]["source"], content=data[:4096]).is_success


# -- no input gives a 5xx ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def in_process() -> Iterator[httpx.Client]:
    with (
        MockLuma(in_process=True) as mock,
        httpx.Client(
            transport=mock.sync_transport(), base_url=IN_PROCESS_URL, headers=auth_header()
        ) as http,
    ):
        yield http
        assert mock.take_errors() == []


@settings(
    max_examples=60, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(
    body=st.binary(max_size=300),
    content_type=st.sampled_from(
        [None, "application/x-www-form-urlencoded", "application/json", "text/plain", "x/y; a=b"]
    ),
    # Text made from bytes: st.text would cache Unicode tables in a .hypothesis/ folder.
    query=st.binary(max_size=60).map(lambda raw: raw.decode("latin-1")),
    slug=st.binary(min_size=1, max_size=40).map(lambda raw: raw.decode("latin-1")),
)
def test_arbitrary_input_is_answered_without_a_server_error(
    in_process: httpx.Client, body: bytes, content_type: str | None, query: str, slug: str
) -> None:
    headers = {} if content_type is None else {"Content-Type": content_type}
    slug, query = quote(slug, safe=""), quote(query, safe="=&")
    answers = [
        in_process.post("/api/v2/capture", content=body, headers=headers),
        in_process.get("/api/v2/capture", params={"search": query, "skip": query, "take": "3"}),
        in_process.get(f"/api/v2/capture?{query}"),
        in_process.get(f"/api/v2/capture/{slug}"),
        in_process.post(f"/api/v2/capture/{slug}", content=body, headers=headers),
        in_process.put(f"/_mockluma/uploads/captures/{slug}", content=body),
    ]
    for answer in answers:
        assert answer.status_code < 500, answer.text
        if answer.status_code >= 400:
            check_schema("error.response.json", answer.json())


def test_fault_rules_and_title_triggers_fail_the_run_with_a_refund(
    api: httpx.Client, luma: MockLuma
) -> None:
    def processed(title: str) -> dict[str, Any]:
        created = create(api, title)
        assert upload(created).status_code == 200
        slug = created["capture"]["slug"]
        assert start(api, slug).status_code == 200
        luma.run_until_idle()
        return get(api, slug)

    before = api.get("capture/credits").json()["remaining"]
    failed = processed("a chair [mockluma:fail=job]")
    assert failed["latestRun"]["status"] == "failed"
    assert api.get("capture/credits").json()["remaining"] == before  # refunded
    luma.faults.add(match={"surface": "captures"}, generation={"fail": "dispatch"}, times=1)
    assert processed("a table")["latestRun"]["status"] == "failed"
    assert processed("a lamp")["latestRun"]["status"] == "finished"
    luma.faults.add(match={"path": "/api/v2/capture/credits"}, error={"status": 503})
    outage = api.get("capture/credits")
    assert outage.status_code == 503
    assert set(outage.json()) == {"error"}
