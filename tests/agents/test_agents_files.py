"""The files API: both upload flows, states, pagination, deletion, expiry and the storage side,
through the official SDK (strict validation) where it reaches, and plain HTTP where it does
not (the inline multipart upload, and the PUT to the presigned URL)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import luma_agents
import pytest
from luma_agents import AsyncLuma, Luma
from luma_agents.types import CreateFileResponse, File

from mockluma.handle import MockLuma
from mockluma.surfaces.agents import catalog

from .conftest import API_KEY
from .helpers import image_bytes

MP4_PATH = "video/9x16-5s.mp4"


def put(web: httpx.Client, created: CreateFileResponse, data: bytes) -> httpx.Response:
    """PUT ``data`` to the presigned URL with exactly the headers the envelope asks for."""
    assert created.upload is not None
    return web.request(
        created.upload.method, created.upload.url, content=data, headers=created.upload.headers
    )


def upload(agents: Luma, web: httpx.Client, data: bytes, mime_type: str, **fields: Any) -> File:
    created = agents.files.create(mime_type=mime_type, size_bytes=len(data), **fields)
    assert put(web, created, data).status_code == 200
    return agents.files.complete(created.id)


def inline(http: httpx.Client, data: bytes, mime_type: str, **fields: str) -> httpx.Response:
    return http.post("/files", files={"file": ("upload.bin", data, mime_type)}, data=fields)


def ready(agents: Luma, luma: MockLuma, file_id: str) -> File:
    luma.advance(60)
    stored = agents.files.get(file_id)
    assert stored.state == "ready", stored
    return stored


def test_the_presigned_flow_create_put_complete_then_use(
    agents: Luma, web: httpx.Client, luma: MockLuma
) -> None:
    data = image_bytes(120, 90)
    raw = agents.files.with_raw_response.create(
        mime_type="image/png",
        size_bytes=len(data),
        filename="portrait.png",
        purpose="reference",
        user_id="user-42",
        expires_at=luma.clock + timedelta(days=30),
    )
    assert raw.status_code == 201
    created = raw.parse()
    assert created.id == created.file.id
    assert created.state == created.file.state == "pending"
    assert created.file.created_at == luma.clock.replace(microsecond=0)
    assert created.file.expires_at == (luma.clock + timedelta(days=30)).replace(microsecond=0)
    assert (created.file.filename, created.file.purpose, created.file.user_id) == (
        "portrait.png",
        "reference",
        "user-42",
    )
    assert created.file.size_bytes == len(data)
    upload_envelope = created.upload
    assert upload_envelope is not None
    assert upload_envelope.method == "PUT"
    assert upload_envelope.headers == {"Content-Type": "image/png"}
    assert upload_envelope.expires_at == created.file.created_at + timedelta(hours=1)

    stored = put(web, created, data)
    assert stored.status_code == 200
    assert stored.headers["etag"].startswith('"')
    completed = agents.files.complete(created.id)
    assert completed.state == "pending"  # ingest runs after complete
    assert ready(agents, luma, created.id).failure_reason is None

    edit = agents.generations.create(
        type="image_edit", prompt="warmer light", source={"file_id": created.id}
    )
    luma.advance(3600)
    done = agents.generations.get(edit.id)
    assert done.state == "completed"
    assert done.output is not None
    picture = web.get(done.output[0].url)
    assert picture.status_code == 200


def test_the_inline_flow_uploads_in_one_request(
    agents: Luma, http: httpx.Client, luma: MockLuma
) -> None:
    data = image_bytes(50, 50, "JPEG")
    response = inline(http, data, "image/jpeg", purpose="reference", user_id="u-7")
    assert response.status_code == 201
    body = response.json()
    assert body["upload"] is None
    assert body["state"] == body["file"]["state"] == "pending"
    assert body["file"]["mime_type"] == "image/jpeg"
    assert body["file"]["size_bytes"] == len(data)
    assert (body["file"]["filename"], body["file"]["purpose"]) == ("upload.bin", "reference")
    assert ready(agents, luma, body["id"]).user_id == "u-7"

    # Without a declared type the bytes say what they are.
    untyped = inline(http, data, "application/octet-stream", filename="named.jpg")
    assert untyped.json()["file"]["mime_type"] == "image/jpeg"
    assert untyped.json()["file"]["filename"] == "named.jpg"


def test_an_uploaded_video_gives_an_edit_its_shape_and_length(
    agents: Luma, web: httpx.Client, luma: MockLuma
) -> None:
    media = luma.app.state.mockluma.media.by_name(MP4_PATH)
    clip = upload(agents, web, media.path.read_bytes(), "video/mp4")
    ready(agents, luma, clip.id)
    reframe = agents.generations.create(
        model="ray-3.2",
        type="video_reframe",
        prompt="widen it",
        aspect_ratio="16:9",
        source={"file_id": clip.id},
    )
    edit = agents.generations.create(
        model="ray-3.2",
        type="video_edit",
        prompt="make it snow",
        source={"file_id": clip.id},
        video={"edit": {"auto_controls": True}},
    )
    luma.advance(3600)
    shapes = {}
    for generation in (reframe, edit):
        done = agents.generations.get(generation.id)
        assert done.output is not None
        name = done.output[0].url.split("?")[0].rsplit("/", 2)[-1]
        shapes[generation.type] = name
    assert shapes == {"video_reframe": "16x9-5s.mp4", "video_edit": "9x16-5s.mp4"}
    with pytest.raises(luma_agents.UnprocessableEntityError) as same_shape:
        agents.generations.create(
            model="ray-3.2",
            type="video_reframe",
            prompt="again",
            aspect_ratio="9:16",
            source={"file_id": clip.id},
        )
    assert same_shape.value.body == {
        "detail": "aspect_ratio must differ from the source video's (9:16) for a reframe"
    }


def test_media_that_is_not_what_it_claims_fails_ingest(
    agents: Luma, web: httpx.Client, luma: MockLuma
) -> None:
    bogus = upload(agents, web, b"definitely not a png", "image/png")
    luma.advance(60)
    failed = agents.files.get(bogus.id)
    assert failed.state == "failed"
    assert failed.failure_reason == "The uploaded bytes are not a valid image/png file."
    with pytest.raises(luma_agents.BadRequestError) as refused:
        agents.generations.create(type="image_edit", prompt="x", source={"file_id": bogus.id})
    assert refused.value.body == {
        "detail": f"source: file {bogus.id} is not ready (state: failed); only a ready file "
        "can be used"
    }


def test_pages_go_newest_first_with_an_opaque_cursor_and_filters(
    agents: Luma, http: httpx.Client, luma: MockLuma
) -> None:
    data = image_bytes(8, 8)
    ids = []
    for index in range(7):
        purpose = "input" if index % 2 == 0 else "reference"
        ids.append(inline(http, data, "image/png", purpose=purpose).json()["id"])
    newest_first = list(reversed(ids))

    seen: list[str] = []
    page = agents.files.list(limit=3)
    pages = 1
    while True:
        seen += [stored.id for stored in page.data]
        if not page.has_more:
            assert page.next_cursor is None
            break
        assert page.next_cursor is not None
        page = agents.files.list(limit=3, cursor=page.next_cursor)
        pages += 1
    assert (seen, pages) == (newest_first, 3)
    assert [stored.id for stored in agents.files.list().data] == newest_first  # default 25

    references = agents.files.list(purpose="reference", limit=2)
    assert [stored.id for stored in references.data] == newest_first[1::2][:2]
    assert references.has_more
    assert agents.files.list(state="ready").data == []
    luma.advance(60)
    assert len(agents.files.list(state="ready", limit=100).data) == 7
    assert agents.files.list(state="pending").data == []


@pytest.mark.anyio
async def test_the_async_client_lists_files(async_agents: AsyncLuma, luma: MockLuma) -> None:
    created = await async_agents.files.create(mime_type="video/mp4", size_bytes=1000)
    listing = await async_agents.files.list(state="pending")
    assert [stored.id for stored in listing.data] == [created.id]
    assert (await async_agents.files.get(created.id)).state == "pending"


def test_a_deleted_file_is_kept_but_cannot_be_used(
    agents: Luma, http: httpx.Client, luma: MockLuma
) -> None:
    file_id = inline(http, image_bytes(), "image/png").json()["id"]
    ready(agents, luma, file_id)
    raw = agents.files.with_raw_response.delete(file_id)
    assert raw.status_code == 204
    assert raw.http_response.content == b""
    gone = agents.files.get(file_id)
    assert gone.state == "deleted"
    assert gone.deleted_at == luma.clock.replace(microsecond=0)
    agents.files.delete(file_id)  # deleting again changes nothing
    assert agents.files.get(file_id).deleted_at == gone.deleted_at
    assert agents.files.list().data == []
    assert [stored.id for stored in agents.files.list(state="deleted").data] == [file_id]
    with pytest.raises(luma_agents.BadRequestError, match="state: deleted"):
        agents.generations.create(prompt="x", image_ref=[{"file_id": file_id}])
    with pytest.raises(luma_agents.BadRequestError, match="has been deleted"):
        agents.files.complete(file_id)


def test_a_file_past_its_expiry_is_deleted(
    agents: Luma, http: httpx.Client, luma: MockLuma
) -> None:
    expires = (luma.clock + timedelta(hours=2)).isoformat()
    file_id = inline(http, image_bytes(), "image/png", expires_at=expires).json()["id"]
    assert ready(agents, luma, file_id).expires_at is not None
    luma.advance(2 * 3600)
    expired = agents.files.get(file_id)
    assert expired.state == "deleted"
    assert expired.deleted_at == expired.expires_at


def test_files_belong_to_their_key(agents: Luma, http: httpx.Client, luma: MockLuma) -> None:
    mine = inline(http, image_bytes(), "image/png").json()["id"]
    ready(agents, luma, mine)
    with Luma(
        auth_token="luma-api-someone-else",
        base_url=f"{luma.url}/v1",
        max_retries=0,
        _strict_response_validation=True,
    ) as other:
        with pytest.raises(luma_agents.NotFoundError) as missing:
            other.files.get(mine)
        assert missing.value.body == {"detail": "File not found"}
        assert other.files.list().data == []
        with pytest.raises(luma_agents.BadRequestError) as refused:
            other.generations.create(prompt="x", image_ref=[{"file_id": mine}])
        assert refused.value.body == {"detail": f"image_ref[0]: file {mine} not found"}


def test_a_pending_file_moves_on_when_polled_under_polls_progression(
    agents: Luma, http: httpx.Client, luma: MockLuma
) -> None:
    luma.reset(progression="polls:1")
    file_id = inline(http, image_bytes(), "image/png").json()["id"]
    states = [agents.files.get(file_id).state for _ in range(3)]
    assert states == ["pending", "ready", "ready"]


# -- refusals ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "status", "detail"),
    [
        ({"mime_type": "text/plain", "size_bytes": 10}, 422, "Unsupported mime_type 'text/plain': upload a JPEG, PNG, WebP or GIF image, or an MP4 or QuickTime video."),
        ({"mime_type": "video/mp4", "size_bytes": 5 * 1024**3 + 1}, 413, "size_bytes exceeds the 5 GiB limit of a single upload; send a smaller file."),
        ({"mime_type": "image/png", "size_bytes": 0}, 400, "Field 'size_bytes' is out of range: 0 is less than the minimum of 1."),
        ({"mime_type": "image/png", "size_bytes": 10, "purpose": "style"}, 400, 'Field \'purpose\' must be one of "input", "reference", not "style".'),
        ({"mime_type": "image/png", "size_bytes": 10, "user_id": "u" * 257}, 400, None),
        ({"mime_type": "image/png", "size_bytes": 10, "expires_at": "2001-01-01T00:00:00Z"}, 400, "Field 'expires_at' must be in the future."),
        ({"mime_type": "image/png", "size_bytes": 10, "expires_at": "soon"}, 400, "Field 'expires_at' must be an ISO 8601 date-time, not 'soon'."),
        ({"size_bytes": 10}, 400, "Field 'mime_type' is required."),
    ],
    ids=["mime", "too-large", "empty", "purpose", "user-id", "past-expiry", "bad-expiry", "no-mime"],
)  # fmt: skip
def test_file_create_refusals(
    http: httpx.Client, fields: dict[str, Any], status: int, detail: str | None
) -> None:
    response = http.post("/files", json=fields)
    assert response.status_code == status
    if detail is not None:
        assert response.json() == {"detail": detail}
    else:
        assert "user_id" in response.json()["detail"]


def test_inline_refusals(
    http: httpx.Client, luma: MockLuma, monkeypatch: pytest.MonkeyPatch
) -> None:
    no_file = http.post("/files", files={"other": ("a", b"x", "image/png")})
    assert no_file.status_code == 400
    assert no_file.json() == {"detail": "The multipart form needs a 'file' part holding the media."}
    empty = inline(http, b"", "image/png")
    assert empty.json() == {"detail": "The 'file' part is empty; send the media's bytes."}
    unsupported = inline(http, b"hello", "text/plain")
    assert unsupported.status_code == 422
    broken = http.post(
        "/files", content=b"--x\r\nnonsense", headers={"Content-Type": "multipart/form-data"}
    )
    assert broken.status_code == 400
    assert broken.json()["detail"].startswith("The multipart body could not be read")
    monkeypatch.setattr(catalog, "MAX_INLINE_UPLOAD_BYTES", 1000)
    too_large = inline(http, image_bytes(400, 400), "image/png")
    assert too_large.status_code == 413
    assert too_large.json()["detail"].startswith("Inline uploads are limited to")


def test_storage_refuses_bad_puts_as_s3_does(
    agents: Luma, web: httpx.Client, luma: MockLuma
) -> None:
    data = image_bytes()
    created = agents.files.create(mime_type="image/png", size_bytes=len(data))
    assert created.upload is not None
    url = created.upload.url

    def refused(response: httpx.Response, status: int, code: str) -> None:
        assert response.status_code == status
        assert response.headers["content-type"] == "application/xml"
        assert f"<Code>{code}</Code>" in response.text

    refused(
        web.put(url, content=data, headers={"Content-Type": "image/jpeg"}),
        403,
        "SignatureDoesNotMatch",
    )
    refused(
        web.put(url.replace("X-Amz-Signature=", "X-Amz-Signature=0"), content=data),
        403,
        "SignatureDoesNotMatch",
    )
    refused(web.put(url.split("?")[0], content=data), 403, "AccessDenied")
    refused(put(web, created, data + b"extra"), 400, "EntityTooLarge")
    unsigned = url.replace(created.id, "00000000-0000-4000-8000-000000000000")
    refused(web.put(unsigned, content=data), 403, "SignatureDoesNotMatch")

    with pytest.raises(luma_agents.BadRequestError, match="No bytes were uploaded"):
        agents.files.complete(created.id)
    assert put(web, created, data[:-1]).status_code == 200
    with pytest.raises(luma_agents.BadRequestError, match=r"received \d+ bytes but size_bytes is"):
        agents.files.complete(created.id)
    assert put(web, created, data).status_code == 200
    agents.files.complete(created.id)
    with pytest.raises(luma_agents.BadRequestError, match="already complete"):
        agents.files.complete(created.id)
    refused(put(web, created, data), 403, "AccessDenied")

    late = agents.files.create(mime_type="image/png", size_bytes=len(data))
    luma.advance(3601)
    refused(put(web, late, data), 403, "AccessDenied")
    assert "Request has expired" in put(web, late, data).text

    forgotten = agents.files.create(mime_type="image/png", size_bytes=len(data))
    luma.reset(API_KEY)
    refused(put(web, forgotten, data), 404, "NoSuchUpload")


@pytest.mark.parametrize(
    ("query", "detail"),
    [
        ("limit=0", "Query parameter 'limit' is out of range: 0 is less than the minimum of 1."),
        ("limit=101", "Query parameter 'limit' is out of range: 101 is greater than the maximum of 100."),
        ("limit=ten", "Query parameter 'limit' must be an integer from 1 to 100, not 'ten'."),
        ("state=gone", 'Query parameter \'state\' must be one of "pending", "ready", "failed", "deleted", not "gone".'),
        ("purpose=x", 'Query parameter \'purpose\' must be one of "input", "reference", not "x".'),
        ("cursor=abc", "Query parameter 'cursor' is not a cursor this API issued; pass the next_cursor of the previous page unchanged."),
    ],
    ids=["limit-0", "limit-101", "limit-text", "state", "purpose", "cursor"],
)  # fmt: skip
def test_list_refusals(http: httpx.Client, query: str, detail: str) -> None:
    response = http.get(f"/files?{query}")
    assert response.status_code == 400
    assert response.json() == {"detail": detail}


def test_unknown_files_are_not_found(http: httpx.Client) -> None:
    for method, path in [
        ("GET", "/files/00000000-0000-4000-8000-000000000000"),
        ("GET", "/files/not-a-uuid"),
        ("DELETE", "/files/not-a-uuid"),
        ("POST", "/files/not-a-uuid/complete"),
    ]:
        response = http.request(method, path)
        assert response.status_code == 404
        assert response.json() == {"detail": "File not found"}
