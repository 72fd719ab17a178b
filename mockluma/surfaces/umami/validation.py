"""Checks on what UmamiAI clients send, before anything is created or looked up.

Bodies must match the shipped JSON Schema; the ``ids`` of a fetch may come in any of the three
forms the docs use. Every refusal is a 400 naming the field or parameter.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from mockluma.schemas import store as schema_store
from mockluma.surfaces.umami.errors import body_invalid, query_invalid

_INDEXED = re.compile(r"ids\[(\d{1,6})\]")


def conform(body: Any) -> dict[str, Any]:
    """``body`` if it is a valid create or extend body; a 400 naming the field if not."""
    problem = schema_store.first_error("umami/generation.request.json", body)
    if problem is not None:
        raise body_invalid(schema_store.describe(problem))
    assert isinstance(body, dict)
    if not body["user_prompt"].strip():
        raise body_invalid("Field 'user_prompt' is blank. Describe the video you want.")
    for field in ("image_url", "image_end_url"):
        if body.get(field) is not None:
            _check_image_url(field, body[field])
    return body


def _check_image_url(field: str, url: str) -> None:
    # The Luma-API proxy also takes images inline as data URIs.
    if url.startswith("data:image/"):
        return
    try:
        parts = urlsplit(url)
        valid = parts.scheme in ("http", "https") and bool(parts.hostname)
    except ValueError:
        valid = False
    if not valid:
        raise body_invalid(
            f"Field '{field}' must be an absolute http or https URL (or a data:image URI), "
            f"not {url[:80]!r}."
        )


def generation_ids(params: Iterable[tuple[str, str]]) -> list[str]:
    """The ids of a fetch, from ``ids[0]=a&ids[1]=b``, ``ids[]=a&ids[]=b`` or ``ids=a,b``.

    Indexed ids come in index order; repeated ids are dropped; empty items are ignored.
    """
    indexed: dict[int, str] = {}
    listed: list[str] = []
    for name, value in params:
        if name in ("ids", "ids[]"):
            listed.extend(value.split(","))
        elif match := _INDEXED.fullmatch(name):
            indexed[int(match.group(1))] = value
        elif name.startswith("ids"):
            raise query_invalid(
                f"Query parameter {name!r} is not understood. Send ids[0]=<id>&ids[1]=<id>, "
                "ids[]=<id> or ids=<id>,<id>."
            )
    items = [indexed[index] for index in sorted(indexed)] + listed
    ids = list(dict.fromkeys(item.strip() for item in items if item.strip()))
    problem = schema_store.first_error("umami/generations.query.json", {"ids": ids})
    if problem is None:
        return ids
    if problem.validator == "minItems":
        raise query_invalid(
            "Query parameter 'ids' is required: name the generations to fetch, as "
            "ids[0]=<id>&ids[1]=<id>, ids[]=<id> or ids=<id>,<id>."
        )
    if problem.validator == "maxItems":
        raise query_invalid(
            f"'ids' names {len(ids)} generations; fetch at most {problem.validator_value} at a "
            "time."
        )
    if problem.validator == "pattern":
        raise query_invalid(
            f"{problem.instance!r} in 'ids' is not a generation id; ids are UUIDs such as "
            "4c9126f3-d9a6-4eaf-aa4c-b64b634f65bd."
        )
    raise query_invalid(schema_store.describe(problem).replace("Field", "Query parameter"))
