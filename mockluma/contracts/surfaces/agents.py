"""The Agents API contract: what the mock and ``agents.lumalabs.ai/v1`` must both do.

Every response, errors included, carries ``X-Request-Id`` and ``X-API-Version``
(:func:`request_id_and_api_version_are_sent`, run on each answer a check receives).

Free checks come first: reads (the file list and its cursors), and requests that the API refuses
before any work starts (the create-time errors of Luma's error guide with their exact texts,
unknown ids, missing or bad keys, bodies that break the schema). Then the checks that create
something (``creates=True``), which run on a live API only within ``--budget-cents``:

* one ``uni-1`` text-to-image generation, the cheapest there is (4.04¢ on Luma's pricing page),
  followed to its end and shared by every lifecycle check;
* one ``ray-3.2`` 360p 5 s video (the draft tier; 7.5¢ by the mock's price table, which
  extrapolates Luma's 540p price);
* one small PNG uploaded through the presigned flow, shared by the file checks. Luma publishes
  no price for files, so it is booked at 0¢; it still needs a budget, because it leaves a file
  in the account.

Statuses the docs leave open (the files endpoints' codes, 404 for an unknown file) are the mock's
choices (README, "Agents API"); the nightly run tells whether Luma agrees.
"""

from __future__ import annotations

import json
import uuid
from functools import partial
from typing import Any

from mockluma.contracts.generic import CLIENT_ERRORS, add_request_refusals
from mockluma.contracts.lifecycle import Followed, expect_forward, expect_sticky, follow
from mockluma.contracts.registry import CheckSkipped, Direction, SdkBinding, SurfaceContract
from mockluma.contracts.session import Reply, Session
from mockluma.resources import data_dir
from mockluma.schemas.conformance import Answer, Finding
from mockluma.surfaces.agents import catalog


def _sdk(schema: str, sdk_type: str, direction: Direction) -> SdkBinding:
    return SdkBinding(f"agents/{schema}", f"luma_agents.types.{sdk_type}", direction)


_RESPONSE, _REQUEST = Direction.RESPONSE, Direction.REQUEST
# The luma-agents SDK's own types for each body; nested types (ImageRef, VideoOptions, Layer,
# PresignedUpload, ...) are compared through the fields that hold them.
SDK_TYPES = (
    _sdk("generation.response.json", "Generation", _RESPONSE),
    _sdk("file.response.json", "File", _RESPONSE),
    _sdk("create-file.response.json", "CreateFileResponse", _RESPONSE),
    _sdk("files-list.response.json", "FileList", _RESPONSE),
    _sdk("generation-create.request.json", "GenerationCreateParams", _REQUEST),
    _sdk("file-create.request.json", "FileCreateParams", _REQUEST),
    _sdk("files-list.query.json", "FileListParams", _REQUEST),
)
API_VERSION = "2026-04-01"  # the only version Luma has announced


def request_id_and_api_version_are_sent(answer: Answer) -> Finding | None:
    """Luma sends both headers on every answer of the API, errors included."""
    missing = [
        name for name in ("X-Request-Id", "X-API-Version") if not answer.headers.get(name.lower())
    ]
    if not missing:
        return None
    return Finding(
        "request_id_and_api_version_are_sent",
        f"{answer.described}: the {' and '.join(missing)} header is missing; Luma sends both "
        "on every answer",
    )


CONTRACT = SurfaceContract(
    "agents",
    sdk_types=SDK_TYPES,
    response_checks=(request_id_and_api_version_are_sent,),
)
check = CONTRACT.check

STATE_ORDER = {"queued": 0, "processing": 1, "completed": 2, "failed": 2}
TERMINAL = ("completed", "failed")
FILE_STATE_ORDER = {"pending": 0, "ready": 1, "failed": 1}
FILE_TERMINAL = ("ready", "failed")
IMAGE_POLL_SECONDS = 2.0  # Luma's quickstart polls an image every 2 s
VIDEO_POLL_SECONDS = 5.0
NOWHERE = str(uuid.UUID(int=0x5EED, version=4))  # an id nothing has
IMAGE_URL = "https://example.com/reference.jpg"
NOT_A_KEY = "luma-api-00000000-0000-4000-8000-00000000dead"  # well-formed, never issued

