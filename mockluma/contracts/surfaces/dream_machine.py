"""The Dream Machine contract: what the mock and ``api.lumalabs.ai/dream-machine/v1`` must both do.

Free checks come first: reads, and requests that the API refuses before any work starts (the
documented create-time errors, unknown ids, missing or bad keys, bodies that break the schema).
Then the checks that create generations (``creates=True``), which run on a live API only within
``--budget-cents``. They use the cheapest requests there are (a ``photon-flash-1`` 1:1 image,
a ``ray-flash-2`` 540p 5 s 1:1 video), priced with the mock's own price table, and share them:
one image serves every lifecycle check.

Statuses the docs leave open (404 for an unknown id, 401 for a bad key) are the ones the mock
chose (README, "Choices where Luma documents nothing"); a nightly run against Luma tells whether
they hold there too.
"""

from __future__ import annotations

import uuid
from typing import Any

from mockluma.contracts.generic import CLIENT_ERRORS, add_request_refusals
from mockluma.contracts.lifecycle import Followed, expect_forward, expect_sticky, follow
from mockluma.contracts.registry import CheckSkipped, Direction, SdkBinding, SurfaceContract
from mockluma.contracts.session import Session
from mockluma.engine.media import IMAGE_SIZES
from mockluma.surfaces.dream_machine import catalog, errors


def _sdk(schema: str, sdk_type: str, direction: Direction) -> SdkBinding:
    return SdkBinding(f"dream-machine/{schema}", f"lumaai.types.{sdk_type}", direction)


_RESPONSE, _REQUEST = Direction.RESPONSE, Direction.REQUEST
# The lumaai SDK's own types for each body (the drift tests compare them with the schemas). The
# Request* models are the request echo inside a Generation, which the mock writes.
SDK_TYPES = (
    _sdk("generation.response.json", "Generation", _RESPONSE),
    _sdk("generations-list.response.json", "GenerationListResponse", _RESPONSE),
    _sdk("credits.response.json", "CreditGetResponse", _RESPONSE),
    _sdk("ping.response.json", "PingCheckResponse", _RESPONSE),
    _sdk("concepts.response.json", "generations.ConceptListResponse", _RESPONSE),
    _sdk("video-create.request.json", "generation.RequestGenerationRequest", _RESPONSE),
    _sdk("image-create.request.json", "generation.RequestImageGenerationRequest", _RESPONSE),
    _sdk("upscale.request.json", "generation.RequestUpscaleVideoGenerationRequest", _RESPONSE),
    _sdk("audio.request.json", "generation.RequestAudioGenerationRequest", _RESPONSE),
    _sdk("image-reframe.request.json", "generation.RequestReframeImageRequest", _RESPONSE),
    _sdk("video-reframe.request.json", "generation.RequestReframeVideoRequest", _RESPONSE),
    _sdk("video-modify.request.json", "generation.RequestModifyVideoRequest", _RESPONSE),
    _sdk("video-create.request.json", "GenerationCreateParams", _REQUEST),
    _sdk("video-create.request.json", "generations.VideoCreateParams", _REQUEST),
    _sdk("image-create.request.json", "generations.ImageCreateParams", _REQUEST),
    _sdk("image-reframe.request.json", "generations.ImageReframeParams", _REQUEST),
    _sdk("video-reframe.request.json", "generations.VideoReframeParams", _REQUEST),
    _sdk("video-modify.request.json", "generations.VideoModifyParams", _REQUEST),
    _sdk("upscale.request.json", "GenerationUpscaleParams", _REQUEST),
    _sdk("audio.request.json", "GenerationAudioParams", _REQUEST),
    _sdk("generations-list.query.json", "GenerationListParams", _REQUEST),
)
CONTRACT = SurfaceContract("dream-machine", sdk_types=SDK_TYPES)
check = CONTRACT.check

STATE_ORDER = {"queued": 0, "dreaming": 1, "completed": 2, "failed": 2}
TERMINAL = ("completed", "failed")
POLL_SECONDS = 3.0  # Luma's docs poll every 3 s
NOWHERE = str(uuid.UUID(int=0x5EED, version=4))  # an id no generation has
IMAGE_URL = "https://example.com/keyframe.jpg"

