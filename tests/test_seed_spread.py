"""tools/seed_spread.py and what lesson 06 says with it: the seed spread is measured, not asserted."""

import ast
import re
from pathlib import Path

import measurements
import nbformat
import seed_spread
from markdown_tables import tables

ROOT = Path(__file__).resolve().parent.parent

PAGE = ROOT / "docs" / "seed_spread.md"
LESSON = ROOT / "notebooks" / "06_training.ipynb"


def section(accuracies):
    seeds = {
        seed: {"test_accuracy": a, "test_loss": 0.08, "train_loss": 0.03, "keras": "3.x"}
        for seed, a in accuracies.items()
    }
    return {"seeds": seeds, **measurements.machine(), "date": "2026-12-01 08:00 UTC", "commit": "abc1234"}


def table(text):
    """{seed: test accuracy} from the page's table."""
    return {int(row["시드"]): float(row["테스트 정확도"]) for row in tables(text)[0]}


def test_the_report_gives_the_range_and_where_the_post_falls():
    text = seed_spread.report(section({"0": 0.9720, "1": 0.9780}), post=0.9773)
    assert table(text) == {0: 0.9720, 1: 0.9780}
    assert [row["틀린 테스트 이미지 수"] for row in tables(text)[0]] == ["280", "220"]
    assert "0.9720–0.9780" in text and "0.60 %p" in text and "60개" in text
    assert "0.9773도 이 범위 안에" in text and "2026-12-01 08:00 UTC" in text
    outside = seed_spread.report(section({"0": 0.9720, "1": 0.9750}), post=0.9773)
    assert "0.9773는 이 범위 밖에" in outside


def test_the_committed_page_section_and_lesson_06_agree():
    recorded = measurements.require(seed_spread.SECTION, "python tools/seed_spread.py")
    page = PAGE.read_text(encoding="utf-8")
    assert page == seed_spread.report(recorded), "docs/seed_spread.md is rendered from docs/measurements.json"
    rows = table(page)
    assert set(rows) >= {42} and len(rows) >= 3, "run `python tools/seed_spread.py`"
    nb = nbformat.read(LESSON, as_version=4)
    cell = next(c for c in nb.cells if c.get("id") == "seed-spread")
    measured = ast.literal_eval(re.search(r"^measured = (\{.*\})$", cell.source, re.M).group(1))
    assert measured == rows, "06's table of seeds must be the page's (docs/seed_spread.md)"
