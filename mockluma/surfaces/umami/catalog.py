"""UmamiAI "Luma AI v1 legacy" facts: aspect ratios, the token price, timings and failures.

UmamiAI documents the fields and one price (500,000 tokens a generation). The shape is the one
of Luma's old web API (Dream Machine 1.x), so timings and failure texts follow that era; where
this table guesses, the comment says so. docs/apis/umami.md lists the same numbers for users.
"""

from __future__ import annotations

from mockluma.engine.distributions import LogNormal
from mockluma.engine.jobs import Failure, Phase
from mockluma.engine.timing import Timing

SURFACE = "umami"

ASPECT_RATIOS = ("1:1", "16:9", "9:16", "4:3", "3:4", "21:9", "9:21")
DEFAULT_ASPECT_RATIO = "16:9"
VIDEO_SECONDS = 5
EXTEND_SECONDS = 5
"""Each extension adds five seconds (the Luma-API proxy's README)."""
MAX_IDS = 100

TOKENS_PER_GENERATION = 500_000
"""The documented price of one generation, extensions included."""
TOKENS_PER_CENT = 1_000
"""The mock's own rate for the starting balance: ``credits_cents`` x 1,000 tokens, so the
default 100,000 cents is 100 million tokens, 200 generations."""

# Guesses: Dream Machine 1.x queued for seconds to minutes and generated for one to three.
TIMING = Timing(queued=LogNormal(10.0, 0.5, 90.0), running=LogNormal(90.0, 0.3, 360.0))

LIMIT_GROUP = "video"
"""Every generation counts towards one rate-limit group (no per-model limits are documented)."""

FAILURES: dict[str, Failure] = {
    # Moderation as third-party wrappers of the web API surfaced it; the others are Luma's
    # texts in the same lower-case style (a guess).
    "moderation": Failure(
        "400: prompt not allowed because advanced moderation failed", phase=Phase.QUEUED, after=1.0
    ),
    "prompt": Failure("prompt processing failed", phase=Phase.QUEUED, after=2.0),
    "dispatch": Failure("error dispatching job", phase=Phase.QUEUED, after=0.5),
    "job": Failure("job failed", phase=Phase.RUNNING, after=30.0),
    # An image URL Luma could not fetch (the input-media policy decides which).
    "frames_unreadable": Failure("failed to read user input frames", phase=Phase.QUEUED, after=3.0),
}
"""Generic failure kinds worded as this gateway would report them (see the engine's faults)."""