# The cheapest requests of each kind, and what they cost by the mock's price table.
IMAGE_REQUEST: dict[str, Any] = {
    "model": "photon-flash-1",
    "prompt": "a small red cube on a white table",
    "aspect_ratio": "1:1",
    "format": "jpg",
}
IMAGE_CENTS = catalog.image_price("photon-flash-1", *IMAGE_SIZES["1:1"])
VIDEO_REQUEST: dict[str, Any] = {
    "model": "ray-flash-2",
    "prompt": "a paper boat drifting on a calm pond",
    "aspect_ratio": "1:1",
    "resolution": "540p",
    "duration": "5s",
}
VIDEO_CENTS = catalog.video_price("ray-flash-2", "1:1", "540p", 5)
UPSCALE_REQUEST: dict[str, Any] = {"resolution": "720p"}
UPSCALE_CENTS = catalog.video_price("ray-flash-2", "1:1", "720p", 5)
AUDIO_REQUEST: dict[str, Any] = {"prompt": "soft rain on water"}
AUDIO_CENTS = catalog.audio_price(5)


# -- free: reads ------------------------------------------------------------------------------


@check("GET /ping")
def ping_answers_with_a_message(session: Session) -> None:
    """GET /ping answers 200 with a message."""
    body = session.request("GET", "/ping", expect=200).body()
    session.expect(isinstance(body.get("message"), str), "The ping has no message", "$.message")


@check("GET /credits")
def credit_balance_is_not_negative(session: Session) -> None:
    """GET /credits answers 200 with a balance in cents that is not negative."""
    body = session.request("GET", "/credits", expect=200).body()
    session.expect(body["credit_balance"] >= 0, "The balance is negative", "$.credit_balance")


@check("GET /generations/concepts/list")
def concepts_are_distinct_and_include_the_documented_ones(session: Session) -> None:
    """The concept list holds distinct keys, among them the documented dolly_zoom and handheld."""
    concepts = session.request("GET", "/generations/concepts/list", expect=200).json()
    for index, concept in enumerate(concepts):
        session.expect(bool(concept), "A concept key is empty", f"$[{index}]")
    session.expect(len(set(concepts)) == len(concepts), "A concept key is listed twice")
    for documented in ("dolly_zoom", "handheld"):
        session.expect(documented in concepts, f"The documented concept {documented} is missing")


@check("GET /generations/camera_motion/list")
def camera_motions_are_listed(session: Session) -> None:
    """The legacy camera-motion list still answers with strings."""
    motions = session.request("GET", "/generations/camera_motion/list", expect=200).json()
    session.expect(len(motions) > 0, "The camera-motion list is empty")


@check("GET /generations")
def list_echoes_its_page(session: Session) -> None:
    """A list page echoes limit and offset (100 and 0 by default) and counts what it holds."""
    for params, limit, offset in (({}, 100, 0), ({"limit": "2", "offset": "1"}, 2, 1)):
        body = session.request("GET", "/generations", params=params, expect=200).body()
        session.expect_equal(body.get("limit"), limit, "The page's limit", "$.limit")
        session.expect_equal(body.get("offset"), offset, "The page's offset", "$.offset")
        held = len(body["generations"])
        session.expect_equal(body.get("count"), held, "The page's count", "$.count")
        session.expect(held <= limit, f"The page holds {held} generations, over its limit")


@check("GET /generations")
def list_pages_are_consistent(session: Session) -> None:
    """Consecutive pages agree: item 2 of a page of 2 is item 1 of the page that starts there."""
    if not session.live:
        _ensure_some_generations(session)
    pair = session.request("GET", "/generations", params={"limit": "2"}, expect=200).body()
    second = session.request(
        "GET", "/generations", params={"limit": "1", "offset": "1"}, expect=200
    ).body()
    ids = [item["id"] for item in pair["generations"]]
    if len(ids) == 2:
        session.expect(
            [item["id"] for item in second["generations"]] == ids[1:],
            "The page at offset 1 does not start with the second item of the first page",
            "$.generations[0].id",
        )
        session.expect(pair.get("has_more") is not None, "has_more is missing", "$.has_more")
    beyond = session.request(
        "GET", "/generations", params={"limit": "5", "offset": "100000"}, expect=200
    ).body()
    session.expect_equal(beyond["generations"], [], "A page past the end", "$.generations")
    session.expect_equal(beyond.get("has_more"), False, "has_more past the end", "$.has_more")


