"""AppyPie gateway facts: the aspect ratios, what a video costs and how long it takes.

AppyPie's page documents the request fields, the ``completed`` answer and a table of error
bodies; nothing about prices, durations or failures. The completed example's URL lies in Luma's
Dream Machine 1.6 output bucket, so the guesses below follow Luma's own API of that time. The
docs/apis/appypie.md lists the same numbers for users.
"""

from __future__ import annotations

from mockluma.engine.distributions import LogNormal
from mockluma.engine.jobs import Failure, Phase
from mockluma.engine.timing import Timing

SURFACE = "appypie"

# The docs list these seven "and more"; they are exactly the ratios Luma generates, and the
# only ones the mock has video for.
ASPECT_RATIOS = ("16:9", "4:3", "1:1", "9:16", "3:4", "21:9", "9:21")
DEFAULT_ASPECT_RATIO = "16:9"
VIDEO_SECONDS = 5

PRICE_CENTS = 40.0
"""What one video costs from the account's balance, in US cents: the mock's own estimate (about
what a 5 s Dream Machine 1.6 video cost through Luma's API). The balance starts at the
configured ``credits_cents``."""

# Dream Machine 1.6 was slower than today's models: a few seconds to a minute in the queue,
# one to three minutes generating.
TIMING = Timing(queued=LogNormal(10.0, 0.5, 90.0), running=LogNormal(90.0, 0.3, 360.0))

LIMIT_GROUP = "video"
"""Every generation counts towards one rate-limit group (no per-model limits are documented)."""

FAILURES: dict[str, Failure] = {
    # The gateway fronts Luma, so a failed generation most plausibly carries Luma's
    # failure_reason texts.
    "moderation": Failure("Advanced prompt moderation failed", phase=Phase.QUEUED, after=1.0),
    "prompt": Failure("Prompt processing failed", phase=Phase.QUEUED, after=2.0),
    "dispatch": Failure("Error dispatching job", phase=Phase.QUEUED, after=0.5),
    "job": Failure("Job failed", phase=Phase.RUNNING, after=30.0),
    # An image URL Luma could not fetch (the input-media policy decides which).
    "frames_unreadable": Failure("Failed to read user input frames", phase=Phase.QUEUED, after=3.0),
}
"""Generic failure kinds worded as this gateway would report them (see the engine's faults)."""
