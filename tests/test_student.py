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

import student

ROOT = Path(__file__).resolve().parent.parent

LESSONS = student.lesson_paths(ROOT / "notebooks")


def exercise_notebook():
    nb = nbformat.v4.new_notebook()
    teach = nbformat.v4.new_code_cell("x = 1\nx", id="teach")
    teach.outputs = [nbformat.v4.new_output("execute_result", data={"text/plain": "1"}, execution_count=1)]
    teach.execution_count = 1
    solution = nbformat.v4.new_code_cell("answer = 'secret-solution-line'\nprint(answer)", id="sol")
    solution.metadata = {"tags": ["solution"], "jupyter": {"source_hidden": True}}
    solution.outputs = [nbformat.v4.new_output("stream", name="stdout", text="secret-solution-line\n")]
    solution.execution_count = 2
    nb.cells = [nbformat.v4.new_markdown_cell("# 00. 제목", id="title"), teach, solution]
    return nb


def test_a_solution_becomes_a_visible_empty_prompt_and_the_rest_is_kept():
    nb = exercise_notebook()
    edition = student.student_edition(nb)
    assert [c.id for c in edition.cells] == ["title", "teach", "sol"]
    prompt = edition.cells[2]
    assert prompt.source == student.PROMPT
    assert prompt.outputs == [] and prompt.execution_count is None
    assert "jupyter" not in prompt.metadata  # the prompt is not collapsed away
    assert edition.cells[:2] == nb.cells[:2]
    assert "secret-solution-line" not in nbformat.writes(edition)
    assert "secret-solution-line" in nbformat.writes(nb)  # the instructor's notebook is untouched


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
        if student.is_solution(theirs):  # so no solution line can reach the edition
            assert mine.source == student.PROMPT and not mine.outputs
            assert student.EXERCISE_TAG in mine.metadata["tags"] and not student.is_solution(mine)
        else:
            assert mine.source == student.retarget(theirs.source)
            assert mine.get("outputs") == theirs.get("outputs") and mine.metadata == theirs.metadata


def test_the_edition_carries_what_a_student_needs(edition_folder):
    assert (edition_folder / "helpers" / "__init__.py").exists()
    assert (edition_folder / "requirements.lock").exists()
    tracked = git(ROOT, "ls-files", "notebooks").splitlines()
    for name in (Path(p).name for p in tracked if not p.endswith(".ipynb")):  # e.g. the glossary
        assert (edition_folder / "notebooks" / name).exists()
    assert not list((edition_folder / "notebooks").glob("*.keras")), "a lesson's saved model"


def git(repo, *args):
    return subprocess.run(
        ["git", "-C", str(repo), *args], check=True, capture_output=True, text=True
    ).stdout.strip()


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
    texts = {
        p: p.read_text(encoding="utf-8") for p in edition_folder.rglob("*") if p.suffix in (".ipynb", ".md")
    }
    leaks = [
        f"{p.relative_to(edition_folder)}: {pattern}"
        for p, text in texts.items()
        for pattern in LINK_TO_MAIN
        if pattern in text
    ]
    assert leaks == []
    index = texts[edition_folder / "notebooks" / "00_index.ipynb"]
    assert f"/blob/{student.BRANCH}/notebooks/" in index and f"%26branch%3D{student.BRANCH}" in index


def test_retarget_moves_every_kind_of_link_to_the_branch():
    text = (
        binder_env.launch_url("https://github.com/o/r", "notebooks/01.ipynb", student.REF) + " "
        f"https://colab.example/github/o/r/blob/{student.REF}/notebooks/01.ipynb "
        f"pip install git+https://github.com/o/r@{student.REF} ipycanvas"
    )
    moved = student.retarget(text, "class-a")
    assert not any(pattern in moved for pattern in LINK_TO_MAIN)
    assert moved.count("class-a") == 3


def test_the_editions_only_command_is_make_lab(edition_folder):
    readme = (edition_folder / "README.md").read_text(encoding="utf-8")
    assert set(re.findall(r"\bmake (\w[\w-]*)", readme)) == {"lab"}
    assert not (edition_folder / "tools").exists() and not (edition_folder / "tests").exists()

    def dry_run(target):
        return subprocess.run(["make", "-n", target], cwd=edition_folder, capture_output=True, text=True)

    lab = dry_run("lab")
    assert lab.returncode == 0, lab.stderr
    assert "pip install" in lab.stdout and "jupyter lab" in lab.stdout
    for target in ("test", "outputs", "format", "setup"):
        assert dry_run(target).returncode != 0, f"the edition's Makefile has a developer target: {target}"


def defined_names(source):
    """Names a cell binds: assignments, imports, defs, loop and with targets."""
    tree = ast.parse(source)
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names |= {(alias.asname or alias.name).split(".")[0] for alias in node.names}
    return names


def used_names(source):
    return {
        node.id
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)
    }


def names_only_solutions_give(nb):
    """Names a cell of the edition uses that, before it, only a solution or check cell defined."""
    given, edition_has, found = set(), set(), []
    for cell in (c for c in nb.cells if c.cell_type == "code"):
        source = "\n".join(
            line for line in cell.source.splitlines() if not line.lstrip().startswith(("%", "!"))
        )
        if student.is_solution(cell) or student.is_check(cell):
            given |= defined_names(source)
            continue
        missing = (used_names(source) & given) - edition_has - defined_names(source)
        found += [f"{name!r} in {cell.source[:50]!r}" for name in sorted(missing)]
        edition_has |= defined_names(source)
    return found


@pytest.mark.parametrize("path", LESSONS, ids=[p.stem for p in LESSONS])
def test_the_edition_runs_without_its_solutions(path):
    # What `make student-check` proves by running every edition notebook, read from the code alone.
    assert names_only_solutions_give(nbformat.read(path, as_version=4)) == []


def test_the_solution_check_catches_a_later_cell_that_needs_a_solution():
    nb = exercise_notebook()
    nb.cells.append(nbformat.v4.new_code_cell("print(answer)", id="later"))
    assert names_only_solutions_give(nb) == ["'answer' in 'print(answer)'"]
