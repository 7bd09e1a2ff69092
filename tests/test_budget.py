"""tools/budget.py: the table it prints and the goals it checks (the measuring itself is `make budget`)."""

import importlib.util
import os
import time
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("budget", ROOT / "tools" / "budget.py")
budget = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(budget)


def row(name, seconds, peak_mb, error=None):
    return {"notebook": name, "seconds": seconds, "peak_mb": peak_mb, "error": error}


ROWS = [row("00_index.ipynb", 1.24, 95.4), row("06_training.ipynb", 41.06, 1012.6),
        row("07_prediction.ipynb", 12.0, 870.0)]


def test_table_has_one_row_per_notebook_and_a_total():
    lines = budget.markdown_table(ROWS).splitlines()
    assert lines[0] == "| notebook | wall s | peak RSS MB |"
    assert lines[1] == "|---|---:|---:|"
    assert lines[2] == "| 00_index.ipynb | 1.2 | 95 |"
    assert lines[3] == "| 06_training.ipynb | 41.1 | 1,013 |"
    # total: seconds add up (one notebook after another), memory is the largest single peak
    assert lines[-1] == "| **total** | **54.3** | **1,013** (max) |"
    assert len(lines) == 2 + len(ROWS) + 1


def test_table_marks_a_failed_notebook_and_refuses_no_rows():
    table = budget.markdown_table([row("05_model.ipynb", 3.0, 500.0, error="NameError: x")])
    assert "| 05_model.ipynb (failed: NameError: x) | 3.0 | 500 |" in table
    with pytest.raises(ValueError, match="no notebooks"):
        budget.markdown_table([])


def test_goals_met():
    missed, notes = budget.check_goals(ROWS, speed_ratio=1.03, make_test_seconds=100)
    assert missed == []
    assert notes == ["06_training.ipynb peaks at 1,013 MB RSS (stretch goal <= 1,000 MB)"]


def test_each_goal_can_be_missed():
    rows = [row("06_training.ipynb", 61.0, 1201.0), row("03_mnist_data.ipynb", 5.0, 300, "boom")]
    missed, _ = budget.check_goals(rows, speed_ratio=1.11, make_test_seconds=121)
    assert missed == [
        "06_training.ipynb peaks at 1,201 MB RSS (goal <= 1,200 MB)",
        "06_training.ipynb takes 61.0 s (goal <= 60 s)",
        "03_mnist_data.ipynb failed: boom",
        "`make test` takes 121 s (goal <= 120 s)",
    ]


def test_goal_limits_are_inclusive_and_optional_checks_are_skipped():
    rows = [row("06_training.ipynb", 60.0, 1200.0)]
    assert budget.check_goals(rows, speed_ratio=1.10, make_test_seconds=120)[0] == []
    assert budget.check_goals(rows)[0] == []  # no speed / make test measured: nothing to miss


def test_speed_summary_medians_and_ratios():
    results = {
        "course": [{"seconds": 11.0, "cpu": 20.0}, {"seconds": 30.0, "cpu": 21.0},
                   {"seconds": 12.0, "cpu": 22.0}],
        "post": [{"seconds": 10.0, "cpu": 19.0}, {"seconds": 20.0, "cpu": 20.0},
                 {"seconds": 10.0, "cpu": 18.0}],
    }
    summary = budget.speed_summary(results)
    assert summary["median"]["course"] == {"seconds": 12.0, "cpu": 21.0}
    assert summary["median"]["post"] == {"seconds": 10.0, "cpu": 19.0}
    assert summary["ratio"] == pytest.approx(1.2)  # the goal's number: ratio of the medians
    assert summary["paired_ratio"] == pytest.approx(1.2)  # median of 1.1, 1.5, 1.2
    assert summary["cpu_ratio"] == pytest.approx(21 / 19)
    missed, notes = budget.check_goals([], speed_ratio=summary["ratio"])
    assert missed == []  # a slow ratio is reported, never a failure: timings drift on this VM
    assert len(notes) == 1 and "1.20x" in notes[0]


def test_fit_cell_seconds_from_nbclient_timing():
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("model.fit( in prose is not a cell to time"),
                nbformat.v4.new_code_cell("x = 1"),
                nbformat.v4.new_code_cell("history = model.fit(x, t, epochs=10)"),
                nbformat.v4.new_code_cell("model.fit(x, t)")]
    nb.cells[2].metadata["execution"] = {
        "iopub.execute_input": "2026-11-27T18:00:01.250000Z",
        "shell.execute_reply": "2026-11-27T18:00:31.500000Z",
    }
    assert budget.fit_cell_seconds(nb) == pytest.approx(30.25)
    nb.cells[2].metadata.pop("execution")
    assert budget.fit_cell_seconds(nb) is None
    assert budget.fit_cell_seconds(nbformat.v4.new_notebook()) is None


def test_peak_rss_sampler_and_high_water_mark_see_this_process():
    sampler = budget.PeakRSS(os.getpid(), interval=0.01)
    sampler.start()
    block = b"x" * 50_000_000  # written, so resident
    time.sleep(0.1)
    peak = sampler.stop()
    del block
    assert peak > 50_000_000
    if Path("/proc/self/status").exists():
        assert budget.vm_hwm_bytes(os.getpid()) > 50_000_000
    assert budget.vm_hwm_bytes(-1) == 0
