"""Open in Colab: the badges, the setup cell every notebook starts with, helpers installed from git.

The setup cell's code is executed here with a fake Colab (``google.colab`` in sys.modules) and pip
replaced by a recorder; what ``helpers.environment.setup()`` does beyond that is tests/test_setup.py.
"""

import contextlib
import io
import os
import re
import subprocess
import sys
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
    r"https://colab\.research\.google\.com/github/([^/]+)/([^/]+)/blob/([^/]+)/"
    r"notebooks/(\d\d_[a-z0-9_]+\.ipynb)"
)
# What Colab ships and the setup cell must never reinstall or replace.
COLAB_STACK = {"tensorflow", "tensorflow-cpu", "keras", "numpy", "ipywidgets", "matplotlib"}


def read(path):
    return nbformat.read(path, as_version=4)


def run_setup(source, colab=None):
    """Execute the setup cell's code; return what it printed, the pip calls and the namespace.

    ``colab``: a fake ``google.colab`` module to put in sys.modules (None: not in Colab).
    subprocess.run is replaced by a recorder, so nothing is installed.
    """
    calls = []

    def fake_run(args, **kwargs):
        calls.append((list(args), kwargs))
        return subprocess.CompletedProcess(args, 0)

    saved = {name: sys.modules.get(name) for name in ("google", "google.colab")}
    real_run = subprocess.run
    out, err = io.StringIO(), io.StringIO()
    try:
        if colab is not None:
            google = types.ModuleType("google")
            google.colab = colab
            sys.modules.update({"google": google, "google.colab": colab})
        else:
            sys.modules.pop("google.colab", None)
        subprocess.run = fake_run
        namespace = {}
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            exec(compile(source, "<setup cell>", "exec"), namespace)
    finally:
        subprocess.run = real_run
        for name, module in saved.items():
            if module is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = module
    return out.getvalue() + err.getvalue(), calls, namespace


def fake_colab():
    output = types.ModuleType("google.colab.output")
    output.enabled = []
    output.enable_custom_widget_manager = lambda: output.enabled.append(True)
    colab = types.ModuleType("google.colab")
    colab.output = output
    sys.modules["google.colab.output"] = output
    return colab


@pytest.fixture
def clean_tf_env(monkeypatch):
    """No TensorFlow settings yet; afterwards, this process as it was (import hooks, font)."""
    import matplotlib

    for name in ("TF_CPP_MIN_LOG_LEVEL", "TF_ENABLE_ONEDNN_OPTS", "MNIST_NPZ"):
        monkeypatch.delenv(name, raising=False)
    hooks, families = list(sys.meta_path), matplotlib.rcParams["font.family"]
    yield
    sys.modules.pop("google.colab.output", None)
    sys.meta_path[:] = hooks
    matplotlib.rcParams["font.family"] = families


def test_every_notebook_starts_with_the_same_collapsed_setup_cell():
    expected = navigation.setup_source(REPO)
    for path in PATHS:
        code = [c for c in read(path).cells if c.cell_type == "code"]
        assert code[0].id == "setup", f"{path.name}: the first code cell is not the setup cell"
        assert code[0].source == expected, f"{path.name}: run `make navigation`"
        assert code[0].metadata.get("jupyter") == navigation.SETUP_HIDDEN, (
            f"{path.name}: the setup cell's code is not collapsed (run `make navigation`)"
        )
        assert code[0].outputs == [], f"{path.name}: the setup cell showed something"
    assert expected.startswith("# 추가 코드 –")


def test_the_setup_cell_is_a_few_lines_that_import_no_lesson_code():
    source = navigation.setup_source(REPO)
    assert len(source.splitlines()) <= 14, "the setup cell's work belongs in helpers.environment.setup()"
    imports = re.findall(r"^(?:from|import) (\S+)", source, re.M)
    assert set(imports) <= {"os", "sys", "subprocess", "helpers.environment"}


def test_outside_colab_the_setup_cell_installs_nothing_and_shows_nothing(clean_tf_env):
    printed, calls, _ = run_setup(navigation.setup_source(REPO))
    assert printed == ""
    assert calls == [], "it would install something outside Colab"
    assert os.environ["TF_CPP_MIN_LOG_LEVEL"] == "3" and os.environ["TF_ENABLE_ONEDNN_OPTS"] == "0"


