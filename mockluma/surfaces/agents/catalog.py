"""Agents API facts the mock needs: models, types, ratios, limits, failures, prices and timings.

The enums and limits come from the ``luma-agents`` 0.5.0 SDK and Luma's guides (see
``shared/reference/agents-api.md``). Luma publishes prices for images and some video tiers but
no durations beyond "uni-1 typically takes 30-60 seconds"; every other number here is the
mock's own estimate and says so. docs/apis/agents.md lists the same numbers for users.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from mockluma.engine.distributions import LogNormal
from mockluma.engine.jobs import Failure, Phase
from mockluma.engine.limits import Limit
from mockluma.engine.timing import Timing

SURFACE = "agents"
FILES = "agents-files"
"""The engine namespace of file ingest jobs, apart from generations so that they never count
as generations (for limits, faults or look-ups)."""

API_VERSION = "2026-04-01"
KEY_PREFIX = "luma-api-"

MODELS = ("uni-1", "uni-1-max", "ray-3.2")
DEFAULT_MODEL = "uni-1"
TYPES = ("image", "image_edit", "video", "video_edit", "video_reframe", "layering")
DEFAULT_TYPE = "image"
IMAGE_TYPES = frozenset({"image", "image_edit"})
VIDEO_TYPES = frozenset({"video", "video_edit", "video_reframe"})
MODEL_TYPES: Mapping[str, frozenset[str]] = MappingProxyType(
    {
        "uni-1": frozenset({"image", "image_edit", "layering"}),
        "uni-1-max": frozenset({"image", "image_edit"}),
        "ray-3.2": VIDEO_TYPES,
    }
)

IMAGE_ASPECT_RATIOS = frozenset({"3:1", "2:1", "16:9", "3:2", "1:1", "2:3", "9:16", "1:2", "1:3"})
VIDEO_ASPECT_RATIOS = frozenset({"9:16", "3:4", "1:1", "4:3", "16:9", "21:9"})
MANGA_ASPECT_RATIOS = ("2:3", "9:16", "1:2", "1:3")
VERTICAL = frozenset({"9:16", "3:4"})
# What the model picks when the request leaves aspect_ratio out (the mock's choice).
DEFAULT_IMAGE_ASPECT = "16:9"
DEFAULT_MANGA_ASPECT = "2:3"
DEFAULT_VIDEO_ASPECT = "16:9"
DEFAULT_IMAGE_FORMAT = "png"

PROMPT_MAX = 6000
LAYERING_PROMPT_MAX = 500
MAX_IMAGE_REFS = {"image": 9, "image_edit": 8}
MAX_KEYFRAMES = 64
FRAMES_PER_SECOND = 24

DEFAULT_RESOLUTION = "720p"
DEFAULT_DURATION = "5s"
SECONDS = {"5s": 5, "10s": 10}
HDR_RESOLUTIONS = frozenset({"720p", "1080p"})
MAX_EDIT_SOURCE_SECONDS = 18.0
MAX_REFRAME_SOURCE_SECONDS = 30.0
ASSUMED_SOURCE_SECONDS = 5
"""The length of a source video the mock cannot measure (a URL it does not fetch)."""

MB = 1024 * 1024
MAX_IMAGE_BYTES = 50 * MB
MAX_VIDEO_BYTES = 200 * MB
MAX_FILE_BYTES = 5 * 1024 * MB
MAX_INLINE_UPLOAD_BYTES = 50 * MB
MAX_GENERATION_BODY = 300 * MB
"""A create body may carry base64 media up to the limits above, so it is read up to this size."""

URL_LIFETIME = 3600
"""Seconds (simulated) for which output and upload URLs stay valid."""

IMAGE_MIME_TYPES = frozenset({"image/jpeg", "image/png", "image/webp", "image/gif"})
VIDEO_MIME_TYPES = frozenset({"video/mp4", "video/quicktime"})

FILE_PURPOSES = ("input", "reference")
DEFAULT_PURPOSE = "input"
FILE_STATES = ("pending", "ready", "failed", "deleted")
FILE_PAGE_DEFAULT = 25
FILE_PAGE_MAX = 100


# -- failures --------------------------------------------------------------------------------
# The first four reasons are Luma's own wording; Luma documents the other codes without their
# texts, so those sentences are the mock's.

_OUTPUT_FLAGGED = "Generation output was flagged by our content moderation system."
FAILURES: Mapping[str, Failure] = MappingProxyType(
    {
        # Generic kinds every surface maps (the engine's fault injection names these).
        "moderation": Failure(_OUTPUT_FLAGGED, "content_moderated", Phase.RUNNING),
        "prompt": Failure(
            "The prompt was flagged by our content moderation system.",
            "content_moderated",
            Phase.QUEUED,
        ),
        "dispatch": Failure("Generation failed", "generation_failed", Phase.QUEUED),
        "job": Failure("Generation failed", "generation_failed", Phase.RUNNING),
        # The rest of the Agents API's failure codes.
        "budget_exhausted": Failure(
            "Insufficient credits to complete this generation.", "budget_exhausted", Phase.RUNNING
        ),
        "output_not_found": Failure(
            "Output artifacts not found", "output_not_found", Phase.RUNNING
        ),
        "image_too_large": Failure(
            "An input image is larger than the size limit.", "image_too_large", Phase.QUEUED
        ),
        "unsupported_format": Failure(
            "An input media file is in an unsupported format.", "unsupported_format", Phase.QUEUED
        ),
        "corrupt_input": Failure(
            "An input media file could not be decoded.", "corrupt_input", Phase.QUEUED
        ),
        "invalid_request": Failure(
            "The request was rejected while it was being processed.",
            "invalid_request",
            Phase.QUEUED,
        ),
        "rate_limited": Failure(
            "The model provider is rate limiting requests; retry later.",
            "rate_limited",
            Phase.RUNNING,
        ),
    }
)
# Documented defaults ("Rate limits and headers"): 30 creates per sliding minute and 10
# unfinished generations per client, all types together; a concurrency 429 says Retry-After: 60.
LIMIT_GROUP = "generations"
RATE_LIMITS = {LIMIT_GROUP: Limit(concurrent=10, per_minute=30, concurrency_retry_after=60.0)}

FAILURE_CODES = tuple(dict.fromkeys(failure.code for failure in FAILURES.values()))


# -- prices, in US cents ---------------------------------------------------------------------
# uni-1 and uni-1-max: Luma's pricing page, per image. Every input image, an edit's source
# included, adds 0.30 cents: 4.04 text-to-image, 4.34 an edit or one reference, 6.74 nine.
# Ray 3.2: third-party digests of Luma's video guide; 360p, HDR at 10 s and the edit tiers are
# the mock's extrapolations. Layering has no published price: the mock charges a uni-1 image,
# per layer at 2k.

_IMAGE_CENTS = {"uni-1": 4.04, "uni-1-max": 10.00}
_INPUT_IMAGE_CENTS = 0.30
_VIDEO_CENTS = {
    "360p": {5: 7.5, 10: 22.5},
    "540p": {5: 15.0, 10: 45.0},
    "720p": {5: 30.0, 10: 90.0},
    "1080p": {5: 120.0, 10: 360.0},
}
_REFRAME_CENTS_PER_SECOND = {"360p": 3.0, "540p": 6.0, "720p": 12.0, "1080p": 36.0}


def image_price(model: str, *, inputs: int) -> float:
    """The price of one image made from ``inputs`` input images (source and references)."""
    return round(_IMAGE_CENTS[model] + _INPUT_IMAGE_CENTS * inputs, 2)


def video_price(resolution: str, seconds: int, *, hdr: bool, exr: bool) -> float:
    base = _VIDEO_CENTS[resolution][10 if seconds > 5 else 5]
    factor = 3.0 if exr else 2.0 if hdr else 1.0
    return round(base * factor, 2)


def reframe_price(resolution: str, seconds: int) -> float:
    return round(_REFRAME_CENTS_PER_SECOND[resolution] * seconds, 2)


def layering_price(resolution: str, layers: int) -> float:
    per_layer = resolution == "2k"
    return round(_IMAGE_CENTS["uni-1"] * (layers if per_layer else 1), 2)


# -- timings ---------------------------------------------------------------------------------
# Luma: uni-1 "typically 30-60 seconds", p50 about 30 s; web search adds "a few seconds".
# Everything else is an estimate: Ray 3.2 at 5 s / 720p "typically under 2 minutes", longer for
# 10 s, 1080p and HDR. A job queues for about a tenth of its running time.

_IMAGE_RUNNING = {"uni-1": 32.0, "uni-1-max": 45.0}
_VIDEO_RUNNING = 90.0
_EDIT_RUNNING = 120.0
_LAYERING_RUNNING = 60.0
_WEB_SEARCH_SECONDS = 4.0
_RESOLUTION_WORK = {"360p": 0.4, "540p": 0.6, "720p": 1.0, "1080p": 1.5}
_INGEST = {"image": 2.0, "video": 8.0}


def _timing(running: float) -> Timing:
    return Timing(
        queued=LogNormal(max(running / 10, 1.0), 0.5, running),
        running=LogNormal(running, 0.25, running * 4),
    )


def image_timing(model: str, *, web_search: bool) -> Timing:
    return _timing(_IMAGE_RUNNING[model] + (_WEB_SEARCH_SECONDS if web_search else 0.0))


def layering_timing(resolution: str) -> Timing:
    return _timing(_LAYERING_RUNNING * (1.5 if resolution == "2k" else 1.0))


def video_timing(kind: str, resolution: str, seconds: int, *, hdr: bool) -> Timing:
    base = _VIDEO_RUNNING if kind == "video" else _EDIT_RUNNING
    work = _RESOLUTION_WORK[resolution] * max(seconds, 1) / 5 * (1.5 if hdr else 1.0)
    return _timing(base * work)


def ingest_timing(kind: str) -> Timing:
    """How long checking an uploaded file takes (an estimate: Luma publishes nothing)."""
    seconds = _INGEST[kind]
    return Timing(queued=LogNormal(0.5, 0.5, 5.0), running=LogNormal(seconds, 0.3, seconds * 4))
