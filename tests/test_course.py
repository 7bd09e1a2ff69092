"""The course's own rules: numbering, navigation, clean stored runs, the lessons' shape and prose, file
sizes, no data. Lessons teach one marked path and speak of nothing but the lesson; 00 says where to
get help. Each rule is checked on every notebook, and shown to catch a broken one."""

import re
import subprocess
from pathlib import Path

import build_site
import execute_notebooks
import navigation
import nbformat
import pytest
from lesson_time import OPTIONAL

ROOT = Path(__file__).resolve().parent.parent

PATHS = navigation.notebook_paths(ROOT / "notebooks")
NAMES = [p.name for p in PATHS]
LESSONS = [p for p in PATHS if p.name != navigation.INDEX]
INDEX = ROOT / "notebooks" / navigation.INDEX
TF_LOG = re.compile(r"oneDNN|absl::|cpu_feature_guard|^[IWEF]\d{4} \d\d:\d\d:\d\d", re.M)


def read(path):
    return nbformat.read(path, as_version=4)


def markdown(cells):
    return "\n".join(c.source for c in cells if c.cell_type == "markdown")


def body(nb):
    """The notebook's cells but its generated navigation."""
    return [c for c in nb.cells if c.get("id") not in navigation.NAV_IDS]


def lesson_text(nb):
    """The markdown cells the lesson wrote (navigation aside)."""
    return [c for c in body(nb) if c.cell_type == "markdown"]


def outputs(nb):
    """(cell, text) for each stored text output a student reads (a figure's or widget's text/plain aside)."""
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            figure = any(key.startswith(("image/", "application/vnd.jupyter.widget")) for key in data)
            if output.output_type == "stream":
                yield cell, output.text
            elif "text/plain" in data and not figure:
                yield cell, data["text/plain"]


def tags(cell):
    return cell.metadata.get("tags", [])


def test_the_lessons_are_numbered_and_00_links_them_the_glossary_and_where_to_ask_up_to_date():
    assert sorted(p.name for p in (ROOT / "notebooks").glob("*.ipynb")) == NAMES
    assert NAMES[0] == navigation.INDEX
    assert [int(name[:2]) for name in NAMES] == list(range(len(NAMES)))
    index = markdown(read(INDEX).cells)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name in NAMES[1:]:
        assert f"]({name})" in index, f"00_index does not link {name}"
        assert f"](notebooks/{name})" in readme, f"README.md does not link {name}"
    assert "](glossary.md)" in index
    repo = navigation.repository_url(ROOT)
    forms = re.findall(re.escape(repo) + r"/issues/new\?template=([\w.-]+)", index)
    assert len(set(forms)) >= 2, f"00 links the bug-report and question forms of {repo}/issues"
    assert [f for f in forms if not (ROOT / ".github/ISSUE_TEMPLATE" / f).is_file()] == [], "no such form"
    assert "from helpers.environment import report; report()" in index
    assert [str(p.relative_to(ROOT)) for p in navigation.generate(ROOT)] == [], "run `make navigation`"


@pytest.mark.parametrize("path", PATHS, ids=NAMES)
def test_the_stored_notebook_is_one_clean_normalized_run_linked_to_its_neighbours(path):
    text = path.read_text(encoding="utf-8")
    nb = nbformat.reads(text, as_version=4)
    assert text == nbformat.writes(nb) + "\n", "store notebooks with `make outputs` (Hangul unescaped)"
    assert not any("execution" in c.metadata for c in nb.cells), "execution timestamps are stored"
    assert nb.metadata.kernelspec.name == "python3"
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert [c.execution_count for c in code] == list(range(1, len(code) + 1)), "not one run: `make outputs`"
    assert [c.source[:60] for c in code for o in c.outputs if o.output_type == "error"] == [], "stored error"
    for cell, out in outputs(nb):
        assert not TF_LOG.search(out), f"TensorFlow log line stored in: {cell.source[:60]!r}"
    i = NAMES.index(path.name)
    assert nb.cells[0].id == "nav-top" and nb.cells[-1].id == "nav-bottom"
    links = re.findall(r"\]\(([^)]+\.ipynb)\)", nb.cells[0].source)
    assert links == [*NAMES[max(i - 1, 0) : i], *([navigation.INDEX] if i else []), *NAMES[i + 1 : i + 2]]


