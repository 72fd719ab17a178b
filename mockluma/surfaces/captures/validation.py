"""Checks on what clients send: the create form and the list query.

``lumaapi`` posts an HTML form (``title=sofa+set&camModel=normal``); a JSON object with the
same fields is accepted too. Either is matched against ``schemas/captures/`` and refused with
400 naming the field. Fields the API does not know are ignored, as older clients sent
``privacy`` and ``location``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs

from starlette.requests import Request

from mockluma.schemas import store as schema_store
from mockluma.surfaces.captures import catalog
from mockluma.surfaces.captures.errors import DIALECT, bad_request
from mockluma.web.bodies import read_body, read_json

_FORM = "application/x-www-form-urlencoded"
_JSON = "application/json"
_MAX_FIELDS = 100
_TRUE = ("true", "1")


async def read_form(request: Request, *, max_bytes: int) -> Any:
    """The create body: a form as a dict of strings (a list where a field repeats), or the
    JSON document as sent. :func:`conform` checks it."""
    media_type = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if media_type == _JSON:
        return await read_json(request, max_bytes=max_bytes, dialect=DIALECT)
    if media_type not in ("", _FORM):
        raise DIALECT.error(
            415,
            f"Content-Type {media_type!r} is not accepted here. Send the fields as "
            f"{_FORM} (title=...&camModel=normal).",
        )
    raw = await read_body(request, max_bytes=max_bytes, dialect=DIALECT)
    try:
        text = raw.decode("utf-8")
        pairs = parse_qs(text, keep_blank_values=True, errors="strict", max_num_fields=_MAX_FIELDS)
    except UnicodeError:
        raise bad_request("The form is not valid UTF-8. Percent-encode the field values.") from None
    except ValueError:
        raise bad_request(
            f"The form has too many fields (at most {_MAX_FIELDS}). Send title and camModel."
        ) from None
    return {name: values[0] if len(values) == 1 else values for name, values in pairs.items()}


def conform(schema: str, body: Any) -> dict[str, Any]:
    """``body`` if it matches ``schemas/captures/<schema>``; a 400 naming the field if not."""
    problem = schema_store.first_error(f"captures/{schema}", body)
    if problem is not None:
        raise bad_request(schema_store.describe(problem))
    assert isinstance(body, dict)
    return body


def remove_humans(value: Any) -> bool:
    if isinstance(value, str):
        return value.lower() in _TRUE
    return bool(value)


def list_query(params: Mapping[str, str]) -> tuple[str, int, int, str]:
    """``search``, ``skip``, ``take`` and ``order`` (upper case) of a list call."""
    values: dict[str, Any] = {}
    for name in ("skip", "take"):
        raw = params.get(name)
        if raw is None or raw == "":
            continue
        try:
            values[name] = int(raw)
        except ValueError:
            raise bad_request(
                f"Query parameter '{name}' must be an integer, not {raw!r}."
            ) from None
    order = params.get("order")
    if order:
        values["order"] = order.upper()
    problem = schema_store.first_error("captures/capture-list.query.json", values)
    if problem is not None:
        raise bad_request(schema_store.describe(problem).replace("Field", "Query parameter"))
    return (
        params.get("search", ""),
        values.get("skip", catalog.DEFAULT_SKIP),
        values.get("take", catalog.DEFAULT_TAKE),
        values.get("order", catalog.DEFAULT_ORDER),
    )
