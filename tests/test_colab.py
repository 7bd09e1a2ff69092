"""The setup cell every notebook starts with (tools/navigation.py writes it), run in a fresh Python
process as in a new kernel: the Colab links, helpers installed from git in Colab, and what
``helpers.environment.setup()`` does everywhere. (`make compat SETS=colab` installs helpers
from git as Colab does and runs every lesson with them.)
"""

import json
import os
import re
import subprocess
import sys
import textwrap
import types
from pathlib import Path

import navigation
import nbformat
import pytest
from packaging.requirements import Requirement

from helpers import environment

ROOT = Path(__file__).resolve().parent.parent
PATHS = navigation.notebook_paths(ROOT / "notebooks")
REPO = navigation.repository_url(ROOT)
COLAB_LINK = re.compile(
    r"https://colab\.research\.google\.com/github/([^/]+)/([^/]+)/blob/([^/]+)/notebooks/(\d\d_[a-z0-9_]+\.ipynb)"
)
# What Colab ships and the setup cell must never reinstall or replace.
COLAB_STACK = {"tensorflow", "tensorflow-cpu", "keras", "numpy", "ipywidgets", "matplotlib"}


def read(path):
    return nbformat.read(path, as_version=4)


def run_python(code, **env):
    """Run ``code`` in a fresh interpreter (Agg backend, warnings shown); ``None`` unsets a variable."""
    environ = {k: v for k, v in {**os.environ, "MPLBACKEND": "Agg", **env}.items() if v is not None}
    command = [sys.executable, "-W", "default", "-c", textwrap.dedent(code)]
    return subprocess.run(command, capture_output=True, text=True, env=environ, timeout=120)


def test_every_notebook_opens_in_colab_from_its_badge_the_readme_and_the_index_with_a_silent_setup():
    owner, name = REPO.removeprefix("https://github.com/").split("/")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    index = next(c.source for c in read(PATHS[0]).cells if c.get("id") == "lesson-table")
    for path in PATHS:
        nb = read(path)
        setup = next(c for c in nb.cells if c.cell_type == "code")
        assert (setup.id, setup.outputs) == (navigation.SETUP_ID, []), f"{path.name}: the setup cell showed"
        badges = next(c for c in nb.cells if c.get("id") == "nav-badges").source
        assert COLAB_LINK.findall(badges) == [(owner, name, navigation.REF, path.name)], path.name
        link = COLAB_LINK.search(badges).group(0)
        assert path == PATHS[0] or (link in readme and link in index), path.name


# The setup cell, run twice (a student may), then what it did, as JSON.
CELL_RUN = """
import json, os, subprocess, sys, types
calls, widgets = [], []
subprocess.run = lambda args, **kw: calls.append([args, kw])
if {colab}:
    colab = types.ModuleType("google.colab")
    colab.output = types.SimpleNamespace(enable_custom_widget_manager=lambda: widgets.append(True))
    sys.modules.update({{"google": types.ModuleType("google"), "google.colab": colab}})
for _ in range(2):
    exec({cell!r}, {{}})
print(json.dumps({{
    "calls": calls, "widgets": widgets,
    "imported": [m for m in ("matplotlib", "keras", "tensorflow") if m in sys.modules],
    "hooks": sum(type(f).__name__ == "_AfterImport" for f in sys.meta_path),
    "tf": [os.environ["TF_CPP_MIN_LOG_LEVEL"], os.environ["TF_ENABLE_ONEDNN_OPTS"]],
}}))
"""


def pip_installs(call):
    """The packages of one recorded ``pip install`` call, after checking how it installs them."""
    args, kwargs = call
    assert args[:4] == [sys.executable, "-m", "pip", "install"]
    assert "--no-deps" in args, "without --no-deps pip may replace Colab's TensorFlow, Keras or NumPy"
    assert kwargs.get("check") is True, "a failed install must stop the notebook, not pass silently"
    return [a for a in args[4:] if not a.startswith("-")]


