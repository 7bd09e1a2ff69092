"""tools/student.py: the student edition hides every solution, keeps the rest, and round-trips.

Running every edition notebook top to bottom takes about as long as `make test` itself, so it is
`make student-check` (nox's student session, left to a person before a class), not part of `make test`.
"""

import ast
import re
import subprocess
from pathlib import Path

import binder_env
import nbformat
import pytest
from git_branch import git

import student

ROOT = Path(__file__).resolve().parent.parent

LESSONS = student.lesson_paths(ROOT / "notebooks")


def exercise_notebook():
    nb = nbformat.v4.new_notebook()
    solution = nbformat.v4.new_code_cell("answer = 'secret-solution-line'\nprint(answer)", id="sol")
    solution.metadata = {"tags": ["solution"], "jupyter": {"source_hidden": True}}
    solution.outputs = [nbformat.v4.new_output("stream", name="stdout", text="secret-solution-line\n")]
    nb.cells = [nbformat.v4.new_code_cell("x = 1", id="teach"), solution]
    return nb


def test_the_edition_is_a_copy_and_the_instructors_notebook_keeps_its_solution():
    nb = exercise_notebook()
    before = nbformat.writes(nb)
    assert "secret-solution-line" not in nbformat.writes(student.student_edition(nb))
    assert nbformat.writes(nb) == before


def test_the_course_has_lessons_with_solutions():
    assert any(student.is_solution(c) for p in LESSONS for c in nbformat.read(p, as_version=4).cells)


@pytest.fixture(scope="module")
def edition_folder(tmp_path_factory):
    out = tmp_path_factory.mktemp("student") / "edition"
    student.write_edition(out)
    return out


@pytest.mark.parametrize("path", LESSONS, ids=[p.stem for p in LESSONS])
def test_the_edition_is_the_instructor_notebook_with_prompts_for_solutions_no_checks_links_moved(
    path, edition_folder
):
    instructor = nbformat.read(path, as_version=4)
    edition = nbformat.read(edition_folder / "notebooks" / path.name, as_version=4)
    assert edition.metadata == instructor.metadata  # widget state kept whole
    kept = [c for c in instructor.cells if not student.is_check(c)]
    assert [c.id for c in edition.cells] == [c.id for c in kept]
    for mine, theirs in zip(edition.cells, kept):
        if student.is_solution(theirs):  # an empty, visible prompt: no solution line, output or tag
            prompt = (student.PROMPT, [], None, {"tags": [student.EXERCISE_TAG]})
            assert (mine.source, mine.outputs, mine.execution_count, mine.metadata) == prompt
        else:
            assert mine.source == student.retarget(theirs.source)
            assert mine.get("outputs") == theirs.get("outputs") and mine.metadata == theirs.metadata


def test_the_edition_carries_what_a_student_needs_and_only_make_lab(edition_folder):
    assert (edition_folder / "helpers" / "__init__.py").exists()
    assert (edition_folder / "requirements.lock").exists()
    tracked = git(ROOT, "ls-files", "notebooks").splitlines()
    for name in (Path(p).name for p in tracked if not p.endswith(".ipynb")):  # e.g. the glossary
        assert (edition_folder / "notebooks" / name).exists()
    assert not list((edition_folder / "notebooks").glob("*.keras")), "a lesson's saved model"
    assert not (edition_folder / "tools").exists() and not (edition_folder / "tests").exists()
    readme = (edition_folder / "README.md").read_text(encoding="utf-8")
    assert set(re.findall(r"\bmake (\w[\w-]*)", readme)) == {"lab"}

    def dry_run(target):
        return subprocess.run(["make", "-n", target], cwd=edition_folder, capture_output=True, text=True)

    lab = dry_run("lab")
    assert lab.returncode == 0 and "pip install" in lab.stdout and "jupyter lab" in lab.stdout, lab.stderr
    developer = [t for t in ("test", "outputs", "format", "setup") if dry_run(t).returncode == 0]
    assert developer == [], "the edition's Makefile has developer targets"