def pip_installs(call):
    """The packages of one recorded ``pip install`` call, after checking how it installs them."""
    args, kwargs = call
    assert args[:4] == [sys.executable, "-m", "pip", "install"]
    assert "--no-deps" in args, "without --no-deps pip may replace Colab's TensorFlow, Keras or NumPy"
    assert kwargs.get("check") is True, "a failed install must stop the notebook, not pass silently"
    return [a for a in args[4:] if not a.startswith("-")]


def test_in_colab_it_installs_helpers_at_the_badge_ref_then_what_colab_lacks(clean_tf_env):
    colab = fake_colab()
    printed, calls, _ = run_setup(navigation.setup_source(REPO), colab=colab)
    assert len(calls) == 2, calls
    # helpers first, from git at the ref the badge opened: setup() itself comes from it.
    assert pip_installs(calls[0]) == [f"git+{REPO}@{navigation.REF}"]
    names = {Requirement(p).name.lower() for p in pip_installs(calls[1])}
    assert names == set(environment.COLAB_PACKAGES)
    assert not names & COLAB_STACK
    assert colab.output.enabled == [True], "Colab's custom widget manager (the canvas) is off"
    assert os.environ["TF_CPP_MIN_LOG_LEVEL"] == "3"
    assert printed == ""


def test_the_setup_cell_installs_from_the_ref_the_colab_badge_opens():
    source = navigation.setup_source(REPO)
    installs = re.findall(r"git\+(https://github\.com/[^@\"]+)@([^\"]+)", source)
    owner, name = REPO.removeprefix("https://github.com/").split("/")
    for path in PATHS:
        badges = next(c for c in read(path).cells if c.get("id") == "nav-badges").source
        links = COLAB_LINK.findall(badges)
        assert links == [(owner, name, navigation.REF, path.name)], path.name
        assert "mybinder.org" in badges
        assert installs == [(REPO, navigation.REF)]


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
    (root / "README.md").write_text(
        "<!-- lessons:start -->\n<!-- lessons:end -->\n<!-- binder:start -->\n<!-- binder:end -->\n",
        encoding="utf-8",
    )
    index = nbformat.v4.new_notebook()
    index.cells = [
        nbformat.v4.new_markdown_cell("# 00. 목차"),
        nbformat.v4.new_markdown_cell("", id="lesson-table"),
    ]
    lesson = nbformat.v4.new_notebook()
    lesson.cells = [
        nbformat.v4.new_markdown_cell("# 01. 레슨\n\n## 설정"),
        nbformat.v4.new_code_cell(first_code, id="old-first", execution_count=1),
        nbformat.v4.new_code_cell("x = np.zeros(3)", id="lesson-code"),
    ]
    for name, nb in (("00_index.ipynb", index), ("01_lesson.ipynb", lesson)):
        nbformat.write(nb, root / "notebooks" / name)


def write_all(changed):
    for path, text in changed.items():
        path.write_text(text, encoding="utf-8")


def test_an_old_first_cell_becomes_the_setup_cell_and_keeps_its_imports(tmp_path):
    make_course(tmp_path, OLD_FIRST_CELL)
    write_all(navigation.generate(tmp_path))
    cells = read(tmp_path / "notebooks" / "01_lesson.ipynb").cells
    code = [c for c in cells if c.cell_type == "code"]
    assert [c.id for c in code] == ["setup", "old-first", "lesson-code"]
    assert code[0].source == navigation.setup_source(REPO)
    assert code[0].metadata["jupyter"] == navigation.SETUP_HIDDEN
    assert "os.environ" not in code[1].source and "추가 코드" not in code[1].source
    # Its imports stay, and `import os` too, because the rest still uses os.
    assert code[1].source.splitlines() == [
        "import os",
        "",
        "import numpy as np",
        "from helpers import data",
        "",
        "print(os.getcwd())",
    ]
    assert code[1].execution_count is None and code[1].outputs == []
    assert navigation.generate(tmp_path) == {}, "a second run must change nothing"


