"""make compat: the version sets (noxfile.py) agree with the supported range and install as given,
a missing Python fails with a way to get it, and a run's notebooks and table are judged right."""

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import compat
import measurements
import nbformat
import pytest
from environment_file import pinned_requirements
from markdown_tables import tables
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
RANGES = {Requirement(r).name: Requirement(r).specifier for r in PYPROJECT["project"]["dependencies"]}
RANGES["tensorflow"] = SpecifierSet(PYPROJECT["tool"]["dl-architecture"]["supported"]["tensorflow"])


@pytest.fixture(scope="module")
def noxfile():
    """noxfile.py as a module; loading it puts the sets' Pythons on PATH, which is undone here."""
    path = os.environ.get("PATH", "")
    spec = importlib.util.spec_from_file_location("course_noxfile", ROOT / "noxfile.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    os.environ["PATH"] = path
    return module


def pins(lines, python="3.11"):
    """{name: version} of the exact pins that apply on Linux x86_64 with ``python``;
    tensorflow-cpu counts as tensorflow."""
    where = {
        "python_version": python,
        "python_full_version": f"{python}.0",
        "sys_platform": "linux",
        "platform_machine": "x86_64",
        "platform_system": "Linux",
    }
    found = {}
    for line in lines:
        requirement = Requirement(line)
        if requirement.marker is None or requirement.marker.evaluate(where):
            (spec,) = requirement.specifier
            found[requirement.name.lower().removesuffix("-cpu")] = spec.version
    return found


def set_pins(noxfile, name, python="3.11"):
    """The pins ``noxfile.install_args(name)`` installs, reading the files its -r options name."""
    args, lines = noxfile.install_args(name), []
    while args:
        if args[0] in ("-r", "--requirement"):
            lines += pinned_requirements(Path(args[1]).read_text(encoding="utf-8"))
            args = args[2:]
        else:
            lines.append(args.pop(0))
    return pins([line for line in lines if "==" in line], python)


@pytest.mark.parametrize("name", ["oldest", "colab", "lock"])
def test_every_set_lies_in_the_supported_range(noxfile, name):
    versions = set_pins(noxfile, name)
    for library in ("tensorflow", "keras", "numpy", "ipywidgets"):
        assert library in versions, f"set {name} does not say which {library} it tests"
        assert versions[library] in RANGES[library], (
            f"set {name}: {library} {versions[library]} is outside pyproject's {RANGES[library]}"
        )


@pytest.mark.parametrize("name", ["oldest", "colab"])
def test_every_set_installs_what_the_course_depends_on(noxfile, name):
    installed = {Requirement(arg).name for arg in noxfile.install_args(name)}
    declared = {Requirement(r).name for r in PYPROJECT["project"]["dependencies"]}
    assert declared <= installed, f"set {name} lacks {declared - installed}"


def test_the_oldest_set_holds_the_lower_bounds(noxfile):
    versions = set_pins(noxfile, "oldest")
    for library in ("tensorflow", "keras", "numpy", "ipywidgets"):
        lower = [s.version for s in RANGES[library] if s.operator == ">="]
        assert lower == [versions[library]], f"{library}: pyproject's lower bound is not tested"


def test_the_lock_installs_other_pins_on_its_newer_python(noxfile):
    """Why the lock also runs on a newer Python: its markers give that Python pins of its own."""
    (older, newer) = noxfile.LOCK_PYTHONS
    assert set_pins(noxfile, "lock", older) != set_pins(noxfile, "lock", newer)


@pytest.mark.skipif(shutil.which("uv", path=str(BIN)) is None, reason="uv comes with nox[uv] in the lock")
def test_uv_accepts_the_lock_sets_install_arguments(noxfile):
    """The arguments reach `uv pip install` as nox passes them (an option and its value split or
    glued wrongly fails here, as `-r` on a line of its own once did)."""
    result = subprocess.run(
        [
            str(BIN / "uv"),
            "pip",
            "install",
            "--dry-run",
            "--python",
            sys.executable,
            *noxfile.install_args("lock"),
        ],
        check=False,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]


def test_a_python_that_does_not_start_is_not_found(noxfile, tmp_path):
    # A pyenv shim exists for every version some pyenv Python provides, and fails for the others.
    broken, working = tmp_path / "shims", tmp_path / "bin"
    for folder, code in ((broken, 1), (working, 0)):
        folder.mkdir()
        (folder / "python3.99").write_text(f"#!/bin/sh\nexit {code}\n")
        (folder / "python3.99").chmod(0o755)
    assert noxfile.find_python("3.99", [str(broken)]) is None
    assert noxfile.find_python("3.99", [str(broken), str(working)]) == str(working / "python3.99")


def test_nox_fails_a_run_whose_python_is_missing_and_says_how_to_get_it(tmp_path):
    """No pyenv and only the system's folders on PATH: Python 3.13 is not there. (Only runs that
    need it are chosen: a run that starts would write its record into build/compat/.)"""
    system = [f for f in ("/usr/bin", "/bin") if not Path(f, "python3.13").exists()]
    env = {
        "PATH": os.pathsep.join([str(BIN), *system]),
        "HOME": str(tmp_path),
        "PYENV_ROOT": str(tmp_path),
        "NO_COLOR": "1",
    }
    report = tmp_path / "nox.json"
    result = subprocess.run(
        [
            str(BIN / "nox"),
            "-f",
            str(ROOT / "noxfile.py"),
            "-s",
            "colab",
            "lock-3.13",
            "--envdir",
            str(tmp_path / "envs"),
            "--report",
            str(report),
        ],
        check=False,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    out = result.stdout + result.stderr
    assert result.returncode != 0, out
    assert "colab, lock-3.13: Python 3.13" in out and "pyenv install 3.13" in out, out
    assert "Session colab failed" in out and not (tmp_path / "envs" / "colab").exists(), out
    # The table reads nox's own report: the runs that never started say why.
    runs = compat.load_runs(report, tmp_path)
    assert set(runs) == {"colab", "lock-3.13"}
    assert runs["colab"] == runs["lock-3.13"] == {"reason": "failed: Python interpreter 3.13 not found"}


def test_nox_lists_the_runs_the_readme_records():
    result = subprocess.run(
        [str(BIN / "nox"), "-f", str(ROOT / "noxfile.py"), "-l", "--json"],
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert [s["session"] for s in json.loads(result.stdout)] == compat.ALL_RUNS


def notebook(tmp_path, *sources):
    path = tmp_path / "01_x.ipynb"
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(s) for s in sources]
    nbformat.write(nb, path)
    return path


def test_a_notebook_that_passes_its_checks_ran_and_reports_its_accuracy(tmp_path):
    path = notebook(tmp_path, "acc = 0.9751", "assert 0.97 < acc < 0.98", "print('\\nTest accuracy:', acc)")
    result = compat.run_one(path)
    assert result["error"] is None and result["accuracy"] == pytest.approx(0.9751)
    assert compat.cell_text(result).startswith("ran, ")


def test_a_failed_check_fails_the_notebook(tmp_path):
    path = notebook(tmp_path, "acc = 0.5", "assert 0.97 < acc < 0.98, 'accuracy collapsed'")
    result = compat.run_one(path)
    assert result["error"] == "AssertionError: accuracy collapsed"
    assert compat.cell_text(result) == "FAILED (AssertionError)"


def write_run(folder, name, errors=(), load=1.0):
    """A run's record as `compat.py run` writes it, with this environment's versions."""
    notebooks = {
        f"0{i}_x.ipynb": {
            "seconds": 2.0 + i,
            "accuracy": 0.974 if i == 6 else None,
            "error": "ValueError: bad" if f"0{i}_x.ipynb" in errors else None,
        }
        for i in (0, 6)
    }
    record = {
        "run": name,
        "versions": compat.installed_versions(),
        "build_seconds": 12.0,
        "notebooks": notebooks,
        "machine": {"cpu": "a CPU", "cores": 2, "load_average_at_start": [load, load, load]},
    }
    (folder / f"{name}.json").write_text(json.dumps(record), encoding="utf-8")


def write_nox_report(folder, sessions):
    """nox's --report: "name" is the session function's, the run's name is its first signature."""
    report = {
        "sessions": [
            {"name": name.split("-")[0], "signatures": [name], "result": result, "reason": reason}
            for name, result, reason in sessions
        ]
    }
    (folder / "nox.json").write_text(json.dumps(report), encoding="utf-8")
    return folder / "nox.json"


@pytest.fixture
def page(tmp_path):
    path = tmp_path / "CONTRIBUTING.md"
    path.write_text(
        "before\n<!-- compat:start -->\nold table\n<!-- compat:end -->\nafter\n", encoding="utf-8"
    )
    return path


def test_a_full_passing_run_is_recorded_and_the_page_rendered_from_the_record(tmp_path, page):
    for load, name in enumerate(compat.ALL_RUNS, start=1):
        write_run(tmp_path, name, load=float(load))
    report = write_nox_report(tmp_path, [(n, "success", None) for n in compat.ALL_RUNS])
    output = tmp_path / "measurements.json"
    assert compat.report(True, report, tmp_path, output, page) == 0
    section = measurements.load(compat.SECTION, output)
    assert [r["run"] for r in section["runs"]] == compat.ALL_RUNS and section["commit"] and section["date"]
    assert section["load_average_at_start"] == [1.0, 1.0, 1.0]  # the first run's start
    text = page.read_text(encoding="utf-8")
    assert "old table" not in text and text.startswith("before\n") and text.endswith("after\n")
    assert section["date"] in text
    versions, notebooks = tables(text)
    versions = {row["run"]: row for row in versions}
    assert versions["lock-3.13"]["Keras"] == compat.installed_versions()["keras"]
    assert versions["lock-3.13"]["environment"] == "12 s" and versions["lock-3.13"]["notebooks"] == "10 s"
    assert {row["notebook"]: row["oldest"] for row in notebooks} == {
        "00_x.ipynb": "ran, 2.0 s",
        "06_x.ipynb": "ran, 8.0 s, acc 0.9740",
    }


def test_nothing_is_recorded_unless_every_run_passed(tmp_path, page, capsys):
    before, output = page.read_text(encoding="utf-8"), tmp_path / "measurements.json"
    for name in compat.ALL_RUNS:
        write_run(tmp_path, name, errors=["06_x.ipynb"] if name == "colab" else ())
    report = write_nox_report(tmp_path, [(n, "success", None) for n in compat.ALL_RUNS])
    assert compat.report(True, report, tmp_path, output, page) == 1
    assert "FAILED colab / 06_x.ipynb: ValueError: bad" in capsys.readouterr().out
    # A part of the runs, all passed, is not the matrix either.
    (tmp_path / "colab.json").unlink()
    report = write_nox_report(tmp_path, [(n, "success", None) for n in compat.ALL_RUNS if n != "colab"])
    assert compat.report(True, report, tmp_path, output, page) == 1
    assert "missing: colab" in capsys.readouterr().out
    assert page.read_text(encoding="utf-8") == before and not output.exists()


def test_a_page_without_the_markers_fails_before_anything_is_recorded(tmp_path, page):
    for name in compat.ALL_RUNS:
        write_run(tmp_path, name)
    report = write_nox_report(tmp_path, [(n, "success", None) for n in compat.ALL_RUNS])
    page.write_text("the table moved elsewhere\n", encoding="utf-8")
    with pytest.raises(ValueError, match="lacks the markers <!-- compat:start -->"):
        compat.report(True, report, tmp_path, tmp_path / "measurements.json", page)
    assert not (tmp_path / "measurements.json").exists()


def test_a_run_that_never_reached_its_notebooks_shows_nox_s_reason(tmp_path, capsys):
    write_run(tmp_path, "oldest")
    report = write_nox_report(
        tmp_path, [("oldest", "success", None), ("colab", "failed", "Python interpreter 3.13 not found")]
    )
    assert compat.report(False, report, tmp_path) == 1
    out = capsys.readouterr().out
    assert "not run (failed: Python interpreter 3.13 not found)" in out
    assert "FAILED colab: failed: Python interpreter 3.13 not found" in out
