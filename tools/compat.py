"""The version matrix's runner and table (`make compat`; noxfile.py builds one environment per run).

``run`` (in a run's environment, started by nox): every notebook (or those named) in a fresh kernel,
in a scratch copy of ``notebooks/`` with an empty weight cache; the notebooks' own checks decide
(outputs are not compared: log formats differ between versions). It writes
``build/compat/RUN.json``. ``report`` tabulates nox's last report and those records; ``--record``,
only when all four runs passed with every notebook, saves them in docs/measurements.json
(``compat``) and renders docs/CONTRIBUTING.md's table from there.

    python tools/compat.py run oldest [notebooks/05_model.ipynb ...] --build-seconds 12.5
    python tools/compat.py report [--record]
"""

import argparse
import contextlib
import importlib.metadata
import json
import os
import platform
import re
import sys
import tempfile
from pathlib import Path

import measurements
from execute_notebooks import run_measured
from navigation import ROOT, fresh_copy, notebook_paths, replace_between

from helpers.environment import quiet_tensorflow

RESULTS = ROOT / "build" / "compat"
NOX_REPORT = RESULTS / "nox.json"
CONTRIBUTING = ROOT / "docs" / "CONTRIBUTING.md"
SECTION = "compat"
# The runs --record needs (noxfile.py's sessions).
ALL_RUNS = ["oldest", "colab", "lock-3.11", "lock-3.13"]
# The libraries the supported range speaks of, reported for every environment.
REPORTED = ["tensorflow", "tensorflow-cpu", "keras", "numpy", "ipywidgets", "matplotlib"]
CELL_TIMEOUT = 900
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def installed_versions():
    found = {"python": platform.python_version()}
    for name in REPORTED:
        with contextlib.suppress(importlib.metadata.PackageNotFoundError):
            found[name] = importlib.metadata.version(name)
    return found


def printed_accuracy(stdout):
    """The value of the last ``Test accuracy: ...`` line a lesson printed, or None (hub-check too)."""
    found = re.findall(r"Test accuracy:\s*([0-9]*\.?[0-9]+)", stdout)
    return float(found[-1]) if found else None


def run_one(path):
    """Run one notebook; return {seconds, peak_mb, accuracy, error} (error: None, or the failing
    line; peak_mb: the kernel's peak RSS, reported and never judged: it is a hub's limit, measured
    by `make memory-limits`, that a lesson must fit)."""
    result = run_measured(path, timeout=CELL_TIMEOUT)
    if result["traceback"]:
        print(ANSI.sub("", result["traceback"]), file=sys.stderr, flush=True)  # the whole of it, in the log
    cells = result["nb"].cells if result["nb"] else []
    printed = "".join(o.get("text", "") for c in cells for o in c.get("outputs", []) if "text" in o)
    return {
        "seconds": round(result["seconds"], 1),
        "peak_mb": round(result["peak_mb"]),
        "accuracy": printed_accuracy(printed),
        "error": result["error"],
    }


def run_all(name, build_seconds, out, names=None):
    """Run the notebooks called ``names`` (default: every one) and write the run's record to ``out``."""
    quiet_tensorflow()
    if not os.environ.get("MNIST_NPZ"):
        print("note: MNIST_NPZ is not set, so the lessons download MNIST with Keras", flush=True)
    record = {"run": name, "versions": installed_versions(), "build_seconds": build_seconds, "notebooks": {}}
    record["some_notebooks"] = bool(names)
    record["machine"] = measurements.machine()
    print(f"[{name}] {record['versions']}", flush=True)
    with tempfile.TemporaryDirectory(prefix=f"compat-{name}-") as scratch:
        work = fresh_copy(Path(scratch, "notebooks"))
        os.environ["DLA_CACHE_DIR"] = str(Path(scratch, "cache"))  # no trained weights yet
        # The kernel is this environment's own (ipykernel's "python3"), not one of the user's.
        os.environ["JUPYTER_DATA_DIR"] = str(Path(scratch, "jupyter"))
        os.environ.pop("JUPYTER_PATH", None)
        for path in notebook_paths(work):
            if names and path.name not in names:
                continue
            result = record["notebooks"][path.name] = run_one(path)
            print(f"[{name}] {path.name}: {cell_text(result)}", flush=True)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(record, indent=1), encoding="utf-8")
    return record


def cell_text(result):
    if result["error"]:
        return f"FAILED ({result['error'].split(':')[0]})"
    text = f"ran, {result['seconds']:.1f} s"
    if result.get("peak_mb"):  # runs recorded before it was measured lack it
        text += f", {result['peak_mb']:,} MB"
    if result["accuracy"] is not None:
        text += f", acc {result['accuracy']:.4f}"
    return text


def load_runs(nox_report=NOX_REPORT, results=RESULTS):
    """{run: record} for every session of nox's last report; {"reason": nox's} for one that left none."""
    if not nox_report.is_file():
        raise SystemExit(f"{nox_report} is missing: run `make compat` (nox --report {nox_report})")
    runs = {}
    for session in json.loads(nox_report.read_text(encoding="utf-8"))["sessions"]:
        # "name" is the function's (both lock runs are "lock"); the first signature is the run's.
        name = session["signatures"][0]
        record = results / f"{name}.json"
        runs[name] = (
            json.loads(record.read_text(encoding="utf-8"))
            if record.is_file()
            else {"reason": f"{session['result']}: {session.get('reason') or 'see the log'}"}
        )
    return runs


