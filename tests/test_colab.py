"""The setup cell every notebook starts with: the Colab badges, helpers installed from git in Colab,
and what ``helpers.environment.setup()`` does everywhere (Hangul in figures, offline MNIST, nothing
heavy imported before a lesson asks for it).

The setup cell's code is executed here with a fake Colab (``google.colab`` in sys.modules) and pip
replaced by a recorder. Figures are rendered in a fresh Python process, as in a new kernel, so the
font set-up is the setup cell's and not what an earlier test left in this process.
"""

import os
import re
import subprocess
import sys
import textwrap
import types
from pathlib import Path

import navigation
import nbformat
import numpy as np
import pytest
from packaging.requirements import Requirement

from helpers import environment

ROOT = Path(__file__).resolve().parent.parent

PATHS = navigation.notebook_paths(ROOT / "notebooks")
REPO = navigation.repository_url(ROOT)
COLAB_LINK = re.compile(
    r"https://colab\.research\.google\.com/github/([^/]+)/([^/]+)/blob/([^/]+)/"
    r"notebooks/(\d\d_[a-z0-9_]+\.ipynb)"
)
# What Colab ships and the setup cell must never reinstall or replace.
COLAB_STACK = {"tensorflow", "tensorflow-cpu", "keras", "numpy", "ipywidgets", "matplotlib"}


def read(path):
    return nbformat.read(path, as_version=4)


def code_cells(path):
    return [c for c in read(path).cells if c.cell_type == "code"]


