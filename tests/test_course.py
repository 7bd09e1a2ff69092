"""The course's own rules: numbering, navigation, clean stored runs, the lessons' shape and prose, file
sizes, no data. Lessons teach one marked path and speak of nothing but the lesson; 00 says where to
get help."""

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


def notebook(*cells):
    nb = nbformat.v4.new_notebook()
    nb.cells = list(cells)
    return nb


def test_every_notebook_is_the_index_or_a_lesson_numbered_without_gaps():
    assert sorted(p.name for p in (ROOT / "notebooks").glob("*.ipynb")) == NAMES
    assert NAMES[0] == navigation.INDEX
    assert [int(name[:2]) for name in NAMES] == list(range(len(NAMES)))
    assert "](glossary.md)" in markdown(read(INDEX).cells)


def test_every_lesson_is_linked_from_the_index_and_the_readme():
    index = markdown(read(INDEX).cells)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name in NAMES[1:]:
        assert f"]({name})" in index, f"00_index does not link {name}"
        assert f"](notebooks/{name})" in readme, f"README.md does not link {name}"


def test_generated_navigation_is_up_to_date():
    stale = [str(p.relative_to(ROOT)) for p in navigation.generate(ROOT)]
    assert stale == [], "run `make navigation`"


@pytest.mark.parametrize("path", PATHS, ids=NAMES)
def test_navigation_links_go_to_the_neighbours(path):
    nb = read(path)
    i = NAMES.index(path.name)
    assert nb.cells[0].id == "nav-top" and nb.cells[-1].id == "nav-bottom"
    links = re.findall(r"\]\(([^)]+\.ipynb)\)", nb.cells[0].source)
    assert links == [*NAMES[max(i - 1, 0) : i], *([navigation.INDEX] if i else []), *NAMES[i + 1 : i + 2]]
    assert all((ROOT / "notebooks" / link).is_file() for link in links)


@pytest.mark.parametrize("path", PATHS, ids=NAMES)
def test_the_stored_notebook_is_one_clean_normalized_run(path):
    text = path.read_text(encoding="utf-8")
    nb = nbformat.reads(text, as_version=4)
    assert text == nbformat.writes(nb) + "\n", "store notebooks with `make outputs`"
    assert not re.search(r"\\u[1-9a-f][0-9a-f]{3}", text, re.I), "store text (Hangul) unescaped"
    assert not any("execution" in c.metadata for c in nb.cells), "execution timestamps are stored"
    assert nb.metadata.kernelspec.name == "python3"
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert [c.execution_count for c in code] == list(range(1, len(code) + 1)), (
        "run `make outputs`: the stored outputs are not one top-to-bottom run"
    )
    for cell in code:
        for output in cell.outputs:
            assert output.output_type != "error", f"stored error in: {cell.source[:60]!r}"
            text = output.get("text", "") + str(output.get("data", {}).get("text/plain", ""))
            assert not TF_LOG.search(text), f"TensorFlow log line stored in: {cell.source[:60]!r}"


# --- lesson shape: objectives, prerequisites, time, key points, quiz, exercises --------------------

OBJECTIVE = re.compile(r"^- .+ 수 있다\.$", re.M)
ENDING = ("## 핵심 포인트", "## 확인 문제", "## 연습 문제")


def body(nb):
    return [c for c in nb.cells if c.get("id") not in navigation.NAV_IDS]


