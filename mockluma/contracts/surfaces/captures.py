"""The Captures v2 contract: what the mock and ``webapp.engineeringlumalabs.com/api/v2`` must do.

The key travels as ``Authorization: luma-api-key=<key>``, as ``lumaapi`` sends it; on the command
line it comes from ``--api-key`` or ``LUMA_CAPTURES_API_KEY`` (``lumaapi`` itself reads no
variable, so the name is mockluma's).

Luma never published this API's error bodies or statuses, and ``lumaapi`` only calls
``raise_for_status()``: refusals are held to "a 4xx in the dialect", and where the mock had to
choose a status (404 for an unknown slug, 401 for a bad key) the check expects the mock's choice,
which a nightly run against Luma confirms or refutes. What the client parses is held exactly:
the credits' three keys, a capture's keys and enums, the run's keys, the artifact order.

Free checks come first: the credits, the list (the client's own ``skip``/``take``/``order``
call, pages that agree with each other), and requests refused before any work. Then the checks
that create something (``creates=True``): one capture, made, uploaded (a zip of two small
JPEGs), processed and followed to its end, shared by every lifecycle check. Creating a capture
is free and processing it costs one capture credit, not money, so both are booked at 0¢; they
still need ``--budget-cents``, because they leave a capture in the account and spend a credit.
"""

from __future__ import annotations

import io
import uuid
import zipfile
from dataclasses import dataclass
from functools import partial
from typing import Any
from urllib.parse import urlencode

from mockluma.contracts.generic import CLIENT_ERRORS, add_request_refusals
from mockluma.contracts.lifecycle import Followed, expect_forward, expect_sticky, follow
from mockluma.contracts.registry import CheckSkipped, SurfaceContract
from mockluma.contracts.session import Reply, Session
from mockluma.resources import data_dir

CONTRACT = SurfaceContract(
    "captures",
    auth_header=("Authorization", "luma-api-key={key}"),
)
check = CONTRACT.check

RUN_ORDER = {"new": 0, "dispatched": 1, "finished": 2, "failed": 2}
RUN_TERMINAL = ("finished", "failed")
# Nothing says how often to poll; a reconstruction takes minutes, so a live run is best given
# --poll-interval 30 (the nightly workflow does).
POLL_SECONDS = 5.0
NOWHERE = str(uuid.UUID(int=0x5EED, version=4))  # a slug no capture has
PAGE = {"skip": "0", "take": "50", "order": "DESC"}  # the list call lumaapi makes by default
# Artifacts that are pictures or videos; the others are 3D and carry scale_to_world.
FLAT_ARTIFACTS = frozenset(
    {"thumb", "preview_360", "video_with_background", "video_with_background_preview"}
)
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
UPLOAD_IMAGES = ("image/16x9.jpg", "image/1x1.jpg")  # from mockluma's media, ~25 kB each


def _form(session: Session, path: str, fields: dict[str, str], expect: Any) -> Reply:
    """POST ``fields`` as lumaapi does: an HTML form."""
    return session.request(
        "POST", path, content=urlencode(fields).encode(), headers=FORM, expect=expect
    )


# -- free: credits and the list ---------------------------------------------------------------


@check("GET /capture/credits")
def the_credits_add_up(session: Session) -> None:
    """GET capture/credits answers remaining, used and total (only those), and they add up."""
    body = session.request("GET", "/capture/credits", expect=200).body()
    session.expect_equal(
        body["remaining"] + body["used"], body["total"], "remaining + used", "$.total"
    )


def _dates(body: dict[str, Any]) -> list[str]:
    # The dates share one fixed-width UTC shape, so text order is time order.
    return [capture["date"] for capture in body["captures"]]


@check("GET /capture")
def the_clients_list_call_answers_in_order(session: Session) -> None:
    """The list as lumaapi asks for it holds at most 50 captures, newest first (oldest with ASC)."""
    newest = session.request("GET", "/capture", params=PAGE, expect=200).body()
    held = len(newest["captures"])
    session.expect(held <= 50, f"The page holds {held} captures, over its take of 50", "$.captures")
    dates = _dates(newest)
    session.expect(dates == sorted(dates, reverse=True), "DESC is not newest first", "$.captures")
    oldest = session.request("GET", "/capture", params={**PAGE, "order": "ASC"}, expect=200).body()
    dates = _dates(oldest)
    session.expect(dates == sorted(dates), "ASC is not oldest first", "$.captures")