IMAGE_REQUEST: dict[str, Any] = {
    "prompt": "a small red cube on a white table",
    "model": "uni-1",
    "type": "image",
    "aspect_ratio": "1:1",
}
IMAGE_CENTS = catalog.image_price("uni-1", inputs=0)
VIDEO_REQUEST: dict[str, Any] = {
    "prompt": "a paper boat drifting on a calm pond",
    "model": "ray-3.2",
    "type": "video",
    "aspect_ratio": "1:1",
    "video": {"resolution": "360p", "duration": "5s"},
}
VIDEO_CENTS = catalog.video_price("360p", 5, hdr=False, exr=False)
UPLOAD_FILE = "image/1x1.png"  # a real 1:1 PNG from mockluma's media, about 13 kB


# -- free: headers ----------------------------------------------------------------------------


@check("GET /files")
def a_request_id_is_echoed_and_the_version_named(session: Session) -> None:
    """A client's X-Request-Id is echoed as sent, and X-API-Version names 2026-04-01."""
    sent = "mockluma-contract-check-0001"
    reply = session.request(
        "GET", "/files", params={"limit": "1"}, headers={"X-Request-Id": sent}, expect=200
    )
    session.expect_equal(reply.headers.get("x-request-id"), sent, "X-Request-Id", "$")
    session.expect_equal(reply.headers.get("x-api-version"), API_VERSION, "X-API-Version", "$")


# -- free: the file list ----------------------------------------------------------------------


@check("GET /files")
def a_file_page_says_whether_more_follow(session: Session) -> None:
    """A page holds at most its limit (25 by default), with a next_cursor just when more follow."""
    for params, limit in (({}, catalog.FILE_PAGE_DEFAULT), ({"limit": "1"}, 1)):
        body = session.request("GET", "/files", params=params, expect=200).body()
        held = len(body["data"])
        session.expect(held <= limit, f"The page holds {held} files, over its limit of {limit}")
        cursor = body.get("next_cursor")
        session.expect(
            bool(cursor) == body["has_more"],
            f"has_more is {json.dumps(body['has_more'])} but next_cursor is {json.dumps(cursor)}",
            "$.next_cursor",
        )


@check("GET /files")
def file_pages_follow_their_cursors(session: Session) -> None:
    """Following next_cursor page by page lists every file once, newest first, as one page does."""
    if not session.live:
        _ensure_some_files(session)
    whole = session.request("GET", "/files", params={"limit": "100"}, expect=200).body()
    if whole["has_more"]:
        raise CheckSkipped("the account holds more than 100 files; the walk would be long")
    expected = [item["id"] for item in whole["data"]]
    walked: list[str] = []
    params = {"limit": "2"}
    for _ in range(len(expected) + 1):
        page = session.request("GET", "/files", params=params, expect=200).body()
        walked += [item["id"] for item in page["data"]]
        if not page["has_more"]:
            break
        params = {"limit": "2", "cursor": page["next_cursor"]}
    session.expect(len(set(walked)) == len(walked), "A file was listed on two pages", "$.data")
    session.expect_equal(walked, expected, "The files met page by page", "$.data")
    times = [item["created_at"] for item in whole["data"]]
    session.expect(times == sorted(times, reverse=True), "The files are not newest first", "$.data")


# Query values the SDK's types refuse, each refused by the API too.
BAD_LIST_QUERIES: tuple[tuple[str, dict[str, str]], ...] = (
    ("a_limit_of_zero", {"limit": "0"}),
    ("a_limit_over_100", {"limit": "101"}),
    ("a_limit_that_is_not_a_number", {"limit": "ten"}),
    ("an_unknown_state", {"state": "archived"}),
    ("an_unknown_purpose", {"purpose": "decoration"}),
    ("a_cursor_it_never_issued", {"cursor": "not-a-cursor"}),
)


def _bad_list_query(params: dict[str, str]) -> Any:
    def refused(session: Session) -> None:
        session.request("GET", "/files", params=params, expect=CLIENT_ERRORS)

    return refused


for _name, _params in BAD_LIST_QUERIES:
    CONTRACT.add(
        "GET /files",
        _bad_list_query(_params),
        name=f"the_file_list_refuses_{_name}",
        title=f"GET /files refuses {_name.replace('_', ' ')} with a 4xx in the dialect",
    )


# -- free: unknown ids and keys ---------------------------------------------------------------


@check("GET /generations/{id}")
def an_unknown_generation_is_not_found(session: Session) -> None:
    """An id that does not exist, or is not even a UUID, answers 404 "Generation not found"."""
    for generation_id in (NOWHERE, "not-a-uuid"):
        reply = session.request("GET", f"/generations/{generation_id}", expect=404)
        session.expect_equal(
            reply.body()["detail"], "Generation not found", "The message", "$.detail"
        )


