"""Build Binder's image from the branch `binder` without Docker, pull the lessons as a launch link
does, and run lessons in it (nox's binder session: `make binder-check`).

repo2docker builds the image from the branch's binder/environment.yml, then runs its binder/postBuild;
a launch link then has nbgitpuller pull the lessons into a folder named like the repository. This
check does the same as closely as it can on a machine without Docker:

1. the files of the branch `binder` (the local branch, else origin/binder; `make binder-env` writes
   it) in a temporary home folder, as repo2docker copies them into the image's home;
2. a fresh environment, nox's on the Python that environment.yml pins (noxfile.py reads it with
   binder_env.pinned_python), given ONLY its pip: list (installed with dependencies, as conda's pip does);
3. the branch's postBuild, run inside it (with MNIST_NPZ set it downloads nothing); the JupyterLab
   settings it installs must be the branch's overrides.json, and nbgitpuller's server extension
   must be enabled;
4. the lessons pulled with that environment's `gitpuller` (nbgitpuller's own code, depth 1) from a
   bare clone of this repository standing in for GitHub, into home/<repository name>, so only
   committed lessons count;
5. the index and the training lesson, executed there with that environment's `jupyter execute`
   (so its own kernel); any error fails the check.

    nox -s binder                                  # the check (make binder-check)
    nox -s binder -- --drop tensorflow-cpu         # prove it fails when a package is missing
    nox -s binder -- --content-branch student      # the student edition's branch

With ``--drop`` (or ``BINDER_CHECK_DROP=name,name``) the named packages are left out of the pip list:
the check must then fail. (Only for a package nothing else in the list needs: the install brings
back a dependency, as matplotlib comes with koreanize-matplotlib.)
"""

import argparse
import ast
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


def requirement_name(line):
    """Normalized name of a requirement line ('tensorflow-cpu==2.21.0 ; ...' -> 'tensorflow-cpu')."""
    return canonicalize_name(Requirement(line).name)


def drop_packages(requirements, names):
    """``requirements`` without the lines for ``names``; raise ValueError for a name not there."""
    wanted = {canonicalize_name(name) for name in names}
    kept = [line for line in requirements if requirement_name(line) not in wanted]
    missing = wanted - {requirement_name(line) for line in requirements}
    if missing:
        raise ValueError(f"not in the pip list: {', '.join(sorted(missing))}")
    return kept


def top_level_imports(source):
    """Top-level names of the modules that Python ``source`` imports (absolute imports only).

    IPython syntax (``%magic``, ``!command``) is turned into Python first, so notebook cells work.
    """
    from IPython.core.inputtransformer2 import TransformerManager

    tree = ast.parse(TransformerManager().transform_cell(source))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def unprovided_modules(modules, requirements, distributions, local=("helpers",)):
    """The third-party ``modules`` that no requirement in ``requirements`` provides.

    ``distributions`` maps module names to the distributions that provide them, as
    ``importlib.metadata.packages_distributions()`` does; standard-library and ``local`` modules
    need no requirement. A requirement counts only if its environment marker holds here.
    """
    provided = set()
    for line in requirements:
        requirement = Requirement(line)
        if requirement.marker is None or requirement.marker.evaluate():
            provided.add(canonicalize_name(requirement.name))
    missing = []
    for module in sorted(modules):
        if module in sys.stdlib_module_names or module in local or module == "__future__":
            continue
        if not {canonicalize_name(d) for d in distributions.get(module, [])} & provided:
            missing.append(module)
    return missing


def run(command, **kwargs):
    print("+", " ".join(str(part) for part in command), flush=True)
    subprocess.run(command, check=True, **kwargs)


def venv_environment(venv):
    """Process environment as if ``venv`` were activated, and nothing of ours leaked in."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key
        not in (
            "PYTHONPATH",
            "PYTHONHOME",
            "CONDA_PREFIX",
            "VIRTUAL_ENV",
            "JUPYTER_PATH",
            "JUPYTERLAB_DIR",
            "JUPYTER_CONFIG_DIR",
            "JUPYTER_DATA_DIR",
        )
    }
    env["VIRTUAL_ENV"] = str(venv)
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHONNOUSERSITE"] = "1"
    return quiet_tensorflow(env)


def puller_enabled(venv, env):
    """Whether Jupyter Server in ``venv`` loads nbgitpuller, which the launch links' git-pull needs."""
    listing = subprocess.run(
        [venv / "bin" / "jupyter", "server", "extension", "list"],
        check=False,
        env=env,
        capture_output=True,
        text=True,
    )
    return any(
        "nbgitpuller" in line and "enabled" in line for line in (listing.stdout + listing.stderr).splitlines()
    )


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
            run(
                [venv / "bin" / "gitpuller", origin.as_uri(), args.content_branch, home / name],
                cwd=home,
                env=env,
            )
            folder = home / name / "notebooks"
            names = [p.name for p in notebook_paths(folder) if p.name in (INDEX, TRAINING)]
            if len(names) != 2:
                return failed(f"the pulled notebooks/ must hold {INDEX} and {TRAINING}")
            run(
                [venv / "bin" / "jupyter", "execute", "--timeout=600", *(folder / n for n in names)],
                cwd=folder,
                env=env,
            )
    except subprocess.CalledProcessError as error:
        return failed(f"{Path(str(error.cmd[0])).name} exited with {error.returncode}; see the output above")
    print(
        f"binder-check: OK in {time.perf_counter() - start:.0f} s ({', '.join(names)} of "
        f"{args.content_branch}, pulled by nbgitpuller, ran without error in the image of "
        f"branch {args.branch})"
    )
    return 0