# --- a lesson's shape: a title with objectives and prerequisites; one marked path: every ``## `` heading
# of the body but ``## 설정`` starts with [원문] (the post's path) or [더 알아보기] (optional, its cells
# tagged so); then key points, quiz, exercises. 예상 시간 is test_lesson_time's, setup make navigation's.

OBJECTIVE = re.compile(r"^- .+ 수 있다\.$", re.M)
ENDING = ("## 핵심 포인트", "## 확인 문제", "## 연습 문제")
MAIN_MARK, OPTIONAL_MARK, SETUP = "## [원문]", "## [더 알아보기]", "## 설정"
FENCE = re.compile(r"^(```|~~~).*?^\1", re.S | re.M)  # a ``## `` in a code block is a comment


def lesson_problems(nb, number):
    """What lesson ``number`` ("01") breaks of the agreed shape (an empty list if nothing)."""
    cells = body(nb)
    problems = []
    head = cells[0].source if cells and cells[0].cell_type == "markdown" else ""
    if not head.startswith(f"# {number}. "):
        problems.append(f"the first cell is not the title '# {number}. ...'")
    objectives = head.partition("**학습 목표**")[2].split("**선수 지식**")[0]
    if not 2 <= len(OBJECTIVE.findall(objectives)) <= 4:
        problems.append("the title cell needs **학습 목표** with 2-4 '- ...할 수 있다.' items")
    if not re.search(r"\*\*선수 지식\*\*: \S", head):
        problems.append("the title cell needs **선수 지식**: ...")
    if [h for h in re.findall(r"^## .*", markdown(cells), re.M) if h in ENDING] != list(ENDING):
        problems.append(f"the lesson must end with {', '.join(ENDING)} in this order")
    else:
        quiz_at = next(i for i, c in enumerate(cells) if ENDING[1] in c.source.splitlines())
        quiz = [c for c in cells[quiz_at:] if c.cell_type == "code" and "quiz.show(" in c.source]
        if len(quiz) != 1 or f'quiz.show("{number}")' not in quiz[0].source:
            problems.append(f'## 확인 문제 needs one code cell with quiz.show("{number}")')
        elif not any("text/html" in o.get("data", {}) for o in quiz[0].outputs):
            problems.append("the quiz cell has no stored questions: run `make outputs`")
    solutions = [c for c in cells if "solution" in tags(c)]
    if not solutions:
        problems.append("## 연습 문제 has no solution cell (tag 'solution')")
    for cell in solutions:
        if cell.cell_type != "code" or not cell.execution_count:
            problems.append("a solution cell is not an executed code cell")
        elif cell.metadata.get("jupyter") != {"source_hidden": True, "outputs_hidden": True}:
            problems.append("a solution cell is not collapsed (metadata.jupyter source/outputs hidden)")

    current = "main"
    for cell in cells[cells.index(navigation.title_cell(nb)) :]:
        text = FENCE.sub("", cell.source).splitlines() if cell.cell_type == "markdown" else []
        text = [line for line in text if line.strip()]
        headings = [line.strip() for line in text if line.startswith("## ")]
        ended = ENDING[0] in headings
        # A cell that does not open with a heading continues the section above it.
        touched = set() if headings and text[0].startswith("## ") else {current}
        for heading in headings[: headings.index(ENDING[0]) if ended else None]:
            main = heading == SETUP or heading.startswith(MAIN_MARK)
            current = "main" if main else "optional" if heading.startswith(OPTIONAL_MARK) else None
            if current is None:
                problems.append(f"mark the heading {heading!r}: [원문] (the post's path) or [더 알아보기]")
            touched.add(current)
        touched.discard(None)  # an unmarked section is reported once, by its heading
        where = f"{cell.cell_type} cell {cell.get('id')!r} ({cell.source[:40]!r})"
        if touched == {"main", "optional"}:
            problems.append(f"{where} holds both main-path and [더 알아보기] text: split it at the heading")
        elif touched == {"optional"} and OPTIONAL not in tags(cell):
            problems.append(f"{where} is in a [더 알아보기] section: tag it '{OPTIONAL}'")
        elif touched == {"main"} and OPTIONAL in tags(cell):
            problems.append(f"{where} is on the main path: remove its '{OPTIONAL}' tag")
        if ended:
            break
    else:
        problems.append(f"the lesson has no {ENDING[0]!r} heading ending its body")
    return problems


