"""JSON answers rendered once: :func:`json_bytes` and the :class:`JsonBodies` cache."""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, Generic, NamedTuple, TypeVar

from starlette.responses import Response

K = TypeVar("K", bound=Hashable)

# What JSONResponse.render does, with one encoder made once rather than one per call.
_ENCODER = json.JSONEncoder(ensure_ascii=False, allow_nan=False, indent=None, separators=(",", ":"))
_JSON_CONTENT_TYPE = (b"content-type", b"application/json")


def json_bytes(content: Any) -> bytes:
    """The bytes ``JSONResponse(content)`` sends."""
    return _ENCODER.encode(content).encode("utf-8")


class JsonBodies(Generic[K]):
    """The JSON bodies of recently presented objects, rendered once and then reused.

    Polling one generation is the most common request a mock gets, and its answer only changes
    when the generation does; rendering it is a third of the cost of a GET. A surface whose
    presenter depends on nothing but what ``key`` captures (see its ``presenters`` module) keeps
    the bytes here, with their headers. Bounded: past ``limit`` entries the oldest is dropped.
    """

    def __init__(self, limit: int = 1024) -> None:
        self._limit = limit
        self._answers: OrderedDict[K, _Rendered] = OrderedDict()

    def response(self, key: K, present: Callable[[], Any], status: int = 200) -> Response:
        """``JSONResponse(present(), status)``, with ``present`` called only for a new key."""
        answer = self._answers.get(key)
        if answer is None:
            body = json_bytes(present())
            # The headers JSONResponse gives it, in its order.
            headers = ((b"content-length", str(len(body)).encode()), _JSON_CONTENT_TYPE)
            answer = _Rendered(body, headers)
            if len(self._answers) >= self._limit:
                self._answers.popitem(last=False)
            self._answers[key] = answer
        return _RenderedResponse(answer, status)


class _Rendered(NamedTuple):
    body: bytes
    raw_headers: tuple[tuple[bytes, bytes], ...]
    """Content-Length and Content-Type, as ``JSONResponse`` sets them."""


class _RenderedResponse(Response):
    """A response whose body and headers were worked out before: building a ``Response``
    anew (rendering, encoding its headers) takes longer than the whole look-up."""

    def __init__(self, answer: _Rendered, status: int) -> None:
        self.status_code = status
        self.body = answer.body
        self.raw_headers = list(answer.raw_headers)  # middleware may add to the list
        self.background = None


__all__ = ["JsonBodies", "json_bytes"]
