"""tools/lesson_time.py and the 예상 시간 every lesson states: computed by 00's rule, from the guide's run."""

import lesson_time
import measurements
import nbformat
import pytest
from navigation import INDEX, notebook_paths, title_cell

from helpers import quiz

LESSONS = [p for p in notebook_paths() if p.name != INDEX]
MEASURED = measurements.load("budget").get("lessons", {})  # `make budget`'s, which `make guide` writes
LINE = "**예상 시간**: 약 123분 (읽기 약 45분, 확인 문제 약 6분, 실행 약 678초) + [더 알아보기] 약 9분"


def markdown(text, cell_id, tags=()):
    return nbformat.v4.new_markdown_cell(text, id=cell_id, metadata={"tags": list(tags)})


def code(lines, cell_id, **metadata):
    return nbformat.v4.new_code_cell("x = 1\n" * lines, id=cell_id, metadata=metadata)


def lesson(words=0, code_lines=0):
    """``words`` 어절 of prose (+ the title's 2 and a link's 1), ``code_lines`` of code, cells never read."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        markdown("[목차](00_index.ipynb) " * 40, "nav-top"),
        markdown(f"# 01. 제목\n\n{LINE}", "title"),
        nbformat.v4.new_code_cell("import sys\n" * 12, id="setup"),
        markdown(
            "가나 " * words + "[링크](https://example.org) --- <!-- " + "주석 " * 100 + "-->",
            "prose",
        ),
        code(code_lines, "code"),
        code(30, "check", tags=["check"], jupyter={"source_hidden": True}),
        code(30, "answer", tags=["solution"], jupyter={"source_hidden": True, "outputs_hidden": True}),
        markdown("[목차](00_index.ipynb) | --- | **", "nav-bottom"),
    ]
    return nb


def test_the_main_path_reads_its_prose_and_visible_code_at_the_stated_rates():
    nb = lesson(words=3 * lesson_time.WORDS_PER_MINUTE - 3, code_lines=2 * lesson_time.CODE_LINES_PER_MINUTE)
    line = lesson_time.planned_time(nb, 95.4)
    assert line == "**예상 시간**: 약 7분 (읽기 약 5분, 확인 문제 약 0분, 실행 약 95초)"
    assert lesson_time.planned_time(nb, 0.2).endswith("실행 약 1초)")


def test_quiz_questions_count_on_the_main_path_exercises_and_optional_parts_apart():
    nb = lesson(words=200)
    nb.cells += [
        markdown("## 확인 문제\n\n1. 이 목록은 연습 문제가 아닙니다.", "q"),
        nbformat.v4.new_code_cell('from helpers import quiz\n\nquiz.show("01")', id="quiz"),
    ]
    main = lesson_time.planned_time(nb, 30)
    assert lesson_time.stated_minutes(main)[1:] == (0, 0)
    assert f"확인 문제 약 {len(quiz.load('01')) * lesson_time.QUIZ_MINUTES}분" in main
    nb.cells += [
        markdown("## 연습 문제\n\n1. 첫째\n   1. 풀이의 단계\n2. 둘째\n\n### 풀이\n\n접혀 있습니다.", "ex"),
        code(lesson_time.CODE_LINES_PER_MINUTE, "ex-code"),
        markdown(
            "## [더 알아보기] 곁가지\n\n" + "다라 " * 4 * lesson_time.WORDS_PER_MINUTE, "more", ["optional"]
        ),
        code(lesson_time.CODE_LINES_PER_MINUTE, "more-code", tags=["optional"]),
    ]
    exercises = 2 * lesson_time.EXERCISE_MINUTES + 1  # the items, not their steps, and a minute of code
    line = lesson_time.planned_time(nb, 30)
    assert line == f"{main} + 연습 문제 약 {exercises}분 + [더 알아보기] 약 5분"
    assert lesson_time.stated_minutes(line)[1:] == (exercises, 5)


def test_the_line_is_rewritten_in_place_once_and_a_title_without_it_says_what_to_add():
    nb = lesson(words=900)
    title = nb.cells[1]
    assert lesson_time.set_planned_time(nb, 40)
    assert title.source == "# 01. 제목\n\n" + lesson_time.planned_time(nb, 40)
    assert not lesson_time.set_planned_time(nb, 40.2)
    title.source = "# 01. 제목"
    with pytest.raises(ValueError, match="예상 시간.*add one"):
        lesson_time.set_planned_time(nb, 10)


def test_the_index_totals_each_part_and_shows_a_dash_where_nothing_is_stated():
    assert lesson_time.total_minutes([(25, 10, 0), (30, 5, 12)]) == (55, 15, 12)
    assert lesson_time.total_minutes([(25, 0, 0), None]) is None
    assert lesson_time.time_columns((25, 0, 12)) == ["약 25분", "—", "약 12분"]
    assert lesson_time.time_columns(lesson_time.stated_minutes("# 01. 제목")) == ["—"] * 3


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.stem)
def test_each_lesson_states_the_time_its_text_and_the_guides_run_give(path):
    nb = nbformat.read(path, as_version=4)
    title = title_cell(nb).source
    stated = lesson_time.LINE.search(title)
    assert stated, f"{path.name}: the title cell has no 예상 시간 line"
    assert lesson_time.planned_time(nb, int(stated["run"])) in title, (
        f"{path.name}: 예상 시간 does not follow from the lesson's text: run `make guide`"
    )
    assert path.name in MEASURED, f"{path.name} has no time in docs/measurements.json: run `make budget`"
    assert int(stated["run"]) == max(1, round(MEASURED[path.name]["seconds"])), (
        f"{path.name} states another run time than docs/measurements.json's: run `make guide`"
    )