# Tooling a student should never meet in a lesson's text: what a failure names is the word found.
TOOLING = [
    re.compile(r"(?<![A-Za-z0-9_-])make(?![A-Za-z0-9_-])", re.I),  # "make를" too
    re.compile(r"nbval|pytest|sha-?256|cache|캐시|budget|colabtools|sitecustomize|CELL\.py", re.I),
    re.compile(r"(?<![A-Za-z0-9_])CI(?![A-Za-z0-9_])|(?<![\w.])tools/|/(?:issues|pull)/\d+"),
]
ISSUE_NUMBER = re.compile(r"(?<![\w&#/])#\d+(?![0-9A-Za-z_])")
CODE_SPAN = re.compile(r"`[^`\n]*`")


def tooling_words(nb):
    """Tooling named in the notebook's markdown (navigation cells aside), with where it stands."""
    found = []
    for cell in lesson_text(nb):
        text = CODE_SPAN.sub(" ", FENCE.sub(" ", cell.source))  # a colour such as `#777777` is code
        hits = [m for pattern in TOOLING for m in pattern.finditer(cell.source)]
        for match in hits + [*ISSUE_NUMBER.finditer(text)]:
            context = match.string[max(0, match.start() - 30) : match.end() + 30]
            found.append(f"{match.group()!r} in {cell.get('id')!r}: {context!r}")
    return found


@pytest.mark.parametrize("path", LESSONS, ids=[p.name for p in LESSONS])
def test_every_lesson_has_the_agreed_shape_one_marked_path_no_tooling_and_its_current_questions(path):
    from helpers import quiz

    nb = read(path)
    assert lesson_problems(nb, path.name[:2]) == []
    assert tooling_words(nb) == [], "environment help lives in 00, the rest in the instructor guide"
    quiz_outputs = [
        o.get("data", {}) for c in nb.cells if "quiz.show(" in c.source for o in c.get("outputs", [])
    ]
    stored = [data["text/html"] for data in quiz_outputs if "text/html" in data]
    # quiz.load names the file to add when a lesson has no questions yet.
    current = [quiz.question_html(i, q) for i, q in enumerate(quiz.load(path.name[:2]), 1)]
    assert stored == current, f"helpers/quizzes/{path.name[:2]}.json changed: run `make outputs`"


# --- quiet checks: a student never sees a bare True or "checks passed" ---------------------------

BOOLEAN_ONLY = re.compile(r"^\s*(?:np\.)?(?:True|False)_?(?:[\s,]+(?:np\.)?(?:True|False)_?)*\s*$")
PASSED = re.compile(r"\b(?:checks?|tests?|all) (?:passed|ok)\b|^\s*(?:passed|ok)\.?\s*$", re.I)


def noisy_checks(nb):
    """Stored output lines that are only a boolean or a 'passed' message, with their cell."""
    return [
        f"{line.strip()!r} from {cell.source[:60]!r}"
        for cell, text in outputs(nb)
        for line in text.splitlines()
        if BOOLEAN_ONLY.match(line) or PASSED.search(line)
    ]


# --- prose agrees with outputs: the test accuracy a lesson states is the one it printed ---------

STATED = re.compile(r"(?<![\d.])(?:(9\d(?:\.\d+)?)\s?%|(0\.9\d{2,})(?!\d))")
PRINTED = re.compile(r"(?<![\d.])(?:(0\.9\d+)|(9\d\.\d+)\s?%)")
SENTENCE = re.compile(r"(?<=[.!?])\s+|\n\s*\n|\n(?=\s*(?:[-*]|\d+\.|\|) )")
THE_POST = "원문"


def prose(source):
    """Markdown without code, math, link targets, HTML comments and quoted lines."""
    source = re.sub(r"```.*?```|`[^`]*`|\$\$.*?\$\$|\$[^$]*\$|<!--.*?-->", " ", source, flags=re.S)
    source = re.sub(r"\]\([^)]*\)", "]", source)
    return "\n".join(line for line in source.splitlines() if not line.lstrip().startswith(">"))


