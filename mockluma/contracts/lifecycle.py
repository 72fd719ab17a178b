"""Following a job to its end, and the rules every lifecycle keeps: it only moves forward, and a
terminal state is sticky.

Shared by the surface contracts whose jobs are polled (a generation, an uploaded file, a capture's
run). Each says where the state is in its body, the order of its states and which are terminal;
:func:`follow` polls at the surface's own pace (simulated time on the mock, the wall clock on a
server) until a terminal state, then twice more, so that checks can see whether anything still
changes after the end.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from mockluma.contracts.session import Session

StateOf = Callable[[dict[str, Any]], Any]
POLLS_AFTER_THE_END = 2


@dataclass(slots=True)
class Followed:
    """A job as it was seen: created, then polled until terminal, then a few times more."""

    created: dict[str, Any]
    polls: list[dict[str, Any]] = field(default_factory=list)
    terminal_at: int = 0
    """Index in ``polls`` of the first terminal state."""

    @property
    def id(self) -> str:
        return str(self.created["id"])

    @property
    def last(self) -> dict[str, Any]:
        return self.polls[-1]

    @property
    def final(self) -> dict[str, Any]:
        """The first poll that showed a terminal state."""
        return self.polls[self.terminal_at]

    @property
    def after_the_end(self) -> list[dict[str, Any]]:
        return self.polls[self.terminal_at + 1 :]


def follow(
    session: Session,
    poll: str | Callable[[], dict[str, Any]],
    created: dict[str, Any],
    *,
    state_of: StateOf,
    terminal: Collection[str],
    pace: float,
    json_path: str,
) -> Followed:
    """Poll every ``pace`` seconds until ``state_of`` the body is terminal (failing the check
    past the session's timeout), then :data:`POLLS_AFTER_THE_END` times more. ``poll`` is a path
    to GET, or a function that fetches the job's body some other way."""
    what = poll if isinstance(poll, str) else f"Job {created.get('id')}"
    fetch = _getter(session, poll) if isinstance(poll, str) else poll
    followed = Followed(created)
    waited = 0.0
    while True:
        body = fetch()
        followed.polls.append(body)
        if state_of(body) in terminal:
            break
        if waited >= session.timeout:
            raise session.fail(
                f"{what} was still {state_of(body)} after {waited:g} s; a job this cheap should "
                "have ended (raise --timeout if the API is having a slow day)",
                json_path,
            )
        session.pacer.wait(pace)
        waited += pace
    followed.terminal_at = len(followed.polls) - 1
    for _ in range(POLLS_AFTER_THE_END):
        session.pacer.wait(pace)
        followed.polls.append(fetch())
    return followed


def _getter(session: Session, path: str) -> Callable[[], dict[str, Any]]:
    def get() -> dict[str, Any]:
        body: dict[str, Any] = session.request("GET", path, expect=200).body()
        return body

    return get


def expect_forward(
    session: Session,
    states: Sequence[Any],
    *,
    order: Mapping[str, int],
    terminal: Collection[str],
    what: str,
    json_path: str,
) -> None:
    """Fail unless ``states`` (as seen, in order) never go back in ``order`` and never leave a
    terminal state once reached."""
    for index in range(1, len(states)):
        before, after = states[index - 1], states[index]
        session.expect(
            broken_rule(before, after, order=order, terminal=terminal) is None,
            f"{what} moved from {before} back to {after} (poll {index})",
            json_path,
        )


def broken_rule(
    before: Any, after: Any, *, order: Mapping[str, int], terminal: Collection[str]
) -> str | None:
    """Which lifecycle rule a move from ``before`` to ``after`` breaks, if any:
    ``terminal_state_is_sticky`` or ``state_moves_forward`` (an unknown state counts as the
    earliest). Shared with ``mockluma proxy``, which applies it to real traffic."""
    if before in terminal and after != before:
        return "terminal_state_is_sticky"
    if order.get(str(after), -1) < order.get(str(before), -1):
        return "state_moves_forward"
    return None


def expect_sticky(
    session: Session, followed: Followed, fields: Mapping[str, Callable[[dict[str, Any]], Any]]
) -> None:
    """Fail if any of ``fields`` (a JSON path and how to read it) changes after the end."""
    for later in followed.after_the_end:
        for json_path, read in fields.items():
            session.expect_equal(
                read(later), read(followed.final), f"The final {json_path[2:]}", json_path
            )


__all__ = ["Followed", "broken_rule", "expect_forward", "expect_sticky", "follow"]
