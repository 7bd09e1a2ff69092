"""The **예상 시간** line of a lesson's title cell, from the lesson's text and its measured run time.

00 tells students how the estimate is made; this module is that rule, so the line is computed, never
typed: reading the lesson's markdown at READING_CHARS_PER_MINUTE, plus running it top to bottom in a
fresh kernel (the seconds `make budget` / `make guide` measured), plus QUIZ_MINUTES for 확인 문제
and 연습 문제. `make guide` rewrites the line in every lesson whenever it writes the guide's table,
so the two always show the same measurement.
"""

import re

from navigation import NAV_IDS, title_cell

READING_CHARS_PER_MINUTE = 550
QUIZ_MINUTES = 10
LINE = re.compile(r"\*\*예상 시간\*\*: 약 (\d+)분 \(읽기 약 (\d+)분, 실행 약 (\d+)초\)")


def reading_minutes(nb):
    """Minutes to read the lesson's markdown (at least 1)."""
    # The generated navigation cells are links, not reading; the 예상 시간 line itself is left
    # out, so rewriting it cannot change the count.
    chars = sum(len(LINE.sub("", cell.source)) for cell in nb.cells
                if cell.cell_type == "markdown" and cell.get("id") not in NAV_IDS)
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


def set_planned_time(nb, seconds):
    """Rewrite the 예상 시간 line of the lesson's title cell; return True if it changed."""
    cell = title_cell(nb)
    if not LINE.search(cell.source):
        raise ValueError("the title cell has no '**예상 시간**: 약 N분 (읽기 약 M분, 실행 약 S초)' "
                         "line to update: add one (any numbers) and run again.")
    new = LINE.sub(planned_time(nb, seconds), cell.source)
    changed = new != cell.source
    cell.source = new
    return changed
