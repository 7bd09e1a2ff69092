"""Build Binder's image from the branch `binder` without Docker, pull the lessons as a launch link
does, and run lessons in it (nox's binder session: `make binder-check`).

As repo2docker and a launch link do, as closely as a machine without Docker can:

1. the files of the branch `binder` (else origin/binder; without either, made as `make binder-env`
   would) in a temporary home folder, as repo2docker copies them into the image's home;
2. a fresh environment on the Python its environment.yml pins (binder_env.pinned_python), given ONLY
   its pip: list (installed with dependencies, as conda's pip does);
3. the branch's postBuild run inside it (with MNIST_NPZ set it downloads nothing): the JupyterLab
   settings it installs must be the branch's overrides.json, nbgitpuller's server extension enabled;
4. the lessons pulled by that environment's `gitpuller` from a bare clone of this repository (so
   only committed lessons count) into home/<repository name>;
5. the index and the training lesson run there with its `jupyter execute`; any error fails the check.

    nox -s binder                                  # the check (make binder-check)
    nox -s binder -- --drop tensorflow-cpu         # prove it fails when a package is missing
    nox -s binder -- --content-branch student      # the student edition's branch

``--drop`` (or ``BINDER_CHECK_DROP=name,name``) leaves packages out of the pip list: the check must
then fail. (Only for a package nothing else needs: matplotlib comes back with koreanize-matplotlib.)
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import binder_env
import git_branch
from binder_env import BRANCH, pip_requirements, python_version
from navigation import INDEX, REF, notebook_paths, repository_url
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from helpers.environment import quiet_tensorflow

ROOT = Path(__file__).resolve().parent.parent
SETTINGS = Path("share/jupyter/lab/settings/overrides.json")  # inside the environment's prefix
TRAINING = "06_training.ipynb"
# Variables that would point the fresh environment's Python and Jupyter at ours.
LEAKED = {"PYTHONPATH", "PYTHONHOME", "CONDA_PREFIX", "VIRTUAL_ENV", "JUPYTER_PATH", "JUPYTERLAB_DIR"}
LEAKED |= {"JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR"}


def drop_packages(requirements, names):
    """``requirements`` without the lines for ``names``; raise ValueError for a name not there."""
    wanted = {canonicalize_name(name) for name in names}
    named = [(canonicalize_name(Requirement(line).name), line) for line in requirements]
    if missing := wanted - {name for name, _ in named}:
        raise ValueError(f"not in the pip list: {', '.join(sorted(missing))}")
    return [line for name, line in named if name not in wanted]


def run(command, **kwargs):
    print("+", " ".join(str(part) for part in command), flush=True)
    subprocess.run(command, check=True, **kwargs)


def venv_environment(venv):
    """Process environment as if ``venv`` were activated, and nothing of ours leaked in."""
    env = {key: value for key, value in os.environ.items() if key not in LEAKED}
    env["VIRTUAL_ENV"] = str(venv)
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHONNOUSERSITE"] = "1"
    return quiet_tensorflow(env)


def puller_enabled(venv, env):
    """Whether Jupyter Server in ``venv`` loads nbgitpuller, which the launch links' git-pull needs."""
    command = [venv / "bin" / "jupyter", "server", "extension", "list"]
    listing = subprocess.run(command, env=env, capture_output=True, text=True)
    lines = (listing.stdout + listing.stderr).splitlines()
    return any("nbgitpuller" in line and "enabled" in line for line in lines)


def failed(message):
    print(f"binder-check: FAILED: {message}", file=sys.stderr)
    return 1


def main(argv, venv, install, python):
    """The check, in the empty environment ``venv`` (Python ``python``, 'X.Y'), into which
    ``install(*args)`` installs as pip install does (nox's session.install). Returns the exit status."""
    parser = argparse.ArgumentParser(prog="nox -s binder --", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--drop",
        action="append",
        default=[],
        metavar="PACKAGE",
        help="leave PACKAGE out of (a copy of) the pip list: the check must fail",
    )
    parser.add_argument("--branch", default=BRANCH, help=f"the environment's branch (default {BRANCH})")
    parser.add_argument(
        "--content-branch", default=REF, help=f"the branch nbgitpuller pulls the lessons from (default {REF})"
    )
    args = parser.parse_args(argv)
    drop = args.drop + [n for n in os.environ.get("BINDER_CHECK_DROP", "").split(",") if n.strip()]

    start = time.perf_counter()
    commit = git_branch.resolve(ROOT, args.branch)
    if commit is None:  # a clone of main alone: build what `make binder-env` would publish
        commit = git_branch.commit_folder(binder_env.write_tree(), args.branch, ROOT, "binder-check")
        print(f"binder-check: no branch {args.branch} here: made it from requirements.lock and binder/")
    name = repository_url(ROOT).rsplit("/", 1)[-1]  # nbgitpuller's folder: the URL's last part
    if drop:
        print(f"binder-check: TEST MODE, pip list without {', '.join(drop)}: this must fail")
    env = venv_environment(venv)
    try:
        with tempfile.TemporaryDirectory(prefix="binder-check-") as tmp:
            home = git_branch.extract(ROOT, commit, Path(tmp) / "home")
            print(f"binder-check: the environment of branch {args.branch} ({commit[:12]}) in {home}")
            text = (home / "binder" / "environment.yml").read_text(encoding="utf-8")
            if python_version(text) != python:
                return failed(
                    f"branch {args.branch} pins python={python_version(text)}, but this environment "
                    f"has Python {python}: noxfile.py's binder session takes its Python from the "
                    f"branch {BRANCH}, so check another branch only when it pins the same"
                )
            requirements = pip_requirements(text)
            if drop:
                try:
                    requirements = drop_packages(requirements, drop)
                except ValueError as error:
                    return failed(f"--drop: {error}")
            pip_list = Path(tmp) / "requirements.txt"
            pip_list.write_text("\n".join(requirements) + "\n", encoding="utf-8")
            install("-r", str(pip_list))
            run([home / "binder" / "postBuild"], cwd=home, env=env)
            installed = venv / SETTINGS
            if (
                not installed.is_file()
                or installed.read_bytes() != (home / "binder" / "overrides.json").read_bytes()
            ):
                return failed(f"postBuild did not install the branch's binder/overrides.json as {installed}")
            if not puller_enabled(venv, env):
                return failed(
                    "Jupyter Server does not load nbgitpuller in this environment, so a launch link "
                    "cannot pull the lessons: requirements.in must list nbgitpuller (then make lock "
                    "and make binder-env)"
                )
            origin = Path(tmp) / "origin" / f"{name}.git"  # stands in for the public repository
            run(["git", "clone", "--bare", "--quiet", ROOT, origin])
            pull = [venv / "bin" / "gitpuller", origin.as_uri(), args.content_branch, home / name]
            run(pull, cwd=home, env=env)
            folder = home / name / "notebooks"
            names = [p.name for p in notebook_paths(folder) if p.name in (INDEX, TRAINING)]
            if len(names) != 2:
                return failed(f"the pulled notebooks/ must hold {INDEX} and {TRAINING}")
            execute = [venv / "bin" / "jupyter", "execute", "--timeout=600", *(folder / n for n in names)]
            run(execute, cwd=folder, env=env)
    except subprocess.CalledProcessError as error:
        return failed(f"{Path(str(error.cmd[0])).name} exited with {error.returncode}; see the output above")
    print(
        f"binder-check: OK in {time.perf_counter() - start:.0f} s ({', '.join(names)} of "
        f"{args.content_branch}, pulled by nbgitpuller, ran without error in the image of "
        f"branch {args.branch})"
    )
    return 0
