"""What installing mockluma costs a downstream pytest run that does not use the fixture.

Run: ``.venv/bin/python bench/import_cost.py [--runs N] [--all-plugins] [--source DIR]``

pytest loads every installed plugin (the ``pytest11`` entry point) at start-up, so a project
that installs mockluma pays for importing ``mockluma.pytest_plugin`` on every run, whether or
not a test asks for ``luma_mock``. This script runs pytest on a one-test file that does not use
the fixture, in a fresh temporary directory, ``N`` times with the plugin and ``N`` times with
``-p no:mockluma`` (the reference), interleaved and alternating which goes first, and compares
the medians. Goal: at most 50 ms more with the plugin.

Both runs leave out the other heavy plugins this environment installs (hypothesis's, whose
import alone takes from 0.5 to 5 s on a loaded machine, and xdist's), so the difference is not
lost in their noise; ``--all-plugins`` keeps them. It also times, inside a fresh interpreter
that has imported pytest, the import of ``mockluma.pytest_plugin`` alone (the plugin's own
cost, without the noise of two whole processes), and ``python -c "import mockluma"`` against
``python -c "pass"``, and checks first that the plugin is really loaded in one case
(``luma_mock`` is listed by ``--fixtures``) and not in the other. ``--source DIR`` puts
``DIR`` first on the children's ``PYTHONPATH``, to measure another checkout's ``mockluma``
(``git archive <commit> mockluma schemas fixtures | tar -x -C DIR``) with the same installation.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

from _common import table, write_result

GOAL_MS = 50.0
UNRELATED_PLUGINS = ("hypothesispytest", "xdist", "xdist.looponfail")
TEST_FILE = "def test_one():\n    assert 1 + 1 == 2\n"


class Timing(NamedTuple):
    wall: float
    """Seconds from start to exit."""
    cpu: float
    """Seconds of CPU the process used (user + system): far less swayed by other load on a
    shared machine than the wall clock."""
    cpu_min: float = 0.0
    """For a summary of several runs: the least CPU time of any (other load only adds)."""


CHILD_ENV = dict(os.environ)


def timed(command: Sequence[str], cwd: Path) -> Timing:
    began = time.perf_counter()
    process = subprocess.Popen(
        command, cwd=cwd, env=CHILD_ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - began
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise subprocess.CalledProcessError(process.returncode, command)
    return Timing(wall, usage.ru_utime + usage.ru_stime)


def pytest_command(*extra: str) -> list[str]:
    return [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *extra, "test_one.py"]


def without(plugins: Sequence[str]) -> list[str]:
    return [option for plugin in plugins for option in ("-p", f"no:{plugin}")]


def fixtures_listed(cwd: Path, *extra: str) -> bool:
    listing = subprocess.run(
        [sys.executable, "-m", "pytest", "--fixtures", "-p", "no:cacheprovider", *extra],
        cwd=cwd,
        env=CHILD_ENV,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return "luma_mock" in listing


def compare(cwd: Path, runs: int, plain: list[str], loaded: list[str]) -> tuple[Timing, Timing]:
    """Medians of ``plain`` and ``loaded`` (wall and CPU seconds), run alternately ``runs``
    times each."""
    plain_times: list[Timing] = []
    loaded_times: list[Timing] = []
    timed(plain, cwd)  # warm the file system cache for both
    timed(loaded, cwd)
    for index in range(runs):
        pair = [(plain, plain_times), (loaded, loaded_times)]
        if index % 2:
            pair.reverse()
        for command, times in pair:
            times.append(timed(command, cwd))
    return median(plain_times), median(loaded_times)


PLUGIN_IMPORT = (
    "import time, pytest\n"
    "began = time.perf_counter()\n"
    "import mockluma.pytest_plugin\n"
    "print(time.perf_counter() - began)\n"
)


def plugin_import_seconds(cwd: Path, runs: int) -> float:
    """Median seconds to import the plugin module once pytest is loaded, in fresh processes."""
    times = [
        float(
            subprocess.run(
                [sys.executable, "-c", PLUGIN_IMPORT],
                cwd=cwd,
                env=CHILD_ENV,
                check=True,
                capture_output=True,
                text=True,
            ).stdout
        )
        for _ in range(runs)
    ]
    return statistics.median(times)


def median(timings: Sequence[Timing]) -> Timing:
    return Timing(
        statistics.median(t.wall for t in timings),
        statistics.median(t.cpu for t in timings),
        min(t.cpu for t in timings),
    )


def row(label: str, timing: Timing, reference: Timing | None = None) -> list[str]:
    if reference is None:
        return [
            label,
            f"{timing.wall * 1000:.0f}",
            "",
            f"{timing.cpu * 1000:.0f}",
            "",
            f"{timing.cpu_min * 1000:.0f}",
            "",
        ]
    return [
        label,
        f"{timing.wall * 1000:.0f}",
        f"{(timing.wall - reference.wall) * 1000:+.0f}",
        f"{timing.cpu * 1000:.0f}",
        f"{(timing.cpu - reference.cpu) * 1000:+.0f}",
        f"{timing.cpu_min * 1000:.0f}",
        f"{(timing.cpu_min - reference.cpu_min) * 1000:+.0f}",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="runs of each command (default 15)")
    parser.add_argument(
        "--all-plugins", action="store_true", help="keep hypothesis's and xdist's plugins loaded"
    )
    parser.add_argument("--source", type=Path, help="measure the mockluma package in DIR")
    args = parser.parse_args()
    if args.source is not None:
        paths = [str(args.source.resolve()), CHILD_ENV.get("PYTHONPATH", "")]
        CHILD_ENV["PYTHONPATH"] = os.pathsep.join(path for path in paths if path)
    others = [] if args.all_plugins else without(UNRELATED_PLUGINS)
    with tempfile.TemporaryDirectory(prefix="mockluma-import-cost-") as folder:
        cwd = Path(folder)
        (cwd / "test_one.py").write_text(TEST_FILE, encoding="utf-8")
        (cwd / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")  # this is the rootdir
        if not fixtures_listed(cwd) or fixtures_listed(cwd, "-p", "no:mockluma"):
            raise SystemExit("The mockluma plugin is not installed, or -p no:mockluma kept it.")
        reference, with_plugin = compare(
            cwd,
            args.runs,
            pytest_command(*others, *without(["mockluma"])),
            pytest_command(*others),
        )
        plugin_alone = plugin_import_seconds(cwd, args.runs)
        bare, imported = compare(
            cwd,
            args.runs,
            [sys.executable, "-c", "pass"],
            [sys.executable, "-c", "import mockluma"],
        )
    rows = [
        row("pytest, one test, -p no:mockluma", reference),
        row("pytest, one test, mockluma installed", with_plugin, reference),
        row('python -c "pass"', bare),
        row('python -c "import mockluma"', imported, bare),
    ]
    kept = "all plugins" if args.all_plugins else f"-p no:{', no:'.join(UNRELATED_PLUGINS)}"
    source = "" if args.source is None else f"mockluma from {args.source}; "
    print(f"Medians of {args.runs} runs each, interleaved; {source}pytest runs with {kept}.\n")
    print(table(["command", "wall ms", "+ms", "cpu ms", "+ms", "min cpu ms", "+ms"], rows))
    print(
        f"\nimport mockluma.pytest_plugin, after pytest, timed inside the process: "
        f"{plugin_alone * 1000:.1f} ms (median)."
    )
    wall_ms = (with_plugin.wall - reference.wall) * 1000
    cpu_ms = (with_plugin.cpu - reference.cpu) * 1000
    min_cpu_ms = (with_plugin.cpu_min - reference.cpu_min) * 1000
    overheads = (("median wall-clock", wall_ms), ("median CPU", cpu_ms), ("least CPU", min_cpu_ms))
    for name, overhead in overheads:
        verdict = "meets" if overhead <= GOAL_MS else "misses"
        print(f"The plugin's {name} overhead ({overhead:+.0f} ms) {verdict} the goal of <= 50 ms.")
    path = write_result(
        "import_cost" if args.source is None else "import_cost_other_source",
        {
            "runs": args.runs,
            "unrelated_plugins_disabled": not args.all_plugins,
            "source": None if args.source is None else str(args.source),
            "median_seconds": {
                "pytest_without_plugin": reference._asdict(),
                "pytest_with_plugin": with_plugin._asdict(),
                "python_bare": bare._asdict(),
                "python_import_mockluma": imported._asdict(),
            },
            "plugin_overhead_ms": {"wall": wall_ms, "cpu": cpu_ms, "least_cpu": min_cpu_ms},
            "plugin_import_alone_ms": plugin_alone * 1000,
            "goal_ms": GOAL_MS,
        },
    )
    print(f"Written to {path}.")


if __name__ == "__main__":
    main()
