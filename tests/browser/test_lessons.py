"""The lessons with widgets run in JupyterLab in a real browser, their figures render and widgets respond.

One test per such lesson (Run All, no error, every stored figure rendered, a slider dragged or the
canvas drawn on, the first quiz question answered by a click); a screenshot of each is kept in
artifacts/browser/. And the Binder settings work: closing a lesson's tab shuts its kernel down; the
memory in use shows against the limit.
"""

import re
from pathlib import Path

import nbformat
import pytest
from navigation import notebook_paths
from playwright.sync_api import expect

from helpers import quiz

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "browser"
PANEL = ".jp-NotebookPanel:not(.lm-mod-hidden)"  # the notebook in the active tab
# Limits, not measurements: a quiet 2-core machine needs about a tenth of each (a kernel starts in
# 2-5 s, the longest Run All takes about 25 s), but a busy one can need many times that.
NOTEBOOK_TIMEOUT = 300_000  # ms for one notebook's Run All
KERNEL_TIMEOUT = 180_000  # ms for a kernel to start
WIDGET_TIMEOUT = 30_000  # ms for a widget to redraw after a slider move or a stroke
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def shows_an_explorer(path):
    """Whether a lesson displays a widget besides its quiz (a slider explorer, the drawing canvas)."""
    return any(
        WIDGET_VIEW in output.get("data", {})
        for cell in nbformat.read(path, as_version=4).cells
        if cell.cell_type == "code" and "quiz.show(" not in cell.source
        for output in cell.get("outputs", [])
    )


# The browser is for what only a browser shows: the lessons with widgets (each also has its quiz
# answered by a click). Every lesson runs under nbval (make test) and on the version sets already.
PATHS = [path for path in notebook_paths() if shows_an_explorer(path)]
ALL_PATHS = notebook_paths()

# JavaScript run in the page; `jupyterapp` is JupyterLab's application object.
JS_KERNEL_IDLE = """(name) => {
    const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;
    const kernel = w && w.context && w.context.path.endsWith(name) && w.sessionContext.session
        && w.sessionContext.session.kernel;
    return !!kernel && kernel.status === 'idle';
}"""
JS_STATE = """() => {
    const w = window.jupyterapp.shell.currentWidget;
    const kernel = w.sessionContext.session && w.sessionContext.session.kernel;
    const cells = w.content.widgets.filter(c => c.model.type === 'code');
    return {
        kernel: kernel ? kernel.status : 'none',
        pending: cells.map((c, i) => c.model.executionCount === null ? i : null).filter(i => i !== null),
        errors: cells.map((c, i) => {
            const error = c.model.outputs.toJSON().find(o => o.output_type === 'error');
            return error ? [i, `${error.ename}: ${error.evalue}`] : null;
        }).filter(e => e !== null),
    };
}"""
JS_FINISHED = f"""() => {{
    const state = ({JS_STATE})();
    return state.errors.length > 0 || ['dead', 'unknown'].includes(state.kernel)
        || (state.kernel === 'idle' && state.pending.length === 0);
}}"""
JS_WIDGET_IMAGES = (
    f"() => Array.from(document.querySelectorAll('{PANEL} .widget-output img')).map(i => i.src)"
)
JS_WIDGET_IMAGES_CHANGED = f"(before) => JSON.stringify(({JS_WIDGET_IMAGES})()) !== JSON.stringify(before)"


def open_notebook(page, lab, name, workspace):
    """Open notebooks/``name`` in its own workspace (no earlier tabs reopen) and wait for its kernel."""
    page.goto(lab.url(f"lab/workspaces/{workspace}/tree/notebooks/{name}"))
    page.wait_for_function(JS_KERNEL_IDLE, arg=name, timeout=KERNEL_TIMEOUT)


def stored_cells(path):
    """Per code cell of the stored notebook: (first line, number of figures)."""
    cells = []
    for cell in nbformat.read(path, as_version=4).cells:
        if cell.cell_type == "code":
            first = next((line for line in cell.source.splitlines() if line.strip()), "")
            figures = sum("image/png" in output.get("data", {}) for output in cell.outputs)
            cells.append((first[:70], figures))
    return cells


def drag(page, target, points):
    """Press the mouse on ``target`` at the first of ``points`` (fractions of its box), move through
    the rest, release."""
    expect(target).to_be_visible()
    target.scroll_into_view_if_needed()
    box = target.bounding_box()
    xy = [(box["x"] + box["width"] * fx, box["y"] + box["height"] * fy) for fx, fy in points]
    page.mouse.move(*xy[0])
    page.mouse.down()
    for point in xy[1:]:
        page.mouse.move(*point)
    page.mouse.up()
    return target


def answer_first_quiz_question(page, path):
    """Answer the lesson's first 확인 문제 right, as a student would, and see it marked 정답."""
    if not quiz.quiz_path(path.name[:2]).is_file():  # the index has no questions
        return
    question = quiz.load(path.name[:2])[0]
    box = page.locator(f"{PANEL} .quiz-answer").first
    box.scroll_into_view_if_needed()
    if question["kind"] == "choice":
        box.locator(".quiz-choice").nth(question["choices"].index(question["answer"])).click()
    else:
        box.locator(".quiz-number input").fill(str(question["answer"]))
        box.locator(".quiz-submit").click()
    expect(page.locator(f"{PANEL} .quiz-feedback").first).to_contain_text(
        "정답입니다", timeout=WIDGET_TIMEOUT
    )


