"""helpers.environment.setup(), what every notebook's first cell runs: Hangul in figures, offline
MNIST, and nothing heavy imported before a lesson asks for it.

Figures are rendered in a fresh Python process, as in a new kernel, so the font set-up is the
setup cell's and not what an earlier test left in this process.
"""

import os
import subprocess
import sys
import textwrap
import types

import numpy as np
import pytest

from helpers import environment

HANGUL_TITLE = "손실 곡선: 학습과 검증"


def run_python(code, **env):
    """Run ``code`` in a fresh interpreter (Agg backend, warnings shown); return the result."""
    command = [sys.executable, "-W", "default", "-c", textwrap.dedent(code)]
    environ = {**os.environ, "MPLBACKEND": "Agg", **env}
    return subprocess.run(command, capture_output=True, text=True, env=environ, timeout=120)


# Draws a figure whose title is Hangul; a glyph missing from every font is an error, not a warning.
# Prints the font Latin text gets, the font families, and the files of the last (Hangul) family.
RENDER = f"""
    import warnings
    {{setup}}
    import matplotlib.pyplot as plt
    from matplotlib import font_manager

    fig, ax = plt.subplots()
    ax.plot([0, 1], [1, 0])
    ax.set_title({HANGUL_TITLE!r})
    ax.set_ylabel("손실")
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
    # The font comes with the course's packages, whatever this machine's fonts: so it is there
    # on Binder, on Colab and on a student's laptop alike.
    assert environment.FONT_PACKAGE in font_files, (
        f"NanumGothic is only {font_files}: install koreanize-matplotlib (requirements.lock)"
    )
    without = run_python(RENDER.format(setup=""))  # the check can fail: matplotlib's own font has no Hangul
    assert without.returncode != 0 and "missing from font" in without.stderr


def test_setup_imports_neither_matplotlib_nor_keras_and_prints_nothing():
    result = run_python(
        """
        import sys
        from helpers.environment import setup
        setup()
        setup()  # a student may run the cell twice
        print(sorted(m for m in ("matplotlib", "keras", "tensorflow") if m in sys.modules))
        print(sum(type(f).__name__ == "_AfterImport" for f in sys.meta_path))
    """,
        MNIST_NPZ="/nonexistent/mnist.npz",
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.splitlines() == ["[]", "2"]  # one hook for matplotlib, one for Keras
    assert result.stderr == ""


@pytest.fixture
def probe_module(tmp_path, monkeypatch):
    """A module nobody has imported yet, to see when_imported act on."""
    (tmp_path / "course_probe.py").write_text("def load_data(path='mnist.npz'):\n    return path\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    yield "course_probe"
    sys.modules.pop("course_probe", None)


def test_when_imported_acts_once_the_module_has_loaded(probe_module):
    seen = []
    environment.when_imported(probe_module, seen.append)
    assert seen == []
    import course_probe

    assert seen == [course_probe]
    assert not any(
        isinstance(f, environment._AfterImport) and f.name == probe_module for f in sys.meta_path
    ), "the hook must leave once it has acted"
    environment.when_imported(probe_module, seen.append)  # already imported: at once
    assert seen == [course_probe, course_probe]


def test_offline_mnist_reads_mnist_npz_and_otherwise_leaves_keras_to_download(monkeypatch):
    mnist = types.ModuleType("mnist")
    mnist.load_data = lambda path="mnist.npz": ("downloaded", path)
    arrays = ((np.zeros((1, 28, 28), np.uint8), np.zeros(1, np.uint8)),) * 2
    monkeypatch.setattr("helpers.data.load_mnist", lambda: arrays)
    environment.offline_mnist(mnist)
    environment.offline_mnist(mnist)  # setup() run twice wraps once
    monkeypatch.setenv("MNIST_NPZ", "/somewhere/mnist.npz")
    assert mnist.load_data() is arrays
    monkeypatch.delenv("MNIST_NPZ")
    assert mnist.load_data() == ("downloaded", "mnist.npz")


@pytest.mark.skipif(not os.environ.get("MNIST_NPZ"), reason="set MNIST_NPZ to an mnist.npz")
def test_keras_load_data_reads_mnist_npz_through_every_import_path():
    result = run_python(
        """
        from helpers.environment import setup; setup()
        import keras
        from tensorflow.keras.datasets import mnist
        (x, t), (x_test, t_test) = keras.datasets.mnist.load_data()
        print(x.shape, x_test.shape, mnist.load_data is keras.datasets.mnist.load_data)
    """,
        TF_CPP_MIN_LOG_LEVEL="3",
        TF_ENABLE_ONEDNN_OPTS="0",
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split("\n")[-2] == "(60000, 28, 28) (10000, 28, 28) True"