@check("GET /generations")
def list_refuses_a_limit_that_is_not_a_number(session: Session) -> None:
    """A limit that is not an integer is refused with a 4xx in the dialect."""
    session.request("GET", "/generations", params={"limit": "ten"}, expect=CLIENT_ERRORS)


# -- free: refusals ---------------------------------------------------------------------------


@check("GET /generations/{id}")
def an_unknown_generation_is_not_found(session: Session) -> None:
    """GET of an id that does not exist answers 404 in the dialect."""
    session.request("GET", f"/generations/{NOWHERE}", expect=404)


@check("DELETE /generations/{id}")
def deleting_an_unknown_generation_is_not_found(session: Session) -> None:
    """DELETE of an id that does not exist answers 404 in the dialect."""
    session.request("DELETE", f"/generations/{NOWHERE}", expect=404)


@check("POST /generations/{id}/upscale")
def upscaling_an_unknown_generation_is_not_found(session: Session) -> None:
    """Upscaling an id that does not exist answers 404 in the dialect."""
    session.request(
        "POST", f"/generations/{NOWHERE}/upscale", json_body=UPSCALE_REQUEST, expect=404
    )


@check("POST /generations/{id}/audio")
def adding_audio_to_an_unknown_generation_is_not_found(session: Session) -> None:
    """Adding audio to an id that does not exist answers 404 in the dialect."""
    session.request("POST", f"/generations/{NOWHERE}/audio", json_body=AUDIO_REQUEST, expect=404)


@check("GET /credits")
def a_request_without_a_key_is_refused(session: Session) -> None:
    """A request with no Authorization header answers 401 in the dialect."""
    session.request("GET", "/credits", authenticate=False, expect=401)


@check("GET /credits")
def a_wrong_key_is_refused_with_lumas_message(session: Session) -> None:
    """A key Luma never issued answers 401 with the spec's "Invalid API key is provided"."""
    reply = session.request(
        "GET",
        "/credits",
        headers={"Authorization": "Bearer luma-not-a-real-key-0000"},
        expect=401,
    )
    body = reply.body()
    session.expect_equal(body["detail"], errors.INVALID_API_KEY, "The message", "$.detail")


GENERATION = {"type": "generation", "id": NOWHERE}
IMAGE = {"type": "image", "url": IMAGE_URL}


def _looping(**frames: Any) -> dict[str, Any]:
    return {"prompt": "a calm sea", "loop": True, "keyframes": frames}


# The create-time errors of Luma's errors page: (check name, body, exact message).
DOCUMENTED_REFUSALS: tuple[tuple[str, dict[str, Any], str], ...] = (
    ("prompt_required", {}, errors.PROMPT_REQUIRED),
    ("prompt_too_short", {"prompt": "hi"}, errors.PROMPT_TOO_SHORT),
    ("prompt_too_long", {"prompt": "x" * 5001}, errors.PROMPT_TOO_LONG),
    ("no_keyframes", {"prompt": "a calm sea", "keyframes": {}}, errors.NO_KEYFRAMES),
    ("loop_end_frame", _looping(frame1=IMAGE), errors.LOOP_END_FRAME),
    ("loop_two_images", _looping(frame0=IMAGE, frame1=IMAGE), errors.LOOP_KEYFRAMES),
    ("loop_extend_reverse", _looping(frame1=GENERATION), errors.LOOP_EXTEND_REVERSE),
    ("loop_video_to_image", _looping(frame0=GENERATION, frame1=IMAGE), errors.LOOP_VIDEO_TO_IMAGE),
    ("loop_image_to_video", _looping(frame0=IMAGE, frame1=GENERATION), errors.LOOP_IMAGE_TO_VIDEO),
    ("loop_two_videos", _looping(frame0=GENERATION, frame1=GENERATION), errors.LOOP_TWO_VIDEOS),
)


def _documented_refusal(path: str, body: dict[str, Any], message: str) -> Any:
    def refused(session: Session) -> None:
        # The cheapest settings, should the API accept what its docs say it refuses.
        cheapest = {"model": "ray-flash-2", "aspect_ratio": "1:1", "resolution": "540p"}
        sent = {**cheapest, "duration": "5s", **body}
        reply = session.request("POST", path, json_body=sent, expect=400)
        session.expect_equal(reply.body()["detail"], message, "The message", "$.detail")

    return refused


