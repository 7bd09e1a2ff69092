"""Binder: its environment lives alone on the branch `binder`, generated from the lock; launch links
start that image and pull the lessons with nbgitpuller.

`make binder-check` (nox's binder session, run in CI) builds that environment, runs its postBuild,
pulls and runs lessons in it; these tests cover what that run cannot see.
"""

import json
import os
import re
import shutil
import tempfile
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import binder_check
import binder_env
import git_branch
import jsonschema
import navigation
import pytest
from environment_file import pinned_requirements

ROOT = Path(__file__).resolve().parent.parent
BINDER = ROOT / "binder"
REPO = navigation.repository_url(ROOT)


def test_drop_leaves_out_packages_by_normalized_name_and_refuses_an_unknown_one():
    requirements = ["numpy==2.4.6 ; python_full_version < '3.12'", "Matplotlib==3.11", "typing-extensions==4"]
    assert binder_check.drop_packages(requirements, ["matplotLib", "Typing_Extensions"]) == requirements[:1]
    with pytest.raises(ValueError, match="not in the pip list: scipy"):
        binder_check.drop_packages(requirements, ["numpy", "scipy"])


# --- the branch `binder`: the environment alone, as the lock generates it -----------------------------


def files(folder):
    return {
        p.relative_to(folder).as_posix(): (p.read_bytes(), os.access(p, os.X_OK))
        for p in Path(folder).rglob("*")
        if p.is_file()
    }


def stale(tree, repo, ref, tmp_path):
    """The paths whose content or executable bit differ between ``tree`` and the branch ``ref``."""
    mine, theirs = files(tree), files(git_branch.extract(repo, ref, tempfile.mkdtemp(dir=tmp_path)))
    return sorted(path for path in mine.keys() | theirs.keys() if mine.get(path) != theirs.get(path))


def test_the_binder_branch_is_what_the_lock_generates(tmp_path):
    commit = git_branch.resolve(ROOT, binder_env.BRANCH)
    if commit is None:
        pytest.skip(f"no branch {binder_env.BRANCH} (nor origin/) in this clone: `make binder-env` writes it")
    differ = stale(binder_env.write_tree(tmp_path / "tree"), ROOT, commit, tmp_path)
    assert differ == [], (
        f"the branch {binder_env.BRANCH} ({commit[:12]}) differs from what requirements.lock and binder/ "
        f"give in {', '.join(differ)}: run `make binder-env` (on GitHub the workflow binder-env does it)"
    )


@pytest.fixture
def course(tmp_path, monkeypatch):
    """A repository with the course's binder/ and lock, and a git identity for its commits."""
    for role in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{role}_NAME", "Course")
        monkeypatch.setenv(f"GIT_{role}_EMAIL", "course@example.org")
    root = tmp_path / "course"
    shutil.copytree(BINDER, root / "binder", symlinks=True)
    shutil.copy2(ROOT / "requirements.lock", root / "requirements.lock")
    git_branch.git(root, "init", "--quiet")
    return root


def test_the_branch_pins_exactly_the_lock_and_a_stale_one_is_caught(course, tmp_path):
    tree = binder_env.write_tree(tmp_path / "tree", course)
    # No lesson, no helpers: they come with nbgitpuller, so changing them never rebuilds the image.
    assert set(files(tree)) == {"README.md"} | {f"binder/{p.name}" for p in BINDER.iterdir() if p.is_file()}
    lock = pinned_requirements((course / "requirements.lock").read_text(encoding="utf-8"))
    environment = (tree / "binder" / "environment.yml").read_text(encoding="utf-8")
    assert binder_env.pip_requirements(environment) == lock
    git_branch.commit_folder(tree, "binder", course, "env")
    assert stale(binder_env.write_tree(tmp_path / "tree", course), course, "binder", tmp_path) == []

    pin = next(line for line in lock if line.startswith("tabulate=="))
    text = (course / "requirements.lock").read_text(encoding="utf-8")
    (course / "requirements.lock").write_text(text.replace(pin, "tabulate==0.9.0"), encoding="utf-8")
    (course / "binder" / "postBuild").chmod(0o644)
    (course / "binder" / "apt.txt").write_text("fonts-nanum\n", encoding="utf-8")
    tree = binder_env.write_tree(tmp_path / "tree", course)
    changed = ["binder/apt.txt", "binder/environment.yml", "binder/postBuild"]
    assert stale(tree, course, "binder", tmp_path) == changed


