"""Dream Machine facts the mock needs: models, prices, timings and the camera vocabularies.

Luma documents its enums and per-pixel prices for video modification; it does not publish how
long generations take, nor prices per request for every kind. Where this table guesses, the
comment says so; docs/apis/dream-machine.md lists the same numbers for users.
"""

from __future__ import annotations

import functools
import math
from fractions import Fraction

from mockluma.engine.distributions import LogNormal
from mockluma.engine.jobs import Failure, Phase
from mockluma.engine.limits import Limit
from mockluma.engine.timing import Timing

SURFACE = "dream-machine"

DEFAULT_ASPECT_RATIO = "16:9"
DEFAULT_RESOLUTION = "720p"
DEFAULT_DURATION = "5s"
DEFAULT_IMAGE_FORMAT = "jpg"
DEFAULT_SYNC_TIMEOUT = 60
DEFAULT_UPSCALE_RESOLUTION = "1080p"
FRAMES_PER_SECOND = 24
PROMPT_MIN = 3
PROMPT_MAX = 5000
MAX_REFERENCE_IMAGES = 4

# Resolutions per video model. Luma's docs list 540p, 720p, 1080p and 4k without saying which
# model offers what; third-party hosts of the same models offer 4k for ray-2 and stop at 1080p
# for ray-flash-2, so the mock refuses 4k from ray-flash-2 (docs/fidelity.md).
RESOLUTIONS: dict[str, tuple[str, ...]] = {
    "ray-2": ("540p", "720p", "1080p", "4k"),
    "ray-flash-2": ("540p", "720p", "1080p"),
}

# Input limits of modify and reframe: (longest source in seconds, largest file in bytes).
# Luma's Modify Video and Reframe pages; the photon rows have no length.
MB = 1_000_000
MODIFY_LIMITS: dict[str, tuple[float | None, int]] = {
    "ray-2": (10.0, 100 * MB),
    "ray-flash-2": (15.0, 100 * MB),
}
REFRAME_LIMITS: dict[str, tuple[float | None, int]] = {
    "ray-2": (10.0, 100 * MB),
    "ray-flash-2": (30.0, 100 * MB),
    "photon-1": (None, 10 * MB),
    "photon-flash-1": (None, 10 * MB),
}
ASPECT_RATIOS = ("1:1", "16:9", "9:16", "4:3", "3:4", "21:9", "9:21")


def nearest_aspect_ratio(ratio: float) -> str:
    """The documented aspect ratio closest to ``ratio`` (width / height)."""

    def distance(name: str) -> float:
        wide, tall = (int(part) for part in name.split(":"))
        return abs(math.log(ratio * tall / wide))

    return min(ASPECT_RATIOS, key=distance)


_SHORT_SIDE = {"540p": 540, "720p": 720, "1080p": 1080, "4k": 2160}

# US cents per million output pixels. The ray rates are Luma's published modify-video rates
# ($0.01582 and $0.00544 per million pixels), applied to every video kind; the photon rates are
# the mock's own estimate.
CENTS_PER_MEGAPIXEL = {
    "ray-2": 1.582,
    "ray-flash-2": 0.544,
    "photon-1": 0.73,
    "photon-flash-1": 0.19,
}
AUDIO_CENTS_PER_SECOND = 2.0


def seconds_of(duration: str | None) -> int:
    """Whole seconds of a duration such as ``"5s"``; unknown strings count as five seconds."""
    text = (duration or DEFAULT_DURATION).strip().lower().removesuffix("s")
    if text.isascii() and text.isdigit() and 0 < int(text) <= 60:
        return int(text)
    return 5


@functools.lru_cache(maxsize=256)  # few distinct inputs, and each create asks
def video_size(aspect_ratio: str, resolution: str | None) -> tuple[int, int]:
    """Width and height of a video at ``resolution`` (the short side) and ``aspect_ratio``."""
    short = _SHORT_SIDE.get((resolution or DEFAULT_RESOLUTION).lower(), 720)
    wide, tall = (int(part) for part in aspect_ratio.split(":"))
    ratio = Fraction(max(wide, tall), min(wide, tall))
    long = round(short * ratio / 2) * 2
    return (long, short) if wide >= tall else (short, long)


def video_price(model: str, aspect_ratio: str, resolution: str | None, seconds: int) -> float:
    width, height = video_size(aspect_ratio, resolution)
    megapixels = width * height * FRAMES_PER_SECOND * seconds / 1_000_000
    return round(megapixels * CENTS_PER_MEGAPIXEL[model], 2)


def image_price(model: str, width: int, height: int) -> float:
    """The price of an image of ``width`` x ``height`` pixels (the canvas that is served)."""
    return round(width * height / 1_000_000 * CENTS_PER_MEGAPIXEL[model], 2)


