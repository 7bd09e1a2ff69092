"""Binder: its environment is the course's and lives alone on the branch `binder`, postBuild prepares
the image, launch links start that image and pull the lessons with nbgitpuller.

The slow end-to-end check (a fresh environment built from the branch's environment.yml alone, its
postBuild, the lessons pulled with nbgitpuller and executed there) is `make binder-check` (nox's
binder session); these tests are the quick, static part.
"""

import importlib.metadata
import json
import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import binder_check
import binder_env
import git_branch
import jsonschema
import navigation
import nbformat
import pytest
import yaml
from environment_file import pinned_requirements

ROOT = Path(__file__).resolve().parent.parent
BINDER = ROOT / "binder"
SETTINGS_PATH = "share/jupyter/lab/settings/overrides.json"


# --- environment -----------------------------------------------------------------------------------


def test_binder_environment_is_a_link_to_the_course_environment():
    link = BINDER / "environment.yml"
    assert link.is_symlink(), "binder/environment.yml must be a symlink to ../environment.yml"
    assert os.readlink(link) == "../environment.yml"
    assert link.resolve() == (ROOT / "environment.yml").resolve()
    assert link.read_bytes() == (ROOT / "environment.yml").read_bytes()


def test_environment_pins_python_311_and_installs_the_lock_through_pip():
    text = (ROOT / "environment.yml").read_text(encoding="utf-8")
    assert "python=3.11" in yaml.safe_load(text)["dependencies"]
    assert binder_env.python_version(text) == "3.11"
    requirements = binder_env.pip_requirements(text)
    names = {binder_check.requirement_name(line) for line in requirements}
    assert {"tensorflow-cpu", "tensorflow", "keras", "jupyterlab", "matplotlib"} <= names


def test_pip_list_parsing_and_dropping():
    text = (
        "dependencies:\n  - python=3.11\n  - pip\n  - pip:\n"
        "      - \"numpy==2.4.6 ; python_full_version < '3.12'\"\n"
        '      - "Matplotlib==3.11.2"\n      - "typing_extensions==4.16.0"\n'
    )
    requirements = binder_env.pip_requirements(text)
    assert requirements == [
        "numpy==2.4.6 ; python_full_version < '3.12'",
        "Matplotlib==3.11.2",
        "typing_extensions==4.16.0",
    ]
    assert binder_check.drop_packages(requirements, ["matplotlib", "typing-extensions"]) == requirements[:1]
    with pytest.raises(ValueError, match="not in the pip list: scipy"):
        binder_check.drop_packages(requirements, ["scipy"])
    with pytest.raises(ValueError, match="pin python"):
        binder_env.python_version("dependencies:\n  - pip\n")


# --- the branch `binder`: the environment alone, as the lock generates it -----------------------------


def test_the_tree_is_the_environment_alone_and_pins_exactly_the_lock(tmp_path):
    tree = binder_env.write_tree(tmp_path / "tree")
    files = {p.relative_to(tree).as_posix() for p in tree.rglob("*") if p.is_file()}
    from_binder = {f"binder/{p.name}" for p in BINDER.iterdir() if p.is_file()}
    assert files == from_binder | {"README.md"}  # no lesson, no helpers: they come with nbgitpuller
    text = (tree / "binder" / "environment.yml").read_text(encoding="utf-8")
    lock = pinned_requirements((ROOT / "requirements.lock").read_text(encoding="utf-8"))
    assert binder_env.pip_requirements(text) == lock
    assert binder_env.python_version(text) == "3.11"
    assert "nbgitpuller" in {binder_check.requirement_name(line) for line in lock}
    assert (tree / "binder" / "postBuild").stat().st_mode & stat.S_IXUSR
    assert (tree / "binder" / "overrides.json").read_bytes() == (BINDER / "overrides.json").read_bytes()


def test_the_binder_branch_is_what_the_lock_generates(tmp_path):
    commit = git_branch.resolve(ROOT, binder_env.BRANCH)
    if commit is None:
        pytest.skip(
            f"no branch {binder_env.BRANCH} (nor origin/{binder_env.BRANCH}) in this clone: "
            "`make binder-env` writes it"
        )
    tree = binder_env.write_tree(tmp_path / "tree")
    stale = git_branch.differences(tree, ROOT, commit)
    assert stale == [], (
        f"the branch {binder_env.BRANCH} ({commit[:12]}) differs from what "
        f"requirements.lock and binder/ give in {', '.join(stale)}: run `make binder-env` "
        "(on GitHub the workflow binder-env does it for main)"
    )


