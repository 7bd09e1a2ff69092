"""tools/lesson_time.py and the 예상 시간 every lesson states: computed by 00's rule, from the guide's run."""

import re
from pathlib import Path

import nbformat
import pytest

import instructor_guide
import lesson_time
from navigation import INDEX, notebook_paths, title_cell

ROOT = Path(__file__).resolve().parent.parent
LESSONS = [p for p in notebook_paths(ROOT / "notebooks") if p.name != INDEX]
MEASURED = instructor_guide.measured_from_guide(instructor_guide.GUIDE.read_text(encoding="utf-8"))


def lesson(prose_chars, line="**예상 시간**: 약 1분 (읽기 약 1분, 실행 약 1초)"):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("[목차](00_index.ipynb) " * 40, id="nav-top"),
                nbformat.v4.new_markdown_cell(f"# 01. Title\n\n{line}", id="title"),
                nbformat.v4.new_markdown_cell("가" * prose_chars, id="prose"),
                nbformat.v4.new_code_cell("print('code is not reading' * 1000)", id="code")]
    return nb


def test_reading_pace_run_time_and_quiz_minutes_add_up():
    # 10 title characters + 2,740 of prose = 2,750 = 5 minutes at 550 a minute; 95 s of running.
    nb = lesson(2740 - len("# 01. Title\n\n"))
    assert lesson_time.reading_minutes(nb) == 5
    assert lesson_time.planned_time(nb, 95.4) == "**예상 시간**: 약 17분 (읽기 약 5분, 실행 약 95초)"
    assert lesson_time.planned_time(nb, 0.2).endswith("실행 약 1초)")


def test_navigation_code_and_the_line_itself_are_not_reading():
    short, long = lesson(1000), lesson(1000, line="**예상 시간**: 약 123분 (읽기 약 45분, 실행 약 678초)")
    assert lesson_time.reading_minutes(short) == lesson_time.reading_minutes(long) == 2


def test_rewriting_the_line_reports_a_change_once():
    nb = lesson(3000)
    title = nb.cells[1]
    assert lesson_time.set_planned_time(nb, 40)
    assert "실행 약 40초" in title.source and title.source.startswith("# 01. Title")
    assert not lesson_time.set_planned_time(nb, 40.2)


def test_a_title_without_the_line_gets_a_message_that_says_what_to_add():
    nb = lesson(100)
    nb.cells[1].source = "# 01. Title"
    with pytest.raises(ValueError, match="예상 시간.*add one"):
        lesson_time.set_planned_time(nb, 10)


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.stem)
def test_each_lesson_states_the_time_its_text_and_the_guides_run_give(path):
    nb = nbformat.read(path, as_version=4)
    title = title_cell(nb).source
    stated = lesson_time.stated_seconds(title)
    assert stated is not None, f"{path.name}: the title cell has no 예상 시간 line"
    assert lesson_time.planned_time(nb, stated) in title, \
        f"{path.name}: 예상 시간 does not follow from the lesson's text: run `make guide`"
    assert path.name in MEASURED, f"{path.name} is not in the instructor guide's table: run `make guide`"
    assert stated == max(1, round(MEASURED[path.name][0])), \
        f"{path.name} states another run time than the guide's measurement: run `make guide`"


def test_a_lesson_that_grows_after_the_measurement_is_caught():
    nb = nbformat.read(LESSONS[0], as_version=4)
    title = title_cell(nb).source
    nb.cells.append(nbformat.v4.new_markdown_cell("새 설명 " * 400))
    assert lesson_time.planned_time(nb, lesson_time.stated_seconds(title)) not in title
    assert re.search(lesson_time.LINE, title)
