"""Captures v2 facts the mock needs: vocabularies, stages, artifacts, timings and failures.

The capture and run vocabularies, the artifact list and its order come from real responses and
the ``lumaapi`` client. Luma never documented how long a reconstruction takes, what a run says
between ``Queued`` and ``Done``, what a failed run looks like, nor how long an upload URL lives:
those values are the mock's own, marked as such, and listed in docs/apis/captures.md.
"""

from __future__ import annotations

from dataclasses import dataclass

from mockluma.engine.distributions import LogNormal
from mockluma.engine.jobs import Failure, Phase
from mockluma.engine.timing import Timing

SURFACE = "captures"

CAMERA_MODELS = ("normal", "fisheye", "equirectangular")
DEFAULT_CAMERA_MODEL = "normal"
CAPTURE_TYPE = "reconstruction"  # the only type the API has
# Captures made through the API came back "private" in 2023 and "unlisted" in 2024; the client
# documents private as the default.
PRIVACY = "private"
PIPELINE_VERSION = 2
CREDITS_PER_CAPTURE = 1

DEFAULT_SKIP = 0
DEFAULT_TAKE = 50  # the client's default page size
DEFAULT_ORDER = "DESC"

# The mock's choice: how long a signed upload URL accepts a PUT, in simulated seconds.
UPLOAD_URL_SECONDS = 3600
# Enough of an upload's first bytes to tell a video or zip from anything else.
SNIFF_BYTES = 512

# Mock guesses: a phone video or a few hundred photos took Luma tens of minutes to reconstruct.
TIMING = Timing(queued=LogNormal(30.0, 0.5, 600.0), running=LogNormal(1200.0, 0.4, 7200.0))

QUEUED_STAGE = "Queued"  # seen on real runs
DONE_STAGE = "Done"  # seen on real runs
FAILED_STAGE = "Failed"  # the mock's choice
# The stages of a dispatched run, each from the progress (percent) at which it starts. Only
# "Queued" and "Done" were ever seen; the client's docs name "sfm" and "nerf" as examples.
RUNNING_STAGES: tuple[tuple[int, str], ...] = (
    (0, "Preprocessing"),
    (10, "SfM"),
    (30, "NeRF"),
    (75, "Meshing"),
    (90, "Exporting"),
)


@dataclass(frozen=True, slots=True)
class Artifact:
    """One output of a finished run: its ``type`` and the shipped file its URL serves."""

    type: str
    file: str
    """Name in the media catalogue, e.g. ``capture/mesh.ply``."""
    spatial: bool
    """3D outputs carry ``scale_to_world``; images and videos do not."""


# The order of a real finished run: clients pick artifacts by position (thumb first, the three
# GLBs at 6, 7 and 8). Each level of detail serves the same tiny model.
ARTIFACTS: tuple[Artifact, ...] = (
    Artifact("thumb", "thumb/16x9.jpg", spatial=False),
    Artifact("preview_360", "thumb/21x9.jpg", spatial=False),
    Artifact("video_with_background", "video/16x9-5s.mp4", spatial=False),
    Artifact("video_with_background_preview", "thumb/16x9.jpg", spatial=False),
    Artifact("full_mesh", "capture/mesh.ply", spatial=True),
    Artifact("point_cloud", "capture/point-cloud.ply", spatial=True),
    Artifact("textured_mesh_lowpoly_glb", "capture/textured-mesh.glb", spatial=True),
    Artifact("textured_mesh_medpoly_glb", "capture/textured-mesh.glb", spatial=True),
    Artifact("textured_mesh_glb", "capture/textured-mesh.glb", spatial=True),
    Artifact("textured_mesh_lowpoly_obj", "capture/textured-mesh-obj.zip", spatial=True),
    Artifact("textured_mesh_medpoly_obj", "capture/textured-mesh-obj.zip", spatial=True),
    Artifact("textured_mesh_obj", "capture/textured-mesh-obj.zip", spatial=True),
    Artifact("textured_mesh_lowpoly_usdz", "capture/textured-mesh.usdz", spatial=True),
    Artifact("textured_mesh_medpoly_usdz", "capture/textured-mesh.usdz", spatial=True),
    Artifact("textured_mesh_usdz", "capture/textured-mesh.usdz", spatial=True),
)

# Why an upload cannot be processed. The run is accepted, then fails as soon as a worker opens
# the file, as a real pipeline that only looks at the file when it runs would.
EMPTY_UPLOAD = Failure(
    "The uploaded file is empty. Upload a video, a zip of images or a zip of videos, then "
    "submit a new capture.",
    code="bad_upload",
)
EMPTY_ZIP = Failure(
    "The uploaded zip archive contains no files. Zip the images or videos themselves, then "
    "submit a new capture.",
    code="bad_upload",
)
NOT_VIDEO_OR_ZIP = Failure(
    "The uploaded file is neither a video nor a zip archive. Upload a video, a zip of images or "
    "a zip of videos, then submit a new capture.",
    code="bad_upload",
)

FAILURES: dict[str, Failure] = {
    "moderation": Failure(
        "This capture was flagged by content moderation and will not be processed.",
        code="moderation",
        phase=Phase.QUEUED,
    ),
    # Captures have no prompt: the closest thing is the settings sent with the upload.
    "prompt": Failure(
        "The footage does not match the camera model it was submitted with. Submit it again "
        "with the right camModel (normal, fisheye or equirectangular).",
        code="camera_model",
        after=60.0,
    ),
    "dispatch": Failure(
        "No worker could be dispatched for this run. Submit the capture again later.",
        code="dispatch",
        phase=Phase.QUEUED,
        after=30.0,
    ),
    "job": Failure(
        "Reconstruction failed: too few of the images could be matched to each other. Capture "
        "the scene again with more overlap between views and submit a new capture.",
        code="reconstruction",
        after=300.0,
    ),
    "bad_upload": NOT_VIDEO_OR_ZIP,
}
"""Plausible run failures by kind, for fault injection (``job.failure.reason`` is shown)."""