@pytest.fixture
def run_setup_cell(monkeypatch, capsys):
    """Runs the setup cell's code here, in a fake Colab (given its ``google.colab``) or outside one;
    returns what it printed and the pip calls, recorded instead of run. No TensorFlow settings
    before; afterwards this process as it was (settings, import hooks, font)."""
    import matplotlib

    for name in ("TF_CPP_MIN_LOG_LEVEL", "TF_ENABLE_ONEDNN_OPTS", "MNIST_NPZ"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(sys, "meta_path", list(sys.meta_path))
    monkeypatch.setitem(matplotlib.rcParams, "font.family", matplotlib.rcParams["font.family"])
    calls = []
    monkeypatch.setattr(subprocess, "run", lambda args, **kw: calls.append((list(args), kw)))

    def run(colab=None):
        if colab is None:
            monkeypatch.delitem(sys.modules, "google.colab", raising=False)
        else:
            google = types.ModuleType("google")
            google.colab = colab
            for name, module in (
                ("google", google),
                ("google.colab", colab),
                ("google.colab.output", colab.output),
            ):
                monkeypatch.setitem(sys.modules, name, module)
        exec(compile(navigation.setup_source(REPO), "<setup cell>", "exec"), {})
        out, err = capsys.readouterr()
        return out + err, calls

    return run


def fake_colab():
    enabled = []
    output = types.SimpleNamespace(enabled=enabled, enable_custom_widget_manager=lambda: enabled.append(True))
    return types.SimpleNamespace(output=output)


def test_every_notebook_has_a_silent_setup_cell_and_a_colab_badge_for_itself():
    # The setup cell's code and its collapsed state are make navigation's (test_course checks it ran).
    owner, name = REPO.removeprefix("https://github.com/").split("/")
    for path in PATHS:
        nb = read(path)
        setup = next(c for c in nb.cells if c.cell_type == "code")
        assert (setup.id, setup.outputs) == (navigation.SETUP_ID, []), f"{path.name}: the setup cell showed"
        badges = next(c for c in nb.cells if c.get("id") == "nav-badges").source
        assert COLAB_LINK.findall(badges) == [(owner, name, navigation.REF, path.name)], path.name


def test_the_setup_cell_is_a_few_lines_that_import_no_lesson_code():
    source = navigation.setup_source(REPO)
    assert len(source.splitlines()) <= 14, "the setup cell's work belongs in helpers.environment.setup()"
    imports = re.findall(r"^(?:from|import) (\S+)", source, re.M)
    assert set(imports) <= {"os", "sys", "subprocess", "helpers.environment"}


def test_outside_colab_the_setup_cell_installs_nothing_and_shows_nothing(run_setup_cell):
    assert run_setup_cell() == ("", []), "it would install or show something outside Colab"
    assert os.environ["TF_CPP_MIN_LOG_LEVEL"] == "3" and os.environ["TF_ENABLE_ONEDNN_OPTS"] == "0"


def pip_installs(call):
    """The packages of one recorded ``pip install`` call, after checking how it installs them."""
    args, kwargs = call
    assert args[:4] == [sys.executable, "-m", "pip", "install"]
    assert "--no-deps" in args, "without --no-deps pip may replace Colab's TensorFlow, Keras or NumPy"
    assert kwargs.get("check") is True, "a failed install must stop the notebook, not pass silently"
    return [a for a in args[4:] if not a.startswith("-")]


def test_in_colab_it_installs_helpers_at_the_badge_ref_then_what_colab_lacks(run_setup_cell):
    colab = fake_colab()
    printed, calls = run_setup_cell(colab)
    assert printed == "" and len(calls) == 2, calls
    # helpers first, from git at the ref the badge opened: setup() itself comes from it.
    assert pip_installs(calls[0]) == [f"git+{REPO}@{navigation.REF}"]
    names = {Requirement(p).name.lower() for p in pip_installs(calls[1])}
    assert names == set(environment.COLAB_PACKAGES) and not names & COLAB_STACK
    assert colab.output.enabled == [True], "Colab's custom widget manager (the canvas) is off"
    assert os.environ["TF_CPP_MIN_LOG_LEVEL"] == "3"


def test_readme_and_index_tables_have_a_colab_column():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    index = "\n".join(
        c.source for c in read(ROOT / "notebooks" / navigation.INDEX).cells if c.get("id") == "lesson-table"
    )
    for path in PATHS[1:]:
        link = navigation.colab_url(REPO, path.name)
        assert link in readme and link in index, path.name


# A notebook whose first code cell still sets the TensorFlow environment itself, as before.
OLD_FIRST_CELL = """\
# 추가 코드 – TensorFlow의 C++ 로그 메시지를 끕니다. TensorFlow를 import하기 전에 설정해야 합니다.
import os
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
os.environ["TF_ENABLE_ONEDNN_OPTS"] = "0"

import numpy as np
from helpers import data

print(os.getcwd())"""


def make_course(root, first_code):
    (root / "notebooks").mkdir()
    (root / "pyproject.toml").write_text(f'[project.urls]\nRepository = "{REPO}"\n', encoding="utf-8")
    markers = "<!-- lessons:start -->\n<!-- lessons:end -->\n<!-- binder:start -->\n<!-- binder:end -->\n"
    (root / "README.md").write_text(markers, encoding="utf-8")
    new = nbformat.v4
    index = new.new_notebook(
        cells=[new.new_markdown_cell("# 00. 목차"), new.new_markdown_cell("", id="lesson-table")]
    )
    lesson = new.new_notebook(
        cells=[
            new.new_markdown_cell("# 01. 레슨\n\n## 설정"),
            new.new_code_cell(first_code, id="old-first", execution_count=1),
            new.new_code_cell("x = np.zeros(3)", id="lesson-code"),
        ]
    )
    nbformat.write(index, root / "notebooks" / "00_index.ipynb")
    nbformat.write(lesson, root / "notebooks" / "01_lesson.ipynb")
    return root / "notebooks" / "01_lesson.ipynb"


def regenerate(root, lesson):
    """make navigation on the course in ``root``; the lesson's code cells. A second run changes nothing."""
    for path, text in navigation.generate(root).items():
        path.write_text(text, encoding="utf-8")
    assert navigation.generate(root) == {}, "a second run must change nothing"
    return code_cells(lesson)


def test_an_old_first_cell_becomes_the_setup_cell_and_keeps_its_imports(tmp_path):
    setup, old, lesson = regenerate(tmp_path, make_course(tmp_path, OLD_FIRST_CELL))
    assert (setup.id, setup.source) == (navigation.SETUP_ID, navigation.setup_source(REPO))
    assert setup.metadata["jupyter"] == navigation.SETUP_HIDDEN and lesson.id == "lesson-code"
    # Its imports stay, and `import os` too, because the rest still uses os.
    assert old.source == "import os\n\nimport numpy as np\nfrom helpers import data\n\nprint(os.getcwd())"
    assert old.execution_count is None and old.outputs == []


def test_the_setup_cell_goes_first_once_and_one_in_place_gets_the_new_code_and_keeps_its_run(tmp_path):
    lesson = make_course(tmp_path, "import numpy as np")
    nb = read(lesson)
    nb.cells.append(nbformat.v4.new_code_cell("# an old setup", id=navigation.SETUP_ID))  # misplaced
    nbformat.write(nb, lesson)
    code = regenerate(tmp_path, lesson)
    expected = [navigation.setup_source(REPO), "import numpy as np", "x = np.zeros(3)"]
    assert [c.source for c in code] == expected
    assert code[0].id == navigation.SETUP_ID and code[0].metadata["jupyter"] == navigation.SETUP_HIDDEN
    assert [c.id for c in code_cells(tmp_path / "notebooks" / "00_index.ipynb")] == [navigation.SETUP_ID]
    nb = read(lesson)
    setup = next(c for c in nb.cells if c.get("id") == navigation.SETUP_ID)
    setup.source, setup.execution_count, setup.metadata = "# an older setup cell", 1, {}
    nbformat.write(nb, lesson)
    setup = regenerate(tmp_path, lesson)[0]
    assert (setup.source, setup.execution_count) == (navigation.setup_source(REPO), 1)
    assert setup.metadata["jupyter"] == navigation.SETUP_HIDDEN


def test_helpers_install_the_colab_way_from_git_and_import(tmp_path):
    """pip install --no-deps git+<repository>@<ref> into a fresh venv, as the setup cell does.

    A clone of this repository stands in for GitHub; the venv sees this environment's packages
    (numpy, matplotlib, ...) as Colab's preinstalled ones, through a .pth file.
    """

    def run(*command, **kwargs):
        done = subprocess.run(command, capture_output=True, text=True, **kwargs)
        assert done.returncode == 0, done.stderr[-2000:]
        return done.stdout.strip()

    def files(folder):
        return {
            p.relative_to(folder) for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts
        }

    clone, venv = tmp_path / "repo", tmp_path / "venv"
    run("git", "clone", "--quiet", str(ROOT), str(clone))
    ref = run("git", "rev-parse", "HEAD", cwd=clone)
    run(sys.executable, "-m", "venv", str(venv))
    python = str(venv / "bin" / "python")
    site = run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])")
    ours = next(p for p in sys.path if p.endswith("site-packages") and Path(p, "numpy").is_dir())
    Path(site, "stack.pth").write_text(ours + "\n", encoding="utf-8")
    pip_install = [python, "-m", "pip", "install", "--quiet", "--no-deps", "--disable-pip-version-check"]
    run(*pip_install, f"git+file://{clone}@{ref}")
    imports = "import helpers, helpers.data, helpers.plots, helpers.environment; print(helpers.__file__)"
    installed = Path(run(python, "-c", imports, cwd=tmp_path, env=dict(os.environ, PYTHONPATH=""))).parent
    assert installed.is_relative_to(venv), f"helpers came from {installed}, not the new venv"
    # Everything the package holds in the repository arrives, data files too.
    missing = files(clone / "helpers") - files(installed)
    assert not missing, f"not installed: {sorted(map(str, missing))}"


