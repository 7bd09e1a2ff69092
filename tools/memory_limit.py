"""The smallest memory limit at which each lesson completes, enforced as a hub does (`make memory-limits`).

A hub limits a student's memory with a memory cgroup. At the limit Linux first reclaims the
cgroup's page cache (TensorFlow's libraries can be read again) and kills a process only when that
is not enough, so a lesson's peak RSS (`make budget`) overstates the limit it needs. Here each
lesson's kernel starts inside a memory cgroup of its own (tools/memory_cgroup.py; memory and swap
limited together, as Kubernetes nodes have no swap) and bisection finds the smallest limit at
which the lesson still runs top to bottom:

- the first trial is at the top of the range (no pressure) and must complete; its time and peak
  RSS are the lesson's unpressured ones. Then bisection on the grid (default 50-1,600 MB in 25 MB
  steps: six more trials), assuming that more memory never hurts;
- a trial completes when the kernel is not killed (the cgroup's oom_kill count) and every cell
  runs within SLOWDOWN times the unpressured time plus a minute: a kernel that thrashes,
  re-reading its libraries, is as broken to a student as a killed one;
- a file's page is charged to the cgroup that reads it first. So that a kernel reads its
  libraries itself, as the first student on a hub node does, kernels run from a private copy of
  this virtual environment (about 2 GB, in the temporary folder), and each trial starts from a
  dropped page cache (as root) and an empty model cache (every lesson trains what it needs).

Each trial runs the notebook with execute_notebooks.run in a new process of the private copy
(tools/fresh_process.py), the kernel inside the cgroup; every process left in the cgroup is then
killed and the cgroup removed, also on an error, Ctrl-C or SIGTERM. Results go to
docs/measurements.json (tools/measurements.py). Exit 1 when a lesson needs more than GOAL_MB; one
line and exit 0, nothing measured, where no memory cgroup is usable (not Linux, not root, no
memory controller).

    python tools/memory_limit.py                                 # every lesson, one at a time
    python tools/memory_limit.py notebooks/06_training.ipynb --range 500 1600 --step 25
"""

import argparse
import datetime as dt
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
from pathlib import Path

import fresh_process
import measurements
from memory_cgroup import MemoryCgroup, Unavailable, joiner, usable_place
from navigation import ROOT, fresh_copy, notebook_paths
from process_memory import MB, drop_page_cache
from tabulate import tabulate

from helpers.environment import quiet_tensorflow

SECTION = "memory_limits"
# Every lesson must complete within 1 GB: with the Jupyter server beside it, a student then fits
# the guarantee deploy/z2jh/config.yaml derives from these measurements with room to spare.
GOAL_MB = 1000
SLOWDOWN = 3
FIRST_DEADLINE = 900  # seconds for the unpressured trial, which sets the others' deadline
COMPLETED = "completed"


def smallest_completing(grid, completes):
    """The smallest value of the ascending ``grid`` for which ``completes`` holds; None if not the last.

    Tries the last value first, then bisects: once a limit completes, every larger one is assumed to.
    """
    if not completes(grid[-1]):
        return None
    low, high = -1, len(grid) - 1  # grid[high] completes; grid[low] did not (-1: below the grid)
    while high - low > 1:
        middle = (low + high) // 2
        if completes(grid[middle]):
            high = middle
        else:
            low = middle
    return grid[high]


def private_python(scratch):
    """This environment's Python in a copy of the environment made under ``scratch`` (None: not a venv).

    A kernel started by it loads its libraries from files no other process maps, so their pages
    are charged to the kernel's cgroup instead of to whoever on this machine read them first.
    """
    if sys.prefix == sys.base_prefix:
        return None
    copy = shutil.copytree(sys.prefix, Path(scratch) / "venv", symlinks=True)
    return copy / Path(sys.executable).relative_to(sys.prefix)