def sentences_stating(nb, find):
    """'<what> in: <sentence>' for each prose sentence in which ``find`` finds something to report.
    Sentences that name the post (원문) state the post's numbers and are skipped."""
    sentences = (s for cell in lesson_text(nb) for s in SENTENCE.split(prose(cell.source)))
    return [f"{what} in: {s.strip()[:90]!r}" for s in sentences if THE_POST not in s and (what := find(s))]


def accuracy_drift(nb):
    """Accuracies (90-100 %) the prose states that no output of the notebook prints. A stated value
    counts as printed when a printed one rounds to it at the stated precision."""
    printed = [float(f) * 100 if f else float(p) for _, text in outputs(nb) for f, p in PRINTED.findall(text)]

    def rounds_to(percent, text, scale):
        half_unit = 0.5 * 10.0 ** -len(text.partition(".")[2]) * scale
        return abs(percent - float(text) * scale) <= half_unit + 1e-9

    def unprinted(sentence):
        stated = [(p, 1.0) if p else (f, 100.0) for p, f in STATED.findall(sentence)]
        return ", ".join(v for v, scale in stated if not any(rounds_to(p, v, scale) for p in printed))

    return sentences_stating(nb, unprinted)


# --- any CPU: outputs that depend on training are checked, not compared; prose states them as such

IGNORE = "nbval-ignore-output"
SAVED_RUN = "저장한 실행"
TRACKED = re.compile(r"(?<![\w.])(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?(\s?%)?")


def unchecked_outputs(nb):
    """Cells whose outputs nbval ignores, without a hidden, silent check cell right after them."""
    code = [c for c in nb.cells if c.cell_type == "code"]
    problems = []
    for cell, after in zip(code, [*code[1:], nbformat.v4.new_code_cell()]):
        if IGNORE in tags(cell) and not ("check" in tags(after) and "assert" in after.source):
            problems.append(f"no check cell after: {cell.source[:60]!r}")
        if "check" in tags(cell) and (
            cell.outputs or cell.metadata.get("jupyter") != {"source_hidden": True}
        ):
            problems.append(
                f"a check cell must be collapsed (source hidden), print nothing: {cell.source[:60]!r}"
            )
    return problems


def numbers(text):
    """The numbers of ``text`` worth tracking, as written without thousands separators: decimals,
    numbers of three digits or more, and percentages; with their roundings to 3+ significant digits."""
    found = set()
    for whole, fraction, percent in TRACKED.findall(text):
        whole = whole.replace(",", "")
        if not (fraction or percent or len(whole) >= 3):
            continue
        found.add(whole + fraction)
        for decimals in range(len(fraction) - 1):
            rounded = f"{float(whole + fraction):.{decimals}f}"
            if len(rounded.replace(".", "").lstrip("0")) >= 3:
                found.add(rounded)
    return found


def unmarked_run_numbers(nb):
    """Sentences that state as fact a number printed by an output nbval does not compare (an ignored
    cell's, sanitized text): neither the post's (원문) nor marked as this saved run's (저장한 실행)."""
    rules = execute_notebooks.sanitize_rules()
    varying, fixed = set(), set().union(*(numbers(c.source) for c in nb.cells if c.cell_type == "code"))
    for cell, text in outputs(nb):
        if IGNORE in tags(cell):
            varying |= numbers(text)
            continue
        for pattern, replacement in rules:
            varying |= {n for m in re.finditer(pattern, text) for n in numbers(m.group(0))}
            text = re.sub(pattern, replacement, text)
        fixed |= numbers(text)
    varying -= fixed

    def unmarked(sentence):
        marked = SAVED_RUN in " ".join(sentence.split())
        return "" if marked else ", ".join(sorted(numbers(sentence) & varying))

    return sentences_stating(nb, unmarked)


# --- one form per concept: the glossary's rejected variants stay out of the prose ----------------


def rejected_variants(glossary_text):
    """{variant: (pattern, preferred term)} from the glossary table's last column."""
    variants = {}
    for line in glossary_text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 5 or cells[0] in ("용어", "") or set(cells[0]) <= set("-: "):
            continue
        for variant in re.findall(r"`([^`]+)`", cells[4]):
            pattern = r"\d[\d,.]*".join(re.escape(part) for part in variant.split("#"))
            if re.fullmatch(r"[A-Za-z][A-Za-z -]*", variant):
                # English words stand alone: "seed를" counts; "00_index" and a gloss right after "(" do not.
                pattern = rf"(?<![A-Za-z0-9_(-]){pattern}(?![A-Za-z0-9_-])"
            variants[variant] = (re.compile(pattern, re.I), cells[0])
    return variants