def audio_price(seconds: int) -> float:
    return AUDIO_CENTS_PER_SECOND * seconds


# Realistic timings: informed guesses (third-party reports put ray-flash-2 at 540p/5 s around
# 30-60 s end to end). Running time scales with resolution and length below.
_VIDEO_TIMING = {
    "ray-2": Timing(queued=LogNormal(8.0, 0.5, 60.0), running=LogNormal(75.0, 0.3, 300.0)),
    "ray-flash-2": Timing(queued=LogNormal(5.0, 0.5, 45.0), running=LogNormal(30.0, 0.3, 150.0)),
}
_IMAGE_TIMING = {
    "photon-1": Timing(queued=LogNormal(2.0, 0.5, 15.0), running=LogNormal(12.0, 0.3, 60.0)),
    "photon-flash-1": Timing(queued=LogNormal(1.0, 0.5, 10.0), running=LogNormal(5.0, 0.3, 30.0)),
}
UPSCALE_TIMING = Timing(queued=LogNormal(5.0, 0.5, 45.0), running=LogNormal(45.0, 0.3, 240.0))
AUDIO_TIMING = Timing(queued=LogNormal(3.0, 0.5, 30.0), running=LogNormal(25.0, 0.3, 120.0))
_RESOLUTION_WORK = {"540p": 0.7, "720p": 1.0, "1080p": 1.8, "4k": 3.5}


def video_timing(model: str, resolution: str | None, seconds: int) -> Timing:
    base = _VIDEO_TIMING[model]
    factor = _RESOLUTION_WORK.get((resolution or DEFAULT_RESOLUTION).lower(), 1.0) * seconds / 5
    running = base.running
    assert isinstance(running, LogNormal)
    cap = None if running.cap is None else running.cap * factor
    return Timing(base.queued, LogNormal(running.median_seconds * factor, running.sigma, cap))


def image_timing(model: str) -> Timing:
    return _IMAGE_TIMING[model]


# The camera concepts accepted in `concepts[].key`. Luma's docs show dolly_zoom and handheld;
# the rest of this list comes from a third-party listing of the same model's options.
CONCEPTS = (
    "truck_left", "pan_right", "pedestal_down", "low_angle", "pedestal_up", "selfie",
    "pan_left", "roll_right", "zoom_in", "over_the_shoulder", "orbit_right", "orbit_left",
    "static", "tiny_planet", "high_angle", "bolt_cam", "dolly_zoom", "overhead", "zoom_out",
    "handheld", "roll_left", "pov", "aerial_drone", "push_in", "crane_down", "truck_right",
    "tilt_down", "elevator_doors", "tilt_up", "ground_level", "pull_out", "aerial", "crane_up",
    "eye_level",
)  # fmt: skip

# The legacy camera-motion list returned phrases to paste into prompts, such as
# "camera orbit left"; these are the motions of the pre-release enum worded that way.
CAMERA_MOTIONS = tuple(
    f"camera {motion}"
    for motion in (
        "static", "move left", "move right", "move up", "move down", "push in", "pull out",
        "zoom in", "zoom out", "pan left", "pan right", "orbit left", "orbit right",
        "crane up", "crane down",
    )
)  # fmt: skip


def family(model: str) -> str:
    """The model family Luma's rate limits count by: ``ray`` (video) or ``photon`` (image)."""
    return "ray" if model.startswith("ray") else "photon"


# Luma's published Build-tier limits, per model family (docs: "Rate limits"). Luma does not say
# what Retry-After a concurrency refusal carries; the mock says 10 s, about a quick generation.
RATE_LIMITS = {
    "ray": Limit(concurrent=10, per_minute=20, concurrency_retry_after=10.0),
    "photon": Limit(concurrent=40, per_minute=80, concurrency_retry_after=10.0),
}

# What a fault rule or trigger can make a generation fail with: the failure_reason texts of
# Luma's "Errors" page, and the phase and moment each one most plausibly happens at.
FAILURES = {
    "moderation": Failure("Advanced prompt moderation failed", None, Phase.QUEUED, 2.0),
    "blacklisted": Failure("Contains blacklisted words", None, Phase.QUEUED, 1.0),
    "frames_unreadable": Failure("Failed to read user input frames", None, Phase.QUEUED, 3.0),
    "frame_moderation": Failure("Frame moderation failed", None, Phase.QUEUED, 3.0),
    "prompt": Failure("Prompt processing failed", None, Phase.QUEUED, 2.0),
    "dispatch": Failure("Error dispatching job", None, Phase.QUEUED, 1.0),
    "job": Failure("Job failed", None, Phase.RUNNING, 5.0),
    "callback": Failure("Error processing callback", None, Phase.RUNNING, 5.0),
}
