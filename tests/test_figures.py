"""Every figure a lesson stores has a short Korean alt text, which the site puts on its image.

The alt text is the cell's ``{"mystnb": {"image": {"alt": "..."}}}`` metadata (MyST-NB's per-cell
image options); it says what the figure shows, for a reader who cannot see it. A saved widget's
figures count as the cell's figures, as on the site.
"""

import re

import build_site
import nbformat
import pytest

LESSONS = build_site.lesson_paths()
HANGUL = re.compile(r"[가-힣]")
# About two lines of a screen reader: what the figure shows, not everything in it.
MAX_ALT = 150


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


@pytest.mark.parametrize("path", LESSONS, ids=[p.name for p in LESSONS])
def test_every_stored_figure_has_a_short_korean_alt_text(path):
    assert alt_problems(nbformat.read(path, as_version=4)) == []


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
def test_alt_problems_name_what_is_missing(metadata, output, found):
    nb = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell("plt.show()", metadata=metadata, outputs=[output])]
    )
    problems = alt_problems(nb)
    assert (problems == []) if found is None else (len(problems) == 1 and found in problems[0])
