"""Branches that carry a generated folder: the student edition (`student`) and Binder's environment
(`binder`). A folder is committed as the branch's whole tree with ghp-import, and read back, both
without touching the checkout or its index.
"""

import io
import subprocess
import sys
import tarfile
from pathlib import Path


def git(repo, *args, check=True, **kwargs):
    return subprocess.run(
        ["git", "-C", str(repo), *args], check=check, capture_output=True, text=True, **kwargs
    ).stdout.strip()


def resolve(repo, branch):
    """The commit of ``branch``: the local branch, else ``origin/branch`` (a fresh clone), else None."""
    for ref in (f"refs/heads/{branch}", f"refs/remotes/origin/{branch}"):
        commit = git(repo, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}", check=False)
        if commit:
            return commit
    return None


def commit_folder(folder, branch, repo, message):
    """Commit the files of ``folder`` as the whole tree of ``branch`` in the git repo ``repo``.

    ghp-import writes the commit with `git fast-import`, so the checkout of ``repo`` and its index
    are left alone. Its parent is the branch's last commit (``origin/branch``'s when that exists),
    so the history grows by one commit per change and nbgitpuller can merge each update into the
    copies students already have. Returns the branch's commit (the old one when nothing changed).
    """
    before = git(repo, "rev-parse", "--verify", "--quiet", f"refs/heads/{branch}", check=False)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "ghp_import",
            "--branch",
            branch,
            "--message",
            message,
            str(Path(folder).resolve()),
        ],
        cwd=repo,
        check=True,
    )
    commit = git(repo, "rev-parse", "--verify", "--quiet", f"refs/heads/{branch}", check=False)
    if not commit or commit == before:  # ghp-import reports a failed fast-import but exits with 0
        raise RuntimeError(
            f"ghp-import wrote no commit to the branch {branch} in {repo}: see its output above"
        )
    parent = git(repo, "rev-parse", "--verify", "--quiet", f"{commit}^", check=False)
    if parent and git(repo, "rev-parse", f"{commit}^{{tree}}") == git(
        repo, "rev-parse", f"{parent}^{{tree}}"
    ):
        # ghp-import commits even when nothing changed; an empty commit would reach students as an
        # update with nothing in it.
        git(repo, "update-ref", f"refs/heads/{branch}", parent, commit)
        return parent
    return commit


def extract(repo, ref, out):
    """Write the files of ``ref`` into the folder ``out`` (as a clone of that branch would hold them)."""
    archive = subprocess.run(
        ["git", "-C", str(repo), "archive", "--format=tar", ref], check=True, capture_output=True
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(out, filter="data")
    return Path(out)