for _name, _body, _message in DOCUMENTED_REFUSALS:
    CONTRACT.add(
        "POST /generations/video",
        _documented_refusal("/generations/video", _body, _message),
        name=f"refuses_{_name}",
        title=f'A video create answers 400 "{_message}"',
    )
CONTRACT.add(
    "POST /generations",
    _documented_refusal("/generations", {}, errors.PROMPT_REQUIRED),
    name="the_legacy_create_path_refuses_like_the_new_one",
    title=f'POST /generations (the path of the curl docs) answers 400 "{errors.PROMPT_REQUIRED}"',
)


@check("POST /generations/video")
def an_unknown_model_is_refused(session: Session) -> None:
    """A video create naming a model that does not exist is refused with a 4xx in the dialect."""
    session.request(
        "POST",
        "/generations/video",
        json_body={"model": "ray-0", "prompt": "a calm sea"},
        expect=CLIENT_ERRORS,
    )


add_request_refusals(CONTRACT, path_values={"id": NOWHERE})


# -- creates generations (budget) --------------------------------------------------------------


def _create(session: Session, what: str, path: str, body: dict[str, Any], cents: float) -> Any:
    session.spend(what, cents)
    status = 200 if path.endswith(("/upscale", "/audio")) else 201
    return session.request("POST", path, json_body=body, expect=status).body()


def _follow(session: Session, created: dict[str, Any]) -> Followed:
    return follow(
        session,
        f"/generations/{created['id']}",
        created,
        state_of=lambda body: body.get("state"),
        terminal=TERMINAL,
        pace=POLL_SECONDS,
        json_path="$.state",
    )


def _image(session: Session) -> dict[str, Any]:
    return session.shared(
        "the shared image generation",
        lambda: _create(
            session, "a photon-flash-1 image", "/generations/image", IMAGE_REQUEST, IMAGE_CENTS
        ),
    )


def _followed_image(session: Session) -> Followed:
    return session.shared("the followed image", lambda: _follow(session, _image(session)))


def _followed_video(session: Session) -> Followed:
    def make() -> Followed:
        created = _create(
            session,
            "a ray-flash-2 540p 5 s video",
            "/generations/video",
            VIDEO_REQUEST,
            VIDEO_CENTS,
        )
        return _follow(session, created)

    return session.shared("the followed video", make)


def _completed_video(session: Session) -> Followed:
    video = _followed_video(session)
    if video.last.get("state") != "completed":
        raise CheckSkipped(f"the shared video {video.id} did not complete, so it cannot be reused")
    return video


def _ensure_some_generations(session: Session) -> None:
    # On the in-process mock only, give the pagination check three generations to page through.
    for index in range(3):
        session.shared(
            f"list item {index}",
            lambda: session.request(
                "POST", "/generations/image", json_body=IMAGE_REQUEST, expect=201
            ).body(),
        )


def _expect_lifecycle(session: Session, followed: Followed) -> None:
    seen = [followed.created.get("state"), *(poll.get("state") for poll in followed.polls)]
    expect_forward(
        session,
        seen,
        order=STATE_ORDER,
        terminal=TERMINAL,
        what=f"Generation {followed.id}",
        json_path="$.state",
    )


@check("POST /generations/image", creates=True)
def creating_an_image_answers_201_with_the_request_echoed(session: Session) -> None:
    """An image create answers 201, not yet failed, echoing the request it was given."""
    created = _image(session)
    session.expect(created.get("state") in STATE_ORDER, "The state is unknown", "$.state")
    session.expect_equal(created["generation_type"], "image", "The type", "$.generation_type")
    echo = created["request"]
    for name, value in IMAGE_REQUEST.items():
        session.expect_equal(echo.get(name), value, f"The echoed {name}", f"$.request.{name}")


@check("GET /generations/{id}", creates=True)
def the_lifecycle_only_moves_forward(session: Session) -> None:
    """Polled to the end, a generation goes queued → dreaming → completed or failed, never back."""
    _expect_lifecycle(session, _followed_image(session))


