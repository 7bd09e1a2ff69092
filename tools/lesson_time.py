"""The **예상 시간** line of a lesson's title cell: what studying the lesson takes, from the lesson itself.

00 tells students how the estimate is made; this module is that rule, so the line is computed, never
typed. Studying a lesson means reading its text, reading and running its code, and answering its
questions:

- text: the markdown's 어절 (what whitespace separates: a formula or a piece of code in the text counts
  as one) at WORDS_PER_MINUTE. Adults read easy Korean sentences (second-grade textbook sentences)
  silently at 202 어절 a minute, about 590 syllables (Song, Kim & Hyung 2016, "Validity of Korean
  Version Reading Speed Application", J Korean Ophthalmol Soc 57(4):642-649: 202.3 ± 88.4 wpm,
  18.9 syllables in 6.5 어절 a sentence). Reading to learn runs at about half the rate of reading
  to understand: 100-200 against 200-400 words a minute in the usual classes of reading rate, and
  Carver's learning and memorizing gears (200 and 138 words a minute) against his 300 for ordinary
  reading. A beginner studying new technical text reads to learn: 100 어절 a minute (about 290
  syllables). The estimate used to assume 550 syllables a minute, the rate of easy sentences.
- code: the lines of the code cells a student sees, at CODE_LINES_PER_MINUTE, the rate at which
  reviewers prepare application code in a high-level language (about 500 lines an hour: Humphrey
  1989, in McConnell, Code Complete, 2nd ed.); it covers running the cell and looking at what it
  shows. Collapsed cells (the setup cell, checks, solutions) and the quiz's call are not read.
- questions: QUIZ_MINUTES for each 확인 문제 question (read it, answer, read the feedback) and
  EXERCISE_MINUTES for each 연습 문제 (write a few lines, run them, compare with the solution).
  These two are argued, not measured.
- running: the seconds `make budget` measured running the lesson top to bottom in a fresh kernel.

The main path is the lesson's text, code and 확인 문제: what a class does together. The 연습 문제
section is practice a student does afterwards, and cells tagged ``optional`` (a [더 알아보기] section)
are side topics: both are counted apart, and the line states the main path's minutes, then the
exercises', then the optional parts'. The run time is measured for the whole notebook, so all of it
counts on the main path. `make guide` rewrites the line in every lesson whenever it writes the guide's
table, so the two always show the same measurement.
"""

import re

import navigation  # as a module: navigation imports this one for 00's table

WORDS_PER_MINUTE = 100
CODE_LINES_PER_MINUTE = 8
QUIZ_MINUTES = 1
EXERCISE_MINUTES = 5
OPTIONAL = "optional"
OPTIONAL_NAME = "[더 알아보기]"
EXERCISES_NAME = "연습 문제"
# Lines written by earlier rules (no questions part, "문제" for both kinds, no exercises part): still read.
LINE = re.compile(
    r"\*\*예상 시간\*\*: 약 (?P<main>\d+)분 \(읽기 약 \d+분, (?:(?:확인 )?문제 약 \d+분, )?"
    r"실행 약 (?P<run>\d+)초\)(?: \+ 연습 문제 약 (?P<exercises>\d+)분)?"
    r"(?: \+ \[더 알아보기\] 약 (?P<optional>\d+)분)?"
)
PARTS = ("main", "exercises", "optional")
QUIZ_CALL = re.compile(r"quiz\.show\(\s*[\"'](\d\d)[\"']\s*\)")
EXERCISES = f"## {EXERCISES_NAME}"
EXERCISE_ITEM = re.compile(r"^\d+\.\s")
LINK_TARGET = re.compile(r"\]\([^)]*\)|<!--.*?-->", re.S)


def _words(markdown):
    text = LINK_TARGET.sub("] ", LINE.sub("", markdown))
    return sum(1 for token in text.split() if re.search(r"\w", token))


def _code_lines(cell):
    hidden = cell.metadata.get("jupyter", {}).get("source_hidden", False)
    if hidden or cell.get("id") == navigation.SETUP_ID or QUIZ_CALL.search(cell.source):
        return 0
    return sum(1 for line in cell.source.splitlines() if line.strip())