def shape_problems(nb, number):
    """What lesson ``number`` ("01") lacks of the agreed shape (an empty list if nothing). Its
    예상 시간 is test_lesson_time's, its setup cell make navigation's."""
    cells = body(nb)
    problems = []
    head = cells[0].source if cells and cells[0].cell_type == "markdown" else ""
    if not head.startswith(f"# {number}. "):
        problems.append(f"the first cell is not the title '# {number}. ...'")
    objectives = (
        head.split("**학습 목표**", 1)[1].split("**선수 지식**")[0] if "**학습 목표**" in head else ""
    )
    if not 2 <= len(OBJECTIVE.findall(objectives)) <= 4:
        problems.append("the title cell needs **학습 목표** with 2-4 '- ...할 수 있다.' items")
    if not re.search(r"\*\*선수 지식\*\*: \S", head):
        problems.append("the title cell needs **선수 지식**: ...")
    headings = re.findall(r"^## .*", markdown(cells), re.M)
    if [h for h in headings if h in ENDING] != list(ENDING):
        problems.append(f"the lesson must end with {', '.join(ENDING)} in this order")
    else:
        ending = [
            i
            for i, c in enumerate(cells)
            if c.cell_type == "markdown" and any(line in ENDING[1:] for line in c.source.splitlines())
        ]
        quiz_cells = [c for c in cells[ending[0] :] if c.cell_type == "code" and "quiz.show(" in c.source]
        if len(quiz_cells) != 1 or f'quiz.show("{number}")' not in quiz_cells[0].source:
            problems.append(f'## 확인 문제 needs one code cell with quiz.show("{number}")')
        elif not any("text/html" in o.get("data", {}) for o in quiz_cells[0].outputs):
            problems.append("the quiz cell has no stored questions: run `make outputs`")
    solutions = [c for c in cells if "solution" in c.metadata.get("tags", [])]
    if not solutions:
        problems.append("## 연습 문제 has no solution cell (tag 'solution')")
    for cell in solutions:
        if cell.cell_type != "code" or not cell.execution_count:
            problems.append("a solution cell is not an executed code cell")
        elif cell.metadata.get("jupyter") != {"source_hidden": True, "outputs_hidden": True}:
            problems.append("a solution cell is not collapsed (metadata.jupyter source/outputs hidden)")
    return problems


@pytest.mark.parametrize("path", LESSONS, ids=[p.name for p in LESSONS])
def test_every_lesson_has_the_agreed_shape_one_marked_path_no_tooling_and_its_current_questions(path):
    from helpers import quiz

    nb = read(path)
    assert shape_problems(nb, path.name[:2]) + section_problems(nb) == []
    assert tooling_words(nb) == [], (
        "lesson text speaks to the student: environment help lives in 00, the rest in the instructor guide"
    )
    stored = [
        o.data["text/html"]
        for c in nb.cells
        if "quiz.show(" in c.source
        for o in c.outputs
        if "text/html" in o.get("data", {})
    ]
    # quiz.load names the file to add when a lesson has no questions yet.
    current = [quiz.question_html(i, q) for i, q in enumerate(quiz.load(path.name[:2]), 1)]
    assert stored == current, f"helpers/quizzes/{path.name[:2]}.json changed: run `make outputs`"


# --- quiet checks: a student never sees a bare True or "checks passed" ---------------------------

BOOLEAN_ONLY = re.compile(r"^\s*(?:np\.)?(?:True|False)_?(?:[\s,]+(?:np\.)?(?:True|False)_?)*\s*$")
PASSED = re.compile(r"\b(?:checks?|tests?|all) (?:passed|ok)\b|^\s*(?:passed|ok)\.?\s*$", re.I)


def output_texts(cell):
    for output in cell.get("outputs", []):
        if output.output_type == "stream":
            yield output.text
        elif "text/plain" in output.get("data", {}) and not any(
            key.startswith(("image/", "application/vnd.jupyter.widget")) for key in output.data
        ):
            yield output.data["text/plain"]


def noisy_checks(nb):
    """Stored output lines that are only a boolean or a 'passed' message, with their cell."""
    found = []
    for cell in nb.cells:
        if cell.cell_type == "code":
            for text in output_texts(cell):
                for line in text.splitlines():
                    if BOOLEAN_ONLY.match(line) or PASSED.search(line):
                        found.append(f"{line.strip()!r} from {cell.source[:60]!r}")
    return found


# --- prose agrees with outputs: the test accuracy a lesson states is the one it printed ---------

STATED_PERCENT = re.compile(r"(?<![\d.])(9\d(?:\.\d+)?)\s?%")
STATED_FRACTION = re.compile(r"(?<![\d.])(0\.9\d{2,})(?!\d)")
PRINTED = re.compile(r"(?<![\d.])(?:(0\.9\d+)|(9\d\.\d+)\s?%)")
SENTENCE = re.compile(r"(?<=[.!?])\s+|\n\s*\n|\n(?=\s*(?:[-*]|\d+\.|\|) )")
THE_POST = "원문"