@check("GET /generations/{id}", creates=True)
def a_terminal_state_is_sticky(session: Session) -> None:
    """Once completed or failed, a generation no longer changes as time passes."""
    expect_sticky(
        session,
        _followed_image(session),
        {
            "$.state": lambda body: body.get("state"),
            "$.assets": lambda body: body.get("assets"),
            "$.failure_reason": lambda body: body.get("failure_reason"),
        },
    )


@check("GET /generations/{id}", creates=True)
def ids_and_creation_facts_are_stable(session: Session) -> None:
    """Every poll shows the created id, creation time, type, model and request."""
    followed = _followed_image(session)
    for poll in followed.polls:
        for name in ("id", "created_at", "generation_type", "model", "request"):
            session.expect_equal(
                poll.get(name), followed.created.get(name), f"The {name}", f"$.{name}"
            )


@check("GET /generations/{id}", creates=True)
def a_completed_image_has_a_downloadable_image(session: Session) -> None:
    """A completed image links an image file that downloads; a failed one says why."""
    final = _followed_image(session).last
    if final["state"] == "failed":
        reason = final.get("failure_reason")
        session.expect(
            isinstance(reason, str) and bool(reason), "No failure_reason", "$.failure_reason"
        )
        return
    url = (final.get("assets") or {}).get("image")
    if not isinstance(url, str):
        raise session.fail("A completed image has no assets.image", "$.assets.image")
    download = session.download(url)
    session.expect_equal(download.status_code, 200, "The image download status", "$.assets.image")
    kind = download.headers.get("content-type", "")
    session.expect(kind.startswith("image/"), f"The image is served as {kind!r}", "$.assets.image")


@check("GET /generations", creates=True)
def a_new_generation_is_listed(session: Session) -> None:
    """A generation just made is in the first page of the list."""
    created = _image(session)
    page = session.request("GET", "/generations", params={"limit": "100"}, expect=200).body()
    ids = [item.get("id") for item in page["generations"]]
    session.expect(
        created["id"] in ids, f"Generation {created['id']} is not listed", "$.generations"
    )


@check("DELETE /generations/{id}", creates=True)
def a_deleted_generation_is_gone(session: Session) -> None:
    """DELETE answers 204 with no body, and the generation then answers 404."""
    followed = _followed_image(session)
    session.request("DELETE", f"/generations/{followed.id}", expect=204)
    session.request("GET", f"/generations/{followed.id}", expect=404)


@check("POST /generations/video", creates=True)
def a_video_completes_with_a_playable_video(session: Session) -> None:
    """A video goes forward to completed, with an MP4 in assets.video."""
    followed = _followed_video(session)
    _expect_lifecycle(session, followed)
    final = followed.last
    session.expect_equal(final["state"], "completed", "The final state", "$.state")
    url = (final.get("assets") or {}).get("video")
    if not isinstance(url, str):
        raise session.fail("A completed video has no assets.video", "$.assets.video")
    download = session.download(url)
    kind = download.headers.get("content-type", "")
    session.expect(kind == "video/mp4", f"The video is served as {kind!r}", "$.assets.video")


@check("POST /generations/{id}/upscale", creates=True)
def upscaling_answers_200_with_a_generation(session: Session) -> None:
    """Upscaling a completed video answers 200 with a generation echoing an upscale request."""
    video = _completed_video(session)
    upscaled = _create(
        session,
        "a 720p upscale",
        f"/generations/{video.id}/upscale",
        UPSCALE_REQUEST,
        UPSCALE_CENTS,
    )
    echo = upscaled["request"]
    session.expect_equal(
        echo.get("generation_type"), "upscale_video", "The echoed type", "$.request.generation_type"
    )
    session.expect_equal(
        echo.get("resolution"), "720p", "The echoed resolution", "$.request.resolution"
    )


@check("POST /generations/{id}/audio", creates=True)
def adding_audio_answers_200_with_a_generation(session: Session) -> None:
    """Adding audio to a completed video answers 200 with a generation echoing the request."""
    video = _completed_video(session)
    made = _create(
        session, "5 s of audio", f"/generations/{video.id}/audio", AUDIO_REQUEST, AUDIO_CENTS
    )
    echo = made["request"]
    session.expect_equal(
        echo.get("generation_type"), "add_audio", "The echoed type", "$.request.generation_type"
    )
    session.expect_equal(
        echo.get("prompt"), AUDIO_REQUEST["prompt"], "The echoed prompt", "$.request.prompt"
    )