def _quiz_questions(cell):
    from helpers import quiz  # the course's package; only lessons with a quiz need it

    return sum(len(quiz.load(number)) for number in QUIZ_CALL.findall(cell.source))


def study(nb):
    """What a student reads and answers on the main path, in the 연습 문제 and in the optional parts.

    Returns ``{"main": counts, "exercises": counts, "optional": counts}``, each counts a dict of
    ``words`` (어절 of the markdown), ``code_lines``, ``quiz`` (questions) and ``exercises``.
    """
    parts = {part: dict.fromkeys(("words", "code_lines", "quiz", "exercises"), 0) for part in PARTS}
    section = None
    for cell in nb.cells:
        if cell.get("id") in navigation.NAV_IDS:
            continue
        lines = cell.source.splitlines() if cell.cell_type == "markdown" else []
        if lines and lines[0].startswith("## "):
            section = lines[0].strip()
        if OPTIONAL in cell.metadata.get("tags", []):
            counts = parts["optional"]
        else:
            counts = parts["exercises" if section == EXERCISES else "main"]
        if cell.cell_type == "markdown":
            counts["words"] += _words(cell.source)
            for line in lines[1:]:
                if line.startswith("## "):
                    section = line.strip()
                elif section == EXERCISES and EXERCISE_ITEM.match(line):
                    counts["exercises"] += 1
        elif cell.cell_type == "code":
            counts["code_lines"] += _code_lines(cell)
            counts["quiz"] += _quiz_questions(cell)
    return parts


def minutes(counts):
    """(reading, questions) minutes of one part's counts (see ``study``)."""
    reading = counts["words"] / WORDS_PER_MINUTE + counts["code_lines"] / CODE_LINES_PER_MINUTE
    return reading, counts["quiz"] * QUIZ_MINUTES + counts["exercises"] * EXERCISE_MINUTES


def planned_time(nb, seconds):
    """The title line for a lesson that runs in ``seconds``."""
    parts = study(nb)
    reading, questions = minutes(parts["main"])
    run = max(1, round(seconds))
    total = round(reading + questions + run / 60)
    parts_text = f"읽기 약 {max(1, round(reading))}분, 확인 문제 약 {round(questions)}분, 실행 약 {run}초"
    line = f"**예상 시간**: 약 {total}분 ({parts_text})"
    return line + _extra(*(round(sum(minutes(parts[part]))) for part in PARTS[1:]))


def _extra(exercises, optional):
    return (f" + {EXERCISES_NAME} 약 {exercises}분" if exercises else "") + (
        f" + {OPTIONAL_NAME} 약 {optional}분" if optional else ""
    )


def stated_seconds(title_source):
    """The run time (seconds) a title cell states, or None if it has no 예상 시간 line."""
    match = LINE.search(title_source)
    return int(match.group("run")) if match else None


def stated_minutes(title_source):
    """(main path, 연습 문제, optional parts) minutes a title states; None if it has no 예상 시간 line."""
    match = LINE.search(title_source)
    return tuple(int(match.group(part) or 0) for part in PARTS) if match else None


def time_columns(stated):
    """00's table cells for ``stated_minutes``' triple ("—" where a lesson states none yet)."""
    if stated is None:
        return ["—"] * len(PARTS)
    return [f"약 {minutes}분" if minutes else "—" for minutes in stated]


def total_minutes(stated):
    """The sum of several ``stated_minutes`` triples, or None if any lesson states none."""
    stated = list(stated)
    if any(triple is None for triple in stated):
        return None
    return tuple(sum(column) for column in zip(*stated))


def set_planned_time(nb, seconds):
    """Rewrite the 예상 시간 line of the lesson's title cell; return True if it changed."""
    cell = navigation.title_cell(nb)
    if not LINE.search(cell.source):
        raise ValueError(
            "the title cell has no '**예상 시간**: 약 N분 (읽기 약 M분, 실행 약 S초)' "
            "line to update: add one (any numbers) and run again."
        )
    new = LINE.sub(planned_time(nb, seconds), cell.source)
    changed = new != cell.source
    cell.source = new
    return changed