VARIANTS = rejected_variants((ROOT / "notebooks" / "glossary.md").read_text(encoding="utf-8"))


def glossary_violations(nb):
    """Rejected variants in the notebook's prose; an English gloss in parentheses is allowed."""
    found = []
    for cell in lesson_text(nb):
        raw = prose(cell.source)
        glossed = re.sub(r"\([\x00-\x7f]*\)", " ", raw)
        for variant, (pattern, term) in VARIANTS.items():
            text = raw if "(" in variant else glossed
            for match in pattern.finditer(text):
                where = text[max(0, match.start() - 30) : match.end() + 30]
                found.append(f"{match.group()!r} (write {term}) in: {where!r}")
    return found


def strikethrough(nb):
    """Markdown with a ~: JupyterLab renders ~text~ as strikethrough, so "0~9 ... 0~1" in one
    paragraph crosses text out."""
    texts = [re.sub(r"`[^`]*`|\$\$.*?\$\$|\$[^$]*\$", "", c.source, flags=re.S) for c in lesson_text(nb)]
    return [text[:80] for text in texts if "~" in text]


# Every stored figure has a short Korean alt text, the cell's {"mystnb": {"image": {"alt": "..."}}}
# (MyST-NB's per-cell image options), which the site puts on its image: what the figure shows, for a
# reader who cannot see it. A saved widget's figures count as the cell's, as on the site.
MAX_ALT = 150  # about two lines of a screen reader: what the figure shows, not everything in it


def alt_problems(nb):
    """What is wrong with the alt texts of a notebook's figures (an empty list if nothing)."""
    problems = []
    for cell, images in build_site.figure_cells(nb):
        where = f"cell {cell.get('id')} ({images} figure{'s' if images > 1 else ''})"
        alt = build_site.alt_text(cell)
        if not isinstance(alt, str) or not alt.strip():
            problems.append(f'{where}: no alt text (metadata {{"mystnb": {{"image": {{"alt": "..."}}}}}})')
        elif not re.search(r"[가-힣]", alt):
            problems.append(f"{where}: the alt text {alt!r} is not Korean")
        elif len(alt) > MAX_ALT:
            problems.append(f"{where}: the alt text has {len(alt)} characters, more than {MAX_ALT}")
    return problems


# Each rule a stored notebook keeps: what finds its breaches, and what to do about one.
RULES = {
    "quiet": (noisy_checks, "make the check a silent assert, or print the value it checks"),
    "accuracy": (accuracy_drift, "print the accuracy, correct the prose, or say it is the post's (원문)"),
    "checked": (unchecked_outputs, "add a hidden, silent check cell after the ignored output"),
    "trained": (unmarked_run_numbers, "give a range, or say it is this saved run's (저장한 실행에서는 ...)"),
    "glossary": (glossary_violations, "write the glossary's term"),
    "tilde": (strikethrough, "write ranges with an en dash (0–9)"),
    "alt": (alt_problems, "give each figure a short Korean alt text"),
}


@pytest.mark.parametrize("rule", RULES)
@pytest.mark.parametrize("path", PATHS, ids=NAMES)
def test_the_notebook_keeps_the_rule(path, rule):
    find, what_to_do = RULES[rule]
    assert find(read(path)) == [], what_to_do


def test_no_dataset_or_file_over_1_mb_is_tracked():
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True)
    tracked = [ROOT / name for name in listed.stdout.decode().split("\0") if name]
    assert [p.name for p in tracked if re.search(r"\.(npz|npy|gz|h5|idx\d-ubyte)$", p.name, re.I)] == [], (
        "datasets and weights are downloaded or cached, never committed"
    )
    assert [str(p.relative_to(ROOT)) for p in tracked if p.is_file() and p.stat().st_size > 1_000_000] == []


# --- each rule catches a deliberately broken notebook ---------------------------------------------


def notebook(*cells):
    return nbformat.v4.new_notebook(cells=list(cells))