def tables(runs):
    """Markdown: each run's versions and times, then notebook x run."""
    from tabulate import tabulate  # the course's environment has it; a set's environment does not

    rows = []
    for name, r in runs.items():
        if "reason" in r:
            rows.append([name, f"not run ({r['reason']})"] + [""] * 7)
            continue
        v, seconds = r["versions"], sum(x["seconds"] for x in r["notebooks"].values())
        libraries = [v.get(k) for k in ("keras", "numpy", "ipywidgets", "matplotlib")]
        tensorflow = v.get("tensorflow-cpu") or v.get("tensorflow")
        rows.append(
            [name, v["python"], tensorflow, *libraries, f"{r['build_seconds']:.0f} s", f"{seconds:.0f} s"]
        )
    headers = ["run", "Python", "TensorFlow", "Keras", "NumPy", "ipywidgets", "matplotlib", "environment"]
    versions = tabulate(rows, [*headers, "notebooks"], tablefmt="pipe", disable_numparse=True)
    notebooks = sorted({nb for r in runs.values() for nb in r.get("notebooks", {})})
    grid = [
        [nb] + [cell_text(r["notebooks"][nb]) if nb in r.get("notebooks", {}) else "—" for r in runs.values()]
        for nb in notebooks
    ]
    return versions + "\n\n" + tabulate(grid, ["notebook", *runs], tablefmt="pipe")


def report(record, nox_report=NOX_REPORT, results=RESULTS, output=measurements.PATH, page=CONTRIBUTING):
    """Print the tables and every failure; with ``record`` and all four runs passed, save them in
    ``output`` and render ``page``'s table from there. Returns the exit status."""
    runs = load_runs(nox_report, results)
    print(tables(runs))
    failed = [(name, None, r["reason"]) for name, r in runs.items() if "reason" in r]
    failed += [
        (name, nb, result["error"])
        for name, r in runs.items()
        for nb, result in r.get("notebooks", {}).items()
        if result["error"]
    ]
    for name, nb, error in failed:
        print(f"\nFAILED {name}{' / ' + nb if nb else ''}: {error}")
    missing = [name for name in ALL_RUNS if name not in runs]
    missing += [f"{name}'s other notebooks" for name, r in runs.items() if r.get("some_notebooks")]
    if record and (failed or missing):
        print(
            f"\n{output.name} and {page.name} were left as they were: they record a run of "
            f"{', '.join(ALL_RUNS)} in which every notebook ran and passed"
            f"{' (missing: ' + ', '.join(missing) + ')' if missing else ''}."
        )
        return 1
    if record:
        text = page.read_text(encoding="utf-8")
        replace_between(text, "compat", "", page.name)  # without the markers, fail before recording
        recorded = [runs[name] for name in ALL_RUNS]  # a list: the file's keys are sorted
        measurements.save(SECTION, {"runs": recorded}, recorded[0]["machine"], output)
        section = measurements.load(SECTION, output)
        shown = (
            f"측정: {measurements.stamp_text(section)}, `make compat COMPAT_FLAGS=--record` "
            "(네 실행 모두, 환경은 새로 만들고 노트북마다 새 커널; environment는 환경을 만든 시간(uv, "
            "내려받은 패키지는 캐시에서), notebooks는 노트북 실행 시간의 합입니다. 시간은 컴퓨터가 바쁘면 "
            "늘어납니다. MB는 커널과 그 자식 프로세스의 최대 RSS(보고만 하고 판정하지 않습니다. 허브의 "
            "한도와 비교할 값은 `make memory-limits`의 표), 정확도는 `Test accuracy:`를 출력하는 노트북의 "
            "값).\n\n" + tables({r["run"]: r for r in section["runs"]})
        )
        page.write_text(replace_between(text, "compat", shown, page.name), encoding="utf-8")
        print(f"recorded in {output} ({SECTION}) and {page}")
    return 1 if failed else 0


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="run every notebook in this environment (nox does this)")
    run.add_argument("name", help="the run's name (the nox session's)")
    run.add_argument("notebooks", nargs="*", type=Path, help="the notebooks to run (default: every one)")
    run.add_argument(
        "--build-seconds", type=float, default=0.0, help="how long building this environment took"
    )
    table = commands.add_parser("report", help="the tables of nox's last run")
    saved = "record them in docs/measurements.json and docs/CONTRIBUTING.md (every run, all passed)"
    table.add_argument("--record", action="store_true", help=saved)
    args = parser.parse_args(argv)
    if args.command == "report":
        return report(args.record)
    lessons = [path.name for path in notebook_paths()]
    unknown = [str(path) for path in args.notebooks if path.name not in lessons]
    if unknown:
        parser.error(f"not a lesson: {', '.join(unknown)} (the lessons: {', '.join(lessons)})")
    names = {path.name for path in args.notebooks}
    record = run_all(args.name, args.build_seconds, RESULTS / f"{args.name}.json", names)
    return 1 if any(r["error"] for r in record["notebooks"].values()) else 0


if __name__ == "__main__":
    sys.exit(main())
