"""The course's checks that need an environment of their own, each a nox session (`nox -l` lists them).

    nox -s oldest colab         # some runs of the version matrix (make compat SETS=oldest,colab)
    nox -s oldest -- notebooks/05_model.ipynb   # some notebooks (make compat SETS=oldest NB=...)
    make compat                 # its four runs, then their table (tools/compat.py report)
    nox -s binder               # make binder-check: Binder's image, lessons 00 and 06 pulled and run in it
    nox -s site                 # make site: the course website (make site-check then loads its pages)
    nox -s student              # make student-check: the student edition, every notebook run
    nox -s hub                  # make hub-check: a class on a real JupyterHub

Bare `nox` runs the version matrix alone. Each of its runs builds a fresh uv environment under
build/nox/, installs its set and the course's helpers, then runs ``tools/compat.py run`` in it:
every notebook top to bottom in a fresh kernel of that environment, judged by the notebooks' own
checks. A set's Python is never replaced by another: when it is missing here, its runs fail and
the log says how to get it.
"""

import glob
import os
import shutil
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import nox
from nox.logger import logger
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT / "tools"))  # the sessions drive the course's tools
import binder_env  # noqa: E402 (light: the heavier tools are imported by the sessions that use them)

nox.options.default_venv_backend = "uv"
nox.options.envdir = str(ROOT / "build" / "nox")
# A missing Python fails its runs: never downloaded, and not skipped (nox's default outside CI).
nox.options.download_python = "never"
nox.options.error_on_missing_interpreters = True

# What the runner needs in every set besides the course's own dependencies (the tools' tables:
# tabulate; the kernel's memory: psutil).
RUNNER = ["ipykernel", "nbclient", "nbformat", "psutil", "tabulate"]

# The lower bounds of pyproject.toml's supported range. TensorFlow 2.16 is the first line with
# Keras 3; 3.0.5 was the newest Keras when TensorFlow 2.16.1 came out; TensorFlow 2.16 needs
# NumPy < 2; ipywidgets 7.7.1 is what Colab ships.
OLDEST = ["tensorflow-cpu==2.16.1", "keras==3.0.5", "numpy==1.26.4", "ipywidgets==7.7.1"]
OLDEST_PYTHON = "3.11"

# Colab's default runtime (since 2026-08, colabtools #6081). When Colab moves, read the new
# versions in googlecolab/backend-info: os-info.txt has its Python, pip-freeze.txt the pins below
# (Colab's `tensorflow` wheel; the CPU wheel of the same version runs the same code here). A new
# Python also needs TensorFlow wheels for it (3.13: TensorFlow 2.20 and later). Then run
# `make compat COMPAT_FLAGS=--record` and update docs/CONTRIBUTING.md's paragraph on Colab.
COLAB = ["tensorflow-cpu==2.20.0", "keras==3.13.2", "numpy==2.1.3", "ipywidgets==7.7.1", "matplotlib==3.10.0"]
COLAB_PYTHON = "3.13"

# The lock is made for 3.11 but holds pins for Python >= 3.12 that only a newer Python installs.
LOCK = ROOT / "requirements.lock"
LOCK_PYTHONS = ["3.11", "3.13"]
# Binder's image runs the Python that the branch binder's environment.yml pins.
BINDER_PYTHON = binder_env.pinned_python()
# site/requirements.txt was frozen on it (the website's workflow sets up the same).
SITE_PYTHON = "3.11"


def install_args(name):
    """What ``uv pip install`` (nox's session.install) gets to install set ``name``: the lock, or
    the set's pins with pyproject.toml's dependencies (what the lessons import) and the runner."""
    if name == "lock":
        return ["-r", str(LOCK)]
    pins = {"oldest": OLDEST, "colab": COLAB}[name]
    pinned = {Requirement(pin).name for pin in pins}
    course = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["dependencies"]
    return pins + [r for r in course + RUNNER if Requirement(r).name not in pinned]