def md(text, **metadata):
    return nbformat.v4.new_markdown_cell(text, metadata=metadata)


def py(source="x = 1", text=None, outputs=(), **metadata):
    cell = nbformat.v4.new_code_cell(source, execution_count=1, metadata=metadata)
    cell.outputs = [*outputs, *([nbformat.v4.new_output("stream", name="stdout", text=text)] if text else [])]
    return cell


def small_lesson():
    """A lesson that follows the rules: setup, two main steps, an optional part, the ending. Not
    lesson text: its navigation cell, which names tooling, and a heading in code or after the body."""
    opt = [OPTIONAL]
    nb = notebook(
        md("[열기](https://colab.research.google.com/github/x/y/blob/main/notebooks/01_relu.ipynb) make"),
        md("# 01. 제목\n\n**학습 목표**\n\n- 하나를 할 수 있다.\n- 둘을 할 수 있다.\n\n**선수 지식**: 없음"),
        md("## 설정"),
        py("# 추가 코드 – 설정"),
        md("## [원문] 첫 단계\n\n설명"),
        py(),
        md("설명을 이어 갑니다.\n\n```python\n## 코드 속의 주석\n```"),
        md("## [원문] 둘째 단계"),
        md("## [더 알아보기] 곁가지\n\n더 깊이", tags=opt),
        py("z = 3", tags=opt),
        md("### 작은 제목", tags=opt),
        md("## 핵심 포인트\n\n- 요점"),
        md("## 확인 문제"),
        py('quiz.show("01")', outputs=[nbformat.v4.new_output("display_data", {"text/html": "<ol></ol>"})]),
        md("## 연습 문제\n\n1. 해 보기"),
        py("답 = 1", tags=["solution"], jupyter={"source_hidden": True, "outputs_hidden": True}),
        md("## 아무 제목\n\n핵심 포인트 뒤는 본문이 아닙니다.", tags=opt),
    )
    nb.cells[0].id = "nav-top"
    return nb


@pytest.mark.parametrize(
    "text, new, new_tags, expected",
    [
        ("# 01. 제목", None, None, None),  # the lesson as it is: nothing to report
        ("**학습 목표**", "**목표**", None, "학습 목표"),
        ("**선수 지식**", "선수 지식", None, "선수 지식"),
        ('quiz.show("01")', 'print("01")', None, "quiz.show"),
        ("답 = 1", None, [], "no solution cell"),
        ("## [원문] 첫 단계", "## 첫 단계", None, "mark the heading '## 첫 단계'"),
        ("## [더 알아보기] 곁가지", "## 곁가지 [더 알아보기]", None, "mark the heading"),
        ("## [더 알아보기] 곁가지", None, [], "tag it 'optional'"),
        ("z = 3", None, [], "('z = 3') is in a [더 알아보기] section"),
        ("### 작은 제목", None, [], "tag it 'optional'"),
        ("설명을 이어 갑니다", None, [OPTIONAL], "remove its 'optional' tag"),
        ("# 추가 코드 – 설정", None, [OPTIONAL], "remove its 'optional' tag"),
        ("## [원문] 둘째 단계", "## [원문] 둘\n\n## [더 알아보기] 섞임", [OPTIONAL], "split it"),
        ("## 핵심 포인트", "## 정리", None, "no '## 핵심 포인트'"),
    ],
)
def test_the_lesson_rules_catch_a_broken_lesson(text, new, new_tags, expected):
    nb = small_lesson()
    cell = next(c for c in nb.cells if text in c.source)
    cell.source = cell.source.replace(text, new or text)
    cell.metadata["tags"] = tags(cell) if new_tags is None else new_tags
    problems = lesson_problems(nb, "01") + tooling_words(nb)
    assert any(expected in problem for problem in problems) if expected else problems == [], problems


