"""Real-browser test: run every notebook in JupyterLab in headless Chromium and check what renders.

    python tools/browser_test.py                      # every notebook in notebooks/ (`make browser-test`)
    python tools/browser_test.py notebooks/01_relu.ipynb

For each notebook: open it in JupyterLab, clear its outputs, Run All, wait until every code cell
has run, then check that no cell shows an error or a traceback, that every figure the stored
notebook has is rendered as an image, and, in lessons with widgets, that moving a slider (or
drawing on the canvas) changes the image the widget shows. A screenshot of each notebook is saved
in artifacts/browser/. Exits non-zero on any failure, naming the notebook and the cell.

JupyterLab runs from this environment on 127.0.0.1 with a random port and token, on a temporary
copy of notebooks/ (the repository's stored outputs are never rewritten), and is shut down at the
end, also when a step fails. The browser is Debian's chromium (/usr/bin/chromium), installed with
apt-get when missing and running as root; Playwright only drives it (no `playwright install`).
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
ARTIFACTS = ROOT / "artifacts" / "browser"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
SERVER_START_TIMEOUT = 90   # seconds
KERNEL_START_TIMEOUT = 60
NOTEBOOK_TIMEOUT = 240      # seconds for one notebook's Run All
WIDGET_TIMEOUT = 30         # seconds for a widget to redraw after a slider move or a stroke

# JupyterLab settings for the test: every cell stays in the page (no windowing, so every output
# can be checked), no autosave, no news or update pop-ups over the screenshots.
SETTINGS = {
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings":
        {"fetchNews": "false", "checkForUpdates": False},
}


class Failure(Exception):
    """A check failed; the message names the notebook and the cell."""


def log(message):
    print(f"[browser-test] {message}", flush=True)


# --- the browser ----------------------------------------------------------------------------------

def missing_packages():
    """Debian packages the test needs: the browser, and a Korean font for readable screenshots."""
    missing = [] if CHROMIUM.exists() else ["chromium"]
    fonts = subprocess.run(["fc-list", ":lang=ko"], capture_output=True, text=True, check=False) \
        if shutil.which("fc-list") else None
    if fonts is None or not fonts.stdout.strip():
        missing.append("fonts-nanum")
    return missing


def ensure_chromium():
    """Install Debian's chromium (and a Korean font) with apt-get if missing (CI runs as root)."""
    missing = missing_packages()
    if not missing:
        return
    if os.geteuid() != 0:
        if "chromium" in missing:
            raise Failure(f"{CHROMIUM} is missing: install Debian's chromium package "
                          "(sudo apt-get install chromium) and run again.")
        log("no Korean font found: screenshots will show boxes for Hangul (apt-get install fonts-nanum)")
        return
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    for command in (["apt-get", "update", "-qq"],
                    ["apt-get", "install", "-y", "-qq", "--no-install-recommends", *missing]):
        log(f"missing {', '.join(missing)}; running: {' '.join(command)}")
        subprocess.run(command, check=True, env=env)
    if not CHROMIUM.exists():
        raise Failure(f"apt-get installed chromium, but {CHROMIUM} is still missing.")


# --- the JupyterLab server ------------------------------------------------------------------------

def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(workdir, folder, port, token):
    """Start JupyterLab on a copy of ``folder`` (notebooks/) in ``workdir``; return the process."""
    shutil.copytree(folder, workdir / "notebooks",
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    settings = workdir / "settings"
    for name, values in SETTINGS.items():
        path = settings / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values), encoding="utf-8")
    env = dict(os.environ, JUPYTERLAB_SETTINGS_DIR=str(settings),
               JUPYTERLAB_WORKSPACES_DIR=str(workdir / "workspaces"),
               JUPYTER_RUNTIME_DIR=str(workdir / "runtime"),
               TF_CPP_MIN_LOG_LEVEL="3", TF_ENABLE_ONEDNN_OPTS="0")
    command = [str(Path(sys.executable).parent / "jupyter"), "lab", "--no-browser",
               "--ip=127.0.0.1", f"--port={port}", f"--IdentityProvider.token={token}",
               f"--ServerApp.root_dir={workdir}", "--LabApp.expose_app_in_browser=True",
               "--ServerApp.port_retries=0"]
    if os.geteuid() == 0:
        command.append("--allow-root")
    server_log = open(workdir / "jupyterlab.log", "w", encoding="utf-8")
    process = subprocess.Popen(command, cwd=workdir, env=env, stdout=server_log,
                               stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}/api/status?token={token}"
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise Failure(f"jupyter lab exited with code {process.returncode}:\n"
                          + (workdir / "jupyterlab.log").read_text(encoding="utf-8")[-3000:])
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return process
        except OSError:
            time.sleep(0.5)
    raise Failure(f"jupyter lab did not answer on port {port} within {SERVER_START_TIMEOUT} s.")