@check("GET /files/{id}")
def an_unknown_file_is_not_found(session: Session) -> None:
    """GET of a file id that does not exist answers 404 in the dialect."""
    session.request("GET", f"/files/{NOWHERE}", expect=404)


@check("DELETE /files/{id}")
def deleting_an_unknown_file_is_not_found(session: Session) -> None:
    """DELETE of a file id that does not exist answers 404 in the dialect."""
    session.request("DELETE", f"/files/{NOWHERE}", expect=404)


@check("POST /files/{id}/complete")
def completing_an_unknown_file_is_not_found(session: Session) -> None:
    """Completing a file id that does not exist answers 404 in the dialect."""
    session.request("POST", f"/files/{NOWHERE}/complete", expect=404)


# Authorization headers Luma refuses, with the documented message of each.
MISSING_KEY = "Missing or invalid API key"
BAD_KEYS: tuple[tuple[str, dict[str, str], str], ...] = (
    ("no_key", {}, MISSING_KEY),
    ("a_lower_case_scheme", {"Authorization": "bearer {key}"}, MISSING_KEY),
    ("a_key_without_the_luma_api_prefix", {"Authorization": "Bearer sk-0000"}, MISSING_KEY),
    ("a_key_luma_never_issued", {"Authorization": f"Bearer {NOT_A_KEY}"}, "Invalid API key"),
)


def _bad_key(headers: dict[str, str], message: str) -> Any:
    def refused(session: Session) -> None:
        sent = {name: value.format(key=session.api_key) for name, value in headers.items()}
        reply = session.request(
            "GET", "/files", params={"limit": "1"}, headers=sent, authenticate=False, expect=401
        )
        session.expect_equal(reply.body()["detail"], message, "The message", "$.detail")

    return refused


for _name, _headers, _message in BAD_KEYS:
    CONTRACT.add(
        "GET /files",
        _bad_key(_headers, _message),
        name=f"{_name}_is_refused",
        title=f'A request with {_name.replace("_", " ")} answers 401 "{_message}"',
    )


# -- free: refused creates --------------------------------------------------------------------

_REF = {"url": IMAGE_URL}
# Luma's error guide, word for word.
PROMPT_LENGTH = "Prompt must be between 1 and 6000 characters"
IMAGE_RATIOS = "1:1, 1:2, 1:3, 16:9, 2:1, 2:3, 3:1, 3:2, 9:16"
EITHER = "image_ref[0]: provide either 'url' or 'data', not"
EDIT_REFS = "image_edit supports up to 8 reference images (source occupies one slot)"
# The create-time errors of the guide: (check name, body, exact message). Each body is the
# cheapest image otherwise, should the API accept what its docs say it refuses.
DOCUMENTED_REFUSALS: tuple[tuple[str, dict[str, Any], str], ...] = (
    ("an_unknown_model", {"model": "super-model-v9"}, "Unknown model: super-model-v9"),
    (
        "a_type_the_model_lacks",
        {"model": None, "type": "video"},
        "Type 'video' is not supported for model 'uni-1'",
    ),
    (
        "an_image_aspect_ratio_it_lacks",
        {"aspect_ratio": "4:3"},
        f"Invalid aspect_ratio '4:3'. Valid: {IMAGE_RATIOS}",
    ),
    ("an_empty_prompt", {"prompt": ""}, PROMPT_LENGTH),
    ("a_prompt_over_6000_characters", {"prompt": "x" * 6001}, PROMPT_LENGTH),
    ("a_source_on_an_image", {"source": _REF}, "source is only valid for type 'image_edit'"),
    (
        "an_edit_without_a_source",
        {"type": "image_edit"},
        "source is required for type 'image_edit'",
    ),
    (
        "a_reference_with_url_and_data",
        {"image_ref": [{**_REF, "data": "aGk=", "media_type": "image/jpeg"}]},
        f"{EITHER} both",
    ),
    ("a_reference_with_neither", {"image_ref": [{}]}, f"{EITHER} neither"),
    (
        "data_without_a_media_type",
        {"image_ref": [{"data": "aGk="}]},
        "image_ref[0]: 'media_type' is required with 'data'",
    ),
    (
        "an_edit_with_nine_references",
        {"type": "image_edit", "source": _REF, "image_ref": [_REF] * 9},
        EDIT_REFS,
    ),
)