def prose(source):
    """Markdown without code, math, link targets, HTML comments and quoted lines."""
    source = re.sub(r"```.*?```|`[^`]*`|\$\$.*?\$\$|\$[^$]*\$|<!--.*?-->", " ", source, flags=re.S)
    source = re.sub(r"\]\([^)]*\)", "]", source)
    return "\n".join(line for line in source.splitlines() if not line.lstrip().startswith(">"))


def printed_accuracies(nb):
    values = []
    for cell in nb.cells:
        if cell.cell_type == "code":
            for text in output_texts(cell):
                for fraction, percent in PRINTED.findall(text):
                    values.append(float(fraction) * 100 if fraction else float(percent))
    return values


def prose_sentences(nb):
    """The sentences of the notebook's prose, navigation cells left out."""
    for cell in nb.cells:
        if cell.cell_type == "markdown" and cell.get("id") not in navigation.NAV_IDS:
            yield from SENTENCE.split(prose(cell.source))


def sentences_stating(nb, find):
    """'<what> in: <sentence>' for each prose sentence in which ``find`` finds something to report.
    Sentences that name the post (원문) state the post's numbers and are skipped."""
    found = []
    for sentence in prose_sentences(nb):
        if THE_POST not in sentence and (what := find(sentence)):
            found.append(f"{what} in: {sentence.strip()[:90]!r}")
    return found


def accuracy_drift(nb):
    """Accuracies (90-100 %) the prose states that no output of the notebook prints. A stated value
    counts as printed when a printed one rounds to it at the stated precision."""
    printed = printed_accuracies(nb)

    def unprinted(sentence):
        stated = [(v, 1.0) for v in STATED_PERCENT.findall(sentence)]
        stated += [(v, 100.0) for v in STATED_FRACTION.findall(sentence)]
        return ", ".join(
            text for text, scale in stated if not any(rounds_to(p, text, scale) for p in printed)
        )

    return sentences_stating(nb, unprinted)


def rounds_to(percent, text, scale):
    """Whether ``percent`` rounds to ``text`` at its precision (``scale``: 1 for a %, 100 for a fraction)."""
    half_unit = 0.5 * 10.0 ** -len(text.partition(".")[2]) * scale
    return abs(percent - float(text) * scale) <= half_unit + 1e-9


# --- any CPU: outputs that depend on training are checked, not compared; prose states them as such

IGNORE = "nbval-ignore-output"
CHECK = "check"
SAVED_RUN = "저장한 실행"
TRACKED = re.compile(r"(?<![\w.])(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?(\s?%)?")


def tags(cell):
    return cell.metadata.get("tags", [])


