"""The UmamiAI contract: what the mock and ``api.umamiai.xyz/v1/luma-ai`` must both do.

The runner is given ``--base-url https://api.umamiai.xyz/v1/luma-ai``; the key is a Bearer
token. Free checks come first: fetches of ids that do not exist, and requests refused before
any work starts (no key, a wrong key, each documented kind of bad body or query). Then the
checks that create generations (``creates=True``), which run live only within
``--budget-cents``.

**What a generation costs.** UmamiAI bills 500,000 of its tokens a generation, extensions
included, and publishes no rate between tokens and money. Its page is a copy of AI/ML API's,
which sells 2,000,000 tokens for a dollar (help.aimlapi.com, "Managing your subscription"); at
that rate a generation is 25 cents, and that is what the budget counts. It is an estimate: if
UmamiAI sells tokens dearer, a run spends more than its report says. (The mock's own rate of
1,000 tokens a cent only sizes a key's starting balance.) There is one kind of generation, so
the cheapest request is the plainest: a prompt and 1:1. One generation serves every lifecycle
check; extending it costs a second one.

UmamiAI documents no errors. The dialect, ``{"message", "statusCode"}`` with ``statusCode``
equal to the HTTP status, and the message openings (``Body validation error!``) are AI/ML
API's, whose service this is; the statuses for an unknown id (404) and an extension of an
unfinished generation (400) are the mock's choices. A nightly run tells whether they hold.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Sequence
from typing import Any

from mockluma.contracts.generic import add_request_refusals
from mockluma.contracts.lifecycle import Followed, expect_forward, follow
from mockluma.contracts.registry import CheckSkipped, SurfaceContract
from mockluma.contracts.session import Reply, Session
from mockluma.surfaces.umami import catalog, errors

CONTRACT = SurfaceContract("umami")
check = CONTRACT.check

STATE_ORDER = {"pending": 0, "processing": 1, "completed": 2, "failed": 2}
TERMINAL = ("completed", "failed")
POLL_SECONDS = 5.0  # UmamiAI names no pace; a generation takes a minute or two
NOWHERE = str(uuid.UUID(int=0x0AA1, version=4))  # ids no generation has
ELSEWHERE = str(uuid.UUID(int=0x0AA2, version=4))
ID_FORMS = ("indexed", "brackets", "comma")
"""``ids[0]=a&ids[1]=b`` (the examples), ``ids[]=a&ids[]=b`` (AI/ML API's older page) and
``ids=a,b`` (AI/ML API's prose)."""

TOKENS_PER_DOLLAR = 2_000_000
"""AI/ML API's published rate; UmamiAI publishes none (see the module's docstring)."""
GENERATION_CENTS = catalog.TOKENS_PER_GENERATION / TOKENS_PER_DOLLAR * 100
GENERATION_REQUEST: dict[str, Any] = {
    "user_prompt": "a paper boat drifting on a calm pond",
    "aspect_ratio": "1:1",
    "expand_prompt": False,
}
EXTEND_REQUEST: dict[str, Any] = {"user_prompt": "the boat drifts under a little bridge"}


def _id_params(ids: Sequence[str], form: str) -> list[tuple[str, str]]:
    if form == "indexed":
        return [(f"ids[{index}]", value) for index, value in enumerate(ids)]
    if form == "brackets":
        return [("ids[]", value) for value in ids]
    return [("ids", ",".join(ids))]


def _fetch(session: Session, ids: Sequence[str], form: str = "indexed", expect: int = 200) -> Reply:
    return session.request("GET", "/generation", params=_id_params(ids, form), expect=expect)


# -- the dialect ------------------------------------------------------------------------------


def _expect_error(session: Session, reply: Reply, opening: str = "") -> dict[str, Any]:
    """The error body says its own status in ``statusCode`` and begins with ``opening``."""
    body = reply.body()
    session.expect_equal(body.get("statusCode"), reply.status, "The statusCode", "$.statusCode")
    message = str(body.get("message", ""))
    session.expect(
        message.startswith(opening),
        f'The message does not begin with "{opening}"',
        "$.message",
        detail=message[:200],
    )
    return body


# -- free: fetches that find nothing, and refusals --------------------------------------------


@check("GET /generation")
def an_unknown_generation_is_not_found(session: Session) -> None:
    """Fetching an id that does not exist answers 404 in the dialect, naming the id."""
    body = _expect_error(session, _fetch(session, [NOWHERE], expect=404))
    session.expect(NOWHERE in body["message"], "The message does not name the id", "$.message")


@check("GET /generation")
def every_id_form_is_read(session: Session) -> None:
    """ids[0]=a&ids[1]=b, ids[]=a&ids[]=b and ids=a,b each read both ids (404 naming both)."""
    for form in ID_FORMS:
        body = _expect_error(session, _fetch(session, [NOWHERE, ELSEWHERE], form, expect=404))
        for wanted in (NOWHERE, ELSEWHERE):
            session.expect(
                wanted in body["message"],
                f"With the {form} form, the message does not name {wanted}",
                "$.message",
            )


@check("GET /generation")
def a_fetch_without_ids_is_refused(session: Session) -> None:
    """A fetch naming no ids answers 400 "Query validation error!"."""
    reply = session.request("GET", "/generation", expect=400)
    _expect_error(session, reply, errors.QUERY_INVALID)


@check("GET /generation")
def the_docs_placeholder_id_is_refused(session: Session) -> None:
    """?ids=text (the docs' own example) is not a generation id: 400 "Query validation error!"."""
    reply = session.request("GET", "/generation", params={"ids": "text"}, expect=400)
    _expect_error(session, reply, errors.QUERY_INVALID)


@check("GET /generation")
def more_than_100_ids_are_refused(session: Session) -> None:
    """A fetch of 101 ids answers 400 "Query validation error!" (100 is the mock's limit)."""
    ids = [str(uuid.UUID(int=0x0B00 + index, version=4)) for index in range(101)]
    _expect_error(session, _fetch(session, ids, "comma", expect=400), errors.QUERY_INVALID)


@check("GET /generation")
def a_request_without_a_key_is_refused(session: Session) -> None:
    """A request with no Authorization header answers 401 in the dialect."""
    reply = session.request(
        "GET", "/generation", params={"ids": NOWHERE}, authenticate=False, expect=401
    )
    _expect_error(session, reply)


@check("GET /generation")
def a_wrong_key_is_refused(session: Session) -> None:
    """A key UmamiAI never issued answers 401 in the dialect."""
    reply = session.request(
        "GET",
        "/generation",
        params={"ids": NOWHERE},
        headers={"Authorization": "Bearer umami-not-a-real-key-0000"},
        expect=401,
    )
    _expect_error(session, reply)


@check("POST /generations/{taskId}/extend")
def extending_an_unknown_generation_is_not_found(session: Session) -> None:
    """Extending an id that does not exist answers 404 in the dialect."""
    reply = session.request(
        "POST", f"/generations/{NOWHERE}/extend", json_body=EXTEND_REQUEST, expect=404
    )
    _expect_error(session, reply)


# Bad bodies, each refused with 400 "Body validation error!": (check name, body).
DOCUMENTED_REFUSALS: tuple[tuple[str, dict[str, Any]], ...] = (
    ("a_missing_user_prompt", {"aspect_ratio": "1:1"}),
    ("a_blank_user_prompt", {"user_prompt": "   "}),
    ("a_prompt_over_5000_characters", {"user_prompt": "x" * 5001}),
    ("an_unknown_aspect_ratio", {"user_prompt": "a calm sea", "aspect_ratio": "5:4"}),
    ("an_expand_prompt_that_is_not_a_boolean", {"user_prompt": "a calm sea", "expand_prompt": 1}),
    ("a_relative_image_url", {"user_prompt": "a calm sea", "image_url": "frames/first.jpg"}),
    ("an_image_end_url_that_is_not_a_url", {"user_prompt": "a calm sea", "image_end_url": "end"}),
)


def _documented_refusal(body: dict[str, Any]) -> Any:
    def refused(session: Session) -> None:
        sent = {"aspect_ratio": "1:1", **body}
        reply = session.request("POST", "/generations", json_body=sent, expect=400)
        _expect_error(session, reply, errors.BODY_INVALID)

    return refused


for _name, _body in DOCUMENTED_REFUSALS:
    CONTRACT.add(
        "POST /generations",
        _documented_refusal(_body),
        name=f"refuses_{_name}",
        title=f'A create refuses {_name.replace("_", " ")} with 400 "{errors.BODY_INVALID}"',
    )

add_request_refusals(CONTRACT, path_values={"taskId": NOWHERE})


# -- creates generations (budget) --------------------------------------------------------------


def _create(session: Session, what: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
    session.spend(what, GENERATION_CENTS)
    return session.request("POST", path, json_body=body, expect=201).body()


def _generation(session: Session) -> dict[str, Any]:
    return session.shared(
        "the shared generation",
        lambda: _create(session, "a 1:1 generation", "/generations", GENERATION_REQUEST),
    )


def _poll(session: Session, generation_id: str) -> dict[str, Any]:
    found = _fetch(session, [generation_id]).json()
    session.expect(
        [item.get("id") for item in found] == [generation_id],
        f"A fetch of {generation_id} did not answer that one generation",
        "$",
    )
    result: dict[str, Any] = found[0]
    return result


def _follow(session: Session, created: dict[str, Any]) -> Followed:
    return follow(
        session,
        lambda: _poll(session, str(created["id"])),
        created,
        state_of=lambda body: body.get("state"),
        terminal=TERMINAL,
        pace=POLL_SECONDS,
        json_path="$[0].state",
    )


def _followed(session: Session) -> Followed:
    return session.shared("the followed generation", lambda: _follow(session, _generation(session)))


def _completed(session: Session) -> Followed:
    followed = _followed(session)
    if followed.last.get("state") != "completed":
        raise CheckSkipped(f"the shared generation {followed.id} did not complete")
    return followed


def _extension(session: Session) -> dict[str, Any]:
    def make() -> dict[str, Any]:
        parent = _completed(session)
        return _create(session, "an extension", f"/generations/{parent.id}/extend", EXTEND_REQUEST)

    return session.shared("the extension", make)


@check("POST /generations", creates=True)
def creating_answers_201_with_a_pending_generation(session: Session) -> None:
    """A create answers 201 with a generation not yet done: no video, the prompt echoed."""
    created = _generation(session)
    session.expect(
        created["state"] in ("pending", "processing"),
        f"A new generation is already {created['state']}",
        "$.state",
    )
    session.expect_equal(created["video"], None, "The new generation's video", "$.video")
    prompt = GENERATION_REQUEST["user_prompt"]
    session.expect_equal(created["prompt"], prompt, "The echoed prompt", "$.prompt")


@check("POST /generations/{taskId}/extend", creates=True)
def extending_an_unfinished_generation_is_refused(session: Session) -> None:
    """Extending a generation that is not completed yet answers 400 in the dialect."""
    created = _generation(session)
    if _poll(session, created["id"]).get("state") == "completed":
        raise CheckSkipped(f"generation {created['id']} completed before it could be tried")
    reply = session.request(
        "POST", f"/generations/{created['id']}/extend", json_body=EXTEND_REQUEST
    )
    if reply.status < 300:
        # Accepted after all: that is a second generation, and it costs as much.
        session.budget.charge("an extension that should have been refused", GENERATION_CENTS)
    session.expect_equal(reply.status, 400, "The status of the refused extension", "$")
    _expect_error(session, reply)


@check("GET /generation", creates=True)
def the_state_only_moves_forward(session: Session) -> None:
    """Fetched to the end, a generation goes pending → processing → completed, never back."""
    followed = _followed(session)
    seen = [followed.created.get("state"), *(poll.get("state") for poll in followed.polls)]
    expect_forward(
        session,
        seen,
        order=STATE_ORDER,
        terminal=TERMINAL,
        what=f"Generation {followed.id}",
        json_path="$[0].state",
    )


@check("GET /generation", creates=True)
def a_final_state_is_sticky(session: Session) -> None:
    """Once completed or failed, a generation no longer changes as time passes."""
    followed = _followed(session)
    final = followed.polls[followed.terminal_at]
    for later in followed.polls[followed.terminal_at + 1 :]:
        for name in ("state", "video", "failure_reason"):
            session.expect_equal(
                later.get(name), final.get(name), f"The final {name}", f"$[0].{name}"
            )


@check("GET /generation", creates=True)
def ids_and_creation_facts_are_stable(session: Session) -> None:
    """Every fetch shows the created id, prompt and creation time (to the millisecond)."""
    followed = _followed(session)
    for poll in followed.polls:
        for name in ("id", "prompt"):
            session.expect_equal(
                poll.get(name), followed.created.get(name), f"The {name}", f"$[0].{name}"
            )
        # Luma's web API wrote microseconds at creation and whole milliseconds on later reads.
        session.expect_equal(
            str(poll.get("created_at"))[:23],
            str(followed.created.get("created_at"))[:23],
            "The creation time",
            "$[0].created_at",
        )


@check("GET /generation", creates=True)
def a_completed_generation_has_a_playable_video(session: Session) -> None:
    """A completed generation links an MP4 of positive size and a downloadable thumbnail."""
    final = _followed(session).last
    if final["state"] == "failed":
        reason = final.get("failure_reason")
        session.expect(
            isinstance(reason, str) and bool(reason), "No failure_reason", "$[0].failure_reason"
        )
        return
    video = final["video"]
    session.expect(isinstance(video, dict), "A completed generation has no video", "$[0].video")
    download = session.download(video["url"])
    kind = download.headers.get("content-type", "")
    session.expect(kind == "video/mp4", f"The video is served as {kind!r}", "$[0].video.url")
    if video.get("thumbnail") is not None:
        thumb = session.download(video["thumbnail"]).headers.get("content-type", "")
        session.expect(
            thumb.startswith("image/"),
            f"The thumbnail is served as {thumb!r}",
            "$[0].video.thumbnail",
        )


@check("POST /generations/{taskId}/extend", creates=True)
def extending_a_completed_generation_makes_a_new_one(session: Session) -> None:
    """Extending a completed generation answers 201 with a new id, not done yet, new prompt."""
    parent = _completed(session)
    made = _extension(session)
    session.expect(made["id"] != parent.id, "The extension kept its parent's id", "$.id")
    session.expect(
        made["state"] in ("pending", "processing"),
        f"A new extension is already {made['state']}",
        "$.state",
    )
    session.expect_equal(made["prompt"], EXTEND_REQUEST["user_prompt"], "The prompt", "$.prompt")


@check("GET /generation", creates=True)
def a_fetch_answers_what_was_asked_in_each_id_form(session: Session) -> None:
    """In each id form, a fetch answers the generations asked for, in the order asked."""
    ids = [_generation(session)["id"]]
    with contextlib.suppress(CheckSkipped):  # if the budget bought one, ask for it alone
        ids.append(_extension(session)["id"])
    for form in ID_FORMS:
        for asked in (ids, ids[::-1]):
            found = [item.get("id") for item in _fetch(session, asked, form).json()]
            session.expect(
                found == asked,
                f"With the {form} form, a fetch of {asked} answered {found}",
                "$[*].id",
            )


@check("GET /generation", creates=True)
def a_fetch_with_one_unknown_id_is_not_found(session: Session) -> None:
    """A fetch of a real id and one that does not exist answers 404 naming the missing one."""
    real = _generation(session)["id"]
    body = _expect_error(session, _fetch(session, [real, NOWHERE], expect=404))
    session.expect(NOWHERE in body["message"], "The message does not name the id", "$.message")
