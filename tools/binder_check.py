"""Simulate Binder's build of the course without Docker, then run lessons in the result (`make binder-check`).

repo2docker builds the image from binder/environment.yml (a link to environment.yml) and then runs
binder/postBuild. This check does the same as closely as it can on a machine without Docker:

1. a fresh virtual environment, build/binder-venv, made with python3.11 (environment.yml pins
   python=3.11) and ONLY the pip: list of binder/environment.yml (`pip install -r`, with
   dependencies, as conda's pip does); it is reused while that list is unchanged (the stamp file's
   name carries its digest);
2. binder/postBuild, run inside that environment (with MNIST_NPZ set it verifies that file
   instead of downloading MNIST);
3. checks that JupyterLab in that environment sees the settings overrides postBuild installed, and
   that the kernel "python3" is that environment's Python;
4. executes notebooks/00_index.ipynb and notebooks/06_training.ipynb (01_relu.ipynb while 06 does
   not exist yet) top to bottom with a kernel of that environment, on copies in a temporary folder,
   and fails on any error.

    python tools/binder_check.py                   # the check (make binder-check)
    python tools/binder_check.py --drop matplotlib # prove it fails when a package is missing

With ``--drop`` (or ``BINDER_CHECK_DROP=name,name``) the named packages are removed from a copy of the
pip list and a separate environment (build/binder-venv-drop-...) is built: the check must then fail.
"""

import argparse
import ast
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
ENVIRONMENT = ROOT / "binder" / "environment.yml"
POSTBUILD = ROOT / "binder" / "postBuild"
BUILD = ROOT / "build"
NOTEBOOKS = ("00_index.ipynb", "06_training.ipynb")
FALLBACK = {"06_training.ipynb": "01_relu.ipynb"}  # until the training lesson exists

# Runs in the Binder environment's Python: execute notebooks (copies) with that environment's kernel.
RUNNER = r"""
import sys, time
import nbformat
from nbclient import NotebookClient
folder, names = sys.argv[1], sys.argv[2:]
for name in names:
    path = f"{folder}/{name}"
    nb = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    NotebookClient(nb, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": folder}}).execute()
    nbformat.write(nb, path)
    print(f"binder-check: {name} ran without error in {time.perf_counter() - start:.1f} s", flush=True)
"""

# Runs in the Binder environment's Python: what JupyterLab and Jupyter will use there.
PROBE = r"""
import json, os, re, sys, tempfile
from jupyter_client.kernelspec import KernelSpecManager
from jupyterlab.commands import get_app_dir
from jupyterlab_server.settings_utils import get_settings
overrides = json.load(open(sys.argv[1], encoding="utf-8"))
app_dir = get_app_dir()
problems = []
if not os.path.realpath(app_dir).startswith(os.path.realpath(sys.prefix)):
    problems.append(f"JupyterLab's app dir {app_dir} is outside {sys.prefix}")
with tempfile.TemporaryDirectory() as user_settings:  # a student who changed nothing
    for plugin, values in overrides.items():
        result, _ = get_settings(os.path.join(app_dir, "settings"), os.path.join(app_dir, "schemas"),
                                 user_settings, schema_name=plugin)
        for key, value in values.items():
            actual = result["schema"]["properties"][key].get("default")
            if actual != value:
                problems.append(f"JupyterLab setting {plugin} {key} is {actual!r}, not {value!r}")
argv = KernelSpecManager().get_kernel_spec("python3").argv
exe = sys.executable if re.fullmatch(r"python[0-9.]*|\{sys.executable\}", argv[0]) else argv[0]
if os.path.realpath(exe) != os.path.realpath(sys.executable):
    problems.append(f"kernel python3 runs {argv[0]}, not {sys.executable}")
print("\n".join(problems) or "binder-check: JupyterLab overrides active; kernel python3 is this environment's")
sys.exit(1 if problems else 0)
"""


def pip_requirements(environment_text):
    """The pip: entries of a conda environment file, in order."""
    data = yaml.safe_load(environment_text)
    for entry in data.get("dependencies", []):
        if isinstance(entry, dict) and "pip" in entry:
            return [str(line) for line in entry["pip"]]
    raise ValueError("the environment file has no pip: section")


def python_version(environment_text):
    """The Python version the environment file pins ('3.11' for python=3.11)."""
    data = yaml.safe_load(environment_text)
    for entry in data.get("dependencies", []):
        match = isinstance(entry, str) and re.fullmatch(r"python\s*=+\s*([\d.]+)", entry.strip())
        if match:
            return match.group(1)
    raise ValueError("the environment file does not pin python=X.Y")


def requirement_name(line):
    """Normalized distribution name of a requirement line ('tensorflow-cpu==2.21.0 ; ...' -> 'tensorflow-cpu')."""
    match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", line)
    if not match:
        raise ValueError(f"not a requirement: {line!r}")
    return re.sub(r"[-_.]+", "-", match.group(1)).lower()