def _documented_refusal(body: dict[str, Any], message: str) -> Any:
    def refused(session: Session) -> None:
        sent = {key: value for key, value in {**IMAGE_REQUEST, **body}.items() if value is not None}
        reply = session.request("POST", "/generations", json_body=sent, expect=400)
        session.expect_equal(reply.body()["detail"], message, "The message", "$.detail")

    return refused


for _name, _body, _message in DOCUMENTED_REFUSALS:
    CONTRACT.add(
        "POST /generations",
        _documented_refusal(_body, _message),
        name=f"refuses_{_name}",
        title=f'POST /generations answers 400 "{_message}", given {_name.replace("_", " ")}',
    )


@check("POST /files")
def a_file_over_5_gib_is_refused(session: Session) -> None:
    """A file declared larger than 5 GiB (one PUT's limit) is refused with a 4xx in the dialect."""
    body = {"mime_type": "video/mp4", "size_bytes": catalog.MAX_FILE_BYTES + 1}
    session.request("POST", "/files", json_body=body, expect=CLIENT_ERRORS)


add_request_refusals(CONTRACT, path_values={"id": NOWHERE})


# -- creates: generations (budget) -----------------------------------------------------------


def _create(session: Session, what: str, body: dict[str, Any], cents: float) -> Reply:
    session.spend(what, cents)
    return session.request("POST", "/generations", json_body=body, expect=201)


def _image_reply(session: Session) -> Reply:
    return session.shared(
        "the shared image generation",
        lambda: _create(session, "a uni-1 image", IMAGE_REQUEST, IMAGE_CENTS),
    )


def _image(session: Session) -> dict[str, Any]:
    return _image_reply(session).body()


def _follow_generation(session: Session, created: dict[str, Any], pace: float) -> Followed:
    return follow(
        session,
        f"/generations/{created['id']}",
        created,
        state_of=lambda body: body.get("state"),
        terminal=TERMINAL,
        pace=pace,
        json_path="$.state",
    )


def _followed_image(session: Session) -> Followed:
    return session.shared(
        "the followed image",
        lambda: _follow_generation(session, _image(session), IMAGE_POLL_SECONDS),
    )


def _expect_lifecycle(session: Session, followed: Followed) -> None:
    seen = [followed.created.get("state"), *(poll.get("state") for poll in followed.polls)]
    expect_forward(
        session,
        seen,
        order=STATE_ORDER,
        terminal=TERMINAL,
        what=f"Generation {followed.created['id']}",
        json_path="$.state",
    )


def _output_kinds(body: dict[str, Any]) -> list[Any]:
    # URLs are minted afresh on every read of a completed generation; the kinds stay put.
    return [item.get("type") for item in body.get("output") or []]


@check("POST /generations", creates=True)
def creating_an_image_answers_201_queued(session: Session) -> None:
    """A create answers 201 with the generation queued, no output yet and no failure."""
    created = _image(session)
    session.expect_equal(created["state"], "queued", "The state", "$.state")
    session.expect_equal(created["type"], "image", "The type", "$.type")
    session.expect_equal(created["model"], "uni-1", "The model", "$.model")
    session.expect_equal(created.get("output"), [], "The output", "$.output")
    for name in ("failure_code", "failure_reason"):
        session.expect_equal(created.get(name), None, f"The {name}", f"$.{name}")


@check("POST /generations", creates=True)
def a_create_tells_the_rate_limit(session: Session) -> None:
    """A create carries X-RateLimit-Limit, -Remaining (under the limit) and -Reset (Unix time)."""
    headers = _image_reply(session).headers
    values = {}
    for name in ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"):
        value = headers.get(name, "")
        session.expect(value.isdigit(), f"{name} is {value or 'missing'}, not a whole number")
        values[name] = int(value)
    remaining, limit = values["X-RateLimit-Remaining"], values["X-RateLimit-Limit"]
    session.expect(remaining < limit, f"{remaining} requests remain of a limit of {limit}")
    # Luma: the moment the window resets, a minute after the request; any time after 2020 will do.
    session.expect(values["X-RateLimit-Reset"] > 1_577_836_800, "X-RateLimit-Reset is not a time")


@check("GET /generations/{id}", creates=True)
def the_lifecycle_only_moves_forward(session: Session) -> None:
    """Polled to the end, a generation goes queued → processing → completed or failed, not back."""
    _expect_lifecycle(session, _followed_image(session))