def stop_server(process):
    """Stop the server and every kernel it started (its whole process group)."""
    if process is None or process.poll() is not None:
        return
    for sig, wait in ((signal.SIGTERM, 15), (signal.SIGKILL, 5)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


# --- one notebook ---------------------------------------------------------------------------------

def expected_outputs(path):
    """Per code cell of the stored notebook: (first line, number of image outputs, has a widget)."""
    nb = nbformat.read(path, as_version=4)
    cells = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        images = sum(1 for o in cell.outputs if "image/png" in o.get("data", {}))
        widget = any(WIDGET_VIEW in o.get("data", {}) for o in cell.outputs)
        first = next((line for line in cell.source.splitlines() if line.strip()), "")
        cells.append((first[:70], images, widget))
    return cells


# JavaScript run in the page. `jupyterapp` is JupyterLab's application object.
JS_PANEL = "() => { const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;" \
           " return !!(w && w.content && w.sessionContext && w.context && w.context.isReady); }"
JS_KERNEL_IDLE = """() => {
    const w = window.jupyterapp.shell.currentWidget;
    const kernel = w.sessionContext.session && w.sessionContext.session.kernel;
    return !!kernel && kernel.status === 'idle';
}"""
JS_STATE = """() => {
    const w = window.jupyterapp.shell.currentWidget;
    const kernel = w.sessionContext.session && w.sessionContext.session.kernel;
    const cells = w.content.widgets.filter(c => c.model.type === 'code');
    return {
        kernel: kernel ? kernel.status : 'none',
        counts: cells.map(c => c.model.executionCount),
        errors: cells.map((c, i) => {
            const outputs = c.model.outputs.toJSON();
            const error = outputs.find(o => o.output_type === 'error');
            if (error) return [i, `${error.ename}: ${error.evalue}`];
            const tb = Array.from(c.node.querySelectorAll(
                '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]'))
                .find(e => e.textContent.includes('Traceback'));
            return tb ? [i, tb.textContent.trim().split('\\n').slice(-1)[0]] : null;
        }).filter(e => e !== null),
    };
}"""
JS_IMAGES = """() => {
    const w = window.jupyterapp.shell.currentWidget;
    return w.content.widgets.filter(c => c.model.type === 'code').map(c =>
        Array.from(c.node.querySelectorAll('.jp-OutputArea-output img'))
            .filter(img => img.complete && img.naturalWidth > 0).length);
}"""
JS_WIDGET_IMAGES = """() => Array.from(document.querySelectorAll(
    '.jp-NotebookPanel:not(.lm-mod-hidden) .widget-output img')).map(img => img.src)"""


def code_cell_name(cells, index):
    return f"code cell {index + 1} ({cells[index][0]!r})"


def run_notebook(context, base_url, token, path):
    """Open, Run All and check one notebook; return the seconds it took. Raises Failure."""
    name = path.name
    cells = expected_outputs(path)
    start = time.monotonic()
    page = context.new_page()
    try:
        # A workspace of its own: JupyterLab does not reopen (and start kernels for) earlier notebooks.
        page.goto(f"{base_url}/lab/workspaces/test-{path.stem}/tree/notebooks/{name}?token={token}")
        page.wait_for_function(JS_PANEL, timeout=KERNEL_START_TIMEOUT * 1000)
        page.wait_for_function(JS_KERNEL_IDLE, timeout=KERNEL_START_TIMEOUT * 1000)
        page.evaluate("() => window.jupyterapp.commands.execute('notebook:clear-all-cell-outputs')")
        page.evaluate("() => { window.jupyterapp.commands.execute('notebook:run-all-cells'); }")
        state = wait_for_run(page, name, cells, start)
        check_images(page, name, cells)
        if any(widget for _, _, widget in cells):
            exercise_widgets(page, name)
        else:  # show the first figure in the screenshot
            page.evaluate("""() => { const img = document.querySelector(
                '.jp-NotebookPanel:not(.lm-mod-hidden) .jp-OutputArea-output img');
                if (img) img.closest('.jp-Cell').scrollIntoView({block: 'start'}); }""")
            time.sleep(0.3)
        screenshot(page, name)
        if page.locator(".jp-OutputArea-output canvas").count():
            check_clear_button(page, name)
        log(f"{name}: {len(state['counts'])} code cells ran, no error, "
            f"{sum(images for _, images, _ in cells)} stored figures rendered")
        return time.monotonic() - start
    except Failure:
        screenshot(page, name)
        raise
    except Exception as error:  # Playwright timeouts and errors: name the notebook
        screenshot(page, name)
        raise Failure(f"{name}: {type(error).__name__}: {str(error).splitlines()[0]}") from error
    finally:
        try:  # free the kernel's memory before the next notebook
            page.evaluate("() => window.jupyterapp.shell.currentWidget.sessionContext.shutdown()")
        except Exception:
            pass
        page.close()


def wait_for_run(page, name, cells, start):
    deadline = start + NOTEBOOK_TIMEOUT
    while True:
        state = page.evaluate(JS_STATE)
        if state["errors"]:
            index, message = state["errors"][0]
            raise Failure(f"{name}: {code_cell_name(cells, index)} shows an error: {message}")
        if state["kernel"] == "idle" and all(count is not None for count in state["counts"]):
            # idle with every count set: check once more after a moment (a queued cell may start)
            time.sleep(0.5)
            again = page.evaluate(JS_STATE)
            if again["kernel"] == "idle" and not again["errors"]:
                return again
        if time.monotonic() > deadline:
            waiting = [i for i, count in enumerate(state["counts"]) if count is None]
            where = code_cell_name(cells, waiting[0]) if waiting else "no cell"
            raise Failure(f"{name}: Run All did not finish within {NOTEBOOK_TIMEOUT} s "
                          f"(kernel {state['kernel']}; first cell not run: {where}).")
        if state["kernel"] in ("dead", "unknown", "none") and time.monotonic() - start > 20:
            raise Failure(f"{name}: the kernel is {state['kernel']} (it may have run out of memory).")
        time.sleep(0.5)


def check_images(page, name, cells):
    deadline = time.monotonic() + 15  # images decode asynchronously
    while True:
        rendered = page.evaluate(JS_IMAGES)
        missing = [(i, cells[i][1], count) for i, count in enumerate(rendered) if count < cells[i][1]]
        if not missing:
            return
        if time.monotonic() > deadline:
            i, expected, count = missing[0]
            raise Failure(f"{name}: {code_cell_name(cells, i)} rendered {count} of its {expected} "
                          "figures")
        time.sleep(0.5)


def exercise_widgets(page, name):
    """Move the first slider (or draw on the canvas) and check that a widget's image changes."""
    page.wait_for_selector(".widget-output img", timeout=WIDGET_TIMEOUT * 1000)
    before = page.evaluate(JS_WIDGET_IMAGES)
    canvas = page.locator(".jp-OutputArea-output canvas").first
    if page.locator(".jp-OutputArea-output canvas").count():
        canvas.scroll_into_view_if_needed()
        box = canvas.bounding_box()
        what = "a stroke drawn on the canvas"
        x0, y0 = box["x"], box["y"]
        page.mouse.move(x0 + box["width"] * 0.5, y0 + box["height"] * 0.15)
        page.mouse.down()
        for step in range(1, 21):  # a vertical stroke: a "1"
            page.mouse.move(x0 + box["width"] * (0.5 - 0.004 * step),
                            y0 + box["height"] * (0.15 + 0.035 * step))
        page.mouse.up()
        target = canvas
    else:
        handle = page.locator(".widget-slider .noUi-handle").first
        if not page.locator(".widget-slider .noUi-handle").count():
            raise Failure(f"{name}: the notebook shows a widget, but no slider or canvas was found")
        handle.scroll_into_view_if_needed()
        box = handle.bounding_box()
        what = "a slider moved with the mouse"
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.mouse.down()
        page.mouse.move(box["x"] + box["width"] / 2 + 25, box["y"] + box["height"] / 2, steps=6)
        page.mouse.up()
        target = handle
    deadline = time.monotonic() + WIDGET_TIMEOUT
    while page.evaluate(JS_WIDGET_IMAGES) == before:
        if time.monotonic() > deadline:
            raise Failure(f"{name}: the widget's image did not change within {WIDGET_TIMEOUT} s "
                          f"after {what}")
        time.sleep(0.3)
    log(f"{name}: {what} changed the widget's image")
    target.evaluate("e => e.closest('.jp-Cell').scrollIntoView({block: 'start'})")
    time.sleep(0.5)  # let the new image decode before the screenshot


def check_clear_button(page, name):
    """On the drawing canvas, the Clear button must empty the prediction (after the screenshot)."""
    page.get_by_role("button", name="Clear").first.click()
    try:
        page.wait_for_function(
            """() => Array.from(document.querySelectorAll(
                '.jp-NotebookPanel:not(.lm-mod-hidden) .widget-output'))
                .some(e => e.textContent.includes('The drawing is empty'))""",
            timeout=WIDGET_TIMEOUT * 1000)
    except Exception as error:
        raise Failure(f"{name}: the canvas's Clear button did not empty the prediction "
                      f"within {WIDGET_TIMEOUT} s") from error
    log(f"{name}: the Clear button emptied the canvas's prediction")


def screenshot(page, name):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    try:
        page.screenshot(path=str(ARTIFACTS / f"{Path(name).stem}.png"))
    except Exception as error:  # a screenshot is evidence, not a check
        log(f"{name}: no screenshot ({type(error).__name__})")


# --- main -----------------------------------------------------------------------------------------

def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path,
                        help="notebooks to check (default: every notebook in notebooks/)")
    args = parser.parse_args(argv)
    paths = [p.resolve() for p in args.notebooks] or sorted((ROOT / "notebooks").glob("*.ipynb"))
    folders = {path.parent for path in paths}
    if len(folders) != 1 or not all(p.is_file() and p.suffix == ".ipynb" for p in paths):
        print("browser test: give existing notebooks, all in one folder", file=sys.stderr)
        return 2
    (folder,) = folders
    start = time.monotonic()
    failures = []
    process = None
    workdir = Path(tempfile.mkdtemp(prefix="browser-test-"))
    try:
        ensure_chromium()
        from playwright.sync_api import sync_playwright

        port, token = free_port(), secrets.token_hex(24)
        log(f"starting JupyterLab on 127.0.0.1:{port} with a copy of {folder.name}/ in {workdir}")
        process = start_server(workdir, folder, port, token)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                                 args=CHROMIUM_ARGS)
            try:
                context = browser.new_context(viewport={"width": 1280, "height": 1000})
                for path in paths:
                    try:
                        seconds = run_notebook(context, f"http://127.0.0.1:{port}", token, path)
                        log(f"{path.name}: passed in {seconds:.0f} s")
                    except Failure as failure:
                        log(f"FAILED {failure}")
                        failures.append(str(failure))
            finally:
                browser.close()
    except Failure as failure:
        failures.append(str(failure))
    finally:
        stop_server(process)
        shutil.rmtree(workdir, ignore_errors=True)
    log(f"screenshots in {ARTIFACTS.relative_to(ROOT)}/; took {time.monotonic() - start:.0f} s")
    if failures:
        print(f"browser test: {len(failures)} failure(s):", file=sys.stderr)
        for failure in failures:
            print(f"  {failure}", file=sys.stderr)
        return 1
    print(f"browser test: {len(paths)} notebooks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