@pytest.fixture
def git_identity(monkeypatch):
    """A git identity for the commits a test makes (a machine without one can run it too)."""
    for role in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{role}_NAME", "Course")
        monkeypatch.setenv(f"GIT_{role}_EMAIL", "course@example.org")


def test_a_lock_changed_without_regenerating_the_branch_is_caught(tmp_path, git_identity):
    root = tmp_path / "course"
    shutil.copytree(BINDER, root / "binder", symlinks=True)
    shutil.copy2(ROOT / "requirements.lock", root / "requirements.lock")
    subprocess.run(["git", "init", "--quiet", str(root)], check=True)
    first = git_branch.commit_folder(binder_env.write_tree(tmp_path / "tree", root), "binder", root, "env")
    assert git_branch.differences(binder_env.write_tree(tmp_path / "tree", root), root, "binder") == []
    shown = git_branch.extract(root, "binder", tmp_path / "home")  # what binder-check builds from
    assert git_branch.differences(shown, root, first) == []

    lock = (root / "requirements.lock").read_text(encoding="utf-8")
    pin = next(line for line in pinned_requirements(lock) if line.startswith("tabulate=="))
    (root / "requirements.lock").write_text(lock.replace(pin, "tabulate==0.9.0"), encoding="utf-8")
    (root / "binder" / "postBuild").chmod(0o644)
    tree = binder_env.write_tree(tmp_path / "tree", root)
    assert git_branch.differences(tree, root, "binder") == ["binder/environment.yml", "binder/postBuild"]
    second = git_branch.commit_folder(tree, "binder", root, "env")  # what make binder-env does
    assert git_branch.differences(tree, root, "binder") == []
    assert git_branch.git(root, "rev-parse", f"{second}^") == first


def test_the_binder_session_runs_the_python_the_branch_pins(tmp_path, git_identity):
    root = tmp_path / "course"
    root.mkdir()
    (root / "environment.yml").write_text("dependencies:\n  - python=3.11\n  - pip\n", encoding="utf-8")
    subprocess.run(["git", "init", "--quiet", str(root)], check=True)
    # No branch yet: binder-check makes it from this checkout's environment.yml.
    assert binder_env.pinned_python(root=root) == "3.11"
    tree = tmp_path / "tree"
    (tree / "binder").mkdir(parents=True)
    (tree / "binder" / "environment.yml").write_text("dependencies:\n  - python=3.12\n", encoding="utf-8")
    git_branch.commit_folder(tree, binder_env.BRANCH, root, "env")
    assert binder_env.pinned_python(root=root) == "3.12"  # the branch, not the checkout


def test_a_lock_without_nbgitpuller_is_refused(tmp_path):
    root = tmp_path / "course"
    shutil.copytree(BINDER, root / "binder", symlinks=True)
    lock = (ROOT / "requirements.lock").read_text(encoding="utf-8")
    (root / "requirements.lock").write_text(
        "".join(line for line in lock.splitlines(keepends=True) if not line.startswith("nbgitpuller==")),
        encoding="utf-8",
    )
    with pytest.raises(SystemExit, match="does not pin nbgitpuller"):
        binder_env.write_tree(tmp_path / "tree", root)


# --- every import of the course is installed by environment.yml -------------------------------------


def course_imports():
    """{module: [files importing it]} for notebooks/*.ipynb and helpers/*.py."""
    found = {}
    for path in navigation.notebook_paths():
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            if cell.cell_type == "code":
                for module in binder_check.top_level_imports(cell.source):
                    found.setdefault(module, []).append(path.name)
    for path in sorted((ROOT / "helpers").glob("*.py")):
        for module in binder_check.top_level_imports(path.read_text(encoding="utf-8")):
            found.setdefault(module, []).append(f"helpers/{path.name}")
    return found


def test_environment_provides_every_module_the_course_imports():
    imports = course_imports()
    assert {"numpy", "matplotlib", "keras"} <= set(imports)  # the scan sees the lessons
    requirements = binder_env.pip_requirements((BINDER / "environment.yml").read_text(encoding="utf-8"))
    missing = binder_check.unprovided_modules(
        imports, requirements, importlib.metadata.packages_distributions()
    )
    assert not missing, "binder/environment.yml lacks what these import: " + "; ".join(
        f"{module} ({', '.join(sorted(set(imports[module])))})" for module in missing
    )