def test_a_lock_without_nbgitpuller_is_refused(course, tmp_path):
    lock = (course / "requirements.lock").read_text(encoding="utf-8")
    kept = [line for line in lock.splitlines(keepends=True) if not line.startswith("nbgitpuller==")]
    (course / "requirements.lock").write_text("".join(kept), encoding="utf-8")
    with pytest.raises(SystemExit, match="does not pin nbgitpuller"):
        binder_env.write_tree(tmp_path / "tree", course)


def test_override_ids_and_values_exist_in_the_installed_jupyterlab():
    from jupyterlab.commands import get_app_dir

    overrides = json.loads((BINDER / "overrides.json").read_text(encoding="utf-8"))
    for plugin_id, values in overrides.items():
        package, plugin = plugin_id.split(":")
        path = Path(get_app_dir()) / "schemas" / package / f"{plugin}.json"
        assert path.is_file(), f"JupyterLab has no settings schema {plugin_id} ({path})"
        properties = json.loads(path.read_text(encoding="utf-8"))["properties"]
        for key, value in values.items():
            assert key in properties, f"{plugin_id} has no setting {key}"
            jsonschema.validate(value, properties[key])


# --- launch links -----------------------------------------------------------------------------------


def pulled(url):
    """(environment owner/repo/branch, nbgitpuller's repo, branch and JupyterLab path) of a launch link."""
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc) == ("https", "mybinder.org") and parts.path.startswith("/v2/gh/")
    pull = urlsplit(parse_qs(parts.query)["urlpath"][0])
    assert pull.path == "git-pull", f"{url} does not pull the lessons with nbgitpuller"
    options = {key: value[0] for key, value in parse_qs(pull.query).items()}
    return parts.path.removeprefix("/v2/gh/"), options["repo"], options["branch"], options["urlpath"]


BINDER_LINK = re.compile(r"https?://mybinder\.org/[^\s)\]\"'<>\\]*")
BINDER_REPO = re.compile(r"mybinder\.org/v2/([a-z]+)/([A-Za-z0-9_.-]+)/([A-Za-z0-9_.-]+)")
GITHUB_REPO = re.compile(r"github\.com/([A-Za-z0-9_.-]+)/([A-Za-z0-9_.-]+)")


def test_the_links_are_the_generated_ones_each_starting_the_binder_branch_and_opening_its_lesson():
    owner_repo = REPO.removeprefix("https://github.com/")
    folder = owner_repo.split("/")[1]  # nbgitpuller pulls into a folder named like the repository
    generated = {navigation.binder_url(REPO, p.name): p.name for p in navigation.notebook_paths()}
    for link, name in generated.items():
        branches = (f"{owner_repo}/{binder_env.BRANCH}", REPO, navigation.REF)
        assert pulled(link) == (*branches, f"lab/tree/{folder}/notebooks/{name}")
    found = {
        (path.name, link)
        for path in [ROOT / "README.md", *navigation.notebook_paths()]
        for link in BINDER_LINK.findall(path.read_text(encoding="utf-8"))
    }
    assert ("README.md", navigation.binder_url(REPO)) in found
    allowed = {*generated, "https://mybinder.org/badge_logo.svg"}
    assert [f"{name}: {link}" for name, link in sorted(found) if link not in allowed] == []


def test_no_other_address_for_the_course_repository():
    owner, name = REPO.removeprefix("https://github.com/").split("/")
    listed = git_branch.git(ROOT, "ls-files", "-z", "--cached", "--others", "--exclude-standard")
    bad = []
    for path in sorted({ROOT / p for p in listed.split("\0") if p}):
        try:
            text = path.read_text(encoding="utf-8") if path.is_file() and not path.is_symlink() else ""
        except UnicodeDecodeError:
            continue
        found = {("mybinder.org/v2", *m) for m in BINDER_REPO.findall(text) if m != ("gh", owner, name)}
        for found_owner, found_name in GITHUB_REPO.findall(text):
            found_name = found_name.removesuffix(".git")
            if (found_owner == owner or found_name == name) and (found_owner, found_name) != (owner, name):
                found.add(("github.com", found_owner, found_name))
        bad += [f"{path.relative_to(ROOT)}: {'/'.join(address)}" for address in sorted(found)]
    assert not bad, f"the course lives at {REPO} ([project.urls] in pyproject.toml): " + "; ".join(bad)