def unchecked_outputs(nb):
    """Cells whose outputs nbval ignores, without a hidden, silent check cell right after them."""
    code = [c for c in nb.cells if c.cell_type == "code"]
    problems = []
    for cell, after in zip(code, [*code[1:], None]):
        if IGNORE in tags(cell) and (
            after is None or CHECK not in tags(after) or "assert" not in after.source
        ):
            problems.append(f"no check cell after: {cell.source[:60]!r}")
        if CHECK in tags(cell) and (cell.outputs or cell.metadata.get("jupyter") != {"source_hidden": True}):
            problems.append(
                f"a check cell must be collapsed (source hidden) and print nothing: {cell.source[:60]!r}"
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


def run_dependent_numbers(nb):
    """Numbers printed by outputs that nbval does not compare: ignored cells and sanitized text."""
    rules = execute_notebooks.sanitize_rules()
    varying, fixed = set(), set()
    for cell in (c for c in nb.cells if c.cell_type == "code"):
        fixed |= numbers(cell.source)
        for text in output_texts(cell):
            if IGNORE in tags(cell):
                varying |= numbers(text)
                continue
            for pattern, replacement in rules:
                varying |= {n for m in re.finditer(pattern, text) for n in numbers(m.group(0))}
                text = re.sub(pattern, replacement, text)
            fixed |= numbers(text)
    return varying - fixed


def unmarked_run_numbers(nb):
    """Sentences that state a number of this run's training as fact: neither the post's (원문) nor
    marked as this saved run's (저장한 실행)."""
    varying = run_dependent_numbers(nb)

    def unmarked(sentence):
        marked = SAVED_RUN in " ".join(sentence.split())
        return "" if marked else ", ".join(sorted(numbers(sentence) & varying))

    return sentences_stating(nb, unmarked)


# --- one form per concept: the glossary's rejected variants stay out of the prose ----------------

GLOSSARY = ROOT / "notebooks" / "glossary.md"
NUMBER = r"\d[\d,.]*"


def rejected_variants(glossary_text):
    """{variant: (pattern, preferred term)} from the glossary table's last column."""
    variants = {}
    for line in glossary_text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 5 or cells[0] in ("용어", "") or set(cells[0]) <= set("-: "):
            continue
        for variant in re.findall(r"`([^`]+)`", cells[4]):
            pattern = NUMBER.join(re.escape(part) for part in variant.split("#"))
            if re.fullmatch(r"[A-Za-z][A-Za-z -]*", variant):
                # English words stand alone: "seed를" counts; "00_index" and a gloss right after "(" do not.
                pattern = rf"(?<![A-Za-z0-9_(-]){pattern}(?![A-Za-z0-9_-])"
            variants[variant] = (re.compile(pattern, re.I), cells[0])
    return variants


def glossary_violations(nb, variants):
    """Rejected variants in the notebook's prose; an English gloss in parentheses is allowed."""
    found = []
    for cell in nb.cells:
        if cell.cell_type != "markdown" or cell.get("id") in navigation.NAV_IDS:
            continue
        raw = prose(cell.source)
        glossed = re.sub(r"\([\x00-\x7f]*\)", " ", raw)
        for variant, (pattern, term) in variants.items():
            text = raw if "(" in variant else glossed
            for match in pattern.finditer(text):
                where = text[max(0, match.start() - 30) : match.end() + 30]
                found.append(f"{match.group()!r} (write {term}) in: {where!r}")
    return found


VARIANTS = rejected_variants(GLOSSARY.read_text(encoding="utf-8"))


def strikethrough(nb):
    """Markdown with a ~: JupyterLab renders ~text~ as strikethrough, so "0~9 ... 0~1" in one
    paragraph crosses text out."""
    texts = [
        re.sub(r"`[^`]*`|\$\$.*?\$\$|\$[^$]*\$", "", c.source, flags=re.S)
        for c in nb.cells
        if c.cell_type == "markdown"
    ]
    return [text[:80] for text in texts if "~" in text]


# Every stored figure has a short Korean alt text, the cell's {"mystnb": {"image": {"alt": "..."}}}
# (MyST-NB's per-cell image options), which the site puts on its image: what the figure shows, for a
# reader who cannot see it. A saved widget's figures count as the cell's, as on the site.
HANGUL = re.compile(r"[가-힣]")
MAX_ALT = 150  # about two lines of a screen reader: what the figure shows, not everything in it


def alt_problems(nb):
    """What is wrong with the alt texts of a notebook's figures (an empty list if nothing)."""
    problems = []
    for cell, images in build_site.figure_cells(nb):
        where = f"cell {cell.get('id')} ({images} figure{'s' if images > 1 else ''})"
        alt = build_site.alt_text(cell)
        if not isinstance(alt, str) or not alt.strip():
            problems.append(f'{where}: no alt text (metadata {{"mystnb": {{"image": {{"alt": "..."}}}}}})')
        elif not HANGUL.search(alt):
            problems.append(f"{where}: the alt text {alt!r} is not Korean")
        elif len(alt) > MAX_ALT:
            problems.append(f"{where}: the alt text has {len(alt)} characters, more than {MAX_ALT}")
    return problems


# Each rule a stored notebook keeps: what finds its breaches, and what to do about one.
RULES = {
    "quiet checks": (noisy_checks, "make the check a silent assert, or print the value it checks"),
    "stated accuracies": (
        accuracy_drift,
        "print the accuracy in this lesson, correct the prose, or say it is the post's (원문)",
    ),
    "checked outputs": (unchecked_outputs, "add a hidden, silent check cell after the ignored output"),
    "trained numbers": (
        unmarked_run_numbers,
        "give a range, or say it is the value of this saved run (이 노트북을 저장한 실행에서는 ...)",
    ),
    "glossary": (lambda nb: glossary_violations(nb, VARIANTS), "write the glossary's term"),
    "no strikethrough": (strikethrough, "write ranges with an en dash (0–9)"),
    "figures' alt texts": (alt_problems, "give each figure a short Korean alt text"),
}


@pytest.mark.parametrize("rule", RULES)
@pytest.mark.parametrize("path", PATHS, ids=NAMES)
def test_the_notebook_keeps_the_rule(path, rule):
    find, what_to_do = RULES[rule]
    assert find(read(path)) == [], what_to_do


# --- each check catches a deliberately broken lesson ---------------------------------------------


def code_cell(source, text):
    cell = nbformat.v4.new_code_cell(source, execution_count=1)
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=text)]
    return cell


