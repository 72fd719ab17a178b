"""The handle's controls for faults and callbacks: ``luma.faults`` and ``luma.callback_inbox()``.

Both act on a running :class:`~mockluma.handle.MockLuma` through its event loop, so a test's
thread never touches the simulation while the server is using it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from mockluma.app.admin_faults import check_failure_kinds
from mockluma.engine.callbacks import Inbox, Received

if TYPE_CHECKING:
    from mockluma.handle.mock import MockLuma


class FaultControl:
    """The mock's fault rules, from a test; rules are ``schemas/mockluma/fault-rule.json`` data:

    luma.faults.add({"match": {"path": "*/generations/video"}, "error": {"status": 503}})
    luma.faults.add(name="slow", latency=0.5)
    """

    def __init__(self, luma: MockLuma) -> None:
        self._luma = luma

    def add(self, rule: Mapping[str, Any] | None = None, **fields: Any) -> None:
        """Add a rule (replacing one of the same name); raises ``ScenarioError`` if it is bad."""
        from mockluma.scenario import parse_rules

        data = {**(rule or {}), **fields}
        (parsed,) = parse_rules([data])
        check_failure_kinds([parsed], self._luma._ctx.surfaces)
        self._luma._call(lambda: self._luma._ctx.faults.add(parsed))

    def remove(self, name: str) -> bool:
        removed: bool = self._luma._call(lambda: self._luma._ctx.faults.remove(name))
        return removed

    def clear(self) -> None:
        self._luma._call(self._luma._ctx.faults.clear)

    def list(self) -> list[dict[str, Any]]:
        """Each rule as given, with ``calls`` (matches) and ``fired`` counts."""
        rules: list[dict[str, Any]] = self._luma._call(self._luma._ctx.faults.summaries)
        return rules


class CallbackInbox:
    """A callback receiver on the mock, with waiting and assertions on the mock's clock."""

    def __init__(self, luma: MockLuma, box: Inbox, url: str) -> None:
        self._luma = luma
        self._box = box
        self.url = url
        """Use this as the ``callback_url`` of a generation."""

    @property
    def name(self) -> str:
        return self._box.name

    @property
    def received(self) -> list[Received]:
        """Every POST that arrived, oldest first."""
        items: list[Received] = self._luma._call(lambda: list(self._box.received))
        return items

    def _matching(
        self, generation_id: str | None, state: str | None, accepted: bool
    ) -> list[Received]:
        return [
            item
            for item in self._box.received
            if generation_id in (None, item.generation_id)
            and state in (None, item.state)
            and (item.status == 200 or not accepted)
        ]

    def wait_for(
        self,
        generation_id: str | None = None,
        state: str | None = None,
        *,
        within: float = 3600,
        accepted: bool = True,
    ) -> Received:
        """Move the mock's clock, event by event, until a delivery of ``generation_id`` in
        ``state`` (either may be left out) has arrived and been answered 200 (any arrival with
        ``accepted=False``); at most ``within`` simulated seconds.

        Raises ``AssertionError`` listing what did arrive if none does.
        """
        luma = self._luma

        async def wait() -> Received | None:
            simulation, callbacks = luma.simulation, luma._ctx.callbacks
            deadline = simulation.now() + within
            await callbacks.drain()
            while not (found := self._matching(generation_id, state, accepted)):
                due = simulation.scheduler.next_due()
                if due is None or due > deadline:
                    return None
                await callbacks.advance(max(0.0, due - simulation.now()))
            return found[0]

        found = luma._run(wait)
        if found is None:
            arrived = [f"{item.generation_id} {item.state}" for item in self.received] or ["none"]
            wanted = f"generation {generation_id or 'any'} in state {state or 'any'}"
            raise AssertionError(
                f"No callback for {wanted} reached {self.url} within {within:g} simulated "
                f"seconds. Arrived: {', '.join(arrived)}."
            )
        return found

    def states(self, generation_id: str | None = None) -> list[str | None]:
        """The states reported, in arrival order (optionally for one generation)."""
        return [item.state for item in self.received if generation_id in (None, item.generation_id)]
