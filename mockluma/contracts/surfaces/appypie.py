"""The AppyPie contract: what the mock and ``gateway.appypie.com`` must both do.

AppyPie creates under ``/lumalabs-ai/v1`` and polls under ``/lumalabs-ai-polling/v1``; the runner
is given the first (``--base-url https://gateway.appypie.com/lumalabs-ai/v1``) and finds the
second beside it. The key travels in ``Ocp-Apim-Subscription-Key``.

Free checks come first: polls of an id that does not exist, and requests the gateway refuses
before any work starts (no key, a wrong key, each documented kind of bad input). Then the checks
that create videos (``creates=True``), which run on a live gateway only within
``--budget-cents``. AppyPie publishes no prices; the mock charges 40 cents a video (about what a
5 s Dream Machine 1.6 video cost through Luma's API), and the budget counts the same. There is
only one kind of video, so the cheapest request is the plainest: 1:1, no loop. One video serves
every lifecycle check; image-to-video costs a second one.

Only ``completed`` (with ``video_url``) is documented. The other status words are the mock's
guess (Dream Machine's own ``queued``, ``dreaming``, ``failed``), so one check says whether the
live gateway uses them, and the lifecycle checks only rely on what holds for any vocabulary: a
status once left never comes back, and ``completed`` or ``failed`` is final. The error phrases
(``Invalid request parameters``, ...) are AppyPie's documented ones; the sentence after them is
the mock's.
"""

from __future__ import annotations

import uuid
from typing import Any

from mockluma.config import APPYPIE_STATUSES
from mockluma.contracts.generic import add_request_refusals
from mockluma.contracts.lifecycle import Followed, expect_sticky, follow
from mockluma.contracts.registry import SurfaceContract
from mockluma.contracts.session import Reply, Session
from mockluma.surfaces.appypie import catalog, errors

CONTRACT = SurfaceContract(
    "appypie",
    auth_header=("Ocp-Apim-Subscription-Key", "{key}"),
)
check = CONTRACT.check

POLLING = "/lumalabs-ai-polling/v1"
GET_STATUS = f"POST {POLLING}/getStatus"
QUEUED, RUNNING, FAILED = APPYPIE_STATUSES
COMPLETED = "completed"
TERMINAL = (COMPLETED, FAILED)
ORDER = {QUEUED: 0, RUNNING: 1, COMPLETED: 2, FAILED: 2}
POLL_SECONDS = 5.0  # AppyPie names no pace; a video takes a minute or two
NOWHERE = str(uuid.UUID(int=0xA99, version=4))  # a request id no generation has

VIDEO_CENTS = catalog.PRICE_CENTS
VIDEO_REQUEST: dict[str, Any] = {
    "prompt": "a paper boat drifting on a calm pond",
    "aspect_ratio": "1:1",
    "loop": False,
}
# A real Dream Machine image on Luma's CDN (shared/reference/dream-machine.md), so a live gateway
# has a start frame it can fetch.
START_FRAME = (
    "https://storage.cdn-luma.com/dream_machine/3ce343aa-5746-4ab3-b167-4e29f83d3f42/image_0.jpg"
)
IMAGE_REQUEST: dict[str, Any] = {
    "prompt": "the scene slowly comes to life",
    "url": START_FRAME,
    "aspect_ratio": "1:1",
}


# -- the dialect ------------------------------------------------------------------------------


def _expect_phrase(session: Session, reply: Reply, phrase: str) -> dict[str, Any]:
    body = reply.body()
    text = str(body.get("error", ""))
    session.expect(
        text.startswith(phrase),
        f'The error does not begin with AppyPie\'s "{phrase}"',
        "$.error",
        detail=text[:200],
    )
    return body


def _refused(
    session: Session,
    path: str,
    body: Any,
    status: int = 400,
    *,
    mount: str | None = None,
    **options: Any,
) -> dict[str, Any]:
    """POST ``body`` and expect ``status`` with AppyPie's documented phrase for it."""
    reply = session.request("POST", path, json_body=body, expect=status, mount=mount, **options)
    return _expect_phrase(session, reply, errors.DOCUMENTED[status])


def _status(session: Session, body: Any, expect: int = 200, **options: Any) -> Reply:
    return session.request(
        "POST", "/getStatus", json_body=body, expect=expect, mount=POLLING, **options
    )