# A slider's handle dragged about 30 px to the right; a slanted vertical stroke (a "1") on the canvas.
SLIDER_DRAG = [(0.5 + 0.3 * step, 0.5) for step in range(7)]
STROKE = [(0.5 - 0.004 * step, 0.15 + 0.035 * step) for step in range(21)]


@pytest.mark.parametrize("path", PATHS, ids=[p.stem for p in PATHS])
def test_notebook_runs_and_renders_in_jupyterlab(page, lab, path):
    cells = stored_cells(path)
    open_notebook(page, lab, path.name, f"test-{path.stem}")
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:clear-all-cell-outputs')")
    page.evaluate("() => { window.jupyterapp.commands.execute('notebook:run-all-cells'); }")
    page.wait_for_function(JS_FINISHED, timeout=NOTEBOOK_TIMEOUT)
    state = page.evaluate(JS_STATE)
    for index, message in state["errors"]:
        pytest.fail(f"code cell {index + 1} ({cells[index][0]!r}) shows an error: {message}")
    assert state["kernel"] == "idle", f"the kernel is {state['kernel']} (out of memory?)"

    code_cells = page.locator(f"{PANEL} .jp-CodeCell")
    expect(code_cells).to_have_count(len(cells))
    for index, (first_line, figures) in enumerate(cells):
        images = code_cells.nth(index).locator(".jp-OutputArea-output img")
        for k in range(figures):  # every figure the stored run has, decoded
            expect(
                images.nth(k), f"figure {k + 1} of code cell {index + 1} ({first_line!r})"
            ).to_have_js_property("complete", True)
            assert images.nth(k).evaluate("img => img.naturalWidth") > 0

    if "draw_a_digit" in path.name:
        before = page.evaluate(JS_WIDGET_IMAGES)
        target = drag(page, page.locator(f"{PANEL} .jp-OutputArea-output canvas").first, STROKE)
        page.wait_for_function(JS_WIDGET_IMAGES_CHANGED, arg=before, timeout=WIDGET_TIMEOUT)
    elif page.locator(f"{PANEL} .widget-slider").count():  # an explorer (the quiz has no slider)
        expect(page.locator(f"{PANEL} .widget-output img").first).to_be_visible(timeout=WIDGET_TIMEOUT)
        before = page.evaluate(JS_WIDGET_IMAGES)
        target = drag(page, page.locator(f"{PANEL} .widget-slider .noUi-handle").first, SLIDER_DRAG)
        page.wait_for_function(JS_WIDGET_IMAGES_CHANGED, arg=before, timeout=WIDGET_TIMEOUT)
    else:  # show the first figure in the screenshot
        target = page.locator(f"{PANEL} .jp-OutputArea-output img").first
    if target.count():
        target.evaluate("e => e.closest('.jp-Cell').scrollIntoView({block: 'start'})")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"{path.stem}.png")

    answer_first_quiz_question(page, path)

    if "draw_a_digit" in path.name:  # Clear empties the drawing and its prediction
        page.locator(PANEL).get_by_role("button", name="Clear").first.click()
        expect(page.locator(f"{PANEL} .widget-output", has_text="The drawing is empty").first).to_be_visible(
            timeout=WIDGET_TIMEOUT
        )


def test_closing_a_tab_shuts_its_kernel_down_and_memory_shows_against_the_limit(page, lab):
    first, second = ALL_PATHS[1].name, ALL_PATHS[2].name
    open_notebook(page, lab, first, "test-close-tab")
    first_kernel = page.evaluate(
        "() => window.jupyterapp.shell.currentWidget.sessionContext.session.kernel.id"
    )
    page.evaluate(
        f"() => window.jupyterapp.commands.execute('docmanager:open', {{path: 'notebooks/{second}'}})"
    )
    page.wait_for_function(JS_KERNEL_IDLE, arg=second, timeout=KERNEL_TIMEOUT)
    second_kernel = page.evaluate(
        "() => window.jupyterapp.shell.currentWidget.sessionContext.session.kernel.id"
    )
    assert {first_kernel, second_kernel} <= lab.kernel_ids()

    page.locator(".lm-DockPanel-tabBar .lm-TabBar-tab", has_text=first).locator(
        ".lm-TabBar-tabCloseIcon"
    ).click()
    page.wait_for_function(  # the server's own list of running kernels
        """async ([token, id]) => {
            const response = await fetch('/api/kernels', {headers: {Authorization: 'token ' + token}});
            return !(await response.json()).some(kernel => kernel.id === id);
        }""",
        arg=[lab.token, first_kernel],
        polling=500,
        timeout=30_000,
    )
    assert second_kernel in lab.kernel_ids()  # the lesson still open keeps its kernel

    memory = page.locator("#jp-main-statusbar").get_by_text(re.compile(r"Mem: .+ / .+"))
    expect(memory).to_be_visible()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / "closing_a_tab.png")
