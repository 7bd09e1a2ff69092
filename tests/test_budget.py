"""tools/budget.py: its table, goals, recording and speed summary (the measuring itself is `make budget`)."""

import os

import budget
import measurements
import process_memory
import psutil
import pytest
from markdown_tables import tables
from navigation import notebook_paths


def row(name, seconds, peak_mb, error=None):
    return {"notebook": name, "seconds": seconds, "peak_mb": peak_mb, "error": error}


def test_table_has_a_row_per_notebook_a_failure_marked_and_a_total():
    rows = [row("a", 1.24, 95.4), row("b", 41.06, 1012.6, "NameError: x"), row("c", 12.0, 870)]
    table = tables(budget.markdown_table(rows))[0]
    assert [r["notebook"] for r in table[:3]] == ["a", "b (failed: NameError: x)", "c"]
    # the total: seconds add up (one notebook after another), memory is the largest single peak
    assert "total" in table[3]["notebook"]
    measured = [(float(r["wall s"]), r["peak RSS MB"]) for r in table]
    assert measured == [(1.2, "95"), (41.1, "1,013"), (12.0, "870"), (54.3, "1,013")]


def test_memory_and_errors_are_goals_stretch_and_time_only_reported():
    rows = [row("a", 60.0, 1000.0), row("b", 61.0, 1200.0), row("c", 5.0, 1201.0, "boom")]  # limits inclusive
    assert budget.check_goals(rows) == (
        ["c failed: boom", "c peaks at 1,201 MB RSS (goal <= 1,200 MB)"],
        [
            "b peaks at 1,200 MB RSS (stretch goal <= 1,000 MB)",
            "b takes 61.0 s here (goal <= 60 s; reported, not a gate)",
        ],
    )
    # on a machine that trains twice as long as the reference, 100 s here is 50 s there
    slow = 2 * budget.REFERENCE_POST_SECONDS
    _, notes = budget.check_goals([row("a", 100.0, 900.0), row("b", 130.0, 900.0)], post_seconds=slow)
    assert notes == [
        "b takes 130.0 s here, 65.0 s at the reference speed (goal <= 60 s; reported, not a gate)"
    ]


def test_only_a_completed_run_of_every_lesson_is_recorded_stamped(monkeypatch, tmp_path):
    failing, output = [], tmp_path / "measurements.json"
    monkeypatch.setattr(budget, "drop_page_cache", lambda: True)  # never the machine's page cache
    monkeypatch.setattr(
        budget,
        "measure_notebook",
        lambda path: row(path.name, 2.0, 300.0, "boom" if path.name in failing else None),
    )
    args = ["--no-speed", "--output", str(output)]
    assert budget.main([*args, "notebooks/06_training.ipynb"]) == 0
    failing.append("03_mnist_data.ipynb")
    assert budget.main(args) == 1
    assert not output.exists()
    failing.clear()
    assert budget.main(args) == 0
    section = measurements.load(budget.SECTION, output)
    assert set(section["lessons"]) == {p.name for p in notebook_paths()}
    assert section["lessons"]["06_training.ipynb"] == {"seconds": 2.0, "peak_mb": 300}
    assert {"commit", "date", "cpu", "cores", "load_average_at_start"} <= set(section)


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