def pyenv_folders():
    """Every pyenv version's bin folder (nox's uv backend does not look there), or [] without pyenv."""
    try:
        root = subprocess.run(["pyenv", "root"], capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return []
    return sorted(glob.glob(os.path.join(root.strip(), "versions", "*", "bin")))


def find_python(version, folders):
    """The first ``pythonX.Y`` in ``folders`` that starts, or None. (A pyenv shim of a version that
    is not installed exists, but exits with an error.)"""
    for folder in folders:
        found = shutil.which(f"python{version}", path=folder)
        if found and subprocess.run([found, "-c", ""], check=False, capture_output=True).returncode == 0:
            return found
    return None


def missing_python(version, runs):
    """What to tell when ``runs`` cannot start because Python ``version`` is not installed."""
    return (
        f"{', '.join(runs)}: Python {version} is neither on PATH nor installed with pyenv. "
        f"Install it (`pyenv install {version}`, or your system's python{version}) and run "
        "again; these runs fail until then, they never run on another Python."
    )


def make_pythons_findable(runs_by_python):
    """Put each needed Python's folder first on PATH, where nox looks; log the missing ones."""
    path = os.environ.get("PATH", "")
    folders = path.split(os.pathsep) + pyenv_folders()
    found = []
    for version, runs in runs_by_python.items():
        python = find_python(version, folders)
        if python is None:
            logger.error(missing_python(version, runs))
        else:
            found.append(os.path.dirname(python))
    os.environ["PATH"] = os.pathsep.join([*dict.fromkeys(found), path])


RUNS_BY_PYTHON = {}
for _python, _run in [
    (OLDEST_PYTHON, "oldest"),
    (COLAB_PYTHON, "colab"),
    *((p, f"lock-{p}") for p in LOCK_PYTHONS),
    (BINDER_PYTHON, "binder"),
    (SITE_PYTHON, "site"),
    (LOCK_PYTHONS[0], "student"),
]:
    RUNS_BY_PYTHON.setdefault(_python, []).append(_run)
make_pythons_findable(RUNS_BY_PYTHON)


def run_lessons(session, *installs):
    """Install each of ``installs`` (argument lists), then run every lesson (or those given after
    ``--``) and record the run."""
    # The table reads this record: one left by an earlier run must not stand for this one.
    (ROOT / "build" / "compat" / f"{session.name}.json").unlink(missing_ok=True)
    start = time.perf_counter()
    for args in installs:
        session.install(*args)
    built = time.perf_counter() - start
    run = ["python", str(ROOT / "tools" / "compat.py"), "run", session.name]
    # session.posargs: some notebooks only (make compat NB=...)
    session.run(*run, *session.posargs, "--build-seconds", f"{built:.1f}")


# helpers as `make setup` installs it: editable, from the working tree.
WORKING_TREE = ["--no-deps", "--editable", str(ROOT)]


@nox.session(python=OLDEST_PYTHON)
def oldest(session):
    """The oldest supported versions (pyproject.toml's lower bounds)."""
    run_lessons(session, install_args("oldest"), WORKING_TREE)


@nox.session(python=COLAB_PYTHON)
def colab(session):
    """Colab's runtime; helpers installed as the lessons' setup cell does in Colab (git, no deps)."""
    # The committed HEAD of this checkout, as Colab gets the pushed branch (uncommitted work is not in it).
    committed = f"dl-architecture-course @ git+file://{ROOT}"
    run_lessons(
        session,
        install_args("colab"),
        ["--no-deps", "--reinstall-package", "dl-architecture-course", committed],
    )


@nox.session(python=LOCK_PYTHONS)
def lock(session):
    """requirements.lock: what `make setup`, Binder and CI install."""
    run_lessons(session, install_args("lock"), WORKING_TREE)


@nox.session(python=BINDER_PYTHON, default=False)
def binder(session):
    """`make binder-check`: Binder's image from the branch binder, lessons 00 and 06 pulled and run in it."""
    import binder_check

    venv = Path(session.virtualenv.location)
    if binder_check.main(session.posargs, venv, session.install, session.python):
        session.error("binder-check failed: see its message above")


@nox.session(python=SITE_PYTHON, default=False)
def site(session):
    """`make site`: the course website from the stored outputs, with site/requirements.txt and MathJax."""
    session.install("-r", str(ROOT / "site" / "requirements.txt"))
    # MathJax from npm into the same environment, where tools/build_site.py looks for it.
    venv = Path(session.virtualenv.location)
    for name in ("package.json", "package-lock.json"):
        shutil.copy2(ROOT / "site" / name, venv / name)
    session.run("npm", "ci", "--prefix", str(venv), "--no-audit", "--no-fund", "--quiet", external=True)
    session.run("python", str(ROOT / "tools" / "build_site.py"), *session.posargs)


@nox.session(python=LOCK_PYTHONS[0], default=False)
def student(session):
    """`make student-check`: the student edition, installed as its Makefile does, every notebook run."""
    from navigation import notebook_paths

    edition = ROOT / "build" / "student"
    # The lock: what tools/student.py needs and what the edition's copy of it pins.
    session.install("-r", str(LOCK))
    session.run("python", str(ROOT / "tools" / "student.py"), "--out", str(edition))
    session.install("--no-deps", "--editable", str(edition))
    notebooks = [str(path) for path in notebook_paths(edition / "notebooks")]
    try:  # each in its own folder, in a fresh kernel of this environment
        session.run("python", str(ROOT / "tools" / "execute_notebooks.py"), "--no-save", *notebooks)
    except nox.command.CommandFailed:
        session.error(
            "a notebook of the student edition does not run (its error is above); a NameError means "
            "a later cell uses something only a solution defined"
        )


def shared_python(version):
    """A Python ``version`` that every user can run (the hub's servers run as the students): not one
    under root's home, as pyenv's often is; else ``version`` itself."""
    for folder in os.environ["PATH"].split(os.pathsep) + pyenv_folders():
        found = find_python(version, [folder])
        if found and all(os.stat(p).st_mode & 0o001 for p in Path(found).resolve().parents):  # o+x
            return found
    return version


@nox.session(python=shared_python(LOCK_PYTHONS[0]), reuse_venv=True, default=False)
def hub(session):
    """make hub-check: a class on a real JupyterHub (tools/hub_check.py), the lock + the hub's packages."""
    from hub_check import HUB_PACKAGES, PROXY, PROXY_PACKAGE

    session.install("-r", str(LOCK), *HUB_PACKAGES)
    session.install(*WORKING_TREE)
    if not PROXY.exists():  # JupyterHub's proxy is a Node.js program
        session.run(
            "npm",
            "install",
            "--prefix",
            str(PROXY.parents[2]),
            "--no-audit",
            "--no-fund",
            "--loglevel=error",
            PROXY_PACKAGE,
            external=True,
        )
    session.run("python", str(ROOT / "tools" / "hub_check.py"), *session.posargs)