@check("GET /generations/{id}", creates=True)
def a_terminal_state_is_sticky(session: Session) -> None:
    """Once completed or failed, a generation's state, failure and output kinds stay as they are."""
    expect_sticky(
        session,
        _followed_image(session),
        {
            "$.state": lambda body: body.get("state"),
            "$.failure_code": lambda body: body.get("failure_code"),
            "$.failure_reason": lambda body: body.get("failure_reason"),
            "$.output": _output_kinds,
        },
    )


@check("GET /generations/{id}", creates=True)
def ids_and_creation_facts_are_stable(session: Session) -> None:
    """Every poll shows the created id, creation time, model and type."""
    followed = _followed_image(session)
    for poll in followed.polls:
        for name in ("id", "created_at", "model", "type"):
            session.expect_equal(
                poll.get(name), followed.created.get(name), f"The {name}", f"$.{name}"
            )


@check("GET /generations/{id}", creates=True)
def a_completed_image_has_a_downloadable_image(session: Session) -> None:
    """A completed image has one image output that downloads; a failed one says why, with a code."""
    final = _followed_image(session).last
    if final["state"] == "failed":
        for name in ("failure_code", "failure_reason"):
            session.expect(bool(final.get(name)), f"A failed generation has no {name}", f"$.{name}")
        session.expect_equal(final.get("output"), [], "A failed generation's output", "$.output")
        return
    for name in ("failure_code", "failure_reason"):
        session.expect_equal(final.get(name), None, f"A completed generation's {name}", f"$.{name}")
    session.expect_equal(_output_kinds(final), ["image"], "The kinds of output", "$.output")
    download = session.download(final["output"][0]["url"])
    session.expect_equal(download.status_code, 200, "The image download status", "$.output[0].url")
    kind = download.headers.get("content-type", "")
    session.expect(kind.startswith("image/"), f"The image is served as {kind!r}", "$.output[0].url")


@check("POST /generations", creates=True)
def a_video_completes_with_a_playable_video(session: Session) -> None:
    """A ray-3.2 video goes forward to completed, with an MP4 as its one output."""

    def make() -> Followed:
        created = _create(session, "a ray-3.2 360p 5 s video", VIDEO_REQUEST, VIDEO_CENTS).body()
        return _follow_generation(session, created, VIDEO_POLL_SECONDS)

    followed = session.shared("the followed video", make)
    _expect_lifecycle(session, followed)
    final = followed.last
    session.expect_equal(final["state"], "completed", "The final state", "$.state")
    session.expect_equal(_output_kinds(final), ["video"], "The kinds of output", "$.output")
    download = session.download(final["output"][0]["url"])
    kind = download.headers.get("content-type", "")
    session.expect(kind == "video/mp4", f"The video is served as {kind!r}", "$.output[0].url")


# -- creates: a file (budget; free on Luma, but it stays in the account) ----------------------


def _upload_bytes() -> bytes:
    return (data_dir("fixtures") / "media" / UPLOAD_FILE).read_bytes()


def _created_file(session: Session) -> dict[str, Any]:
    def make() -> dict[str, Any]:
        session.spend("an uploaded 13 kB PNG file", 0.0)
        body = {
            "mime_type": "image/png",
            "size_bytes": len(_upload_bytes()),
            "filename": "mockluma-contract-check.png",
            "purpose": "reference",
        }
        return session.request("POST", "/files", json_body=body, expect=201).body()

    return session.shared("the created file", make)


def _uploaded_file(session: Session) -> tuple[dict[str, Any], Followed]:
    """The shared file: created, its bytes PUT to the presigned URL, completed, then followed
    until ingest ends. Also the answer to a second ``complete``."""

    def make() -> tuple[dict[str, Any], Followed]:
        created = _created_file(session)
        upload = created.get("upload")
        if not isinstance(upload, dict):
            raise session.fail("A presigned create has no upload to PUT to", "$.upload")
        session.upload(
            upload["url"], _upload_bytes(), headers=upload.get("headers"), method=upload["method"]
        )
        completed = session.request("POST", f"/files/{created['id']}/complete", expect=200)
        followed = follow(
            session,
            f"/files/{created['id']}",
            completed.body(),
            state_of=lambda body: body.get("state"),
            terminal=FILE_TERMINAL,
            pace=IMAGE_POLL_SECONDS,
            json_path="$.state",
        )
        return created, followed

    return session.shared("the uploaded file", make)


