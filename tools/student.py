"""Write the student edition of the course: every exercise solution replaced by an empty cell.

    python tools/student.py                  # build/student/ and build/student.zip (`make student`)
    python tools/student.py --out DIR        # somewhere else
    python tools/student.py --branch student # also commit the edition to the branch `student`
                                             # (for nbgitpuller; then: git push origin student)

A solution is a code cell whose ``metadata.tags`` contains ``solution``. In the edition it becomes
a code cell with the same id holding only the prompt ``# 여기에 코드를 작성하세요`` and no output.
Cells tagged ``check`` (collapsed asserts that only guard the course) are left out; every other
cell, its stored outputs, the saved widget state and the quiz text stay exactly as
they are (the ids are kept; the tests compare the edition with the instructor notebook cell by cell).

The edition folder holds what a student needs beside the notebooks: ``notebooks/`` (lessons in
their student form, plus the other files there, such as the glossary), ``helpers/``,
``pyproject.toml``, ``requirements.lock``, ``environment.yml``, ``binder/``, and the edition's own
``README.md`` and ``Makefile`` (``make lab`` only) from ``student/``. Its Binder and Colab badges and
the setup cell's install open the edition's branch (``student`` unless ``--branch`` names another),
never the repository's main, whose notebooks hold the solutions.
Notebooks are found by their ``NN_name.ipynb`` pattern, never from a fixed list.

`make student-check` (nox's student session) writes the edition, installs it as its own Makefile
does and runs every edition notebook top to bottom: none may need a solution.
"""

import argparse
import re
import shutil
import sys
from pathlib import Path

import binder_env
import nbformat
from git_branch import commit_folder
from navigation import REF, notebook_paths

ROOT = Path(__file__).resolve().parent.parent
SOLUTION_TAG = "solution"
CHECK_TAG = "check"
EXERCISE_TAG = "exercise"
PROMPT = "# 여기에 코드를 작성하세요"
# What a student's copy needs besides the notebooks, so it installs and runs like the repository.
SUPPORT = ("helpers", "pyproject.toml", "requirements.lock", "environment.yml", "binder")
# The edition's own README and Makefile: a student's, not a course author's.
EDITION_FILES = ROOT / "student"
BRANCH = "student"


def lesson_paths(folder):
    """The course notebooks in ``folder``, in lesson order."""
    return notebook_paths(Path(folder))


def is_solution(cell):
    return cell.cell_type == "code" and SOLUTION_TAG in cell.metadata.get("tags", [])


def is_check(cell):
    return CHECK_TAG in cell.metadata.get("tags", [])


def student_cell(solution):
    """The empty exercise cell that stands where ``solution`` was (same id, visible, no output)."""
    cell = nbformat.v4.new_code_cell(PROMPT)
    cell.id = solution.id
    cell.metadata["tags"] = [EXERCISE_TAG]
    return cell


def student_edition(nb):
    """A copy of ``nb`` with every solution cell replaced by :func:`student_cell`, without checks."""
    edition = nbformat.reads(nbformat.writes(nb), as_version=4)  # a deep copy, nothing shared
    edition.cells = [student_cell(c) if is_solution(c) else c for c in edition.cells if not is_check(c)]
    return edition


def retarget(text, branch=BRANCH):
    """``text`` with its Binder and Colab links and its git install opening ``branch``, not main."""
    text = binder_env.retarget(text, branch, REF).replace(f"/blob/{REF}/", f"/blob/{branch}/")
    return re.sub(rf"(git\+\S+?)@{REF}(?![\w.-])", rf"\1@{branch}", text)  # not @main-old


def write_edition(out, root=ROOT, branch=BRANCH):
    """Write the student edition of the course under ``out``; return the edition notebook paths."""
    notebooks = root / "notebooks"
    lessons = lesson_paths(notebooks)
    if not lessons:
        raise SystemExit(f"no lesson notebooks (NN_name.ipynb) in {notebooks}")
    if out.exists():
        shutil.rmtree(out)
    (out / "notebooks").mkdir(parents=True)
    for name in SUPPORT:
        source = root / name
        if source.is_dir():
            shutil.copytree(
                source,
                out / name,
                ignore=shutil.ignore_patterns("__pycache__", "*.egg-info", ".ipynb_checkpoints"),
            )
        elif source.exists():
            shutil.copy2(source, out / name)
    for path in (root / EDITION_FILES.name).iterdir():
        shutil.copy2(path, out / path.name)
    for path in notebooks.iterdir():  # e.g. the glossary; not a model a lesson saved there
        if path.is_file() and path.suffix not in (".ipynb", ".keras"):
            shutil.copy2(path, out / "notebooks" / path.name)
    written = []
    for path in lessons:
        edition = student_edition(nbformat.read(path, as_version=4))
        for cell in edition.cells:
            cell.source = retarget(cell.source, branch)
        target = out / "notebooks" / path.name
        nbformat.write(edition, target)
        written.append(target)
    return written


def commit_to_branch(folder, branch, repo=ROOT, message="학생용 배포판"):
    """Commit the files of ``folder`` as the whole tree of ``branch`` in the git repo ``repo``.

    The branch's history grows by one commit per changed edition (its parent is the branch's last
    commit), so a hub's nbgitpuller can merge each update into the students' copies. The checkout
    of ``repo`` and its index are left alone (ghp-import, tools/git_branch.py). Returns the branch's
    commit.
    """
    return commit_folder(folder, branch, repo, message)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out",
        type=Path,
        default=ROOT / "build" / "student",
        help="folder for the edition (default: build/student)",
    )
    parser.add_argument("--no-zip", action="store_true", help="do not write <out>.zip")
    parser.add_argument(
        "--branch",
        help="also commit the edition as the whole tree of this branch "
        f"(its links open that branch; default {BRANCH})",
    )
    args = parser.parse_args(argv)
    out = args.out.resolve()
    written = write_edition(out, branch=args.branch or BRANCH)
    solutions = sum(
        1
        for p in lesson_paths(ROOT / "notebooks")
        for c in nbformat.read(p, as_version=4).cells
        if is_solution(c)
    )
    print(f"student edition: {len(written)} notebooks, {solutions} solutions replaced, in {out}")
    if not args.no_zip:
        archive = shutil.make_archive(str(out), "zip", root_dir=out.parent, base_dir=out.name)
        print(f"zip for an LMS: {archive}")
    if args.branch:
        commit = commit_to_branch(out, args.branch)
        print(f"branch {args.branch} is at {commit[:12]}: `git push origin {args.branch}` publishes it")
    return 0


if __name__ == "__main__":
    sys.exit(main())