@check("GET /capture")
def capture_pages_agree(session: Session) -> None:
    """skip and take page consistently, ASC is DESC reversed, and a page past the end is empty."""
    if not session.live:
        _ensure_some_captures(session)

    def slugs(**params: str) -> list[str]:
        body = session.request("GET", "/capture", params={**PAGE, **params}, expect=200).body()
        return [capture.get("slug") for capture in body["captures"]]

    pair, second = slugs(take="2"), slugs(skip="1", take="1")
    if len(pair) == 2:
        session.expect_equal(second, pair[1:], "The page at skip 1", "$.captures[0].slug")
    newest, oldest = slugs(), slugs(order="ASC")
    if len(newest) < 50:  # the whole list fits one page
        session.expect_equal(oldest, newest[::-1], "The ASC list", "$.captures")
    session.expect_equal(slugs(skip="100000"), [], "A page past the end", "$.captures")


@check("GET /capture")
def a_search_that_matches_nothing_finds_nothing(session: Session) -> None:
    """A search for a title no capture has answers an empty list."""
    body = session.request(
        "GET", "/capture", params={"search": f"no-such-title-{NOWHERE}", **PAGE}, expect=200
    ).body()
    session.expect_equal(body["captures"], [], "The captures found", "$.captures")


BAD_LIST_QUERIES: tuple[tuple[str, dict[str, str]], ...] = (
    ("a_negative_skip", {"skip": "-1"}),
    ("a_take_that_is_not_a_number", {"take": "fifty"}),
    ("an_order_other_than_asc_or_desc", {"order": "SIDEWAYS"}),
)


def _bad_list_query(session: Session, params: dict[str, str]) -> None:
    session.request("GET", "/capture", params={**PAGE, **params}, expect=CLIENT_ERRORS)


for _name, _params in BAD_LIST_QUERIES:
    CONTRACT.add(
        "GET /capture",
        partial(_bad_list_query, params=_params),
        name=f"the_list_refuses_{_name}",
        title=f"GET capture refuses {_name.replace('_', ' ')} with a 4xx in the dialect",
    )


# -- free: unknown slugs, keys and bad forms --------------------------------------------------


@check("GET /capture/{slug}")
def an_unknown_capture_is_not_found(session: Session) -> None:
    """GET of a slug no capture has answers 404 in the dialect."""
    session.request("GET", f"/capture/{NOWHERE}", expect=404)


@check("POST /capture/{slug}")
def processing_an_unknown_capture_is_not_found(session: Session) -> None:
    """Starting to process a slug no capture has answers 404 in the dialect (and costs nothing)."""
    session.request("POST", f"/capture/{NOWHERE}", expect=404)


BAD_KEYS: tuple[tuple[str, dict[str, str]], ...] = (
    ("no_key", {}),
    ("a_bearer_token", {"Authorization": "Bearer {key}"}),
    ("a_key_luma_never_issued", {"Authorization": f"luma-api-key={NOWHERE}-not-issued"}),
)


def _bad_key(session: Session, headers: dict[str, str]) -> None:
    sent = {name: value.format(key=session.api_key) for name, value in headers.items()}
    session.request("GET", "/capture/credits", headers=sent, authenticate=False, expect=401)


for _name, _headers in BAD_KEYS:
    CONTRACT.add(
        "GET /capture/credits",
        partial(_bad_key, headers=_headers),
        name=f"{_name}_is_refused",
        title=f"A request with {_name.replace('_', ' ')} answers 401 in the dialect",
    )


@check("POST /capture")
def a_form_without_a_title_is_refused(session: Session) -> None:
    """A create form without its title is refused with a 4xx in the dialect."""
    _form(session, "/capture", {"camModel": "normal"}, CLIENT_ERRORS)


@check("POST /capture")
def an_unknown_camera_model_is_refused(session: Session) -> None:
    """A create form naming a camModel other than normal, fisheye or equirectangular is refused."""
    _form(session, "/capture", {"title": "a camera", "camModel": "pinhole"}, CLIENT_ERRORS)


# The JSON refusals every body gets; lumaapi sends a form, but the mock takes JSON too.
add_request_refusals(CONTRACT, path_values={"slug": NOWHERE})


# -- creates: one capture (budget; credits, not money) ----------------------------------------


def _created(session: Session) -> dict[str, Any]:
    def make() -> dict[str, Any]:
        session.spend("a capture (free until processed)", 0.0)
        title = f"mockluma contract check {uuid.uuid4().hex[:8]}"
        return _form(session, "/capture", {"title": title, "camModel": "normal"}, expect=200).body()

    return session.shared("the created capture", make)