def _expect_not_found(session: Session, reply: Reply) -> None:
    body = _expect_phrase(session, reply, errors.NOT_FOUND)
    session.expect_equal(body.get("status"), "NOT_FOUND", "The example error's status", "$.status")


# -- free: polls that find nothing, and refusals ---------------------------------------------


@check(GET_STATUS)
def an_unknown_request_id_is_not_found(session: Session) -> None:
    """getStatus of an id that does not exist answers the docs' 404 NOT_FOUND example error."""
    _expect_not_found(session, _status(session, {"task_id": NOWHERE}, expect=404))


@check(GET_STATUS)
def the_documented_request_id_field_is_read_too(session: Session) -> None:
    """getStatus reads requestId (the parameter table) as well as task_id (every example)."""
    _expect_not_found(session, _status(session, {"requestId": NOWHERE}, expect=404))


@check(GET_STATUS)
def a_status_call_without_an_id_is_refused(session: Session) -> None:
    """getStatus with neither task_id nor requestId answers 400 "Invalid request parameters"."""
    _refused(session, "/getStatus", {}, mount=POLLING)


@check(GET_STATUS)
def the_key_may_come_as_a_query_parameter(session: Session) -> None:
    """The key is also read from the subscription-key query parameter, as API Management does."""
    reply = _status(
        session,
        {"task_id": NOWHERE},
        expect=404,
        authenticate=False,
        params={"subscription-key": session.api_key},
    )
    _expect_not_found(session, reply)


@check(GET_STATUS)
def a_request_without_a_key_is_refused(session: Session) -> None:
    """A request with no key answers 401 "Invalid or missing authentication"."""
    reply = _status(session, {"task_id": NOWHERE}, expect=401, authenticate=False)
    _expect_phrase(session, reply, errors.DOCUMENTED[401])


@check(GET_STATUS)
def a_wrong_key_is_refused(session: Session) -> None:
    """A key the gateway never issued answers 401 "Invalid or missing authentication"."""
    reply = _status(
        session,
        {"task_id": NOWHERE},
        expect=401,
        headers={"Ocp-Apim-Subscription-Key": "appypie-not-a-real-key-0000"},
    )
    _expect_phrase(session, reply, errors.DOCUMENTED[401])


# Bad input to the two generate calls, each refused with 400: (check name, path, body).
DOCUMENTED_REFUSALS: tuple[tuple[str, str, dict[str, Any]], ...] = (
    ("a_missing_prompt", "/generate", {"aspect_ratio": "1:1"}),
    ("a_blank_prompt", "/generate", {"prompt": "   ", "aspect_ratio": "1:1"}),
    ("a_prompt_over_5000_characters", "/generate", {"prompt": "x" * 5001}),
    ("an_unknown_aspect_ratio", "/generate", {"prompt": "a calm sea", "aspect_ratio": "5:4"}),
    ("a_loop_that_is_not_a_boolean", "/generate", {"prompt": "a calm sea", "loop": "yes"}),
    ("an_image_request_without_a_url", "/generateRequestFromImage", {"prompt": "a calm sea"}),
    (
        "an_image_request_with_a_relative_url",
        "/generateRequestFromImage",
        {"prompt": "a calm sea", "url": "frames/first.jpg"},
    ),
    ("an_image_request_without_a_prompt", "/generateRequestFromImage", {"url": START_FRAME}),
)


def _documented_refusal(path: str, body: dict[str, Any]) -> Any:
    def refused(session: Session) -> None:
        _refused(session, path, {"aspect_ratio": "1:1", **body})

    return refused


for _name, _path, _body in DOCUMENTED_REFUSALS:
    CONTRACT.add(
        f"POST {_path}",
        _documented_refusal(_path, _body),
        name=f"refuses_{_name}",
        title=f'{_path} refuses {_name.replace("_", " ")} with 400 "Invalid request parameters"',
    )

add_request_refusals(CONTRACT, path_values={})


# -- creates videos (budget) -------------------------------------------------------------------


def _generate(session: Session, what: str, path: str, body: dict[str, Any]) -> str:
    session.spend(what, VIDEO_CENTS)
    created = session.request("POST", path, json_body=body, expect=200).body()
    return str(created["requestId"])


def _video(session: Session) -> str:
    return session.shared(
        "the shared video",
        lambda: _generate(session, "a 5 s 1:1 video", "/generate", VIDEO_REQUEST),
    )