@check("POST /files", creates=True)
def creating_a_file_answers_201_with_a_presigned_put(session: Session) -> None:
    """A JSON create answers 201: the pending file as sent, and a PUT URL signed for its type."""
    created = _created_file(session)
    record = created["file"]
    session.expect_equal(created["state"], "pending", "The state", "$.state")
    session.expect_equal(record["id"], created["id"], "The file's id", "$.file.id")
    session.expect_equal(record["state"], "pending", "The file's state", "$.file.state")
    for name, value in (
        ("mime_type", "image/png"),
        ("purpose", "reference"),
        ("size_bytes", len(_upload_bytes())),
    ):
        session.expect_equal(record.get(name), value, f"The file's {name}", f"$.file.{name}")
    upload = created.get("upload") or {}
    session.expect_equal(upload.get("method"), "PUT", "The upload method", "$.upload.method")
    headers = {name.lower(): value for name, value in (upload.get("headers") or {}).items()}
    session.expect_equal(
        headers.get("content-type"), "image/png", "The upload's Content-Type", "$.upload.headers"
    )


@check("GET /files/{id}", creates=True)
def an_uploaded_file_moves_forward_to_ready_or_failed(session: Session) -> None:
    """After the PUT and complete, a file goes pending → ready (or failed, saying why) and stays."""
    _, followed = _uploaded_file(session)
    seen = [followed.created.get("state"), *(poll.get("state") for poll in followed.polls)]
    expect_forward(
        session,
        seen,
        order=FILE_STATE_ORDER,
        terminal=FILE_TERMINAL,
        what="The file",
        json_path="$.state",
    )
    expect_sticky(session, followed, {"$.state": lambda body: body.get("state")})
    final = followed.final
    if final["state"] == "failed":
        session.expect(
            bool(final.get("failure_reason")),
            "A failed file has no failure_reason",
            "$.failure_reason",
        )
    for poll in followed.polls:
        for name in ("id", "created_at", "mime_type", "size_bytes", "purpose", "filename"):
            session.expect_equal(
                poll.get(name), followed.created.get(name), f"The file's {name}", f"$.{name}"
            )


@check("POST /files/{id}/complete", creates=True)
def completing_a_file_twice_is_refused(session: Session) -> None:
    """A second complete of a file already completed is refused with a 4xx in the dialect."""
    created, _ = _uploaded_file(session)
    session.request("POST", f"/files/{created['id']}/complete", expect=CLIENT_ERRORS)


@check("GET /files", creates=True)
def a_new_file_is_listed_first(session: Session) -> None:
    """The file just uploaded leads the list (newest first), and the list of its state has it."""
    created, followed = _uploaded_file(session)
    page = session.request("GET", "/files", params={"limit": "5"}, expect=200).body()
    ids = [item["id"] for item in page["data"]]
    session.expect(
        bool(ids) and ids[0] == created["id"],
        f"File {created['id']} is not listed first",
        "$.data[0].id",
    )
    state = followed.final["state"]
    same = session.request(
        "GET", "/files", params={"limit": "100", "state": state}, expect=200
    ).body()
    session.expect(
        created["id"] in [item["id"] for item in same["data"]],
        f"File {created['id']} is missing from the list of {state} files",
        "$.data",
    )
    session.expect(
        all(item["state"] == state for item in same["data"]),
        f"The list of {state} files holds a file in another state",
        "$.data",
    )


@check("DELETE /files/{id}", creates=True)
def a_deleted_file_is_marked_deleted(session: Session) -> None:
    """DELETE answers 204 with no body; the file then reads as deleted, with its deletion time."""
    created, _ = _uploaded_file(session)
    path = f"/files/{created['id']}"
    session.request("DELETE", path, expect=204)
    after = session.request("GET", path, expect=200).body()
    session.expect_equal(after["state"], "deleted", "The state after DELETE", "$.state")
    session.expect(
        bool(after.get("deleted_at")), "A deleted file has no deleted_at", "$.deleted_at"
    )
    page = session.request("GET", "/files", params={"limit": "100"}, expect=200).body()
    session.expect(
        created["id"] not in [item["id"] for item in page["data"]],
        "A deleted file is still in the default list",
        "$.data",
    )


def _ensure_some_files(session: Session) -> None:
    # On the in-process mock only, give the cursor walk five files to page through.
    def make(size: int) -> Any:
        body = {"mime_type": "image/jpeg", "size_bytes": size}
        return session.request("POST", "/files", json_body=body, expect=201).body()

    for index in range(5):
        session.shared(f"list file {index}", partial(make, 1024 + index))