def test_unprovided_modules_finds_a_dropped_package():
    requirements = [
        "matplotlib==3.11.2",
        "numpy==2.4.6",
        "pillow==13.0.0",
        "tensorflow-cpu==2.21.0 ; sys_platform == 'never'",
    ]
    distributions = {
        "matplotlib": ["matplotlib"],
        "mpl_toolkits": ["matplotlib"],
        "numpy": ["numpy"],
        "PIL": ["pillow"],
        "tensorflow": ["tensorflow-cpu"],
    }
    modules = {"os", "helpers", "numpy", "PIL", "matplotlib", "mpl_toolkits"}
    assert binder_check.unprovided_modules(modules, requirements, distributions) == []
    assert binder_check.unprovided_modules(modules, requirements[1:], distributions) == [
        "matplotlib",
        "mpl_toolkits",
    ]
    # a requirement whose marker does not hold here provides nothing; unknown modules are missing
    assert binder_check.unprovided_modules({"tensorflow", "sklearn"}, requirements, distributions) == [
        "sklearn",
        "tensorflow",
    ]


def test_top_level_imports_reads_notebook_cells():
    source = (
        "%matplotlib inline\nimport numpy as np, os.path\nfrom tensorflow.keras import layers\n"
        "from . import sibling\n!pip list\nimport matplotlib.pyplot as plt"
    )
    assert binder_check.top_level_imports(source) == {"numpy", "os", "tensorflow", "matplotlib"}


# --- postBuild and JupyterLab settings --------------------------------------------------------------


def test_postbuild_is_an_executable_bash_script():
    # What it does is checked by running it: `make binder-check` runs it in Binder's environment.
    path = BINDER / "postBuild"
    assert path.stat().st_mode & stat.S_IXUSR, "binder/postBuild must be executable"
    text = path.read_text(encoding="utf-8")
    assert text.startswith("#!/usr/bin/env bash\n")
    subprocess.run(["bash", "-n", str(path)], check=True)
    # The image is the environment alone: the lessons and helpers arrive with nbgitpuller, so
    # postBuild installs nothing of the repository (a copy in the image would shadow the pulled one).
    assert not re.search(r"pip install", text), "postBuild must not install the course's package"


def lab_schema(plugin_id):
    """The installed JupyterLab's settings schema for a plugin id 'package:plugin'."""
    from jupyterlab.commands import get_app_dir

    package, plugin = plugin_id.split(":")
    path = Path(get_app_dir()) / "schemas" / package / f"{plugin}.json"
    assert path.is_file(), f"JupyterLab has no settings schema {plugin_id} ({path})"
    return json.loads(path.read_text(encoding="utf-8"))


def test_override_ids_and_values_exist_in_the_installed_jupyterlab():
    overrides = json.loads((BINDER / "overrides.json").read_text(encoding="utf-8"))
    for plugin_id, values in overrides.items():
        schema = lab_schema(plugin_id)
        for key, value in values.items():
            assert key in schema["properties"], f"{plugin_id} has no setting {key}"
            jsonschema.validate(value, schema["properties"][key])
    with pytest.raises(jsonschema.ValidationError):  # the check can fail: "false" is a string here
        jsonschema.validate(
            False, lab_schema("@jupyterlab/apputils-extension:notification")["properties"]["fetchNews"]
        )


def test_this_environment_has_the_same_overrides_as_binder():
    # `make setup` (and so `make lab` and `make test`) installs them where JupyterLab reads them.
    installed = Path(sys.prefix) / SETTINGS_PATH
    assert installed.is_file(), f"{installed} is missing: run `make setup`"
    assert installed.read_bytes() == (BINDER / "overrides.json").read_bytes(), "run `make setup`"


# --- launch links -----------------------------------------------------------------------------------

BINDER_LINK = re.compile(r"https?://mybinder\.org/[^\s)\]\"'<>\\]*")
BINDER_REPO = re.compile(r"mybinder\.org/v2/([a-z]+)/([A-Za-z0-9_.-]+)/([A-Za-z0-9_.-]+)")
GITHUB_REPO = re.compile(r"github\.com/([A-Za-z0-9_.-]+)/([A-Za-z0-9_.-]+)")
SKIP_DIRS = {".git", ".venv", "build", "__pycache__", ".pytest_cache", "artifacts", ".ipynb_checkpoints"}


