"""Re-execute notebooks in place: the only way the course's stored outputs are made (`make outputs`).

Each notebook runs top to bottom in a fresh kernel started in notebooks/ (as JupyterLab does), with
the environment of this process (so MNIST_NPZ is honoured) and the course's TensorFlow settings.
Then it is written back normalized: sorted keys, Hangul as is, no execution timestamps. Where a new
output differs from the stored one only in what nbval_sanitize.cfg masks for `make test` too (Keras step
timings, the kernel's temporary file names, ...), the stored text is kept: both are real outputs
of this code, and re-running an unchanged notebook leaves `git diff` empty.

With --format-only nothing runs: the notebooks are only written back normalized (`make format`,
after editing prose; the stored outputs stay as they are). With --no-save each notebook only runs
and nothing is written (`make student-check`, on the edition).

    python tools/execute_notebooks.py                      # every lesson
    python tools/execute_notebooks.py notebooks/06_training.ipynb
    python tools/execute_notebooks.py --format-only
"""

import argparse
import json
import re
import sys
import time
from pathlib import Path

import nbformat
from navigation import ROOT, notebook_paths
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from helpers.environment import quiet_tensorflow

KERNEL = "python3"
SANITIZE = ROOT / "nbval_sanitize.cfg"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"


def normalize(nb):
    """Drop or fix what changes from run to run without changing what the notebook says."""
    nb.metadata["kernelspec"] = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": KERNEL}
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
    return _renumber_widget_models(nb)


def _renumber_widget_models(nb):
    """Replace the random ids of saved widget models by ids numbered in a fixed order.

    The order is a walk that does not depend on the ids themselves: the widgets displayed in the
    outputs, cell by cell, then, depth first, the models each one refers to (``IPY_MODEL_<id>``
    in its state, read with sorted keys); models that nothing refers to come last, by content.
    """
    state = nb.metadata.get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    if not state:
        return nb
    order = []

    def visit(model_id):
        if model_id in state and model_id not in order:
            order.append(model_id)
            for ref in re.findall(r"IPY_MODEL_([0-9a-f]{32})", json.dumps(state[model_id], sort_keys=True)):
                visit(ref)

    for cell in nb.cells:
        for output in cell.get("outputs", []):
            view = output.get("data", {}).get("application/vnd.jupyter.widget-view+json")
            if view:
                visit(view["model_id"])
    for model_id in sorted(set(state) - set(order), key=lambda i: json.dumps(state[i], sort_keys=True)):
        visit(model_id)
    text = nbformat.writes(nb)
    for number, model_id in enumerate(order, start=1):
        text = text.replace(model_id, f"{number:032x}")
    return nbformat.reads(text, as_version=4)


def sanitize_rules(path=SANITIZE):
    """The (pattern, replacement) pairs of an nbval sanitize file, read by nbval's own parser."""
    # Imported here: compat's version sets run notebooks through this module without nbval.
    from nbval.plugin import get_sanitize_patterns

    return get_sanitize_patterns(path.read_text(encoding="utf-8"))


def _sanitized(text, rules):
    for pattern, replacement in rules:  # as nbval applies them
        text = re.sub(pattern, replacement, text)
    return text


def keep_equivalent_outputs(new, old, rules):
    """Keep ``old``'s text wherever ``new``'s output differs from it only in what ``rules`` mask.

    Cells are matched by id and source; outputs by position and type. Returns ``new``.
    """
    stored = {cell.get("id"): cell for cell in old.cells if cell.cell_type == "code"}
    for cell in new.cells:
        before = stored.get(cell.get("id"))
        if cell.cell_type != "code" or before is None or before.source != cell.source:
            continue
        for output, previous in zip(cell.outputs, before.get("outputs", [])):
            if output.output_type != previous.output_type or output.get("name") != previous.get("name"):
                continue
            if "text" in output and _sanitized(output.text, rules) == _sanitized(
                previous.get("text", ""), rules
            ):
                output.text = previous.text
            data, previous_data = output.get("data", {}), previous.get("data", {})
            for mime in ("text/plain", "text/html"):
                if (
                    mime in data
                    and mime in previous_data
                    and _sanitized(data[mime], rules) == _sanitized(previous_data[mime], rules)
                ):
                    data[mime] = previous_data[mime]
    return new