def everywhere(old, new):
    return lambda nb: [cell.update(source=cell.source.replace(old, new)) for cell in nb.cells]


@pytest.mark.parametrize(
    "break_it, expected",
    [
        (everywhere("**학습 목표**", "**목표**"), "학습 목표"),
        (everywhere("**선수 지식**", "선수 지식"), "선수 지식"),
        (everywhere('quiz.show("01")', 'print("01")'), "quiz.show"),
        (everywhere("## 핵심 포인트", "## 정리"), "핵심 포인트"),
        (lambda nb: [c.metadata.pop("tags", None) for c in nb.cells], "solution"),
    ],
)
def test_the_shape_check_catches_a_broken_lesson(break_it, expected):
    nb = read(LESSONS[0])
    break_it(nb)
    assert any(expected in problem for problem in shape_problems(nb, LESSONS[0].name[:2]))


@pytest.mark.parametrize(
    "text, noisy",
    [
        ("True\n", True),
        ("True True\n", True),
        ("np.False_\n", True),
        ("checks passed\n", True),
        ("test accuracy: 0.974\n[ True False]\nTrue positives: 3\n", False),
    ],
)
def test_the_quiet_check_catches_a_bare_boolean_and_lets_values_through(text, noisy):
    assert bool(noisy_checks(notebook(code_cell("print(x == x)", text)))) == noisy


def test_the_accuracy_check_catches_drift():
    nb = notebook(
        code_cell("print('Test accuracy:', acc)", "Test accuracy: 0.9739999771118164\n"),
        nbformat.v4.new_markdown_cell(""),
    )
    for stated, drift in [
        ("이 모델은 테스트 이미지의 약 97.5 %를 맞힙니다.", "97.5"),
        ("이 모델은 테스트 이미지의 97.4 %를 맞힙니다(원문은 97.73 %).", None),
        ("정확도는 0.974, 약 97 %입니다.", None),
        ("원문은 0.9773이었습니다.", None),
        ("정확도는 0.980입니다.", "0.980"),
    ]:
        nb.cells[1].source = stated
        assert [d.split(" in: ")[0] for d in accuracy_drift(nb)] == ([drift] if drift else []), stated


@pytest.mark.parametrize(
    "text, variant",
    [
        ("모델을 10 epoch 동안 훈련합니다.", "훈련"),
        ("10 epoch 동안", "epoch"),
        ("테스트 이미지 10,000장", "#장"),
        ("정확도는 97%입니다.", "#%"),
        ("출력층의 점수(logit)", "점수(logit)"),
        ("random seed를 고정합니다.", "seed"),
        ("배열의 index 3", "index"),
        ("2코어 노트북 CPU에서", "노트북 CPU"),
        # allowed: a gloss in parentheses, code, a quote of the post and a link target
        (
            "에포크(epoch)마다 `epochs=10`으로 학습합니다.\n"
            "> 원문: 0에서 1사이로 정규화를 해야 cross-entropy 식에서\n[목차](00_index.ipynb), 정확도 97.4 %",
            None,
        ),
    ],
)
def test_the_glossary_check_catches_a_rejected_variant(text, variant):
    only = {variant: VARIANTS[variant]} if variant else VARIANTS
    assert bool(glossary_violations(notebook(nbformat.v4.new_markdown_cell(text)), only)) == bool(variant)


