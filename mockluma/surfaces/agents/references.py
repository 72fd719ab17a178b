"""Resolving an ``ImageRef`` (a URL, base64 data, a prior generation or an uploaded file) into
what the mock needs to know about it: image or video, its shape and its length.

The checks follow Luma's rules: exactly one way of pointing at the media; ``media_type`` with
``data``; base64 that decodes; 50 MB per image; https URLs on public hosts; generations and
files of the same caller, completed or ``ready``. Errors name the field as Luma does
(``source: ...``, ``image_ref[2]: ...``). The mock never fetches a URL, so a URL's media is of
unknown shape, except for URLs of the mock's own media, which it can look up.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from mockluma.engine.errors import JobNotFound
from mockluma.engine.jobs import Phase
from mockluma.surfaces import Context
from mockluma.surfaces.agents import catalog, files
from mockluma.surfaces.agents.errors import DIALECT, bad_request
from mockluma.surfaces.agents.probe import MediaKind, probe
from mockluma.web.errors import ApiError
from mockluma.web.presign import presign_refusal

MEDIA_PATH = "/_mockluma/media/"
_FORMS = ("url", "data", "generation_id", "file_id")
_STATES = {
    Phase.QUEUED: "queued",
    Phase.RUNNING: "processing",
    Phase.SUCCEEDED: "completed",
    Phase.FAILED: "failed",
}


@dataclass(frozen=True, slots=True)
class Media:
    """What a reference points at. ``ratio`` (width / height) and ``seconds`` may be unknown."""

    kind: MediaKind
    ratio: float | None = None
    seconds: float | None = None
    generation_id: str | None = None


class Resolver:
    """Resolves one request's references for ``owner``; ``origin`` is this server's own URL."""

    def __init__(self, ctx: Context, owner: str, origin: str) -> None:
        self.ctx = ctx
        self.owner = owner
        self.origin = origin.rstrip("/")

    def image(self, ref: Mapping[str, Any], field: str) -> Media:
        """An image input: a reference image, an edit's or a layering's source, a guide frame."""
        return self._resolve(ref, field, "image", chained="image")

    def frame(self, ref: Mapping[str, Any], field: str) -> Media:
        """A video's start or end frame or keyframe: an image, or a prior video to extend."""
        return self._resolve(ref, field, "image", chained="video")

    def video(self, ref: Mapping[str, Any], field: str) -> Media:
        """The source video of an edit or a reframe."""
        return self._resolve(ref, field, "video", chained="video")

    def _resolve(
        self, ref: Mapping[str, Any], field: str, wanted: MediaKind, *, chained: MediaKind
    ) -> Media:
        given = [form for form in _FORMS if ref.get(form) is not None]
        if not given:
            raise bad_request(f"{field}: provide either 'url' or 'data', not neither")
        if given == ["url", "data"]:
            raise bad_request(f"{field}: provide either 'url' or 'data', not both")
        if len(given) > 1:
            raise bad_request(
                f"{field}: provide exactly one of 'url', 'data', 'generation_id' or 'file_id', "
                f"not {len(given)} of them"
            )
        match given[0]:
            case "url":
                return self._url(ref["url"], ref.get("media_type"), field, wanted)
            case "data":
                return self._data(ref["data"], ref.get("media_type"), field, wanted)
            case "generation_id":
                return self._generation(ref["generation_id"], field, chained)
            case _:
                return self._file(ref["file_id"], field, wanted)

    # -- the four ways of pointing at media --------------------------------------------------

    def _url(self, url: str, media_type: str | None, field: str, wanted: MediaKind) -> Media:
        if wanted == "video" and not media_type:
            raise bad_request(
                f"{field}: 'media_type' is required with 'url' for a video source "
                "(for example video/mp4)"
            )
        _check_media_type(media_type, field, wanted)
        if url.startswith(self.origin + MEDIA_PATH):
            return self._own_media(url, field, wanted)
        try:
            parts = urlsplit(url)
            host = parts.hostname or ""
        except ValueError:
            parts, host = None, ""
        if parts is None or parts.scheme != "https" or not _public(host):
            # Luma fetches https URLs on public hosts only.
            raise DIALECT.error(422, f"{field}: failed to fetch URL")
        return Media(wanted)

    def _own_media(self, url: str, field: str, wanted: MediaKind) -> Media:
        """A URL of the mock's own media: refused like a fetch would be, or looked up."""
        parts = urlsplit(url)
        name = parts.path.removeprefix(MEDIA_PATH).partition("/")[2]
        refusal = presign_refusal(
            parts.path,
            dict(parse_qsl(parts.query)),
            key=self.ctx.signing_key,
            now=self.ctx.simulation.now(),
        )
        if "X-Amz-Signature" in parts.query and refusal is not None:
            raise DIALECT.error(422, f"{field}: failed to fetch URL (HTTP 403)")
        media = self.ctx.media.by_name(name)
        if media is None:
            raise DIALECT.error(422, f"{field}: failed to fetch URL (HTTP 404)")
        found = probe(media.path.read_bytes())
        if found is None or found.kind != wanted:
            raise _not_kind(field, wanted)
        return Media(wanted, media.width / media.height, found.seconds)

    def _data(self, data: str, media_type: str | None, field: str, wanted: MediaKind) -> Media:
        if not media_type:
            raise bad_request(f"{field}: 'media_type' is required with 'data'")
        _check_media_type(media_type, field, wanted)
        limit = catalog.MAX_VIDEO_BYTES if wanted == "video" else catalog.MAX_IMAGE_BYTES
        # Decoded base64 is three quarters of its text: refuse early what cannot fit.
        if len(data) // 4 * 3 > limit + 3:
            raise _too_large(field, wanted)
        try:
            raw = base64.b64decode(data, validate=True)
        except (binascii.Error, ValueError):
            raise DIALECT.error(422, f"{field}: invalid base64 data") from None
        if len(raw) > limit:
            raise _too_large(field, wanted)
        found = probe(raw)
        if found is None or found.kind != wanted:
            raise DIALECT.error(422, f"{field}: data is not a valid {wanted}")
        return Media(wanted, _ratio(found.width, found.height), found.seconds)

    def _generation(self, generation_id: str, field: str, wanted: MediaKind) -> Media:
        missing = bad_request(f"{field}: generation {generation_id} not found")
        if not _is_uuid(generation_id):
            raise missing
        try:
            job = self.ctx.simulation.get(catalog.SURFACE, self.owner, generation_id)
        except JobNotFound:
            raise missing from None
        if job.phase is not Phase.SUCCEEDED:
            raise bad_request(
                f"{field}: generation {generation_id} is not completed "
                f"(state: {_STATES[job.phase]}); wait until it is, then try again"
            )
        if job.details["output_kind"] != wanted:
            article = "an" if wanted == "image" else "a"
            raise bad_request(
                f"{field}: generation {generation_id} has no {wanted} output; only {article} "
                f"{wanted} generation can be used here"
            )
        return Media(
            wanted,
            _aspect_ratio_value(job.details["aspect_ratio"]),
            job.details.get("seconds"),
            generation_id=generation_id,
        )

    def _file(self, file_id: str, field: str, wanted: MediaKind) -> Media:
        try:
            stored = files.get(self.ctx, self.owner, file_id)
        except ApiError:
            raise bad_request(f"{field}: file {file_id} not found") from None
        state = stored.state(self.ctx.simulation.now())
        if state != "ready":
            raise bad_request(
                f"{field}: file {file_id} is not ready (state: {state}); only a ready file can "
                "be used"
            )
        found = stored.probe
        if found is None or found.kind != wanted:
            raise _not_kind(field, wanted)
        return Media(wanted, _ratio(found.width, found.height), found.seconds)


def _check_media_type(media_type: str | None, field: str, wanted: MediaKind) -> None:
    if media_type and not media_type.lower().startswith(f"{wanted}/"):
        raise _not_kind(field, wanted)


def _not_kind(field: str, wanted: MediaKind) -> ApiError:
    article = "an" if wanted == "image" else "a"
    return DIALECT.error(422, f"{field}: content-type is not {article} {wanted}")


def _too_large(field: str, wanted: MediaKind) -> ApiError:
    limit = catalog.MAX_VIDEO_BYTES if wanted == "video" else catalog.MAX_IMAGE_BYTES
    return DIALECT.error(413, f"{field}: {wanted} exceeds {limit // catalog.MB} MB limit")


def _public(host: str) -> bool:
    if not host or host == "localhost" or host.endswith((".localhost", ".local", ".internal")):
        return False
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return True  # a name; Luma resolves it, the mock trusts it
    return address.is_global


def _is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


def _ratio(width: int | None, height: int | None) -> float | None:
    return width / height if width and height else None


def _aspect_ratio_value(aspect: str) -> float:
    across, down = (int(part) for part in aspect.split(":"))
    return across / down