def test_the_edition_is_committed_to_a_branch_with_a_growing_history(tmp_path, monkeypatch):
    for role in ("AUTHOR", "COMMITTER"):  # a machine without a git identity can run it too
        monkeypatch.setenv(f"GIT_{role}_NAME", "Course")
        monkeypatch.setenv(f"GIT_{role}_EMAIL", "course@example.org")
    repo, folder = tmp_path / "repo", tmp_path / "edition"
    repo.mkdir()
    git(repo, "init", "--quiet", "--initial-branch=main")
    (repo / "course.txt").write_text("instructor", encoding="utf-8")
    git(repo, "add", "course.txt")
    git(repo, "commit", "--quiet", "-m", "course")
    (repo / "course.txt").write_text("work in progress", encoding="utf-8")  # an author's edit
    checkout = (git(repo, "rev-parse", "HEAD"), git(repo, "status", "--porcelain"))
    folder.mkdir()
    (folder / "lesson.txt").write_text("v1", encoding="utf-8")
    first = student.commit_to_branch(folder, "student", repo=repo)
    assert student.commit_to_branch(folder, "student", repo=repo) == first  # unchanged: no commit
    (folder / "lesson.txt").write_text("v2", encoding="utf-8")
    second = student.commit_to_branch(folder, "student", repo=repo)
    assert git(repo, "rev-list", "--count", "student") == "2"
    assert git(repo, "rev-parse", f"{second}^") == first
    assert git(repo, "show", "student:lesson.txt") == "v2"
    assert git(repo, "ls-tree", "-r", "--name-only", "student") == "lesson.txt"  # the whole tree
    assert (git(repo, "rev-parse", "HEAD"), git(repo, "status", "--porcelain")) == checkout


LINK_TO_MAIN = (f"/blob/{student.REF}/", "/HEAD?urlpath=", f"@{student.REF}", f"%26branch%3D{student.REF}")


def test_the_editions_links_open_the_edition_never_main(edition_folder):
    leaks = []
    for path in (p for p in edition_folder.rglob("*") if p.suffix in (".ipynb", ".md")):
        text = path.read_text(encoding="utf-8")
        leaks += [f"{path.relative_to(edition_folder)}: {link}" for link in LINK_TO_MAIN if link in text]
    assert leaks == []
    index = (edition_folder / "notebooks" / "00_index.ipynb").read_text(encoding="utf-8")
    assert f"/blob/{student.BRANCH}/notebooks/" in index and f"%26branch%3D{student.BRANCH}" in index


def test_retarget_moves_every_kind_of_link_to_main_and_nothing_else():
    repo = "https://github.com/o/r"

    def binder(branch):
        return binder_env.launch_url(repo, "notebooks/01.ipynb", branch)

    def links(branch):
        colab = f"https://colab.example/github/o/r/blob/{branch}/notebooks/01.ipynb"
        return f"[열기]({binder(branch)}) | [Colab]({colab}) | pip install git+{repo}@{branch} ipycanvas "

    old = f"{student.REF}-old"  # another branch that only starts like main
    other = f"{binder(old)} git+{repo}@{old}"
    assert student.retarget(links(student.REF) + other, "class/a") == links("class/a") + other


def names(source):
    """(bound, read): the names a cell binds (assignments, imports, defs, loop and with targets) and reads."""
    bound, read = set(), set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Name):
            (bound if isinstance(node.ctx, ast.Store) else read).add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            bound.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            bound |= {(alias.asname or alias.name).split(".")[0] for alias in node.names}
    return bound, read


def names_only_solutions_give(nb):
    """Names a cell of the edition reads that, before it, only a solution or check cell defined."""
    given, edition_has, found = set(), set(), []
    for cell in (c for c in nb.cells if c.cell_type == "code"):
        lines = cell.source.splitlines()
        source = "\n".join(line for line in lines if not line.lstrip().startswith(("%", "!")))  # magics
        bound, read = names(source)
        if student.is_solution(cell) or student.is_check(cell):
            given |= bound
        else:
            missing = sorted((read & given) - edition_has - bound)
            found += [f"{name!r} in {cell.source[:50]!r}" for name in missing]
            edition_has |= bound
    return found


@pytest.mark.parametrize("path", LESSONS, ids=[p.stem for p in LESSONS])
def test_the_edition_runs_without_its_solutions(path):
    # What `make student-check` proves by running every edition notebook, read from the code alone.
    assert names_only_solutions_give(nbformat.read(path, as_version=4)) == []


def test_the_solution_check_catches_a_later_cell_that_needs_a_solution():
    nb = exercise_notebook()
    nb.cells.append(nbformat.v4.new_code_cell("print(answer)", id="later"))
    assert names_only_solutions_give(nb) == ["'answer' in 'print(answer)'"]
