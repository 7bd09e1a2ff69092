"""Run every lesson on more than one version set: the lock, the oldest supported, what Colab ships.

For each version set a fresh virtual environment is built under ``build/compat/`` (kept and reused
while the set's pins are unchanged: the folder name carries their digest), ``helpers`` is put on its
path as ``make setup``'s editable install does, and every notebook (``NN_name.ipynb``) runs top to
bottom in a fresh kernel of that environment with nbclient. The notebooks' own result checks
(their silent ``assert``s) decide; outputs are not compared with the stored ones, because log
formats differ between versions. Each set runs in a scratch copy of ``notebooks/`` with an empty
weight cache, as a new student session would, and ``MNIST_NPZ`` is passed on.

    python tools/compat.py                  # every set
    python tools/compat.py --sets oldest    # only some (comma separated)
    python tools/compat.py --list           # the sets and their pins

It prints the versions each environment really holds and a table (notebook x set: ran or FAILED,
seconds, the test accuracy a notebook prints as ``Test accuracy:``), and exits 1 if any failed.
With ``--readme`` (every set, all passed) it also writes that table, dated, between the README's
``<!-- compat:start -->`` and ``<!-- compat:end -->`` markers, so the README shows a real run.
"""

import argparse
import datetime as dt
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

from navigation import notebook_paths, replace_between

ROOT = Path(__file__).resolve().parent.parent
# What every set needs besides its pins to run the lessons and this script's --execute mode.
RUNNER = ["matplotlib", "ipycanvas", "ipykernel", "nbclient", "nbformat"]
# The libraries the course's supported range speaks of, reported for every environment.
REPORTED = ["tensorflow", "tensorflow-cpu", "keras", "numpy", "ipywidgets", "matplotlib"]
CELL_TIMEOUT = 900

# The version sets. `pins` are pip requirement strings, `lock` a requirements file of the repository.
SETS = {
    "lock": {
        "lock": "requirements.lock",
        "about": "requirements.lock, what `make setup`, Binder and CI install",
    },
    "oldest": {
        # The lower bounds of the supported range in pyproject.toml. TensorFlow 2.16 is the first
        # line that brings Keras 3; 3.0.5 was the newest Keras when TensorFlow 2.16.1 came out, and
        # TensorFlow 2.16 needs NumPy < 2. ipywidgets 7.7.1 is what Colab still ships.
        "pins": ["tensorflow-cpu==2.16.1", "keras==3.0.5", "numpy==1.26.4", "ipywidgets==7.7.1"],
        "about": "the oldest supported versions (pyproject.toml's lower bounds)",
    },
    "colab": {
        # Colab's newest TensorFlow announcement: googlecolab/colabtools#5489 (2025-07-29),
        # TensorFlow 2.19.0 and Keras 3.10.0; NumPy 2.0.2 and ipywidgets 7.7.1 as Colab's runtime
        # lists them (googlecolab/backend-info pip-freeze.txt). Colab's Python (3.12, then 3.13 in
        # colabtools#6081) is not on this machine: the set runs on the Python that runs this script.
        "pins": ["tensorflow-cpu==2.19.0", "keras==3.10.0", "numpy==2.0.2", "ipywidgets==7.7.1",
                 "matplotlib==3.10.0"],
        "about": "Colab's runtime: colabtools#5489 (TF 2.19.0, Keras 3.10.0), backend-info",
    },
}


def requirements(name, root=ROOT):
    """The pip arguments that install version set ``name`` (besides the runner's packages)."""
    spec = SETS[name]
    if "lock" in spec:
        return ["-r", str(root / spec["lock"])]
    return list(spec["pins"])