def _follow(session: Session, request_id: str) -> Followed:
    return follow(
        session,
        lambda: _status(session, {"task_id": request_id}).body(),
        {"id": request_id},
        state_of=lambda body: body.get("status"),
        terminal=TERMINAL,
        pace=POLL_SECONDS,
        json_path="$.status",
    )


def _statuses(followed: Followed) -> list[str]:
    return [str(poll.get("status")) for poll in followed.polls]


def _followed(session: Session) -> Followed:
    return session.shared("the followed video", lambda: _follow(session, _video(session)))


@check("POST /generate", creates=True)
def generating_answers_200_with_a_request_id(session: Session) -> None:
    """generate answers 200 with a UUID requestId, which getStatus then knows."""
    request_id = _video(session)
    session.expect(_is_uuid(request_id), f"{request_id!r} is not a UUID", "$.requestId")
    status = _status(session, {"task_id": request_id}).body()
    session.expect(bool(status.get("status")), "The new video has no status", "$.status")


@check(GET_STATUS, creates=True)
def the_statuses_are_dream_machine_words(session: Session) -> None:
    """Every status is one of queued, dreaming, completed, failed (only completed is documented)."""
    followed = _followed(session)
    for index, status in enumerate(_statuses(followed)):
        session.expect(
            status in ORDER,
            f"Poll {index} says {status!r}, not one of {', '.join(ORDER)}: the mock's guess at "
            "AppyPie's words is wrong (see appypie_statuses)",
            "$.status",
        )


@check(GET_STATUS, creates=True)
def the_status_only_moves_forward(session: Session) -> None:
    """Polled to the end, a video never goes back to a status it has left."""
    followed = _followed(session)
    seen = _statuses(followed)
    runs = [status for index, status in enumerate(seen) if index == 0 or status != seen[index - 1]]
    for index in range(1, len(runs)):
        before, after = runs[index - 1], runs[index]
        session.expect(
            after not in runs[: index - 1] and ORDER.get(after, 1) >= ORDER.get(before, 1),
            f"Video {followed.id} went from {before} back to {after}",
            "$.status",
        )


@check(GET_STATUS, creates=True)
def a_final_status_is_sticky(session: Session) -> None:
    """Once completed or failed, a video's answer no longer changes as time passes."""
    expect_sticky(
        session,
        _followed(session),
        {
            "$.status": lambda body: body.get("status"),
            "$.video_url": lambda body: body.get("video_url"),
            "$.error": lambda body: body.get("error"),
        },
    )


@check(GET_STATUS, creates=True)
def both_id_fields_name_the_same_video(session: Session) -> None:
    """task_id and requestId poll the same video, and task_id wins when both are sent."""
    followed = _followed(session)
    final = followed.last
    for sent in ({"requestId": followed.id}, {"task_id": followed.id, "requestId": NOWHERE}):
        answer = _status(session, sent).body()
        for name in ("status", "video_url"):
            session.expect_equal(
                answer.get(name), final.get(name), f"With {sorted(sent)}, the {name}", f"$.{name}"
            )


@check(GET_STATUS, creates=True)
def a_completed_video_downloads_as_mp4(session: Session) -> None:
    """A completed video's video_url serves an MP4; a failed one says why in error."""
    final = _followed(session).last
    if final["status"] == FAILED:
        reason = final.get("error")
        session.expect(isinstance(reason, str) and bool(reason), "No error", "$.error")
        return
    session.expect_equal(final["status"], COMPLETED, "The final status", "$.status")
    download = session.download(final["video_url"])
    session.expect_equal(download.status_code, 200, "The video download status", "$.video_url")
    kind = download.headers.get("content-type", "")
    session.expect(kind == "video/mp4", f"The video is served as {kind!r}", "$.video_url")


@check("POST /generateRequestFromImage", creates=True)
def an_image_to_video_request_answers_200_with_a_request_id(session: Session) -> None:
    """generateRequestFromImage answers 200 with a UUID requestId that getStatus knows."""
    request_id = _generate(
        session, "a 5 s 1:1 image-to-video", "/generateRequestFromImage", IMAGE_REQUEST
    )
    session.expect(_is_uuid(request_id), f"{request_id!r} is not a UUID", "$.requestId")
    status = _status(session, {"task_id": request_id}).body()
    session.expect(bool(status.get("status")), "The new video has no status", "$.status")


def _is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True
