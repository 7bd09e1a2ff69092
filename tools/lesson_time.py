"""The **예상 시간** line of a lesson's title cell, computed from the lesson by the rule 00 explains.

- text: the markdown's 어절 (whitespace-separated; a formula counts as one) at 100 a minute, half the
  rate of silent reading of easy Korean, as a beginner reads new technical text to learn (00's sources);
- code: the non-blank lines of the code cells a student sees at 8 a minute (a reviewer's ~500 lines an
  hour), running the cell included; collapsed cells, the setup cell and the quiz's call are not read;
- questions: 1 minute per 확인 문제 question, 5 per 연습 문제 item (argued, not measured);
- running: the seconds `make budget` measured for the whole notebook in a fresh kernel.

The main path (text, code, 확인 문제: what a class does together) comes first; the 연습 문제 section
(practice afterwards) and cells tagged ``optional`` ([더 알아보기] side topics) are counted apart and
added after it. `make guide` rewrites the line with the measurement its table shows.
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
LINE = re.compile(
    r"\*\*예상 시간\*\*: 약 (?P<main>\d+)분 \(읽기 약 \d+분, 확인 문제 약 \d+분, 실행 약 (?P<run>\d+)초\)"
    rf"(?: \+ {EXERCISES_NAME} 약 (?P<exercises>\d+)분)?(?: \+ \[더 알아보기\] 약 (?P<optional>\d+)분)?"
)
PARTS = ("main", "exercises", "optional")
QUIZ_CALL = re.compile(r"quiz\.show\(\s*[\"'](\d\d)[\"']\s*\)")
EXERCISES = f"## {EXERCISES_NAME}"
LINK_TARGET = re.compile(r"\]\([^)]*\)|<!--.*?-->", re.S)


def study(nb):
    """{part: {"words", "code_lines", "quiz", "exercises": count}} for each of ``PARTS``."""
    parts = {part: dict.fromkeys(("words", "code_lines", "quiz", "exercises"), 0) for part in PARTS}
    section = None
    for cell in nb.cells:
        if cell.get("id") in navigation.NAV_IDS:
            continue
        lines = cell.source.splitlines() if cell.cell_type == "markdown" else []
        if lines and lines[0].startswith("## "):
            section = lines[0].strip()
        part = "exercises" if section == EXERCISES else "main"
        counts = parts["optional" if OPTIONAL in cell.metadata.get("tags", []) else part]
        if lines:
            text = LINK_TARGET.sub("] ", LINE.sub("", cell.source))
            counts["words"] += sum(1 for token in text.split() if re.search(r"\w", token))
            for line in lines[1:]:
                if line.startswith("## "):
                    section = line.strip()
                elif section == EXERCISES and re.match(r"\d+\.\s", line):
                    counts["exercises"] += 1
        elif cell.cell_type == "code":
            if quizzes := QUIZ_CALL.findall(cell.source):
                from helpers import quiz  # the course's package; only lessons with a quiz need it

                counts["quiz"] += sum(len(quiz.load(number)) for number in quizzes)
            hidden = cell.metadata.get("jupyter", {}).get("source_hidden", False)
            if not (hidden or quizzes or cell.get("id") == navigation.SETUP_ID):
                counts["code_lines"] += sum(1 for line in cell.source.splitlines() if line.strip())
    return parts


def minutes(counts):
    """(reading, questions) minutes of one part's counts."""
    reading = counts["words"] / WORDS_PER_MINUTE + counts["code_lines"] / CODE_LINES_PER_MINUTE
    return reading, counts["quiz"] * QUIZ_MINUTES + counts["exercises"] * EXERCISE_MINUTES


def planned_time(nb, seconds):
    """The title line for a lesson that runs in ``seconds``."""
    parts = study(nb)
    reading, questions = minutes(parts["main"])
    run = max(1, round(seconds))
    line = (
        f"**예상 시간**: 약 {round(reading + questions + run / 60)}분 (읽기 약 {max(1, round(reading))}분, "
        f"확인 문제 약 {round(questions)}분, 실행 약 {run}초)"
    )
    for name, part in ((EXERCISES_NAME, "exercises"), (OPTIONAL_NAME, "optional")):
        if extra := round(sum(minutes(parts[part]))):
            line += f" + {name} 약 {extra}분"
    return line


def stated_minutes(title_source):
    """(main path, 연습 문제, optional parts) minutes a title states; None if it has no 예상 시간 line."""
    match = LINE.search(title_source)
    return tuple(int(match.group(part) or 0) for part in PARTS) if match else None


def time_columns(stated):
    """00's table cells for ``stated_minutes``' triple ("—" where a lesson states none yet)."""
    return [f"약 {minutes}분" if minutes else "—" for minutes in stated or (0,) * len(PARTS)]


def total_minutes(stated):
    """The sum of several ``stated_minutes`` triples, or None if any lesson states none."""
    stated = list(stated)
    return None if None in stated else tuple(map(sum, zip(*stated)))


def set_planned_time(nb, seconds):
    """Rewrite the 예상 시간 line of the lesson's title cell; return True if it changed."""
    cell = navigation.title_cell(nb)
    if not LINE.search(cell.source):
        raise ValueError(
            "the title cell has no '**예상 시간**: 약 N분 (읽기 약 M분, 확인 문제 약 Q분, 실행 약 S초)' "
            "line to update: add one (any numbers) and run again."
        )
    new = LINE.sub(planned_time(nb, seconds), cell.source)
    changed, cell.source = new != cell.source, new
    return changed