@pytest.mark.parametrize(
    "texts, caught",
    [
        (["`make test`로 확인합니다.", "make lab을 실행하세요", "make를 설치합니다"], True),
        (["nbval이 비교합니다", "CI에서 돌아갑니다", "pytest로", "시간 budget", "sitecustomize가"], True),
        (["SHA-256 다이제스트", "파일의 sha256", "가중치 캐시", "`cache=True`이면"], True),
        (["`CELL.py`로 바꿉니다", "tools/seed_spread.py의 결과", "googlecolab/colabtools의 문제"], True),
        (["알려진 문제(#4157)", "[문제](a/b/issues/4157)", "[고친 곳](a/b/pull/12)"], True),
        (["`make_moons` 같은 함수", "회색(`#777777`) 막대", "CIFAR-10과 MNIST", "은닉층 100개"], False),
        (["## [원문] 1단계", "`np.argmax`로 고릅니다", "숫자 7과 1", "$\\#$ 기호"], False),
    ],
)
def test_the_tooling_rule_catches_each_word_and_lets_lesson_words_through(texts, caught):
    for text in texts:
        assert bool(tooling_words(notebook(md(text)))) == caught, text


ACC = py("print('Test accuracy:', acc)", "Test accuracy: 0.9739999771118164\n")
FIT = py("fit()", "loss 0.1234\n", tags=[IGNORE])


def figure(alt=None, **metadata):
    image = nbformat.v4.new_output("display_data", {"image/png": "iVBORw0KGgo=", "text/plain": "<Figure>"})
    mystnb = {"mystnb": {"image": {"alt": alt}}} if alt else {}
    return py("plt.show()", outputs=[image], **metadata, **mystnb)


@pytest.mark.parametrize(
    "rule, cells, expected",  # a str is a markdown cell; expected: what the findings name, [] if none
    [
        ("quiet", [py("c()", "True\nnp.False_, True\nchecks passed\n")], ["'True'", "np.False_", "passed"]),
        ("quiet", [py("print(acc)", "test accuracy: 0.974\n[ True False]\nTrue positives: 3\n")], []),
        ("accuracy", [ACC, "약 97.5 %를 맞힙니다.", "정확도는 0.980입니다."], ["97.5 in:", "0.980 in:"]),
        ("accuracy", [ACC, "97.4 %를 맞힙니다(원문은 97.73 %).", "정확도는 0.974, 약 97 %입니다."], []),
        ("checked", [FIT, py()], ["no check cell after"]),
        ("checked", [FIT, py("assert ok", tags=["check"])], ["must be collapsed"]),
        ("checked", [FIT, py("assert ok", tags=["check"], jupyter={"source_hidden": True})], []),
        ("trained", [FIT, "손실은 0.1234입니다."], ["0.1234 in:"]),
        ("trained", [ACC, "정확도는 0.974입니다."], ["0.974 in:"]),  # masked by nbval_sanitize.cfg
        ("trained", [FIT, "저장한 실행의 손실은 0.1234입니다."], []),
        ("glossary", ["10 epoch 훈련", "seed를"], ["'훈련'", "'epoch'", "'seed'"]),
        ("glossary", ["index 3", "10,000장", "97%"], ["'index'", "'10,000장'", "'97%'"]),
        ("glossary", ["점수(logit)", "노트북 CPU"], ["'점수(logit)'", "'노트북 CPU'"]),
        # allowed: a gloss in parentheses, code, a quote of the post and a link target
        ("glossary", ["에포크(epoch)마다 `epochs=10`으로", "시드(random seed)", "> 원문: cross-entropy"], []),
        ("glossary", ["[목차](00_index.ipynb), 정확도 97.4 %"], []),
        ("tilde", ["0~9 사이의 숫자를 0~1로 바꿉니다."], ["0~9"]),
        ("tilde", ["0–9 사이의 숫자, `x ~ y`, $a~b$, $$c~d$$"], []),
        ("alt", [figure()], ["no alt text"]),
        ("alt", [figure(" ")], ["no alt text"]),
        ("alt", [figure("loss curve")], ["not Korean"]),
        ("alt", [figure("손실 " * 80)], ["more than"]),
        ("alt", [figure("에포크마다 줄어드는 손실 곡선")], []),
        ("alt", [py("print(0.97)", "0.97\n")], []),  # no figure, no alt text needed
        ("alt", [figure(tags=["check"])], []),  # the site leaves check cells out
    ],
)
def test_each_rule_catches_a_broken_notebook_and_lets_a_good_one_through(rule, cells, expected):
    found = RULES[rule][0](notebook(*(md(c) if isinstance(c, str) else c for c in cells)))
    assert all(any(e in f for f in found) for e in expected) if expected else found == [], found