def _upload_bytes() -> bytes:
    """A zip of two JPEGs, the smallest upload the API takes ("a zip of images")."""
    media = data_dir("fixtures") / "media"
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        for index, name in enumerate(UPLOAD_IMAGES):
            # A fixed timestamp keeps the bytes the same on every run.
            entry = zipfile.ZipInfo(f"view-{index}.jpg", date_time=(2024, 1, 1, 0, 0, 0))
            zipped.writestr(entry, (media / name).read_bytes())
    return archive.getvalue()


@dataclass(frozen=True, slots=True)
class Processed:
    """The shared capture after its upload: the answer to starting it, the credits either side,
    and its run followed to the end."""

    slug: str
    started: dict[str, Any]
    credits_before: dict[str, Any]
    credits_after: dict[str, Any]
    followed: Followed


def _processed(session: Session) -> Processed:
    def make() -> Processed:
        created = _created(session)
        slug = created["capture"]["slug"]
        session.upload(
            created["signedUrls"]["source"],
            _upload_bytes(),
            headers={"Content-Type": "text/plain"},  # what lumaapi sends
        )
        session.spend("processing a capture (1 capture credit)", 0.0)
        before = session.request("GET", "/capture/credits", expect=200).body()
        started = session.request("POST", f"/capture/{slug}", expect=200).body()
        after = session.request("GET", "/capture/credits", expect=200).body()
        followed = follow(
            session,
            f"/capture/{slug}",
            started,
            state_of=_run_status,
            terminal=RUN_TERMINAL,
            pace=POLL_SECONDS,
            json_path="$.latestRun.status",
        )
        return Processed(slug, started, before, after, followed)

    return session.shared("the processed capture", make)


def _run(body: dict[str, Any]) -> dict[str, Any]:
    run = body.get("latestRun")
    return run if isinstance(run, dict) else {}


def _run_status(body: dict[str, Any]) -> Any:
    return _run(body).get("status")


@check("POST /capture", creates=True)
def creating_a_capture_answers_its_upload_url(session: Session) -> None:
    """A create answers the new capture (status new, no run yet) and a URL to PUT its file to."""
    created = _created(session)
    source = created["signedUrls"]["source"]
    session.expect(
        source.startswith(("https://", "http://")), "The upload URL is not absolute", "$.signedUrls"
    )
    capture = created["capture"]
    session.expect(bool(capture["slug"]), "The slug is empty", "$.capture.slug")
    session.expect(
        capture["title"].startswith("mockluma contract check"), "The title", "$.capture.title"
    )
    session.expect_equal(capture["status"], "new", "The upload status", "$.capture.status")
    session.expect_equal(capture.get("latestRun"), None, "The run", "$.capture.latestRun")


@check("GET /capture/{slug}", creates=True)
def a_new_capture_reads_back_as_created(session: Session) -> None:
    """Before its upload, a capture reads back with the slug, title and date it was created with."""
    capture = _created(session)["capture"]
    read = session.request("GET", f"/capture/{capture['slug']}", expect=200).body()
    for name in ("slug", "title", "date", "type", "status"):
        session.expect_equal(read.get(name), capture.get(name), f"The {name}", f"$.{name}")
    session.expect_equal(read.get("latestRun"), None, "The run", "$.latestRun")


@check("GET /capture", creates=True)
def a_new_capture_is_found_by_its_title(session: Session) -> None:
    """A search for the new capture's title finds it, and only captures with that title."""
    capture = _created(session)["capture"]
    body = session.request(
        "GET", "/capture", params={"search": capture["title"], **PAGE}, expect=200
    ).body()
    found = [item.get("slug") for item in body["captures"]]
    session.expect(capture["slug"] in found, "The new capture is not found", "$.captures")
    for index, item in enumerate(body["captures"]):
        session.expect(
            capture["title"].casefold() in item["title"].casefold(),
            f"A capture titled {item['title']!r} matched the search",
            f"$.captures[{index}].title",
        )


@check("POST /capture/{slug}", creates=True)
def starting_processing_answers_the_capture_with_its_run(session: Session) -> None:
    """After the PUT, starting processing answers the uploaded capture with a new run."""
    processed = _processed(session)
    started = processed.started
    session.expect_equal(started.get("slug"), processed.slug, "The slug", "$.slug")
    session.expect_equal(started["status"], "complete", "The upload status", "$.status")
    session.expect(_run_status(started) in RUN_ORDER, "There is no run", "$.latestRun")


