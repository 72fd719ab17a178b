"""The dashboard: server-rendered pages at ``/_mockluma/`` to see and steer the simulation.

Pages are Jinja2 templates rendered from the same data the control API serves (its
functions, not a copy of them), so a page and a ``curl`` of the control API never disagree.
Every page is complete without JavaScript; ``static/dashboard.js`` adds live updates (server-
sent events from :mod:`~mockluma.app.dashboard.events`, then a fetch of the part of the page
that changed) and sends the buttons' and forms' actions to the control API as JSON, so they
pass the control API's rules for state-changing calls like any other client.

Routes (under ``/_mockluma``): ``/`` the overview; ``/ui/generations`` and
``/ui/generations/{id}``; ``/ui/journal`` and ``/ui/journal/{sequence}``; ``/ui/faults``;
``/ui/callbacks``; ``/ui/events`` the event stream; ``/ui/static/...`` the script and styles.
"""

from __future__ import annotations

from mockluma.app.dashboard.events import EventHub
from mockluma.app.dashboard.pages import dashboard_routes

__all__ = ["EventHub", "dashboard_routes"]