@pytest.mark.parametrize("colab", [False, True])
def test_the_setup_cell_prints_nothing_imports_nothing_heavy_and_installs_only_in_colab(colab):
    code = CELL_RUN.format(colab=colab, cell=navigation.setup_source(REPO))
    result = run_python(code, MNIST_NPZ="/nonexistent/mnist.npz", **dict.fromkeys(environment.TF_ENV))
    assert result.returncode == 0 and result.stderr == "", result.stderr[-2000:]
    *printed, done = result.stdout.splitlines()
    assert printed == [], f"the setup cell printed {printed}"
    done = json.loads(done)
    calls = done["calls"]
    # One hook for matplotlib (Hangul), one for Keras (MNIST_NPZ), however often the cell ran.
    assert (done["imported"], done["hooks"], done["tf"]) == ([], 2, ["3", "0"])
    assert done["widgets"] == [True] * 2 * colab, "Colab's custom widget manager (the canvas) is off"
    assert len(calls) == 4 * colab and calls[2:] == calls[:2], calls
    if colab:  # helpers first, from git at the ref the badge opened: setup() itself comes from it
        assert pip_installs(calls[0]) == [f"git+{REPO}@{navigation.REF}"]
        names = {Requirement(p).name.lower() for p in pip_installs(calls[1])}
        assert names == set(environment.COLAB_PACKAGES) and not names & COLAB_STACK


def test_make_navigation_puts_the_setup_cell_first_once(tmp_path):
    new, notebooks = nbformat.v4, tmp_path / "notebooks"
    notebooks.mkdir()
    (tmp_path / "pyproject.toml").write_text(f'[project.urls]\nRepository = "{REPO}"\n', encoding="utf-8")
    markers = "".join(f"<!-- {name}:start -->\n<!-- {name}:end -->\n" for name in ("lessons", "binder"))
    (tmp_path / "README.md").write_text(markers, encoding="utf-8")
    index, lesson = notebooks / "00_index.ipynb", notebooks / "01_x.ipynb"
    table = new.new_markdown_cell("", id="lesson-table")
    nbformat.write(new.new_notebook(cells=[new.new_markdown_cell("# 00. 목차"), table]), index)
    # The lesson's own first cell, and a run setup cell left at the end: it comes first, as a new cell.
    first = new.new_code_cell("import numpy as np", execution_count=1)
    old = new.new_code_cell("# old", id=navigation.SETUP_ID, execution_count=2)
    nbformat.write(new.new_notebook(cells=[new.new_markdown_cell("# 01. 레슨"), first, old]), lesson)

    def regenerate():
        """make navigation; the lesson's code cells, setup first. A second run changes nothing."""
        for path, text in navigation.generate(tmp_path).items():
            path.write_text(text, encoding="utf-8")
        assert navigation.generate(tmp_path) == {}, "a second run must change nothing"
        setup, *rest = [c for c in read(lesson).cells if c.cell_type == "code"]
        return (setup.id, setup.source, setup.metadata["jupyter"], setup.execution_count), rest

    setup, rest = regenerate()
    expected = (navigation.SETUP_ID, navigation.setup_source(REPO), navigation.SETUP_HIDDEN)
    assert setup == (*expected, None)
    assert [(c.id, c.source, c.execution_count) for c in rest] == [(first.id, first.source, 1)]
    assert [c.id for c in read(index).cells if c.cell_type == "code"] == [navigation.SETUP_ID]
    # A setup cell in place gets the new code and keeps its run: it printed nothing.
    nb = read(lesson)
    setup = next(c for c in nb.cells if c.get("id") == navigation.SETUP_ID)
    setup.source, setup.execution_count, setup.metadata = "# an older setup cell", 2, {}
    nbformat.write(nb, lesson)
    assert regenerate()[0] == (*expected, 2)