@check("GET /capture/credits", creates=True)
def processing_spends_one_credit(session: Session) -> None:
    """Starting a run spends exactly one credit: used goes up by one, remaining down by one."""
    processed = _processed(session)
    before, after = processed.credits_before, processed.credits_after
    session.expect_equal(after["used"], before["used"] + 1, "used after processing", "$.used")
    session.expect_equal(
        after["remaining"], before["remaining"] - 1, "remaining after processing", "$.remaining"
    )


@check("GET /capture/{slug}", creates=True)
def a_run_only_moves_forward(session: Session) -> None:
    """Polled to the end, a run goes new → dispatched → finished or failed, progress never falls."""
    followed = _processed(session).followed
    bodies = [followed.created, *followed.polls]
    expect_forward(
        session,
        [_run_status(body) for body in bodies],
        order=RUN_ORDER,
        terminal=RUN_TERMINAL,
        what="The run",
        json_path="$.latestRun.status",
    )
    progress = [_run(body).get("progress", 0) for body in bodies]
    for index in range(1, len(progress)):
        session.expect(
            progress[index] >= progress[index - 1],
            f"The run's progress fell from {progress[index - 1]} to {progress[index]}",
            "$.latestRun.progress",
        )


@check("GET /capture/{slug}", creates=True)
def a_finished_or_failed_run_is_sticky(session: Session) -> None:
    """Once finished or failed, a run's status, progress, stage and artifacts no longer change."""

    def artifact_kinds(body: dict[str, Any]) -> list[Any]:
        return [artifact.get("type") for artifact in _run(body).get("artifacts", [])]

    expect_sticky(
        session,
        _processed(session).followed,
        {
            "$.latestRun.status": _run_status,
            "$.latestRun.progress": lambda body: _run(body).get("progress"),
            "$.latestRun.currentStage": lambda body: _run(body).get("currentStage"),
            "$.latestRun.artifacts": artifact_kinds,
        },
    )


@check("GET /capture/{slug}", creates=True)
def capture_facts_are_stable(session: Session) -> None:
    """Every poll shows the created slug, title, date and type, and the upload as complete."""
    processed = _processed(session)
    created = _created(session)["capture"]
    for poll in processed.followed.polls:
        for name in ("slug", "title", "date", "type"):
            session.expect_equal(poll.get(name), created.get(name), f"The {name}", f"$.{name}")
        session.expect_equal(poll["status"], "complete", "The upload status", "$.status")


@check("GET /capture/{slug}", creates=True)
def a_finished_run_lists_its_artifacts(session: Session) -> None:
    """A finished run is Done at 100 % with the thumbnail first; 3D artifacts carry their scale."""
    run = _run(_processed(session).followed.last)
    if run.get("status") != "finished":
        raise CheckSkipped(
            f"the run ended {run.get('status')} ({run.get('currentStage')}), so it has no "
            "artifacts to check"
        )
    session.expect_equal(run["progress"], 100, "A finished run's progress", "$.latestRun.progress")
    session.expect_equal(run["currentStage"], "Done", "The stage", "$.latestRun.currentStage")
    artifacts = run["artifacts"]
    session.expect(bool(artifacts), "A finished run has no artifacts", "$.latestRun.artifacts")
    session.expect_equal(
        artifacts[0]["type"], "thumb", "The first artifact", "$.latestRun.artifacts[0].type"
    )
    for index, artifact in enumerate(artifacts):
        flat = artifact["type"] in FLAT_ARTIFACTS
        session.expect(
            ("scale_to_world" in artifact) != flat,
            f"The {artifact['type']} artifact "
            + ("has a scale_to_world" if flat else "has no scale_to_world"),
            f"$.latestRun.artifacts[{index}]",
        )
    download = session.download(artifacts[0]["url"])
    kind = download.headers.get("content-type", "")
    session.expect(
        download.status_code == 200 and kind.startswith("image/"),
        f"The thumbnail answered {download.status_code} as {kind!r}",
        "$.latestRun.artifacts[0].url",
    )


def _ensure_some_captures(session: Session) -> None:
    # On the in-process mock only, give the paging check three captures to page through.
    def make(title: str) -> Any:
        return _form(session, "/capture", {"title": title}, expect=200).body()

    for index in range(3):
        session.shared(f"list capture {index}", partial(make, f"paging check {index}"))