def repo_text_files():
    for path in ROOT.rglob("*"):
        parts = set(path.relative_to(ROOT).parts)
        if parts & SKIP_DIRS or any(p.endswith(".egg-info") for p in parts) or not path.is_file():
            continue
        if path.is_symlink() or path.stat().st_size > 5_000_000:
            continue
        try:
            yield path, path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue


def pulled(url):
    """(environment owner/repo/branch, nbgitpuller's repo, branch and JupyterLab path) of a launch link."""
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc) == ("https", "mybinder.org") and parts.path.startswith("/v2/gh/")
    pull = urlsplit(parse_qs(parts.query)["urlpath"][0])
    assert pull.path == "git-pull", f"{url} does not pull the lessons with nbgitpuller"
    options = {key: value[0] for key, value in parse_qs(pull.query).items()}
    return parts.path.removeprefix("/v2/gh/"), options["repo"], options["branch"], options["urlpath"]


@pytest.mark.parametrize("name", [p.name for p in navigation.notebook_paths()])
def test_a_launch_link_starts_the_binder_branch_and_opens_the_pulled_lesson(name):
    repo = navigation.repository_url(ROOT)
    owner_repo = repo.removeprefix("https://github.com/")
    environment, content, branch, path = pulled(binder_env.launch_url(repo, f"notebooks/{name}", "main"))
    assert environment == f"{owner_repo}/{binder_env.BRANCH}"
    assert (content, branch) == (repo, "main")
    # nbgitpuller pulls into a folder named like the repository (the URL's last part)
    folder = owner_repo.split("/")[1]
    assert path.startswith(f"lab/tree/{folder}/")
    assert (ROOT / path.removeprefix(f"lab/tree/{folder}/")).is_file()


def test_retarget_makes_a_launch_link_pull_another_branch():
    repo = navigation.repository_url(ROOT)
    link = binder_env.launch_url(repo, "notebooks/01_relu.ipynb", "main")
    colab = navigation.colab_url(repo, "01_relu.ipynb")
    text = f"[열기]({link}) | [Colab]({colab}) | [열기]({link})"
    moved = binder_env.retarget(text, "class/a", "main")
    links = re.findall(r"\((https://mybinder[^)]*)\)", moved)
    assert len(links) == 2 and all(pulled(url)[2] == "class/a" for url in links)
    assert all(pulled(url)[:2] + pulled(url)[3:] == pulled(link)[:2] + pulled(link)[3:] for url in links)
    assert colab in moved  # only the Binder links change
    assert binder_env.retarget(moved, "student", "main") == moved  # no link pulls main any more


def test_the_course_links_launch_the_binder_branch():
    repo = navigation.repository_url(ROOT)
    for name in (navigation.INDEX, "06_training.ipynb"):
        assert navigation.binder_url(repo, name) == binder_env.launch_url(
            repo, f"notebooks/{name}", navigation.REF
        ), "navigation.binder_url must use binder_env.launch_url"


def test_binder_links_are_built_from_the_repository_url():
    repo = navigation.repository_url(ROOT)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"[![Binder](https://mybinder.org/badge_logo.svg)]({navigation.binder_url(repo)})" in readme
    allowed = {"https://mybinder.org/badge_logo.svg"}
    allowed |= {navigation.binder_url(repo, p.name) for p in navigation.notebook_paths()}
    checked = 0
    for path in [ROOT / "README.md", *navigation.notebook_paths()]:
        for link in BINDER_LINK.findall(path.read_text(encoding="utf-8")):
            assert link in allowed, f"{path.name}: {link} is not generated from {repo}"
            checked += 1
    assert checked >= 2


def test_no_other_address_for_the_course_repository():
    repo = navigation.repository_url(ROOT)
    owner, name = repo.removeprefix("https://github.com/").split("/")
    bad = []
    for path, text in repo_text_files():
        for match in BINDER_REPO.finditer(text):  # concrete launch addresses (not templates)
            if match.group(1, 2, 3) != ("gh", owner, name):
                bad.append(f"{path.relative_to(ROOT)}: {match.group(0)}")
        for match in GITHUB_REPO.finditer(text):
            found_owner, found_name = match.group(1), match.group(2).removesuffix(".git")
            looks_like_ours = found_owner == owner or found_name == name
            if looks_like_ours and (found_owner, found_name) != (owner, name):
                bad.append(f"{path.relative_to(ROOT)}: {match.group(0)}")
    assert not bad, f"the course lives at {repo} ([project.urls] in pyproject.toml): " + "; ".join(bad)
