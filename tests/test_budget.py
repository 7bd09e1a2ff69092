"""tools/budget.py: the table it prints and the goals it checks (the measuring itself is `make budget`)."""

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


ROWS = [
    row("00_index.ipynb", 1.24, 95.4),
    row("06_training.ipynb", 41.06, 1012.6),
    row("07_prediction.ipynb", 12.0, 870.0),
]


def test_table_has_one_row_per_notebook_and_a_total():
    rows = tables(budget.markdown_table(ROWS))[0]
    assert [r["notebook"] for r in rows[:-1]] == [r["notebook"] for r in ROWS]
    assert [float(r["wall s"]) for r in rows[:-1]] == [1.2, 41.1, 12.0]
    assert rows[1]["peak RSS MB"] == "1,013"
    # total: seconds add up (one notebook after another), memory is the largest single peak
    assert "total" in rows[-1]["notebook"]
    assert (float(rows[-1]["wall s"]), rows[-1]["peak RSS MB"]) == (54.3, "1,013")


def test_table_marks_a_failed_notebook_and_refuses_no_rows():
    (failed,) = tables(budget.markdown_table([row("05_model.ipynb", 3.0, 500.0, error="NameError: x")]))[0][
        :1
    ]
    assert "05_model.ipynb" in failed["notebook"] and "NameError: x" in failed["notebook"]
    with pytest.raises(ValueError, match="no notebooks"):
        budget.markdown_table([])


@pytest.fixture
def measured(monkeypatch, tmp_path):
    """budget.main without running anything: each notebook "takes" 2 s and 300 MB, or fails if named."""
    failing = []
    monkeypatch.setattr(budget, "drop_page_cache", lambda: True)  # never the machine's page cache
    monkeypatch.setattr(
        budget,
        "measure_notebook",
        lambda path: row(path.name, 2.0, 300.0, "boom" if path.name in failing else None),
    )
    return tmp_path / "measurements.json", failing


def test_a_run_of_every_lesson_is_recorded_stamped(measured):
    output, _ = measured
    assert budget.main(["--no-speed", "--output", str(output)]) == 0
    section = measurements.load(budget.SECTION, output)
    assert set(section["lessons"]) == {p.name for p in notebook_paths()}
    assert section["lessons"]["06_training.ipynb"] == {"seconds": 2.0, "peak_mb": 300}
    assert {"commit", "date", "cpu", "cores", "load_average_at_start"} <= set(section)


def test_a_failed_or_partial_run_is_not_recorded(measured):
    output, failing = measured
    assert budget.main(["--no-speed", "--output", str(output), "notebooks/06_training.ipynb"]) == 0
    failing.append("03_mnist_data.ipynb")
    assert budget.main(["--no-speed", "--output", str(output)]) == 1
    assert not output.exists()


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