def test_no_dataset_or_file_over_1_mb_is_tracked():
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True)
    tracked = [ROOT / name for name in listed.stdout.decode().split("\0") if name]
    assert [p.name for p in tracked if re.search(r"\.(npz|npy|gz|h5|idx\d-ubyte)$", p.name, re.I)] == [], (
        "datasets and weights are downloaded or cached, never committed"
    )
    assert [str(p.relative_to(ROOT)) for p in tracked if p.is_file() and p.stat().st_size > 1_000_000] == []


FIGURE = nbformat.v4.new_output("display_data", {"image/png": "iVBORw0KGgo=", "text/plain": "<Figure>"})
TEXT = nbformat.v4.new_output("stream", name="stdout", text="0.97\n")


@pytest.mark.parametrize(
    "metadata, output, found",
    [
        ({}, FIGURE, "no alt text"),
        ({"mystnb": {"image": {"alt": " "}}}, FIGURE, "no alt text"),
        ({"mystnb": {"image": {"alt": "loss curve"}}}, FIGURE, "not Korean"),
        ({"mystnb": {"image": {"alt": "손실 " * 80}}}, FIGURE, "more than"),
        ({"mystnb": {"image": {"alt": "에포크마다 줄어드는 손실 곡선"}}}, FIGURE, None),
        ({}, TEXT, None),  # no figure, no alt text needed
        ({"tags": ["check"]}, FIGURE, None),  # the site leaves check cells out
    ],
)
def test_the_alt_text_check_names_what_is_missing(metadata, output, found):
    problems = alt_problems(
        notebook(nbformat.v4.new_code_cell("plt.show()", metadata=metadata, outputs=[output]))
    )
    assert (problems == []) if found is None else (len(problems) == 1 and found in problems[0])


# --- one marked path: every ``## `` heading of a lesson body (after the title cell, before
# ``## 핵심 포인트``) but ``## 설정`` starts with [원문] (the post's path) or [더 알아보기] (optional, its
# cells tagged ``optional``); lesson markdown names no tooling (``TOOLING``) ---------------------------

MAIN_MARK, OPTIONAL_MARK = "## [원문]", "## [더 알아보기]"
SETUP, BODY_END = "## 설정", "## 핵심 포인트"
FENCE = re.compile(r"^(```|~~~).*?^\1", re.S | re.M)


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
    cells = body(nb)
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
        text = CODE_SPAN.sub(" ", FENCE.sub(" ", cell.source))  # a colour such as `#777777` is code
        hits = [(m, name) for pattern, name in TOOLING for m in pattern.finditer(cell.source)]
        hits += [(m, "an issue number") for m in ISSUE_NUMBER.finditer(text)]
        for match, name in hits:
            context = match.string[max(0, match.start() - 30) : match.end() + 30]
            found.append(f"{name} in {cell.get('id')!r}: {context!r}")
    return found


# --- each rule catches a violation in a small lesson -----------------------------------------------


def md(text, tags=()):
    return nbformat.v4.new_markdown_cell(text, metadata={"tags": list(tags)} if tags else {})


def py(source="x = 1", tags=()):
    return nbformat.v4.new_code_cell(source, metadata={"tags": list(tags)} if tags else {})


def small_lesson():
    """A lesson that follows the rules: setup, two main steps, an optional part, the ending. Not
    lesson text: its navigation cell, which names tooling, and a heading in code or after the body."""
    opt = [OPTIONAL]
    nb = notebook(
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
    )
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
    text = markdown(read(INDEX).cells)
    repo = navigation.repository_url(ROOT)
    forms = re.findall(re.escape(repo) + r"/issues/new\?template=([\w.-]+)", text)
    assert len(set(forms)) >= 2, f"00 links the bug-report and question forms of {repo}/issues"
    for form in forms:
        assert (FORMS / form).is_file(), f"00 links {form}, which .github/ISSUE_TEMPLATE does not have"
    assert "from helpers.environment import report; report()" in text
