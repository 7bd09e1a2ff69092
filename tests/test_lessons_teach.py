"""Lessons teach one marked path and speak of nothing but the lesson; 00 says where to get help.

Every ``## `` heading of a lesson body (after the title cell, before ``## 핵심 포인트``), except
``## 설정``, starts with [원문] (the post's path) or [더 알아보기] (optional, its cells tagged
``optional``); lesson markdown names no tooling (``TOOLING``).
"""

import re
from pathlib import Path

import navigation
import nbformat
import pytest
from lesson_time import OPTIONAL

ROOT = Path(__file__).resolve().parent.parent
LESSONS = [p for p in navigation.notebook_paths(ROOT / "notebooks") if p.name != navigation.INDEX]
INDEX = ROOT / "notebooks" / navigation.INDEX

MAIN_MARK, OPTIONAL_MARK = "## [원문]", "## [더 알아보기]"
SETUP, BODY_END = "## 설정", "## 핵심 포인트"
FENCE = re.compile(r"^(```|~~~).*?^\1", re.S | re.M)


def read(path):
    return nbformat.read(path, as_version=4)


def lines(cell):
    """The cell's markdown lines, fenced code blocks left out (a ``## `` there is a comment)."""
    return FENCE.sub("", cell.source).splitlines()


def kind(heading):
    """'main', 'optional' or None (unmarked) for a ``## `` heading of the body."""
    if heading == SETUP or heading.startswith(MAIN_MARK):
        return "main"
    if heading.startswith(OPTIONAL_MARK):
        return "optional"
    return None


def section_problems(nb):
    """Unmarked body headings and cells whose ``optional`` tag disagrees with their section."""
    cells = [c for c in nb.cells if c.get("id") not in navigation.NAV_IDS]
    title = navigation.title_cell(nb)
    start = next(i for i, c in enumerate(cells) if c is title)
    problems, current = [], "main"
    for cell in cells[start:]:
        touched, ended = set(), False
        text = [line for line in lines(cell) if line.strip()] if cell.cell_type == "markdown" else []
        if cell.cell_type != "markdown" or not (text and text[0].startswith("## ")):
            touched.add(current)  # the cell continues the section above it
        for line in text:
            if not line.startswith("## "):
                continue
            heading = line.strip()
            if heading == BODY_END:
                ended = True
                break
            current = kind(heading)
            if current is None:
                problems.append(
                    f"mark the heading {heading!r}: '## [원문] …' (the post's path) "
                    "or '## [더 알아보기] …' (optional)"
                )
            touched.add(current)
        touched.discard(None)  # an unmarked section is reported once, by its heading
        tagged = OPTIONAL in cell.metadata.get("tags", [])
        where = f"{cell.cell_type} cell {cell.get('id')!r} ({cell.source[:40]!r})"
        if touched == {"main", "optional"}:
            problems.append(f"{where} holds both main-path and [더 알아보기] text: split it at the heading")
        elif touched == {"optional"} and not tagged:
            problems.append(f"{where} is in a [더 알아보기] section: tag it '{OPTIONAL}'")
        elif touched == {"main"} and tagged:
            problems.append(f"{where} is on the main path: remove its '{OPTIONAL}' tag")
        if ended:
            break
    else:
        problems.append(f"the lesson has no {BODY_END!r} heading ending its body")
    return problems


# Tooling a student should never meet in a lesson's text, each with the name a failure reports.
TOOLING = [
    (re.compile(r"(?<![A-Za-z0-9_-])make(?![A-Za-z0-9_-])", re.I), "make"),  # "make를" too
    (re.compile(r"nbval", re.I), "nbval"),
    (re.compile(r"(?<![A-Za-z0-9_])CI(?![A-Za-z0-9_])"), "CI"),
    (re.compile(r"pytest", re.I), "pytest"),
    (re.compile(r"sha-?256", re.I), "SHA-256"),
    (re.compile(r"cache|캐시", re.I), "cache"),
    (re.compile(r"budget", re.I), "budget"),
    (re.compile(r"CELL\.py"), "CELL.py"),
    (re.compile(r"(?<![\w.])tools/"), "tools/"),
    (re.compile(r"colabtools", re.I), "colabtools"),
    (re.compile(r"sitecustomize", re.I), "sitecustomize"),
    (re.compile(r"/(?:issues|pull)/\d+"), "an issue link"),
]
ISSUE_NUMBER = re.compile(r"(?<![\w&#/])#\d+(?![0-9A-Za-z_])")
CODE_SPAN = re.compile(r"`[^`\n]*`")


def tooling_words(nb):
    """Tooling named in the notebook's markdown (navigation cells aside), with where it stands."""
    found = []
    for cell in nb.cells:
        if cell.cell_type != "markdown" or cell.get("id") in navigation.NAV_IDS:
            continue
        prose = CODE_SPAN.sub(" ", FENCE.sub(" ", cell.source))  # a colour such as `#777777` is code
        hits = [(m, name) for pattern, name in TOOLING for m in pattern.finditer(cell.source)]
        hits += [(m, "an issue number") for m in ISSUE_NUMBER.finditer(prose)]
        for match, name in hits:
            context = match.string[max(0, match.start() - 30) : match.end() + 30]
            found.append(f"{name} in {cell.get('id')!r}: {context!r}")
    return found


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.stem)
def test_every_body_heading_is_marked_optional_sections_are_tagged_and_no_tooling_is_named(path):
    nb = read(path)
    assert section_problems(nb) == []
    assert tooling_words(nb) == [], (
        "lesson text speaks to the student: environment help lives in 00, the rest in the instructor guide"
    )


# --- each rule catches a violation in a small lesson -----------------------------------------------