def trial(notebook, limit_mb, place, deadline, scratch, python=sys.executable):
    """Run ``notebook`` with its kernel in a cgroup limited to ``limit_mb``; return what happened."""
    drop_page_cache()
    cache = Path(tempfile.mkdtemp(prefix="model-cache-", dir=scratch))  # empty, as in a new session
    # The child and the kernel import helpers from this checkout, the one whose lessons are measured.
    path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    env = {"DLA_CACHE_DIR": str(cache), "PYTHONPATH": path}
    start = time.perf_counter()
    with MemoryCgroup(place[1], place[0], limit_mb * MB) as group:
        # Past the deadline the kernel is killed; the child then sees it die and reports.
        watchdog = threading.Timer(deadline, group.kill)
        watchdog.start()
        try:
            report = fresh_process.call(run_in_cgroup, str(group.path), str(notebook), env=env, python=python)
        finally:
            watchdog.cancel()
        too_slow = time.perf_counter() - start >= deadline
        oom_kills, peak = group.oom_kills(), group.peak_bytes()
    shutil.rmtree(cache, ignore_errors=True)
    if oom_kills:
        outcome = "killed: out of memory"
    elif too_slow:
        outcome = f"too slow: stopped after {deadline:.0f} s"
    elif report["error"]:
        outcome = f"failed: {report['error']}"
    else:
        outcome = COMPLETED
    rss = report["peak_rss_mb"]
    return {
        "limit_mb": limit_mb,
        "outcome": outcome,
        "seconds": round(report["seconds"], 1),
        "peak_rss_mb": round(rss) if rss else None,
        "cgroup_peak_mb": round(peak / MB) if peak else None,
    }


def run_in_cgroup(cgroup, notebook):
    """Run the notebook with its kernel joining ``cgroup``: its seconds, kernel peak RSS and error."""
    from execute_notebooks import run_measured

    # Any failure means the lesson did not complete at this limit.
    result = run_measured(Path(notebook), timeout=3600, kernel_options={"preexec_fn": joiner(cgroup)})
    return {"seconds": result["seconds"], "peak_rss_mb": result["peak_mb"], "error": result["error"]}


def measure_lesson(notebook, grid, place, scratch, python):
    """Bisect the smallest completing limit of one lesson; print each trial; return its record."""
    trials = []

    def completes(limit_mb):
        first = not trials
        deadline = FIRST_DEADLINE if first else SLOWDOWN * trials[0]["seconds"] + 60
        trials.append(trial(notebook, limit_mb, place, deadline, scratch, python))
        done = trials[-1]
        print(f"  {limit_mb:>5,} MB: {done['outcome']}, {done['seconds']:.1f} s", flush=True)
        return done["outcome"] == COMPLETED

    limit = smallest_completing(grid, completes)
    top = trials[0]
    at_limit = next((t for t in trials if t["limit_mb"] == limit), None)
    return {
        "measured": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "limit_mb": limit,
        "at_floor": limit == grid[0],
        "seconds": at_limit["seconds"] if at_limit else None,
        "unpressured_seconds": top["seconds"],
        "peak_rss_mb": top["peak_rss_mb"],
        "cgroup_peak_mb": top["cgroup_peak_mb"],
        "range_mb": [grid[0], grid[-1]],
        "step_mb": grid[1] - grid[0] if len(grid) > 1 else None,
        "failure": None if limit else top["outcome"],
        "trials": [[t["limit_mb"], t["outcome"], t["seconds"]] for t in trials],
    }


def limit_text(record):
    if record["limit_mb"] is None:
        return f"none up to {record['range_mb'][1]:,}"
    return f"{'<= ' if record['at_floor'] else ''}{record['limit_mb']:,}"


def table(lessons):
    """The measured lessons as a Markdown table."""
    rows = [
        [name, limit_text(r), r["seconds"], r["unpressured_seconds"], r["peak_rss_mb"], len(r["trials"])]
        for name, r in lessons.items()
    ]
    return tabulate(
        rows,
        ["lesson", "smallest limit MB", "s there", "s unpressured", "peak RSS MB", "trials"],
        tablefmt="github",
        floatfmt=".1f",
        intfmt=",",
    )


