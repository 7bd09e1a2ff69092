"""make compat: the version sets agree with the supported range, and a notebook's run is judged right."""

import tomllib
from pathlib import Path

import nbformat
import pytest
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet

import compat
from environment_file import pinned_requirements

ROOT = Path(__file__).resolve().parent.parent

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
RANGES = {Requirement(r).name: Requirement(r).specifier for r in PYPROJECT["project"]["dependencies"]}
RANGES["tensorflow"] = SpecifierSet(PYPROJECT["tool"]["dl-architecture"]["supported"]["tensorflow"])


def pins(lines):
    """{name: version} of exact pins; tensorflow-cpu counts as tensorflow."""
    found = {}
    for line in lines:
        requirement = Requirement(line)
        if requirement.marker is None or requirement.marker.evaluate():
            (spec,) = requirement.specifier
            found[requirement.name.lower().removesuffix("-cpu")] = spec.version
    return found


def set_pins(name):
    if "lock" in compat.SETS[name]:
        return pins(pinned_requirements((ROOT / compat.SETS[name]["lock"]).read_text(encoding="utf-8")))
    return pins(compat.SETS[name]["pins"])


def test_the_sets_the_issue_asks_for_exist():
    assert {"lock", "oldest", "colab"} <= set(compat.SETS)


@pytest.mark.parametrize("name", list(compat.SETS))
def test_every_set_lies_in_the_supported_range(name):
    versions = set_pins(name)
    for library in ("tensorflow", "keras", "numpy", "ipywidgets"):
        assert library in versions, f"set {name} does not say which {library} it tests"
        assert versions[library] in RANGES[library], \
            f"set {name}: {library} {versions[library]} is outside pyproject's {RANGES[library]}"


def test_the_oldest_set_holds_the_lower_bounds():
    versions = set_pins("oldest")
    for library in ("tensorflow", "keras", "numpy", "ipywidgets"):
        lower = [s.version for s in RANGES[library] if s.operator == ">="]
        assert lower == [versions[library]], f"{library}: pyproject's lower bound is not tested"


def test_a_set_environment_is_keyed_by_its_pins(monkeypatch):
    before = compat.digest("oldest")
    assert compat.digest("oldest") == before
    monkeypatch.setitem(compat.SETS, "oldest", dict(compat.SETS["oldest"],
                                                    pins=["keras==3.1.0", "numpy==1.26.4"]))
    assert compat.digest("oldest") != before
    assert compat.digest("oldest", python="3.12") != compat.digest("oldest", python="3.11")


def test_notebooks_are_found_by_their_numbered_names(tmp_path):
    for name in ("00_index.ipynb", "10_draw_a_digit.ipynb", "draft.ipynb", "1_x.ipynb"):
        nbformat.write(nbformat.v4.new_notebook(), tmp_path / name)
    assert [p.name for p in compat.notebook_paths(tmp_path)] == ["00_index.ipynb",
                                                                  "10_draw_a_digit.ipynb"]


def notebook(tmp_path, *sources):
    path = tmp_path / "01_x.ipynb"
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(s) for s in sources]
    nbformat.write(nb, path)
    return path


def test_a_notebook_that_passes_its_checks_ran_and_reports_its_accuracy(tmp_path):
    path = notebook(tmp_path, "acc = 0.9751", "assert 0.97 < acc < 0.98",
                    "print('\\nTest accuracy:', acc)")
    result = compat.execute(path)
    assert result["error"] is None and result["accuracy"] == pytest.approx(0.9751)
    assert compat.cell_text(result).startswith("ran, ")


def test_a_failed_check_fails_the_notebook(tmp_path):
    path = notebook(tmp_path, "acc = 0.5", "assert 0.97 < acc < 0.98, 'accuracy collapsed'")
    result = compat.execute(path)
    assert result["error"].startswith("AssertionError")
    assert compat.cell_text(result) == "FAILED (AssertionError)"


def test_the_table_shows_every_set_and_notebook_and_failures_count():
    versions = {"python": "3.11.7", "tensorflow-cpu": "2.16.1", "keras": "3.0.5", "numpy": "1.26.4",
                "ipywidgets": "7.7.1"}
    ok = {"seconds": 3.0, "error": None, "accuracy": None}
    reports = {
        "lock": {"versions": versions, "build_seconds": 0, "reused": True,
                 "results": {"00_index.ipynb": ok, "06_training.ipynb": dict(ok, accuracy=0.974)}},
        "oldest": {"versions": versions, "build_seconds": 190, "reused": False,
                   "results": {"00_index.ipynb": ok,
                               "06_training.ipynb": dict(ok, error="ValueError: bad")}},
    }
    text = compat.table(reports)
    assert "TF 2.16.1, Keras 3.0.5" in text and "built in 190 s" in text
    assert "| 06_training.ipynb | ran, 3.0 s, acc 0.9740 | FAILED (ValueError) |" in text
    assert compat.failures(reports) == [("oldest", "06_training.ipynb", "ValueError: bad")]


def test_unknown_sets_are_refused_with_the_known_ones(capsys):
    with pytest.raises(SystemExit):
        compat.main(["--sets", "newest"])
    assert "lock, oldest, colab" in capsys.readouterr().err


def test_the_readme_records_only_a_run_of_every_set(capsys):
    with pytest.raises(SystemExit):
        compat.main(["--sets", "oldest", "--readme"])
    assert "--readme records every set" in capsys.readouterr().err


def test_the_readme_section_is_dated_and_holds_the_table():
    versions = {"python": "3.11.7", "keras": "3.15.1"}
    reports = {"lock": {"versions": versions, "build_seconds": 0, "reused": True,
                        "results": {"06_training.ipynb": {"seconds": 44.0, "error": None, "accuracy": 0.974}}}}
    section = compat.readme_section(reports, "2026-11-28 22:00 UTC", 2)
    assert section.startswith("측정: 2026-11-28 22:00 UTC, 2코어")
    assert section.endswith(compat.table(reports))
    assert "| 06_training.ipynb | ran, 44.0 s, acc 0.9740 |" in section