def test_the_site_leaves_the_setup_cell_out():
    import build_site

    static = build_site.static_notebook(read(PATHS[1]))
    code = [c for c in static.cells if c.cell_type == "code" and "check" not in c.metadata.get("tags", [])]
    removed = {c.get("id"): "remove-cell" in c.metadata.get("tags", []) for c in code}
    assert removed.pop(navigation.SETUP_ID) and removed and not any(removed.values())


# Draws a figure whose title is Hangul; a glyph missing from every font is an error, not a warning.
# Prints the font Latin text gets, the font families, and the files of the last (Hangul) family.
RENDER = """
    import warnings
    {setup}
    import matplotlib.pyplot as plt
    from matplotlib import font_manager

    fig, ax = plt.subplots()
    ax.set_title("손실 곡선: 학습과 검증")
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message="Glyph .* missing from font")
        fig.canvas.draw()
    print(font_manager.fontManager.findfont(ax.title.get_fontproperties().copy()))
    print(plt.rcParams["font.family"])
    print(sorted(f.fname for f in font_manager.fontManager.ttflist
                 if f.name == plt.rcParams["font.family"][-1]))
"""


def test_after_the_setup_cell_hangul_renders_in_a_korean_font_and_latin_in_matplotlibs_own():
    result = run_python(RENDER.format(setup="from helpers.environment import setup; setup()"))
    assert result.returncode == 0, result.stderr[-2000:]
    latin_font, families, font_files = result.stdout.splitlines()[-3:]
    assert "DejaVuSans" in latin_font and families.startswith("['sans-serif'")
    assert environment.KOREAN_FONTS[0] in families
    # The font comes with the course's packages, so it is there on Binder, Colab and laptops alike.
    assert environment.FONT_PACKAGE in font_files, f"NanumGothic is only {font_files}"
    without = run_python(RENDER.format(setup=""))  # the check can fail: matplotlib's own font has no Hangul
    assert without.returncode != 0 and "missing from font" in without.stderr


def test_when_imported_acts_once_the_module_has_loaded_and_at_once_if_it_had(tmp_path, monkeypatch):
    (tmp_path / "course_probe.py").write_text("")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "course_probe", raising=False)
    seen = []
    environment.when_imported("course_probe", seen.append)
    assert seen == []
    import course_probe

    assert seen == [course_probe]
    hooks = [f.name for f in sys.meta_path if isinstance(f, environment._AfterImport)]
    assert "course_probe" not in hooks, "the hook must leave once it has acted"
    environment.when_imported("course_probe", seen.append)
    assert seen == [course_probe, course_probe]
    sys.modules.pop("course_probe")


def test_offline_mnist_reads_mnist_npz_and_otherwise_leaves_keras_to_download(monkeypatch):
    mnist = types.SimpleNamespace(load_data=lambda path="mnist.npz": ("downloaded", path))
    arrays = object()  # what helpers.data.load_mnist returned, whatever it is
    monkeypatch.setattr("helpers.data.load_mnist", lambda: arrays)
    environment.offline_mnist(mnist)
    monkeypatch.setenv("MNIST_NPZ", "/somewhere/mnist.npz")
    assert mnist.load_data() is arrays
    monkeypatch.delenv("MNIST_NPZ")
    assert mnist.load_data() == ("downloaded", "mnist.npz")


@pytest.mark.skipif(not os.environ.get("MNIST_NPZ"), reason="set MNIST_NPZ to an mnist.npz")
def test_keras_load_data_reads_mnist_npz_through_every_import_path():
    code = """
        from helpers.environment import setup; setup()
        import keras
        from tensorflow.keras.datasets import mnist
        (x, t), (x_test, t_test) = keras.datasets.mnist.load_data()
        print(x.shape, x_test.shape, mnist.load_data is keras.datasets.mnist.load_data)
    """
    result = run_python(code, TF_CPP_MIN_LOG_LEVEL="3", TF_ENABLE_ONEDNN_OPTS="0")
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split("\n")[-2] == "(60000, 28, 28) (10000, 28, 28) True"