def missed_goal(lessons, goal_mb=GOAL_MB):
    """One sentence per lesson that does not complete within ``goal_mb``."""
    return [
        f"{name} needs {limit_text(record)} MB (goal: complete within {goal_mb:,} MB)"
        + (f"; at the top of the range: {record['failure']}" if record["failure"] else "")
        for name, record in lessons.items()
        if record["limit_mb"] is None or record["limit_mb"] > goal_mb
    ]


def save(lessons, about, started, path=measurements.PATH):
    """Merge ``lessons`` into the file's section with ``about`` (how) and ``started`` (the machine then)."""
    section = load(path)
    section["lessons"] = dict(sorted({**section["lessons"], **lessons}.items()))
    measurements.save(SECTION, {**section, **about}, started, path)


def load(path=measurements.PATH):
    """The committed memory-limit measurements: ``lessons`` ({lesson: record}) and how they were made."""
    return {"lessons": {}, **measurements.load(SECTION, path)}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: every lesson")
    limits = parser.add_argument_group("limits to search, MB (default: --range 50 1600 --step 25)")
    limits.add_argument("--range", nargs=2, type=int, default=[50, 1600], metavar=("LOW", "HIGH"))
    limits.add_argument("--step", type=int, default=25)
    parser.add_argument("--output", type=Path, default=measurements.PATH, help="docs/measurements.json")
    args = parser.parse_args(argv)
    started = measurements.machine()
    quiet_tensorflow()  # kernels inherit this process's environment
    low, high = args.range
    if not 0 < low < high or args.step <= 0 or (high - low) % args.step:
        parser.error(
            f"--range {low} {high} --step {args.step}: need 0 < LOW < HIGH, with HIGH - LOW a "
            "multiple of the step (for example --range 50 1600 --step 25)"
        )
    grid = list(range(low, high + 1, args.step))
    try:
        place = usable_place(high)
    except Unavailable as why:
        print(f"memory-limits: skipped, nothing was measured: no usable memory cgroup here ({why}).")
        return 0
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so the cleanup below runs
    print(
        f"Memory cgroup v{place[0]} under {place[1]}; limits {low:,}-{high:,} MB in {args.step} MB "
        f"steps (1 MB = 10^6 bytes); MNIST_NPZ={os.environ.get('MNIST_NPZ', '(unset)')}"
    )
    if not drop_page_cache():
        print(
            "note: cannot drop the page cache (needs root): libraries another run left cached are "
            "not charged to a trial, so limits can read low."
        )
    lessons, start = {}, time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="memory-limits-") as scratch:
        folder = fresh_copy(Path(scratch) / "notebooks")
        python = private_python(scratch)
        if python is None:
            print(
                "note: not in a virtual environment, so the kernels share their libraries' pages "
                "with every other Python here: limits can read low on a busy machine."
            )
        for path in args.notebooks or notebook_paths():
            print(f"{path.name}:", flush=True)
            lessons[path.name] = measure_lesson(
                folder / path.name, grid, place, scratch, python or sys.executable
            )
    minutes = (time.perf_counter() - start) / 60
    print(f"\n{table(lessons)}\n\nBisection took {minutes:.1f} min on {os.cpu_count()} cores.")
    about = {"cgroup": f"v{place[0]}", "goal_mb": GOAL_MB, "slowdown": SLOWDOWN}
    save(lessons, about, started, args.output)
    print(f"wrote {args.output}")
    missed = missed_goal(lessons)
    if missed:
        print("\nMEMORY GOAL MISSED:", *(f"- {line}" for line in missed), sep="\n")
        return 1
    print(f"Every lesson completes within {GOAL_MB:,} MB.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
