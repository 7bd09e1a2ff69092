"""make compat: the version sets (noxfile.py) lie in pyproject.toml's supported range, a missing Python
fails its runs saying how to get it, a failed check fails its notebook, and only four runs that all
passed are recorded. (CI runs `make compat` on colab and on a part of oldest: that the sets install and the
lessons pass in them is those runs' to show.)"""

import importlib.util
import json
import os
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
# Every library pyproject.toml gives a range: its dependencies', and TensorFlow's.
RANGES = {r.name: r.specifier for r in map(Requirement, PYPROJECT["project"]["dependencies"]) if r.specifier}
RANGES["tensorflow"] = SpecifierSet(PYPROJECT["tool"]["dl-architecture"]["supported"]["tensorflow"])
LINUX_311 = {"python_version": "3.11", "python_full_version": "3.11.0", "sys_platform": "linux"}
LINUX_311 |= {"platform_machine": "x86_64", "platform_system": "Linux"}


@pytest.fixture(scope="module")
def noxfile():
    """noxfile.py as a module; loading it puts the sets' Pythons on PATH, which is undone here."""
    path = os.environ.get("PATH", "")
    spec = importlib.util.spec_from_file_location("course_noxfile", ROOT / "noxfile.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    os.environ["PATH"] = path
    return module


def set_pins(noxfile, name):
    """{library: version} of the exact pins set ``name`` installs with Python 3.11 on Linux (for
    the lock, the pins in its file); tensorflow-cpu counts as tensorflow."""
    lines = noxfile.install_args(name)
    if lines[0] == "-r":  # the lock, alone: an argument after it would fail to unpack here
        _, lock = lines
        lines = pinned_requirements(Path(lock).read_text(encoding="utf-8"))
    found = {}
    for requirement in map(Requirement, (line for line in lines if "==" in line)):
        if requirement.marker is None or requirement.marker.evaluate(LINUX_311):
            (spec,) = requirement.specifier
            found[requirement.name.lower().removesuffix("-cpu")] = spec.version
    return found


@pytest.mark.parametrize("name", ["oldest", "colab", "lock"])
def test_every_set_lies_in_the_supported_range_and_the_oldest_holds_its_lower_bounds(noxfile, name):
    versions = set_pins(noxfile, name)
    for library, supported in RANGES.items():
        assert versions.get(library, "none") in supported, f"set {name}: {library} {versions.get(library)}"
        if name == "oldest":
            lower = [s.version for s in supported if s.operator == ">="]
            assert lower == [versions[library]], f"{library}: pyproject's lower bound is not tested"


def test_a_missing_python_fails_its_runs_and_says_how_to_get_it(tmp_path):
    """No pyenv, and Python 3.13 only as a shim that does not start (as pyenv's for a version it
    lacks). Only runs that need 3.13: a run that starts would write its record into build/compat/."""
    shims = tmp_path / "shims"
    shims.mkdir()
    (shims / "python3.13").write_text("#!/bin/sh\nexit 1\n")
    (shims / "python3.13").chmod(0o755)
    system = [f for f in ("/usr/bin", "/bin") if not Path(f, "python3.13").exists()]
    env = {"PATH": os.pathsep.join([str(BIN), str(shims), *system]), "HOME": str(tmp_path)}
    env |= {"PYENV_ROOT": str(tmp_path), "NO_COLOR": "1"}
    report = tmp_path / "nox.json"
    nox = [str(BIN / "nox"), "-f", str(ROOT / "noxfile.py"), "-s", "colab", "lock-3.13"]
    nox += ["--envdir", str(tmp_path / "envs"), "--report", str(report)]
    result = subprocess.run(nox, check=False, env=env, capture_output=True, text=True, timeout=120)
    out = result.stdout + result.stderr
    assert result.returncode != 0, out
    assert "colab, lock-3.13: Python 3.13" in out and "pyenv install 3.13" in out, out
    assert "Session colab failed" in out and not (tmp_path / "envs" / "colab").exists(), out
    # The table reads nox's own report: the runs that never started say why.
    runs = compat.load_runs(report, tmp_path)
    assert runs == {
        r: {"reason": "failed: Python interpreter 3.13 not found"} for r in ("colab", "lock-3.13")
    }


def test_a_failed_check_fails_its_notebook_and_a_passing_one_reports_its_accuracy_and_memory(tmp_path):
    def run(*sources):
        nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources]), path)
        return compat.run_one(path)

    path = tmp_path / "01_x.ipynb"
    held = "import time; block = b'x' * 300_000_000; time.sleep(1)"  # 300 MB resident for a second
    passed = run("acc = 0.9751", held, "assert 0.97 < acc < 0.98", "print('\\nTest accuracy:', acc)")
    assert passed["error"] is None and passed["accuracy"] == pytest.approx(0.9751)
    assert 300 <= passed["peak_mb"] < 600
    assert compat.cell_text(passed) == f"ran, {passed['seconds']:.1f} s, {passed['peak_mb']:,} MB, acc 0.9751"
    failed = run("acc = 0.5", "assert 0.97 < acc < 0.98, 'accuracy collapsed'")
    assert failed["error"] == "AssertionError: accuracy collapsed" and 0 < failed["peak_mb"] < 300
    assert compat.cell_text(failed) == "FAILED (AssertionError)"


