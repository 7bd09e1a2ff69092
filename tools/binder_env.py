"""Binder's environment on its own branch, so that a change to the lessons never rebuilds its image.

    python tools/binder_env.py                 # build/binder-env, committed to the branch binder
                                               # (make binder-env; then: git push origin binder)
    python tools/binder_env.py --no-commit     # only the folder

The branch holds only ``binder/environment.yml`` written from requirements.lock (as `make lock`
writes environment.yml), the other files of binder/ (postBuild, overrides.json) and a README.
mybinder.org builds its image once per change of that branch; the launch links (:func:`launch_url`)
start that image and have nbgitpuller, which the lock must pin, pull the lessons into a folder named
like the repository. The workflow binder-env regenerates and pushes the branch when the lock or
binder/ changes on main; tests/test_binder.py fails while the branch differs from what this writes.
"""

import argparse
import re
import shutil
import sys
from pathlib import Path
from urllib.parse import quote, urlencode

import git_branch
import yaml
from environment_file import environment_yaml, pinned_requirements

ROOT = Path(__file__).resolve().parent.parent
BRANCH = "binder"
OUT = ROOT / "build" / "binder-env"
# What the launch links need in the image besides the lessons' own packages.
PULLER = "nbgitpuller"
README = """\
# Binder 환경

이 브랜치에는 mybinder.org가 과정의 이미지를 만드는 데 쓰는 환경만 있습니다(`binder/`). main 브랜치의
`make binder-env`(tools/binder_env.py)가 requirements.lock과 main의 `binder/`에서 만들어 커밋하므로 여기서
고치지 마세요. 레슨은 과정의 Binder 링크를 열 때 nbgitpuller가 저장소에서 받아 옵니다. 그래서 레슨을
고쳐도 이미지는 다시 만들어지지 않고, 잠금 파일이나 `binder/`가 바뀔 때만 다시 만들어집니다.
"""


def write_tree(out=OUT, root=ROOT):
    """Write the environment-only tree of the branch under ``out`` (emptied first); return ``out``."""
    requirements = pinned_requirements((root / "requirements.lock").read_text(encoding="utf-8"))
    if not any(re.match(rf"{PULLER}==", line, re.IGNORECASE) for line in requirements):
        raise SystemExit(
            f"binder-env: requirements.lock does not pin {PULLER}, which the Binder links "
            f"need in the image: add it to requirements.in and run `make lock`"
        )
    if out.exists():
        shutil.rmtree(out)
    (out / "binder").mkdir(parents=True)
    for path in sorted((root / "binder").iterdir()):
        if path.is_file() and path.name != "environment.yml":  # apt.txt too, when there is one
            shutil.copy2(path, out / "binder" / path.name)  # copy2: postBuild stays executable
    (out / "binder" / "environment.yml").write_text(environment_yaml(requirements), encoding="utf-8")
    (out / "README.md").write_text(README, encoding="utf-8")
    return out


def pip_requirements(environment_text):
    """The pip: entries of a conda environment file, in order."""
    for entry in yaml.safe_load(environment_text).get("dependencies", []):
        if isinstance(entry, dict) and "pip" in entry:
            return [str(line) for line in entry["pip"]]
    raise ValueError("the environment file has no pip: section")


def python_version(environment_text):
    """The Python version the environment file pins ('3.11' for python=3.11)."""
    for entry in yaml.safe_load(environment_text).get("dependencies", []):
        match = isinstance(entry, str) and re.fullmatch(r"python\s*=+\s*([\d.]+)", entry.strip())
        if match:
            return match.group(1)
    raise ValueError("the environment file does not pin python=X.Y")


def pinned_python():
    """The Python of the branch's environment.yml, else of this checkout's (binder-check makes the
    branch from it)."""
    commit = git_branch.resolve(ROOT, BRANCH)
    if commit is None:
        return python_version((ROOT / "environment.yml").read_text(encoding="utf-8"))
    return python_version(git_branch.git(ROOT, "show", f"{commit}:binder/environment.yml"))


def launch_url(repo_url, path, content_branch):
    """mybinder.org address that starts the image of the branch, pulls ``content_branch`` of the
    repository with nbgitpuller (into a folder named like it) and opens ``path`` there in JupyterLab.
    Encoded as nbgitpuller's link generator does: its query once, then again as Binder's urlpath."""
    owner_repo = repo_url.removeprefix("https://github.com/").strip("/")
    name = owner_repo.rsplit("/", 1)[-1]
    pull = urlencode({"repo": repo_url, "urlpath": f"lab/tree/{name}/{path}", "branch": content_branch})
    return f"https://mybinder.org/v2/gh/{owner_repo}/{BRANCH}?{urlencode({'urlpath': f'git-pull?{pull}'})}"


def retarget(text, branch, ref):
    """``text`` with the launch links that pull ``ref`` pulling ``branch`` instead (the student edition)."""

    def twice(name):
        return quote(quote(name, safe=""), safe="")

    pattern = rf"(git-pull%3F[^\s)\"'<>]*?%26branch%3D){re.escape(twice(ref))}(?![\w.~%-])"
    return re.sub(pattern, lambda match: match.group(1) + twice(branch), text)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT, help=f"folder for the tree (default: {OUT})")
    parser.add_argument("--branch", default=BRANCH, help=f"branch to commit it to (default: {BRANCH})")
    parser.add_argument("--no-commit", action="store_true", help="write the folder only")
    args = parser.parse_args(argv)
    out = write_tree(args.out.resolve())
    print(f"binder-env: the environment-only tree is in {out}")
    if not args.no_commit:
        message = "Binder의 환경: requirements.lock과 binder/에서"
        commit = git_branch.commit_folder(out, args.branch, ROOT, message)
        push = f"`git push origin {args.branch}` publishes it"
        print(f"binder-env: branch {args.branch} is at {commit[:12]}; {push}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
