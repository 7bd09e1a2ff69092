"""tools/budget.py: the table it prints and the goals it checks (the measuring itself is `make budget`)."""

import os

import budget
import process_memory
import psutil
import pytest


def row(name, seconds, peak_mb, error=None):
    return {"notebook": name, "seconds": seconds, "peak_mb": peak_mb, "error": error}


ROWS = [
    row("00_index.ipynb", 1.24, 95.4),
    row("06_training.ipynb", 41.06, 1012.6),
    row("07_prediction.ipynb", 12.0, 870.0),
]


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


def test_goals_met_with_a_stretch_note():
    missed, notes = budget.check_goals(ROWS)
    assert missed == []
    assert notes == ["06_training.ipynb peaks at 1,013 MB RSS (stretch goal <= 1,000 MB)"]


def test_each_goal_can_be_missed_and_time_is_only_reported():
    rows = [row("06_training.ipynb", 61.0, 1201.0), row("03_mnist_data.ipynb", 5.0, 300, "boom")]
    missed, notes = budget.check_goals(rows)
    assert missed == [
        "06_training.ipynb peaks at 1,201 MB RSS (goal <= 1,200 MB)",
        "03_mnist_data.ipynb failed: boom",
    ]
    assert len(notes) == 1 and "61.0 s" in notes[0]  # a slow notebook is reported, never a failure


def test_time_is_judged_at_the_reference_speed():
    slow_machine = 2 * budget.REFERENCE_POST_SECONDS  # this machine trains twice as long
    _, notes = budget.check_goals([row("06_training.ipynb", 100.0, 900.0)], post_seconds=slow_machine)
    assert notes == []  # 100 s here is 50 s at the reference speed
    _, notes = budget.check_goals([row("06_training.ipynb", 130.0, 900.0)], post_seconds=slow_machine)
    assert len(notes) == 1 and "65.0 s at the reference speed" in notes[0]


def test_goal_limits_are_inclusive():
    assert budget.check_goals([row("06_training.ipynb", 60.0, 1200.0)])[0] == []


def test_speed_summary_pairs_runs_that_ran_back_to_back():
    results = {"course": [11.0, 30.0, 12.0], "post": [10.0, 20.0, 10.0], "post_onednn": [9.0, 9.0, 8.0]}
    summary = budget.speed_summary(results)
    assert summary["median"] == {"course": 12.0, "post": 10.0, "post_onednn": 9.0}
    assert summary["paired_ratio"] == pytest.approx(1.2)  # median of 1.1, 1.5, 1.2


def test_peak_rss_sampler_sees_memory_this_process_holds():
    before = psutil.Process().memory_info().rss  # the interpreter and its imports already hold tens of MB
    sampler = process_memory.PeakRSS(os.getpid(), interval=60)  # no timed sample: only the last one counts
    sampler.start()
    block = bytearray(50_000_000)
    block[::4096] = b"x" * len(block[::4096])  # touch every page: resident
    peak = sampler.stop()
    del block
    assert peak >= before + 45_000_000
