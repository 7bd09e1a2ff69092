"""The course's TensorFlow settings: one home for every kernel, test and tool that imports TensorFlow.

They only take effect when set before TensorFlow is imported.
"""

import importlib.abc
import importlib.util
import os
import subprocess
import sys
from pathlib import Path

TF_ENV = {
    # TensorFlow's C++ log lines (INFO, WARNING, ERROR) stay out of notebooks and test output.
    "TF_CPP_MIN_LOG_LEVEL": "3",
    # oneDNN off: with it on, importing TensorFlow prints a line that no log level suppresses, and
    # it would land in every lesson. The price is about 5-10 % more training time on a CPU.
    "TF_ENABLE_ONEDNN_OPTS": "0",
}


def quiet_tensorflow(environ=None):
    """Set each of ``TF_ENV`` in ``environ`` (default ``os.environ``) unless it is already set."""
    environ = os.environ if environ is None else environ
    for name, value in TF_ENV.items():
        environ.setdefault(name, value)
    return environ


# --- the setup cell every notebook starts with ---------------------------------------------------

# What Colab lacks, installed there without dependencies so that Colab's own TensorFlow, Keras,
# NumPy and matplotlib stay: lesson 10's drawing canvas, and a Korean font for figures.
COLAB_PACKAGES = ("ipycanvas", "koreanize-matplotlib")
# Korean fonts matplotlib may find, the course's first: koreanize-matplotlib's NanumGothic (also
# Debian's fonts-nanum), then Noto CJK (Linux), Malgun Gothic (Windows), Apple SD Gothic Neo (macOS).
KOREAN_FONTS = ("NanumGothic", "Noto Sans CJK KR", "Noto Sans KR", "Malgun Gothic",
                "Apple SD Gothic Neo", "AppleGothic")
FONT_PACKAGE = "koreanize_matplotlib"
# The module behind keras.datasets.mnist and tf.keras.datasets.mnist (Keras 3.0 to 3.x).
KERAS_MNIST = "keras.src.datasets.mnist"


def setup(environ=None, modules=None):
    """What every notebook's first cell runs (tools/navigation.py writes that cell); prints nothing.

    - TensorFlow's settings (``quiet_tensorflow``), which work only before TensorFlow is imported;
    - in Colab: installs ``COLAB_PACKAGES`` and turns on Colab's manager for widgets beyond
      ipywidgets (the canvas). The cell itself installs ``helpers`` before calling this;
    - Hangul in figures: when matplotlib is imported, a Korean font backs up its own
      (``korean_font``);
    - offline (``MNIST_NPZ`` set): ``keras.datasets.mnist.load_data()`` reads that file through
      ``helpers.data.load_mnist`` (``offline_mnist``).

    Neither matplotlib nor Keras is imported here: a NumPy-only lesson does not pay for
    TensorFlow, and matplotlib's inline backend is set up by the kernel first. Each change is made
    when the module is imported (``when_imported``).
    """
    environ = os.environ if environ is None else environ
    modules = sys.modules if modules is None else modules
    quiet_tensorflow(environ)
    if "google.colab" in modules:
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
                        *COLAB_PACKAGES], check=True)
        importlib.invalidate_caches()  # so that the new packages are found in this kernel
        from google.colab import output

        output.enable_custom_widget_manager()
    when_imported("matplotlib", korean_font, modules)
    if environ.get("MNIST_NPZ"):
        when_imported(KERAS_MNIST, offline_mnist, modules)


class _AfterImport(importlib.abc.MetaPathFinder):
    """Finds module ``name`` once, the usual way, and calls ``then(module)`` after it has loaded."""

    def __init__(self, name, then):
        self.name, self.then = name, then

    def find_spec(self, name, path, target=None):
        if name != self.name:
            return None
        sys.meta_path.remove(self)  # the real finders find it; this one is done
        spec = importlib.util.find_spec(name)
        if spec is None or spec.loader is None:
            return spec
        load = spec.loader.exec_module

        def exec_module(module):
            load(module)
            self.then(module)

        spec.loader.exec_module = exec_module
        return spec


def when_imported(name, then, modules=None):
    """Call ``then(module)`` when module ``name`` has been imported: now if it already has been."""
    modules = sys.modules if modules is None else modules
    if name in modules:
        then(modules[name])
    elif not any(isinstance(f, _AfterImport) and (f.name, f.then) == (name, then)
                 for f in sys.meta_path):
        sys.meta_path.insert(0, _AfterImport(name, then))


def korean_font(matplotlib=None):
    """Let figures draw Hangul: a Korean font after matplotlib's own, for the glyphs it lacks.

    Latin text keeps matplotlib's default font, so figures without Hangul do not change. The
    fonts of koreanize-matplotlib (NanumGothic) are registered first; that package is never
    imported, because importing it switches every figure to NanumGothic and needs distutils,
    which Python 3.12 removed. Returns the family used, or None when no Korean font is installed
    (Hangul then shows as boxes and matplotlib warns "Glyph ... missing from font(s)").
    """
    if matplotlib is None:
        import matplotlib
    from matplotlib import font_manager

    spec = importlib.util.find_spec(FONT_PACKAGE)
    known = {font.fname for font in font_manager.fontManager.ttflist}
    for folder in (spec.submodule_search_locations or []) if spec else []:
        for path in sorted(Path(folder).rglob("*.ttf")):
            if str(path) not in known:
                font_manager.fontManager.addfont(str(path))
    installed = {font.name for font in font_manager.fontManager.ttflist}
    family = next((name for name in KOREAN_FONTS if name in installed), None)
    families = list(matplotlib.rcParams["font.family"])
    if family is not None and family not in families:
        # A list of families: matplotlib (3.6 and later) takes each glyph from the first that has it.
        matplotlib.rcParams["font.family"] = [*families, family]
    return family


def offline_mnist(mnist):
    """Make ``load_data()`` of Keras' MNIST module read ``$MNIST_NPZ`` (``helpers.data.load_mnist``).

    Machines without internet cannot let Keras download MNIST, and Keras rejects the shared copy
    as its cache (it checks the file's own digest; ``load_mnist`` checks the four arrays instead).
    Without ``MNIST_NPZ`` at call time, Keras' own ``load_data`` runs.
    """
    download = mnist.load_data
    if getattr(download, "reads_mnist_npz", False):  # setup() ran before
        return mnist

    def load_data(path="mnist.npz"):
        from helpers import data

        if os.environ.get(data.ENV_VAR):
            return data.load_mnist()
        return download(path)

    load_data.__doc__, load_data.reads_mnist_npz = download.__doc__, True
    mnist.load_data = load_data
    return mnist
