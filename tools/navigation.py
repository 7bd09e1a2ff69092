"""Generate the course's navigation and setup: prev / contents / next cells, Binder and Colab links,
the lesson tables and the setup cell every notebook starts with.

Re-running it updates what it generated before instead of adding more:

- every notebook gets a navigation cell at the top and at the bottom (cell ids ``nav-top`` and
  ``nav-bottom``, which also says where to ask): ``← 이전 | 목차 | 다음 →``, and below the top
  one its Binder and "Open in Colab" badges (cell id ``nav-badges``);
- every notebook's first code cell is the setup cell (cell id ``setup``, the same in every
  notebook, its code collapsed): in Colab it installs the course's ``helpers`` from the repository
  at the ref the Colab badge opens, then everywhere it calls ``helpers.environment.setup()``. An older
  first cell that set ``os.environ`` itself loses those lines; the rest of it (the lesson's imports)
  stays, as the code cell right after the setup cell;
- ``00_index.ipynb`` gets the lesson table (cell id ``lesson-table``), with each lesson's 예상 시간
  (main path and [더 알아보기] minutes, read from its title cell: tools/lesson_time.py) and their total;
- README.md gets the lesson table and the Binder badge between ``<!-- lessons:start/end -->`` and
  ``<!-- binder:start/end -->`` markers.

Titles come from each notebook's first ``# `` heading; the repository address from
``[project.urls] Repository`` in pyproject.toml, the one place to change when the course moves.

    python tools/navigation.py          # write
    python tools/navigation.py --check  # exit 1 if anything is out of date
"""

import argparse
import re
import shutil
import sys
import tomllib
from pathlib import Path

import lesson_time
import nbformat
from binder_env import launch_url
from tabulate import tabulate

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
INDEX = "00_index.ipynb"
# The branch the Colab badges open; the setup cell installs helpers from the same one, so a lesson
# and the helpers it imports always come from one commit range.
REF = "main"
NAME_PATTERN = re.compile(r"^(\d\d)_[a-z0-9_]+\.ipynb$")
MARKER = "<!--NAVIGATION-->"


def notebook_paths(folder=NOTEBOOKS):
    """The course notebooks in lesson order."""
    return sorted(p for p in folder.glob("*.ipynb") if NAME_PATTERN.match(p.name))


def fresh_copy(destination, folder=NOTEBOOKS):
    """Copy the lessons' folder to ``destination`` as a new session finds it: without the models a
    run saved there (07's mnist_model.keras, which 08 and 10 load instead of training, maybe saved
    by another Keras that cannot read it back). Returns the copy's path."""
    return Path(shutil.copytree(folder, destination, ignore=shutil.ignore_patterns("*.keras")))


def title_cell(nb):
    """The markdown cell with the notebook's ``# `` heading (the generated navigation cells skipped)."""
    for cell in nb.cells:
        if (
            cell.cell_type == "markdown"
            and cell.get("id") not in NAV_IDS
            and any(line.startswith("# ") for line in cell.source.splitlines())
        ):
            return cell
    raise ValueError("the notebook has no '# ' title heading")


def title(nb):
    """The text of the notebook's first level-1 heading."""
    return next(line[2:].strip() for line in title_cell(nb).source.splitlines() if line.startswith("# "))


def repository_url(root=ROOT):
    """The course's repository address, from pyproject.toml."""
    with open(root / "pyproject.toml", "rb") as file:
        return tomllib.load(file)["project"]["urls"]["Repository"].rstrip("/")


def binder_url(repo_url, notebook=INDEX):
    """mybinder.org address: the image of the branch ``binder`` (the environment alone), with
    nbgitpuller pulling the lessons of ``REF`` into a folder named like the repository."""
    return launch_url(repo_url, f"notebooks/{notebook}", REF)


def colab_url(repo_url, notebook=INDEX, ref=REF):
    """Colab address that opens ``notebook`` from the repository's ``ref`` on GitHub."""
    owner_repo = repo_url.removeprefix("https://github.com/")
    return f"https://colab.research.google.com/github/{owner_repo}/blob/{ref}/notebooks/{notebook}"


def helpers_requirement(repo_url, ref=REF):
    """What pip installs in Colab: the course's package (``helpers``) from git at ``ref``."""
    return f"git+{repo_url}@{ref}"