def drop_packages(requirements, names):
    """``requirements`` without the lines for ``names``; raise ValueError for a name not there."""
    wanted = {requirement_name(name) for name in names}
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
    from packaging.requirements import Requirement

    provided = set()
    for line in requirements:
        requirement = Requirement(line)
        if requirement.marker is None or requirement.marker.evaluate():
            provided.add(requirement_name(requirement.name))
    missing = []
    for module in sorted(modules):
        if module in sys.stdlib_module_names or module in local or module == "__future__":
            continue
        if not {requirement_name(d) for d in distributions.get(module, [])} & provided:
            missing.append(module)
    return missing


def notebooks_to_run(folder):
    """The notebooks the check executes: 00 and 06 (01 while 06 does not exist)."""
    names = []
    for name in NOTEBOOKS:
        if not (folder / name).exists() and name in FALLBACK:
            print(f"binder-check: {name} does not exist yet; running {FALLBACK[name]} instead")
            name = FALLBACK[name]
        names.append(name)
    return names


# This machine's pip configuration names extra local indexes that lack most packages; pip warns
# about each one. Those lines say nothing about the course, so they are left out of the log.
NOISE = re.compile(r"WARNING: Location '.*' is ignored: it is neither a file nor a directory\.")


def run(command, label=None, **kwargs):
    """Run ``command`` (echoed, or ``label`` for long inline scripts); raise if it fails."""
    print("+", label or " ".join(str(part) for part in command), flush=True)
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               **kwargs)
    for line in process.stdout:
        if not NOISE.match(line):
            print(line, end="", flush=True)
    if process.wait():
        raise subprocess.CalledProcessError(process.returncode, command)


def build_venv(venv, python, requirements, key):
    """Create ``venv`` with only ``requirements``, unless its stamp (named by ``key``) exists."""
    stamp = venv / f".binder-installed-{hashlib.sha256(key).hexdigest()[:16]}"
    if stamp.exists():
        print(f"binder-check: reusing {venv.relative_to(ROOT)} (environment.yml unchanged)")
        return
    interpreter = shutil.which(f"python{python}")
    if interpreter is None:
        raise SystemExit(f"binder-check: environment.yml pins python={python}, but python{python} "
                         "is not on PATH")
    shutil.rmtree(venv, ignore_errors=True)
    start = time.perf_counter()
    run([interpreter, "-m", "venv", str(venv)])
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as file:
        file.write("\n".join(requirements) + "\n")
    try:
        run([venv / "bin" / "python", "-m", "pip", "install", "--quiet", "--upgrade", "pip"])
        run([venv / "bin" / "python", "-m", "pip", "install", "--quiet", "-r", file.name])
    finally:
        os.unlink(file.name)
    stamp.touch()
    print(f"binder-check: built {venv.relative_to(ROOT)} in {time.perf_counter() - start:.0f} s")


def venv_environment(venv):
    """Process environment as if ``venv`` were activated, and nothing of ours leaked in."""
    env = {key: value for key, value in os.environ.items()
           if key not in ("PYTHONPATH", "PYTHONHOME", "CONDA_PREFIX", "VIRTUAL_ENV",
                          "JUPYTER_PATH", "JUPYTERLAB_DIR", "JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR")}
    env["VIRTUAL_ENV"] = str(venv)
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHONNOUSERSITE"] = "1"
    return env


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--drop", action="append", default=[], metavar="PACKAGE",
                        help="leave PACKAGE out of (a copy of) the pip list: the check must fail")
    args = parser.parse_args(argv)
    drop = args.drop + [n for n in os.environ.get("BINDER_CHECK_DROP", "").split(",") if n.strip()]

    start = time.perf_counter()
    raw = ENVIRONMENT.read_bytes()
    text = raw.decode("utf-8")
    python = python_version(text)
    requirements = pip_requirements(text)
    venv = BUILD / "binder-venv"
    if drop:
        requirements = drop_packages(requirements, drop)
        venv = BUILD / ("binder-venv-drop-" + "-".join(sorted(requirement_name(n) for n in drop)))
        print(f"binder-check: TEST MODE, pip list without {', '.join(drop)}: this must fail")

    env = venv_environment(venv)
    python_exe = venv / "bin" / "python"
    try:
        # The environment is rebuilt only when binder/environment.yml (or --drop) changes.
        build_venv(venv, python, requirements, key=raw + repr(sorted(drop)).encode())
        run([str(POSTBUILD)], cwd=ROOT, env=env)
        run([python_exe, "-c", PROBE, str(ROOT / "binder" / "overrides.json")],
            label="check JupyterLab's settings and the python3 kernel in that environment", env=env)
        with tempfile.TemporaryDirectory(prefix="binder-check-") as tmp:
            folder = Path(tmp) / "notebooks"
            shutil.copytree(ROOT / "notebooks", folder)
            names = notebooks_to_run(folder)
            run([python_exe, "-c", RUNNER, str(folder), *names], cwd=folder, env=env,
                label=f"execute {' and '.join(names)} with that environment's kernel")
    except subprocess.CalledProcessError as error:
        step = Path(str(error.cmd[0])).name + (" -c ..." if "-c" in error.cmd else "")
        print(f"binder-check: FAILED ({step} exited with {error.returncode}); see the output above",
              file=sys.stderr)
        return 1
    print(f"binder-check: OK in {time.perf_counter() - start:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
