"""tools/lesson_time.py and the 예상 시간 every lesson states: computed by 00's rule, from the guide's run."""

import re
from pathlib import Path

import lesson_time
import measurements
import nbformat
import pytest
from navigation import INDEX, notebook_paths, title_cell

from helpers import quiz

ROOT = Path(__file__).resolve().parent.parent
LESSONS = [p for p in notebook_paths(ROOT / "notebooks") if p.name != INDEX]
MEASURED = measurements.load("budget").get("lessons", {})  # `make budget`'s, which `make guide` writes
OLD_LINE = "**예상 시간**: 약 1분 (읽기 약 1분, 실행 약 1초)"


def markdown(text, cell_id, tags=()):
    cell = nbformat.v4.new_markdown_cell(text, id=cell_id)
    if tags:
        cell.metadata["tags"] = list(tags)
    return cell


def code(lines, cell_id, **metadata):
    cell = nbformat.v4.new_code_cell("\n".join(f"x{i} = {i}" for i in range(lines)), id=cell_id)
    cell.metadata.update(metadata)
    return cell


def lesson(words=0, code_lines=0, line=OLD_LINE):
    """A lesson of ``words`` 어절 of prose and ``code_lines`` lines of code, beside cells never read."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        markdown("[목차](00_index.ipynb) " * 40, "nav-top"),
        markdown(f"# 01. 제목\n\n{line}", "title"),
        nbformat.v4.new_code_cell("import sys\n" * 12, id="setup"),
        markdown("가나 " * words, "prose"),
        code(code_lines, "code"),
        code(30, "check", tags=["check"], jupyter={"source_hidden": True}),
        code(30, "answer", tags=["solution"], jupyter={"source_hidden": True, "outputs_hidden": True}),
    ]
    return nb


def test_title_words_prose_and_visible_code_add_up_at_the_stated_rates():
    title_words = lesson_time.study(lesson())["main"]["words"]
    nb = lesson(
        words=3 * lesson_time.WORDS_PER_MINUTE - title_words, code_lines=2 * lesson_time.CODE_LINES_PER_MINUTE
    )
    main = lesson_time.study(nb)["main"]
    assert main["words"] == 3 * lesson_time.WORDS_PER_MINUTE
    assert main["code_lines"] == 2 * lesson_time.CODE_LINES_PER_MINUTE
    assert lesson_time.minutes(main) == (5, 0)
    assert (
        lesson_time.planned_time(nb, 95.4)
        == "**예상 시간**: 약 7분 (읽기 약 5분, 확인 문제 약 0분, 실행 약 95초)"
    )
    assert lesson_time.planned_time(nb, 0.2).endswith("실행 약 1초)")


def test_navigation_setup_checks_solutions_link_targets_and_the_line_itself_are_not_read():
    plain = lesson(words=50)
    noisy = lesson(
        words=50,
        line="**예상 시간**: 약 123분 (읽기 약 45분, 문제 약 6분, 실행 약 678초) + [더 알아보기] 약 9분",
    )
    noisy.cells.append(markdown("[목차](00_index.ipynb) | --- | **", "nav-bottom"))
    noisy.cells[3].source += " [링크](https://example.org/a/very/long/address) ---"
    assert lesson_time.study(noisy)["main"]["words"] == lesson_time.study(plain)["main"]["words"] + 1
    assert lesson_time.study(noisy)["main"]["code_lines"] == 0


def test_quiz_questions_count_on_the_main_path_and_exercises_apart():
    nb = lesson()
    nb.cells += [
        markdown("## 확인 문제\n\n1. 이 목록은 연습 문제가 아닙니다.", "q"),
        nbformat.v4.new_code_cell('from helpers import quiz\n\nquiz.show("01")', id="quiz"),
        markdown("## 연습 문제\n\n1. 첫째\n   1. 풀이의 단계\n2. 둘째\n\n### 풀이\n\n접혀 있습니다.", "ex"),
        code(lesson_time.CODE_LINES_PER_MINUTE, "ex-code"),
    ]
    parts = lesson_time.study(nb)
    questions = len(quiz.load("01"))
    assert (parts["main"]["quiz"], parts["main"]["exercises"]) == (questions, 0)
    assert (parts["exercises"]["exercises"], parts["exercises"]["code_lines"]) == (2, 8)
    assert lesson_time.minutes(parts["main"])[1] == questions * lesson_time.QUIZ_MINUTES
    exercise_minutes = 2 * lesson_time.EXERCISE_MINUTES + 1
    assert round(sum(lesson_time.minutes(parts["exercises"]))) == exercise_minutes
    line = lesson_time.planned_time(nb, 10)
    assert line.endswith(f" + 연습 문제 약 {exercise_minutes}분")
    assert lesson_time.stated_minutes(line)[1] == exercise_minutes


def test_optional_cells_are_counted_apart_and_named_after_the_main_path():
    nb = lesson(words=200)
    assert "더 알아보기" not in lesson_time.planned_time(nb, 10)
    nb.cells += [
        markdown(
            "## [더 알아보기] 곁가지\n\n" + "다라 " * 4 * lesson_time.WORDS_PER_MINUTE,
            "more",
            tags=[lesson_time.OPTIONAL],
        ),
        code(lesson_time.CODE_LINES_PER_MINUTE, "more-code", tags=[lesson_time.OPTIONAL]),
    ]
    parts = lesson_time.study(nb)
    assert parts["main"] == lesson_time.study(lesson(words=200))["main"]
    assert 5 < sum(lesson_time.minutes(parts["optional"])) < 5.1
    line = lesson_time.planned_time(nb, 10)
    assert line.endswith(" + [더 알아보기] 약 5분")
    assert lesson_time.stated_minutes(line)[2] == 5
    assert lesson_time.stated_seconds(line) == 10


def test_lines_of_the_former_rule_are_still_read_and_rewritten():
    assert lesson_time.stated_seconds(OLD_LINE.replace("1초", "44초")) == 44
    assert lesson_time.stated_minutes(OLD_LINE.replace("약 1분 (", "약 17분 (")) == (17, 0, 0)
    nb = lesson(words=300)
    assert lesson_time.set_planned_time(nb, 12)
    assert "확인 문제 약 0분" in title_cell(nb).source and OLD_LINE not in title_cell(nb).source


def test_rewriting_the_line_reports_a_change_once():
    nb = lesson(words=900)
    title = nb.cells[1]
    assert lesson_time.set_planned_time(nb, 40)
    assert "실행 약 40초" in title.source and title.source.startswith("# 01. 제목")
    assert not lesson_time.set_planned_time(nb, 40.2)


def test_a_title_without_the_line_gets_a_message_that_says_what_to_add():
    nb = lesson(words=10)
    nb.cells[1].source = "# 01. 제목"
    with pytest.raises(ValueError, match="예상 시간.*add one"):
        lesson_time.set_planned_time(nb, 10)


def test_the_index_totals_each_part_and_shows_a_dash_where_nothing_is_stated():
    assert lesson_time.total_minutes([(25, 10, 0), (30, 5, 12)]) == (55, 15, 12)
    assert lesson_time.total_minutes([(25, 0, 0), None]) is None
    assert lesson_time.time_columns((25, 0, 12)) == ["약 25분", "—", "약 12분"]
    assert lesson_time.time_columns(None) == ["—"] * 3


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.stem)
def test_each_lesson_states_the_time_its_text_and_the_guides_run_give(path):
    nb = nbformat.read(path, as_version=4)
    title = title_cell(nb).source
    stated = lesson_time.stated_seconds(title)
    assert stated is not None, f"{path.name}: the title cell has no 예상 시간 line"
    assert lesson_time.planned_time(nb, stated) in title, (
        f"{path.name}: 예상 시간 does not follow from the lesson's text: run `make guide`"
    )
    assert path.name in MEASURED, f"{path.name} has no time in docs/measurements.json: run `make budget`"
    assert stated == max(1, round(MEASURED[path.name]["seconds"])), (
        f"{path.name} states another run time than docs/measurements.json's: run `make guide`"
    )


def test_a_lesson_that_grows_after_the_measurement_is_caught():
    nb = nbformat.read(LESSONS[0], as_version=4)
    title = title_cell(nb).source
    nb.cells.append(nbformat.v4.new_markdown_cell("새 설명 " * 400))
    assert lesson_time.planned_time(nb, lesson_time.stated_seconds(title)) not in title
    assert re.search(lesson_time.LINE, title)