def run(path, timeout=600, on_start=None, kernel_options=None):
    """Run the notebook at ``path`` top to bottom in a fresh kernel, in its own folder.

    ``timeout``: seconds a cell may take. ``on_start(client)`` is called once the kernel runs (its
    process is ``client.km.provisioner.pid``). ``kernel_options``: keyword arguments for starting
    the kernel's process (jupyter_client hands them to ``subprocess.Popen``, e.g. ``preexec_fn``).
    Returns the executed notebook (not saved) and the seconds it took; raises nbclient's
    ``CellExecutionError`` at the first failing cell.
    """
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name=KERNEL,
        record_timing=False,
        resources={"metadata": {"path": str(path.parent)}},
    )
    if on_start is not None:
        client.on_notebook_start = lambda **_: on_start(client)
    start = time.perf_counter()
    client.execute(**(kernel_options or {}))
    return nb, time.perf_counter() - start


def run_measured(path, timeout=600, kernel_options=None):
    """``run``, with the peak RSS of the kernel and its children sampled from its start, for the tools
    that measure lessons (budget, memory-limits, compat). A failure does not raise: returns {nb: the
    executed notebook or None, seconds, peak_mb (MB = 10**6 bytes), error: None or "Name: value" of
    what stopped the run, traceback: its whole text or None}."""
    from process_memory import MB, PeakRSS

    samplers, start, nb, error, traceback = [], time.perf_counter(), None, None, None

    def follow(client):  # the kernel has started
        samplers.append(PeakRSS(client.km.provisioner.pid))
        samplers[0].start()

    try:
        nb, _ = run(path, timeout, on_start=follow, kernel_options=kernel_options)
    except Exception as exc:  # a failing cell, a kernel that died (out of memory) or timed out
        traceback = str(exc)
        value = getattr(exc, "evalue", None) or (traceback.strip().splitlines() or [""])[-1]
        error = f"{getattr(exc, 'ename', None) or type(exc).__name__}: {value}"[:300]
    seconds = time.perf_counter() - start
    peak = samplers[0].stop() if samplers else 0
    return {"nb": nb, "seconds": seconds, "peak_mb": peak / MB, "error": error, "traceback": traceback}


def execute(path, timeout=600):
    """Execute the notebook at ``path`` in place; return the seconds it took."""
    start = time.perf_counter()
    nb, _ = run(path, timeout)
    stored = nbformat.read(path, as_version=4)
    nbformat.write(keep_equivalent_outputs(normalize(nb), stored, sanitize_rules()), path)
    return time.perf_counter() - start


def format_only(path):
    """Write the notebook at ``path`` back normalized, without running it."""
    nbformat.write(normalize(nbformat.read(path, as_version=4)), path)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: every lesson")
    parser.add_argument(
        "--format-only", action="store_true", help="normalize the stored notebooks without executing them"
    )
    parser.add_argument("--no-save", action="store_true", help="only check that each notebook runs")
    args = parser.parse_args(argv)
    quiet_tensorflow()  # kernels inherit this process's environment
    paths = args.notebooks or notebook_paths()
    for path in paths:
        if args.format_only:
            format_only(path)
            continue
        print(f"{path} ...", end=" ", flush=True)
        try:
            seconds = run(path)[1] if args.no_save else execute(path)
        except CellExecutionError as error:
            print("FAILED")
            print(error, file=sys.stderr)
            print(f"{path} was left unchanged: fix the failing cell and run again.", file=sys.stderr)
            return 1
        print(f"{seconds:.1f} s")
    if args.format_only:
        print(f"normalized {len(paths)} notebooks (not executed)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