def md(text, tags=()):
    return nbformat.v4.new_markdown_cell(text, metadata={"tags": list(tags)} if tags else {})


def py(source="x = 1", tags=()):
    return nbformat.v4.new_code_cell(source, metadata={"tags": list(tags)} if tags else {})


def small_lesson():
    """A lesson that follows the rules: setup, two main steps, an optional part, the ending. Not
    lesson text: its navigation cell, which names tooling, and a heading in code or after the body."""
    nb = nbformat.v4.new_notebook()
    opt = [OPTIONAL]
    nb.cells = [
        md("[열기](https://colab.research.google.com/github/x/y/blob/main/notebooks/01_relu.ipynb) make"),
        md("# 01. 제목\n\n**예상 시간**: 약 1분"),
        md("## 설정"),
        py("# 추가 코드 – 설정"),
        md("## [원문] 첫 단계\n\n설명"),
        py(),
        md("설명을 이어 갑니다.\n\n```python\n## 코드 속의 주석\n```"),
        py("y = 2"),
        md("## [원문] 둘째 단계"),
        py(),
        md("## [더 알아보기] 곁가지\n\n더 깊이", tags=opt),
        py("z = 3", tags=opt),
        md("### 작은 제목", tags=opt),
        md("## 핵심 포인트\n\n- 요점"),
        md("## 확인 문제"),
        py('quiz.show("01")'),
        md("## 연습 문제\n\n1. 해 보기"),
        md("## 아무 제목\n\n핵심 포인트 뒤는 본문이 아닙니다.", tags=opt),
    ]
    nb.cells[0].id, nb.cells[-1].id = "nav-top", "ex"
    return nb


def test_a_lesson_that_follows_the_rules_passes():
    assert section_problems(small_lesson()) == []
    assert tooling_words(small_lesson()) == []


def cell_with(nb, text):
    return next(c for c in nb.cells if text in c.source)


def retitle(text, new):
    return lambda nb: cell_with(nb, text).update(source=cell_with(nb, text).source.replace(text, new))


def drop_tag(text):
    return lambda nb: cell_with(nb, text).metadata.pop("tags")


def tag(text):
    return lambda nb: cell_with(nb, text).metadata.update(tags=[OPTIONAL])


def merge_into_optional(nb):
    second = cell_with(nb, "## [원문] 둘째 단계")
    second.source += "\n\n## [더 알아보기] 섞인 곁가지"
    second.metadata["tags"] = [OPTIONAL]


@pytest.mark.parametrize(
    "break_it, expected",
    [
        (retitle("## [원문] 첫 단계", "## 첫 단계"), "mark the heading '## 첫 단계'"),
        (retitle("## [더 알아보기] 곁가지", "## 곁가지 [더 알아보기]"), "mark the heading"),
        (drop_tag("## [더 알아보기] 곁가지"), "tag it 'optional'"),
        (drop_tag("z = 3"), "('z = 3') is in a [더 알아보기] section"),
        (drop_tag("### 작은 제목"), "tag it 'optional'"),
        (tag("설명을 이어 갑니다"), "remove its 'optional' tag"),
        (tag("# 추가 코드 – 설정"), "remove its 'optional' tag"),
        (merge_into_optional, "split it at the heading"),
        (retitle("## 핵심 포인트", "## 정리"), "no '## 핵심 포인트'"),
    ],
)
def test_the_section_rule_catches_a_violation(break_it, expected):
    nb = small_lesson()
    break_it(nb)
    problems = section_problems(nb)
    assert any(expected in problem for problem in problems), problems


TOOLING_TEXT = [
    "`make test`로 확인합니다.",
    "make lab을 실행하세요",
    "make를 설치합니다",
    "nbval이 비교합니다",
    "CI에서 돌아갑니다",
    "pytest로",
    "SHA-256 다이제스트",
    "파일의 sha256",
    "가중치 캐시",
    "`cache=True`이면",
    "시간 budget",
    "`CELL.py`로 바꿉니다",
    "tools/seed_spread.py의 결과",
    "googlecolab/colabtools의 문제",
    "sitecustomize가",
    "Colab의 알려진 문제(#4157)",
    "[알려진 문제](https://github.com/googlecolab/colabtools/issues/4157)",
    "[고친 곳](https://github.com/org/repo/pull/12)",
]
LESSON_TEXT = [
    "`make_moons` 같은 함수",
    "회색(`#777777`) 막대",
    "CIFAR-10과 MNIST",
    "은닉층 100개",
    "## [원문] 1단계",
    "`np.argmax`로 고릅니다",
    "숫자 7과 1",
    "$\\#$ 기호",
]


@pytest.mark.parametrize("text", TOOLING_TEXT + LESSON_TEXT)
def test_the_tooling_rule_catches_each_word_and_lets_lesson_words_through(text):
    nb = small_lesson()
    nb.cells.insert(5, md(text))
    assert bool(tooling_words(nb)) == (text in TOOLING_TEXT)


# --- 00: where a student asks ------------------------------------------------------------------------

FORMS = ROOT / ".github" / "ISSUE_TEMPLATE"


def test_the_index_links_the_repositorys_bug_report_and_question_forms():
    text = "\n".join(c.source for c in read(INDEX).cells if c.cell_type == "markdown")
    repo = navigation.repository_url(ROOT)
    forms = re.findall(re.escape(repo) + r"/issues/new\?template=([\w.-]+)", text)
    assert len(set(forms)) >= 2, f"00 links the bug-report and question forms of {repo}/issues"
    for form in forms:
        assert (FORMS / form).is_file(), f"00 links {form}, which .github/ISSUE_TEMPLATE does not have"
    assert "from helpers.environment import report; report()" in text