def digest(name, root=ROOT, python=None):
    """Key of a set's environment: its pins (the lock file's text), the runner list and Python."""
    spec = SETS[name]
    python = python or sysconfig.get_python_version()
    content = (root / spec["lock"]).read_text(encoding="utf-8") if "lock" in spec else spec["pins"]
    text = json.dumps([content, RUNNER, python], sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def venv_path(name, root=ROOT):
    return root / "build" / "compat" / f"{name}-{digest(name, root)}"


def build(name, root=ROOT):
    """Build (or reuse) the environment of set ``name``; return (its folder, seconds, reused)."""
    from binder_check import build_venv  # not needed (nor installed) inside a set's own venv

    path = venv_path(name, root)
    for stale in path.parent.glob(f"{name}-*"):  # an older digest of this set
        if stale != path:
            shutil.rmtree(stale)
    start = time.monotonic()

    def put_helpers_on_path(venv):
        # helpers from the working tree, as `make setup`'s editable install puts it on the path.
        site = subprocess.run([str(venv / "bin" / "python"), "-c",
                               "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                              check=True, capture_output=True, text=True).stdout.strip()
        Path(site, "dl_architecture_course.pth").write_text(f"{root}\n", encoding="utf-8")

    try:
        built = build_venv(path, requirements(name, root) + RUNNER, digest(name, root).encode(),
                           after_install=put_helpers_on_path)
    except subprocess.CalledProcessError:
        shutil.rmtree(path, ignore_errors=True)
        raise SystemExit(f"[{name}] pip could not install the set; nothing was kept")
    return path, time.monotonic() - start, not built


def installed_versions(path):
    """{distribution: version} of REPORTED found in the environment, and its Python version."""
    code = ("import json, platform, importlib.metadata as m\n"
            "found = {}\n"
            f"for name in {REPORTED!r}:\n"
            "    try: found[name] = m.version(name)\n"
            "    except m.PackageNotFoundError: pass\n"
            "found['python'] = platform.python_version()\n"
            "print(json.dumps(found))")
    out = subprocess.run([str(path / "bin" / "python"), "-c", code], check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out)


def describe(versions):
    tf = versions.get("tensorflow-cpu") or versions.get("tensorflow", "?")
    return (f"Python {versions['python']}, TF {tf}, Keras {versions.get('keras', '?')}, "
            f"NumPy {versions.get('numpy', '?')}, ipywidgets {versions.get('ipywidgets', '?')}")


def printed_accuracy(stdout):
    """The value of the last ``Test accuracy: ...`` line a lesson printed, or None."""
    found = re.findall(r"Test accuracy:\s*([0-9]*\.?[0-9]+)", stdout)
    return float(found[-1]) if found else None


def execute(notebook):
    """Run one notebook, in its folder, in this interpreter's kernel; return the result as a dict.

    This is what the environment's own Python runs (``--execute``): the kernel is this
    interpreter's ipykernel, so the notebook sees exactly the set's versions.
    """
    from nbclient.exceptions import CellExecutionError

    from execute_notebooks import run

    start = time.monotonic()
    try:
        nb, _ = run(notebook, timeout=CELL_TIMEOUT)
    except CellExecutionError as exc:
        return {"seconds": round(time.monotonic() - start, 1), "accuracy": None,
                "error": f"{exc.ename}: {exc.evalue}"[:300]}
    printed = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code"
                      for o in c.get("outputs", []) if o.get("output_type") == "stream")
    return {"seconds": round(time.monotonic() - start, 1), "error": None,
            "accuracy": printed_accuracy(printed)}


def run_set(name, root=ROOT, log=print):
    """Build set ``name`` and run every notebook in it; return its report dict."""
    path, build_seconds, reused = build(name, root)
    versions = installed_versions(path)
    log(f"[{name}] {describe(versions)} ({'reused' if reused else f'built in {build_seconds:.0f} s'})")
    results = {}
    with tempfile.TemporaryDirectory(prefix=f"compat-{name}-") as scratch:
        work = Path(scratch, "notebooks")
        shutil.copytree(root / "notebooks", work)
        # Imported here: the set's own environment runs this file (--execute) without binder_check's
        # requirements.
        from binder_check import venv_environment

        env = dict(venv_environment(path), DLA_CACHE_DIR=str(Path(scratch, "cache")),
                   # Kernel specs of this environment only, not the user's.
                   JUPYTER_DATA_DIR=str(Path(scratch, "jupyter")))
        for notebook in notebook_paths(work):
            proc = subprocess.run([str(path / "bin" / "python"), str(Path(__file__).resolve()),
                                   "--execute", str(notebook)], env=env, capture_output=True,
                                  text=True)
            try:
                result = json.loads(proc.stdout.strip().splitlines()[-1])
            except (IndexError, json.JSONDecodeError):
                result = {"seconds": None, "accuracy": None,
                          "error": f"runner exited {proc.returncode}: {proc.stderr.strip()[-300:]}"}
            results[notebook.name] = result
            log(f"[{name}] {notebook.name}: {cell_text(result)}")
    return {"versions": versions, "build_seconds": build_seconds, "reused": reused,
            "results": results}


def cell_text(result):
    if result["error"]:
        return f"FAILED ({result['error'].split(':')[0]})"
    text = f"ran, {result['seconds']:.1f} s"
    if result["accuracy"] is not None:
        text += f", acc {result['accuracy']:.4f}"
    return text


def table(reports):
    """Markdown: the versions of each set, then notebook x set."""
    names = list(reports)
    lines = ["| set | versions | environment |", "|---|---|---|"]
    for name in names:
        r = reports[name]
        built = "reused" if r["reused"] else f"built in {r['build_seconds']:.0f} s"
        lines.append(f"| {name} | {describe(r['versions'])} | {built} |")
    lines += ["", "| notebook | " + " | ".join(names) + " |", "|---" * (len(names) + 1) + "|"]
    notebooks = sorted({nb for r in reports.values() for nb in r["results"]})
    for nb in notebooks:
        cells = [cell_text(reports[n]["results"][nb]) if nb in reports[n]["results"] else "—"
                 for n in names]
        lines.append(f"| {nb} | " + " | ".join(cells) + " |")
    totals = [sum(r["seconds"] or 0 for r in reports[n]["results"].values()) for n in names]
    lines.append("| **total** | " + " | ".join(f"{t:.0f} s" for t in totals) + " |")
    return "\n".join(lines)


def readme_section(reports, when, cores):
    """The README's compat section: when and where it was measured, then the table."""
    return (f"측정: {when}, {cores}코어 Linux, `make compat COMPAT_FLAGS=--readme` (세 묶음 모두, 노트북마다 새 커널; "
            "시간은 컴퓨터가 바쁘면 늘어납니다. 정확도는 `Test accuracy:`를 출력하는 노트북의 값).\n\n"
            + table(reports))


def failures(reports):
    return [(name, nb, result["error"]) for name, r in reports.items()
            for nb, result in r["results"].items() if result["error"]]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", default=",".join(SETS),
                        help=f"comma-separated version sets (default: all of {', '.join(SETS)})")
    parser.add_argument("--list", action="store_true", help="print the sets and their pins")
    parser.add_argument("--readme", action="store_true",
                        help="write the table into README.md (needs every set, and all must pass)")
    parser.add_argument("--execute", metavar="NOTEBOOK", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.execute:
        notebook = Path(args.execute)
        print(json.dumps(execute(notebook)))
        return 0
    chosen = [s.strip() for s in args.sets.split(",") if s.strip()]
    unknown = [s for s in chosen if s not in SETS]
    if unknown or not chosen:
        parser.error(f"unknown version set(s) {', '.join(unknown) or '(none given)'}; "
                     f"choose from {', '.join(SETS)}")
    if args.readme and set(chosen) != set(SETS):
        parser.error(f"--readme records every set: leave out --sets (or give {','.join(SETS)})")
    if args.list:
        for name in chosen:
            print(f"{name}: {' '.join(requirements(name))}  ({SETS[name]['about']})")
        return 0
    if not os.environ.get("MNIST_NPZ"):
        print("note: MNIST_NPZ is not set, so the lessons download MNIST with Keras", flush=True)
    reports = {name: run_set(name, log=lambda m: print(m, flush=True)) for name in chosen}
    print()
    print(table(reports))
    failed = failures(reports)
    for name, nb, error in failed:
        print(f"\nFAILED {name} / {nb}: {error}")
    if args.readme and failed:
        print("README.md was left as it was: fix the failures and run again.")
    elif args.readme:
        readme = ROOT / "README.md"
        when = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        text = replace_between(readme.read_text(encoding="utf-8"), "compat",
                               readme_section(reports, when, os.cpu_count()))
        readme.write_text(text, encoding="utf-8")
        print("updated README.md (compat)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