def test_the_site_leaves_the_setup_cell_out():
    import build_site

    static = build_site.static_notebook(read(PATHS[1]))
    code = [c for c in static.cells if c.cell_type == "code" and "check" not in c.metadata.get("tags", [])]
    removed = {c.get("id"): "remove-cell" in c.metadata.get("tags", []) for c in code}
    assert removed.pop(navigation.SETUP_ID) and removed and not any(removed.values())


# --- helpers.environment.setup(), what the setup cell runs everywhere ----------------------------


def run_python(code, **env):
    """Run ``code`` in a fresh interpreter (Agg backend, warnings shown); return the result."""
    command = [sys.executable, "-W", "default", "-c", textwrap.dedent(code)]
    environ = {**os.environ, "MPLBACKEND": "Agg", **env}
    return subprocess.run(command, capture_output=True, text=True, env=environ, timeout=120)


# Draws a figure whose title is Hangul; a glyph missing from every font is an error, not a warning.
# Prints the font Latin text gets, the font families, and the files of the last (Hangul) family.
RENDER = """
    import warnings
    {setup}
    import matplotlib.pyplot as plt
    from matplotlib import font_manager

    fig, ax = plt.subplots()
    ax.plot([0, 1], [1, 0])
    ax.set_title("손실 곡선: 학습과 검증")
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