def setup_source(repo_url, ref=REF):
    """The setup cell: the same first code cell in every notebook, collapsed (``SETUP_METADATA``).

    In Colab it first installs the course's ``helpers`` from git at ``ref``, without dependencies
    (Colab's TensorFlow, Keras and NumPy stay); where the whole course folder was pulled into a
    ready environment (Binder's image, a class hub: nbgitpuller), it imports that folder's
    ``helpers`` without installing them; then everywhere ``helpers.environment.setup()``
    does the rest (TensorFlow's settings, Colab's extras, Hangul in figures, offline MNIST).
    The last statement returns None, so the cell shows nothing.
    """
    return f"""\
# 추가 코드 – 과정의 설정입니다. Colab에서는 먼저 과정의 helpers 패키지를 설치합니다.
import os
import subprocess
import sys

if "google.colab" in sys.modules:
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
                    "{helpers_requirement(repo_url, ref)}"], check=True)
elif os.path.isdir("../helpers"):  # 과정 폴더째 받은 곳(Binder, 수업 허브)에서는 그 폴더의 helpers를 씁니다.
    sys.path.insert(0, os.path.abspath(".."))
from helpers.environment import setup

setup()"""


def nav_line(names, titles, i):
    """Markdown for the navigation of notebook ``i``: previous, contents, next."""
    parts = []
    if i > 0:
        parts.append(f"[← 이전: {titles[i - 1]}]({names[i - 1]})")
    parts.append("**목차**" if names[i] == INDEX else f"[목차]({INDEX})")
    if i + 1 < len(names):
        parts.append(f"[다음: {titles[i + 1]} →]({names[i + 1]})")
    return f"{MARKER}\n" + " | ".join(parts)


def help_line(repo_url):
    """Where a student asks: the repository's issue forms (a question, a bug report)."""
    return f"막히거나 이상한 곳이 있으면 [질문이나 오류 신고]({repo_url}/issues/new/choose)로 알려 주세요."


def lesson_table(names, titles, repo_url, link_prefix="", times=None, binder=True):
    """Markdown table of the lessons, each with a link to open it and launch links (Colab; Binder unless
    ``binder`` is false: the README's Binder badge opens the course once).

    ``times`` ({name: lesson_time.stated_minutes(...)}) adds 00's 예상 시간 columns (main path, 연습 문제,
    [더 알아보기]) and a total row.
    """
    headers = ["번호", "레슨", *(["Binder에서 열기"] if binder else []), "Colab에서 열기"]
    rows = []
    for name, text in zip(names, titles):
        if name == INDEX:
            continue
        text = re.sub(r"^\d\d\.\s*", "", text)  # the number has its own column
        links = [f"[열기]({binder_url(repo_url, name)})"] if binder else []
        links.append(f"[열기]({colab_url(repo_url, name)})")
        rows.append([name[:2], f"[{text}]({link_prefix}{name})", *links])
    if times is not None:
        headers += ["예상 시간 (본 과정)", lesson_time.EXERCISES_NAME, lesson_time.OPTIONAL_NAME]
        for row, name in zip(rows, (n for n in names if n != INDEX)):
            row += lesson_time.time_columns(times.get(name))
        total = lesson_time.time_columns(lesson_time.total_minutes(times.values()))
        rows.append(["", "합계", *[""] * (len(headers) - 5), *total])
    align = ["center"] + ["left"] * (len(headers) - 1)
    return tabulate(rows, headers, tablefmt="pipe", colalign=align, disable_numparse=True)


def binder_badge(repo_url, notebook=INDEX):
    return f"[![Binder](https://mybinder.org/badge_logo.svg)]({binder_url(repo_url, notebook)})"


def colab_badge(repo_url, notebook=INDEX):
    return (
        f"[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)]"
        f"({colab_url(repo_url, notebook)})"
    )


def badges(repo_url, notebook=INDEX):
    """The two launch badges of a notebook, side by side."""
    return f"{binder_badge(repo_url, notebook)} {colab_badge(repo_url, notebook)}"


NAV_IDS = ("nav-top", "nav-badges", "nav-bottom")
SETUP_ID = "setup"
# The setup cell is collapsed in JupyterLab (a student sees one "..." line); the site leaves it out.
SETUP_HIDDEN = {"source_hidden": True}


