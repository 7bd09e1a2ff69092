"""tools/: notebook normalization, the environment file, a new process per measurement, measurements,
the lessons' fresh copy."""

import json
import multiprocessing.spawn
import os
import sys
import uuid

import environment_file
import execute_notebooks
import fresh_process
import measurements
import navigation
import nbformat
import pytest

VIEW = "application/vnd.jupyter.widget-view+json"


def widget_notebook():
    """A notebook showing one VBox holding a slider with a layout, under fresh random widget ids."""
    box, slider, layout = (uuid.uuid4().hex for _ in range(3))
    view = {"model_id": box, "version_major": 2, "version_minor": 0}
    output = nbformat.v4.new_output("display_data", data={"text/plain": "VBox()", VIEW: view})
    cell = nbformat.v4.new_code_cell("box", id="cell-1", execution_count=1, outputs=[output])
    cell.metadata["execution"] = {"iopub.status.busy": "2026-01-01T00:00:00Z"}
    state = {
        layout: {"model_name": "LayoutModel", "state": {}},
        slider: {"model_name": "IntSliderModel", "state": {"layout": f"IPY_MODEL_{layout}"}},
        box: {"model_name": "VBoxModel", "state": {"children": [f"IPY_MODEL_{slider}"]}},
    }
    widgets = {execute_notebooks.WIDGET_STATE: {"version_major": 2, "version_minor": 0, "state": state}}
    return nbformat.v4.new_notebook(cells=[cell], metadata={"widgets": widgets})


def test_normalize_gives_the_same_text_whatever_the_random_widget_ids():
    texts = {nbformat.writes(execute_notebooks.normalize(widget_notebook())) for _ in range(5)}
    assert len(texts) == 1
    text = texts.pop()
    assert f'"model_id": "{1:032x}"' in text and f"IPY_MODEL_{3:032x}" in text
    assert "iopub.status.busy" not in text


def test_environment_file_lists_every_pin_quoted():
    lock = "# header\nabc==1.0\n    # via x\ntensorflow-cpu==2.21.0 ; sys_platform == 'win32'\n"
    requirements = environment_file.pinned_requirements(lock)
    assert requirements == ["abc==1.0", "tensorflow-cpu==2.21.0 ; sys_platform == 'win32'"]
    assert environment_file.environment_yaml(requirements).endswith(
        '      - "abc==1.0"\n      - "tensorflow-cpu==2.21.0 ; sys_platform == \'win32\'"\n'
    )


def fit_notebook(logs):
    """A notebook of one fit cell per ``{cell id: printed log}``."""
    cells = []
    for cell_id, log in logs.items():
        output = nbformat.v4.new_output("stream", name="stdout", text=log)
        cells.append(nbformat.v4.new_code_cell("model.fit(x, t, verbose=2)", id=cell_id, outputs=[output]))
    return nbformat.v4.new_notebook(cells=cells)


def test_a_rerun_keeps_stored_text_only_where_it_differs_in_masked_parts():
    fast, slow = (f"600/600 - {s}s - {s}ms/step - accuracy: 0.9033 - loss: 0.3487\n" for s in (1, 2))
    stored = fit_notebook({"same": fast, "changed": "Epoch 1/10\n", "edited": fast})
    rerun = fit_notebook({"same": slow, "changed": "Epoch 1/5\n", "edited": slow})
    rerun.cells[2].source = "model.fit(x, t, epochs=5, verbose=2)"  # an edited cell never keeps old text
    kept = execute_notebooks.keep_equivalent_outputs(rerun, stored, execute_notebooks.sanitize_rules())
    assert [c.outputs[0].text for c in kept.cells] == [fast, "Epoch 1/5\n", slow]


def test_format_only_stores_a_notebook_normalized_and_keeps_its_outputs(tmp_path):
    nb = widget_notebook()
    nb.cells.insert(0, nbformat.v4.new_markdown_cell("# 01. 제목", id="title"))
    path = tmp_path / "01_example.ipynb"
    path.write_text(json.dumps(nb, indent=2, ensure_ascii=True), encoding="utf-8")  # not as stored
    execute_notebooks.format_only(path)
    text = path.read_text(encoding="utf-8")
    stored = nbformat.reads(text, as_version=4)
    assert text == nbformat.writes(stored) + "\n" and "# 01. 제목" in text
    assert "execution" not in stored.cells[1].metadata
    assert stored.cells[1].execution_count == 1 and stored.cells[1].outputs[0].data["text/plain"] == "VBox()"


def test_a_fresh_process_gets_its_environment_and_leaves_this_one_alone():
    assert fresh_process.call(os.getpid) != os.getpid()
    assert fresh_process.call(os.getenv, "DLA_FRESH", env={"DLA_FRESH": "set"}) == "set"
    assert os.getenv("DLA_FRESH") is None
    with pytest.raises(ValueError):
        fresh_process.call(int, "not a number")  # raised here, as if called here


def test_a_fresh_process_can_be_another_interpreter(tmp_path):
    other = tmp_path / "python"
    other.symlink_to(sys.executable)
    assert os.fsdecode(fresh_process.call(multiprocessing.spawn.get_executable, python=other)) == str(other)
    assert os.fsdecode(fresh_process.call(multiprocessing.spawn.get_executable)) == sys.executable


def test_a_section_is_stamped_and_a_missing_one_names_its_command(tmp_path):
    path = tmp_path / "measurements.json"
    started = measurements.machine()
    measurements.save("budget", {"lessons": {"x": 1}}, started, path)
    measurements.save("other", {"kept": True}, started, path)
    section = measurements.load("budget", path)
    assert section["lessons"] == {"x": 1} and measurements.load("other", path)["kept"]
    assert section["commit"] and section["date"].endswith("UTC") and section["cores"] == os.cpu_count()
    assert len(section["load_average_at_start"]) == 3 and section["cpu"]
    assert section["date"][:10] in measurements.stamp_text(section)
    with pytest.raises(SystemExit, match="'seed_spread'.*run `python tools/seed_spread.py`"):
        measurements.require("seed_spread", "python tools/seed_spread.py", path)


def test_a_fresh_copy_of_the_lessons_leaves_a_saved_model_behind(tmp_path):
    lessons = tmp_path / "notebooks"
    (lessons / "data").mkdir(parents=True)
    for name in ("08_x.ipynb", "mnist_model.keras", "data/mnist_model.keras", "glossary.md"):
        (lessons / name).write_text(name, encoding="utf-8")
    copy = navigation.fresh_copy(tmp_path / "copy", lessons)
    found = sorted(str(p.relative_to(copy)) for p in copy.rglob("*") if p.is_file())
    assert found == ["08_x.ipynb", "glossary.md"]