def write_runs(folder, failed=None, names=compat.ALL_RUNS, not_run=None, some=None):
    """Each run's record as `compat.py run` writes it (this environment's versions; ``failed``'s
    06_x.ipynb failed; ``some`` ran named notebooks only), and nox's report: ``not_run`` failed
    before leaving a record."""
    for load, name in enumerate(names, start=1):
        bad = "ValueError: bad" if name == failed else None
        notebooks = {
            "00_x.ipynb": {"seconds": 2.0, "accuracy": None, "error": None},
            "06_x.ipynb": {"seconds": 8.0, "accuracy": 0.974, "error": bad},
        }
        machine = {"cpu": "a CPU", "cores": 2, "load_average_at_start": [float(load)] * 3}
        record = {"run": name, "versions": compat.installed_versions(), "build_seconds": 12.0}
        record |= {"notebooks": notebooks, "machine": machine, "some_notebooks": name == some}
        if name != not_run:
            (folder / f"{name}.json").write_text(json.dumps(record), encoding="utf-8")
    # nox's "name" is the session function's; the run's name is its first signature.
    reason = "Python interpreter 3.13 not found"
    sessions = [
        {"name": n.split("-")[0], "signatures": [n], "result": "failed" if n == not_run else "success"}
        | {"reason": reason if n == not_run else None}
        for n in names
    ]
    (folder / "nox.json").write_text(json.dumps({"sessions": sessions}), encoding="utf-8")
    return folder / "nox.json"


@pytest.fixture
def page(tmp_path):
    path = tmp_path / "CONTRIBUTING.md"
    path.write_text(
        "before\n<!-- compat:start -->\nold table\n<!-- compat:end -->\nafter\n", encoding="utf-8"
    )
    return path


def test_a_full_passing_run_is_recorded_and_the_page_rendered_from_the_record(tmp_path, page):
    output = tmp_path / "measurements.json"
    assert compat.report(True, write_runs(tmp_path), tmp_path, output, page) == 0
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
    oldest = {row["notebook"]: row["oldest"] for row in notebooks}
    assert oldest == {"00_x.ipynb": "ran, 2.0 s", "06_x.ipynb": "ran, 8.0 s, acc 0.9740"}


def test_nothing_is_recorded_unless_all_four_runs_passed(tmp_path, page, capsys):
    before, output = page.read_text(encoding="utf-8"), tmp_path / "measurements.json"

    def refused(report, *said):
        assert compat.report(True, report, tmp_path, output, page) == 1
        out = capsys.readouterr().out
        assert all(s in out for s in said), out
        (tmp_path / "colab.json").unlink(missing_ok=True)

    refused(write_runs(tmp_path, failed="colab"), "FAILED colab / 06_x.ipynb: ValueError: bad")
    reason = "failed: Python interpreter 3.13 not found"
    refused(write_runs(tmp_path, not_run="colab"), f"not run ({reason})", f"FAILED colab: {reason}")
    # A part of the runs, all passed, is not the matrix either.
    refused(write_runs(tmp_path, names=[n for n in compat.ALL_RUNS if n != "colab"]), "missing: colab")
    refused(write_runs(tmp_path, some="oldest"), "missing: oldest's other notebooks")
    assert page.read_text(encoding="utf-8") == before and not output.exists()
    page.write_text("the table moved elsewhere\n", encoding="utf-8")
    with pytest.raises(ValueError, match="lacks the markers <!-- compat:start -->"):
        compat.report(True, write_runs(tmp_path), tmp_path, output, page)
    assert not output.exists()


def test_a_run_of_notebooks_that_are_not_lessons_stops_before_running_anything(capsys, monkeypatch):
    monkeypatch.setattr(compat, "run_all", lambda *args: pytest.fail("ran"))
    with pytest.raises(SystemExit) as stopped:
        compat.main(["run", "oldest", "notebooks/05_model.ipynb", "notebooks/5_model.ipynb"])
    assert stopped.value.code == 2
    said = capsys.readouterr().err
    assert "not a lesson: notebooks/5_model.ipynb (the lessons: 00_index.ipynb" in said
