"""tools/seed_spread.py and what lesson 06 says with it: the seed spread is measured, not asserted."""

import ast
import re

import measurements
import nbformat
import seed_spread
from markdown_tables import tables
from navigation import NOTEBOOKS


def table(text):
    """{seed: (test accuracy, wrong test images)} from the page's table."""
    return {int(r["시드"]): (float(r["테스트 정확도"]), r["틀린 테스트 이미지 수"]) for r in tables(text)[0]}


def test_the_report_gives_the_range_and_where_the_post_falls():
    def report(accuracies):
        seeds = {s: {"test_accuracy": a, "train_loss": 0.03, "keras": "3.x"} for s, a in accuracies.items()}
        stamp = {"date": "2026-12-01 08:00 UTC", "commit": "abc1234"}
        return seed_spread.report({"seeds": seeds, **measurements.machine(), **stamp})

    text = report({"0": 0.9720, "1": 0.9780})  # the post's 0.9773 falls inside
    assert table(text) == {0: (0.9720, "280"), 1: (0.9780, "220")}
    assert "0.9720–0.9780" in text and "0.60 %p" in text and "60개" in text
    assert "0.9773도 이 범위 안에" in text and "2026-12-01 08:00 UTC" in text
    assert "0.9773는 이 범위 밖에" in report({"0": 0.9720, "1": 0.9750})


def test_the_committed_page_section_and_lesson_06_agree():
    recorded = measurements.require(seed_spread.SECTION, seed_spread.COMMAND)
    page = seed_spread.OUTPUT.read_text(encoding="utf-8")
    assert page == seed_spread.report(recorded), "docs/seed_spread.md is rendered from docs/measurements.json"
    rows = {seed: accuracy for seed, (accuracy, _) in table(page).items()}
    assert set(rows) >= {42} and len(rows) >= 3, "run `python tools/seed_spread.py`"
    nb = nbformat.read(NOTEBOOKS / "06_training.ipynb", as_version=4)
    cell = next(c for c in nb.cells if c.get("id") == "seed-spread")
    measured = ast.literal_eval(re.search(r"^measured = (\{.*\})$", cell.source, re.M).group(1))
    assert measured == rows, "06's table of seeds must be the page's (docs/seed_spread.md)"