def test_a_notebook_without_an_old_setup_gets_the_setup_cell_before_its_code(tmp_path):
    make_course(tmp_path, "import numpy as np")
    write_all(navigation.generate(tmp_path))
    for name in ("00_index.ipynb", "01_lesson.ipynb"):
        code = [c for c in read(tmp_path / "notebooks" / name).cells if c.cell_type == "code"]
        assert code[0].id == "setup"
    lesson = [c for c in read(tmp_path / "notebooks" / "01_lesson.ipynb").cells if c.cell_type == "code"]
    assert [c.source for c in lesson[1:]] == ["import numpy as np", "x = np.zeros(3)"]
    assert navigation.generate(tmp_path) == {}


def test_an_outdated_or_misplaced_setup_cell_is_replaced(tmp_path):
    make_course(tmp_path, "import numpy as np")
    path = tmp_path / "notebooks" / "01_lesson.ipynb"
    nb = read(path)
    nb.cells.append(nbformat.v4.new_code_cell("# an old setup", id="setup"))
    nbformat.write(nb, path)
    write_all(navigation.generate(tmp_path))
    code = [c for c in read(path).cells if c.cell_type == "code"]
    assert [c.id for c in code].count("setup") == 1 and code[0].id == "setup"
    assert code[0].source == navigation.setup_source(REPO)
    assert code[0].metadata["jupyter"] == navigation.SETUP_HIDDEN


def test_a_setup_cell_in_place_gets_the_new_code_collapsed_and_keeps_its_run(tmp_path):
    make_course(tmp_path, "import numpy as np")
    write_all(navigation.generate(tmp_path))
    path = tmp_path / "notebooks" / "01_lesson.ipynb"
    nb = read(path)
    setup = next(c for c in nb.cells if c.get("id") == "setup")
    setup.source, setup.execution_count, setup.metadata = "# an older setup cell", 1, {}
    nbformat.write(nb, path)
    write_all(navigation.generate(tmp_path))
    setup = next(c for c in read(path).cells if c.get("id") == "setup")
    assert setup.source == navigation.setup_source(REPO) and setup.execution_count == 1
    assert setup.metadata["jupyter"] == navigation.SETUP_HIDDEN


def test_helpers_install_the_colab_way_from_git_and_import(tmp_path):
    """pip install --no-deps git+<repository>@<ref> into a fresh venv, as the setup cell does.

    A clone of this repository stands in for GitHub; the venv sees this environment's packages
    (numpy, matplotlib, ...) as Colab's preinstalled ones, through a .pth file.
    """
    clone = tmp_path / "repo"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True)
    ref = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=clone, check=True, capture_output=True, text=True
    ).stdout.strip()
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = str(venv / "bin" / "python")
    site = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    ours = next(p for p in sys.path if p.endswith("site-packages") and Path(p, "numpy").is_dir())
    Path(site, "stack.pth").write_text(ours + "\n", encoding="utf-8")
    install = subprocess.run(
        [
            python,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--disable-pip-version-check",
            f"git+file://{clone}@{ref}",
        ],
        capture_output=True,
        text=True,
    )
    assert install.returncode == 0, install.stderr[-2000:]
    check = subprocess.run(
        [
            python,
            "-c",
            "import helpers, helpers.data, helpers.plots, helpers.environment; print(helpers.__file__)",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=dict(os.environ, PYTHONPATH=""),
    )
    assert check.returncode == 0, check.stderr[-2000:]
    installed = Path(check.stdout.strip()).parent
    assert installed.is_relative_to(venv), f"helpers came from {installed}, not the new venv"
    # Everything the package holds in the repository arrives, data files too.
    wanted = {
        p.relative_to(clone / "helpers")
        for p in (clone / "helpers").rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }
    got = {
        p.relative_to(installed) for p in installed.rglob("*") if p.is_file() and "__pycache__" not in p.parts
    }
    assert wanted <= got, f"not installed: {sorted(map(str, wanted - got))}"


def test_the_site_leaves_the_setup_cell_out():
    import build_site

    nb = read(PATHS[1])
    static = build_site.static_notebook(nb)
    setup = next(c for c in static.cells if c.get("id") == navigation.SETUP_ID)
    assert "remove-cell" in setup.metadata["tags"]
    others = [
        c
        for c in static.cells
        if c.cell_type == "code"
        and c.get("id") != navigation.SETUP_ID
        and "check" not in c.metadata.get("tags", [])
    ]
    assert others and not any("remove-cell" in c.metadata.get("tags", []) for c in others)
