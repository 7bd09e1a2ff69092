"""Where a kernel runs: the course's TensorFlow settings, every notebook's setup, and a bug report's facts.

``quiet_tensorflow()`` is the one home of the TensorFlow settings for every kernel, test and tool
that imports TensorFlow (they only take effect before TensorFlow is imported); ``setup()`` is what
every notebook's first cell runs; ``report()`` prints the versions, the place (Colab, Binder, a
JupyterHub, this computer) and the processors that a question or bug report about a lesson needs
(the issue forms in .github/ISSUE_TEMPLATE ask for it).
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


# --- what to paste into a bug report -------------------------------------------------------------

# (label, module, distributions that provide it); the first distribution installed is reported.
PACKAGES = (
    ("TensorFlow", "tensorflow", ("tensorflow", "tensorflow-cpu", "tensorflow-macos", "tf-nightly")),
    ("Keras", "keras", ("keras",)),
    ("NumPy", "numpy", ("numpy",)),
    ("ipywidgets", "ipywidgets", ("ipywidgets",)),
    ("matplotlib", "matplotlib", ("matplotlib",)),
    ("ipycanvas", "ipycanvas", ("ipycanvas",)),
    ("koreanize-matplotlib", "koreanize_matplotlib", ("koreanize-matplotlib",)),
    ("course (helpers)", "helpers", ("dl-architecture-course",)),
)


def package_version(module, distributions, modules=None):
    """The version this kernel uses: the imported module's, else the installed one, else "not installed".

    A kernel keeps the version it imported when a newer one is installed under it (as after a
    ``pip install`` in Colab); both are shown then.
    """
    from importlib import metadata

    modules = sys.modules if modules is None else modules
    installed = None
    for name in distributions:
        try:
            installed = metadata.version(name)
            break
        except metadata.PackageNotFoundError:
            continue
    loaded = getattr(modules.get(module), "__version__", None)
    if loaded and installed and loaded != installed:
        return f"{loaded} (installed now: {installed}; restart the kernel to use it)"
    return loaded or installed or "not installed"


def where_it_runs(environ=None, modules=None):
    """Colab, Binder, a JupyterHub or this computer, from what each sets in a kernel's environment."""
    environ = os.environ if environ is None else environ
    modules = sys.modules if modules is None else modules
    if "google.colab" in modules or "COLAB_RELEASE_TAG" in environ:
        return "Colab"
    if any(name.startswith("BINDER_") for name in environ):  # Binder runs on a JupyterHub: first
        return f"Binder ({environ.get('BINDER_LAUNCH_HOST', 'mybinder.org')})"
    if "JUPYTERHUB_API_URL" in environ or "JUPYTERHUB_USER" in environ:
        return "a JupyterHub (a class or institution hub)"
    if "VSCODE_PID" in environ:
        return "this computer, in VS Code"
    if "ipykernel" in modules:
        return "this computer, in JupyterLab or another Jupyter client"
    return "this computer, in plain Python (not a Jupyter kernel)"


def _processors(modules):
    gpus = "unknown"
    tensorflow = modules.get("tensorflow")
    if tensorflow is not None:
        gpus = f"{len(tensorflow.config.list_physical_devices('GPU'))} (seen by TensorFlow)"
    elif os.path.isdir("/proc/driver/nvidia/gpus"):
        gpus = f"{len(os.listdir('/proc/driver/nvidia/gpus'))} (NVIDIA driver; TensorFlow not imported yet)"
    elif sys.platform.startswith("linux"):
        gpus = "0 (no NVIDIA driver)"
    return f"{os.cpu_count()} CPUs; GPUs: {gpus}"


def _memory(environ):
    try:
        ram = f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 1e9:.1f} GB RAM"
    except (AttributeError, ValueError, OSError):  # Windows has no sysconf
        ram = "RAM unknown"
    limit = environ.get("MEM_LIMIT")  # set by JupyterHub's spawners and Binder
    return ram + (f"; limit {int(limit) / 1e9:.1f} GB (MEM_LIMIT)" if limit and limit.isdigit() else "")


class Report(str):
    """The text of :func:`report`. Already printed, so a cell ending in ``report()`` shows no Out[]."""

    def _ipython_display_(self):
        pass


def report(environ=None, modules=None):
    """Print, and return, what a bug report needs: versions, where the kernel runs, its processors.

    ``from helpers.environment import report; report()``. Nothing here raises: a missing package
    reads "not installed", anything that cannot be found out reads "unknown".
    """
    import platform

    environ = os.environ if environ is None else environ
    modules = sys.modules if modules is None else modules
    parts = [
        ("Python", lambda: f"{platform.python_version()} ({platform.python_implementation()})"),
        ("OS", lambda: f"{platform.platform()} ({platform.machine()})"),
        ("where", lambda: where_it_runs(environ, modules)),
    ]
    parts += [
        (label, lambda m=module, d=dists: package_version(m, d, modules)) for label, module, dists in PACKAGES
    ]
    parts += [("processors", lambda: _processors(modules)), ("memory", lambda: _memory(environ))]
    lines = []
    for label, find in parts:
        try:
            value = find()
        except Exception as error:
            value = f"unknown ({type(error).__name__}: {error})"
        lines.append(f"- {label}: {value}")
    text = Report("\n".join(lines))
    print(text)
    return text


# --- the setup cell every notebook starts with ---------------------------------------------------

# What Colab lacks, installed there without dependencies so that Colab's own TensorFlow, Keras,
# NumPy and matplotlib stay: lesson 10's drawing canvas, and a Korean font for figures.
COLAB_PACKAGES = ("ipycanvas", "koreanize-matplotlib")
# Korean fonts matplotlib may find, the course's first: koreanize-matplotlib's NanumGothic (also
# Debian's fonts-nanum), then Noto CJK (Linux), Malgun Gothic (Windows), Apple SD Gothic Neo (macOS).
KOREAN_FONTS = (
    "NanumGothic",
    "Noto Sans CJK KR",
    "Noto Sans KR",
    "Malgun Gothic",
    "Apple SD Gothic Neo",
    "AppleGothic",
)
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
        subprocess.run(
            [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", *COLAB_PACKAGES], check=True
        )
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
    elif not any(isinstance(f, _AfterImport) and (f.name, f.then) == (name, then) for f in sys.meta_path):
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
