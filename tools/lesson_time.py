"""The **예상 시간** line of a lesson's title cell, from the lesson's text and its measured run time.

00 tells students how the estimate is made; this module is that rule, so the line is computed, never
typed: reading the lesson's markdown at READING_CHARS_PER_MINUTE, plus running it top to bottom in a
fresh kernel (the seconds `make budget` / `make guide` measured), plus QUIZ_MINUTES for 확인 문제
and 연습 문제. `make guide` rewrites the line in every lesson whenever it writes the guide's table,
so the two always show the same measurement.
"""

import re

READING_CHARS_PER_MINUTE = 550
QUIZ_MINUTES = 10
# The cells the tools generate (navigation and badges) are links, not reading.
GENERATED_IDS = ("nav-top", "nav-badges", "nav-bottom")
LINE = re.compile(r"\*\*예상 시간\*\*: 약 (\d+)분 \(읽기 약 (\d+)분, 실행 약 (\d+)초\)")


def reading_minutes(nb):
    """Minutes to read the lesson's markdown (at least 1)."""
    # The 예상 시간 line itself is left out, so rewriting it cannot change the count.
    chars = sum(len(LINE.sub("", cell.source)) for cell in nb.cells
                if cell.cell_type == "markdown" and cell.get("id") not in GENERATED_IDS)
    return max(1, round(chars / READING_CHARS_PER_MINUTE))


def planned_time(nb, seconds):
    """The title line for a lesson that runs in ``seconds``."""
    reading = reading_minutes(nb)
    run = max(1, round(seconds))
    total = round(reading + run / 60 + QUIZ_MINUTES)
    return f"**예상 시간**: 약 {total}분 (읽기 약 {reading}분, 실행 약 {run}초)"


def stated_seconds(title_source):
    """The run time (seconds) a title cell states, or None if it has no 예상 시간 line."""
    match = LINE.search(title_source)
    return int(match.group(3)) if match else None


def set_planned_time(title_cell, nb, seconds):
    """Rewrite the 예상 시간 line of ``title_cell`` (a cell of ``nb``); return True if it changed."""
    if not LINE.search(title_cell.source):
        raise ValueError("the title cell has no '**예상 시간**: 약 N분 (읽기 약 M분, 실행 약 S초)' "
                         "line to update: add one (any numbers) and run again.")
    new = LINE.sub(planned_time(nb, seconds), title_cell.source)
    changed = new != title_cell.source
    title_cell.source = new
    return changed