def _set_cell(nb, cell_id, source, position):
    """Put a markdown cell with ``cell_id`` at ``position`` (0 or 'end'), replacing an old one."""
    nb.cells = [cell for cell in nb.cells if cell.get("id") != cell_id]
    cell = nbformat.v4.new_markdown_cell(source)
    cell.id = cell_id
    if position == "end":
        nb.cells.append(cell)
    else:
        nb.cells.insert(position, cell)


def _set_setup_cell(nb, source):
    """Make the setup cell the first code cell (in an index without code: before the last links)."""
    nb.cells = [cell for cell in nb.cells if cell.get("id") != SETUP_ID]
    first = next((i for i, cell in enumerate(nb.cells) if cell.cell_type == "code"), None)
    if first is None:
        first = next(i for i, cell in enumerate(nb.cells) if cell.get("id") == "nav-bottom")
    cell = nbformat.v4.new_code_cell(source)
    cell.id = SETUP_ID
    cell.metadata["jupyter"] = dict(SETUP_HIDDEN)
    nb.cells.insert(first, cell)


def replace_between(text, name, content, where="README.md"):
    """``text`` with what stands between ``<!-- name:start -->`` and ``<!-- name:end -->`` replaced."""
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    pattern = re.compile(re.escape(start) + ".*?" + re.escape(end), re.S)
    if not pattern.search(text):
        raise ValueError(f"{where} lacks the markers {start} ... {end}")
    return pattern.sub(lambda _: f"{start}\n{content}\n{end}", text)


def generate(root=ROOT):
    """Return {path: new text} for every file whose generated parts are out of date."""
    paths = notebook_paths(root / "notebooks")
    notebooks = [nbformat.read(p, as_version=4) for p in paths]
    names = [p.name for p in paths]
    titles = [title(nb) for nb in notebooks]
    repo = repository_url(root)
    changed = {}
    for i, (path, nb) in enumerate(zip(paths, notebooks)):
        before = nbformat.writes(nb)
        nav = nav_line(names, titles, i)
        _set_cell(nb, "nav-top", nav, 0)
        _set_cell(nb, "nav-badges", badges(repo, path.name), 1)
        _set_cell(nb, "nav-bottom", f"{nav}\n\n{help_line(repo)}", "end")
        setup = next((c for c in nb.cells if c.get("id") == SETUP_ID), None)
        first_code = next((c for c in nb.cells if c.cell_type == "code"), None)
        if setup is not None and setup is first_code:
            # Only its text changes: it prints nothing, so the stored run stays whole (make format).
            setup.source = setup_source(repo)
            setup.metadata["jupyter"] = dict(SETUP_HIDDEN)
        else:
            _set_setup_cell(nb, setup_source(repo))
        if path.name == INDEX:
            times = {
                p.name: lesson_time.stated_minutes(title_cell(n).source)
                for p, n in zip(paths, notebooks)
                if p.name != INDEX
            }
            table = lesson_table(names, titles, repo, times=times)
            old = next((c for c in nb.cells if c.get("id") == "lesson-table"), None)
            if old is None:
                raise ValueError(f"{path.name} needs a markdown cell with id 'lesson-table'")
            old.source = "## 레슨 목록\n\n" + table
        after = nbformat.writes(nb)
        if after != before:
            changed[path] = after
    readme = root / "README.md"
    text = readme.read_text(encoding="utf-8")
    new = replace_between(text, "lessons", lesson_table(names, titles, repo, "notebooks/", binder=False))
    new = replace_between(new, "binder", binder_badge(repo))
    if new != text:
        changed[readme] = new
    return changed


def main(argv=None):
    parser = argparse.ArgumentParser(description="Generate the course navigation.")
    parser.add_argument("--check", action="store_true", help="only report what is out of date")
    args = parser.parse_args(argv)
    changed = generate()
    for path, text in changed.items():
        if args.check:
            print(f"out of date: {path.relative_to(ROOT)} (run `make navigation`)")
        else:
            path.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
            print(f"updated {path.relative_to(ROOT)}")
    return 1 if args.check and changed else 0


if __name__ == "__main__":
    sys.exit(main())
