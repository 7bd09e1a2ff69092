"""Generate the course's navigation: prev / contents / next cells, the lesson tables, Binder links.

Re-running it updates what it generated before instead of adding more:

- every notebook gets a navigation cell at the top and at the bottom (cell ids ``nav-top`` and
  ``nav-bottom``): ``← 이전 | 목차 | 다음 →``;
- ``00_index.ipynb`` gets the lesson table (cell id ``lesson-table``);
- README.md gets the lesson table and the Binder badge between ``<!-- lessons:start/end -->`` and
  ``<!-- binder:start/end -->`` markers.

Titles come from each notebook's first ``# `` heading; the repository address from
``[project.urls] Repository`` in pyproject.toml, the one place to change when the course moves.

    python tools/navigation.py          # write
    python tools/navigation.py --check  # exit 1 if anything is out of date
"""

import argparse
import re
import sys
import tomllib
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
INDEX = "00_index.ipynb"
NAME_PATTERN = re.compile(r"^(\d\d)_[a-z0-9_]+\.ipynb$")
MARKER = "<!--NAVIGATION-->"


def notebook_paths(folder=NOTEBOOKS):
    """The course notebooks in lesson order."""
    return sorted(p for p in folder.glob("*.ipynb") if NAME_PATTERN.match(p.name))


def title(nb):
    """The text of the notebook's first level-1 heading."""
    for cell in nb.cells:
        if cell.cell_type == "markdown" and cell.get("id") not in NAV_IDS:
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    raise ValueError("the notebook has no '# ' title heading")


def repository_url(root=ROOT):
    """The course's repository address, from pyproject.toml."""
    with open(root / "pyproject.toml", "rb") as file:
        return tomllib.load(file)["project"]["urls"]["Repository"].rstrip("/")


def binder_url(repo_url, notebook=INDEX):
    """mybinder.org address that builds the repository and opens ``notebook`` in JupyterLab."""
    owner_repo = repo_url.removeprefix("https://github.com/")
    return f"https://mybinder.org/v2/gh/{owner_repo}/HEAD?urlpath=lab/tree/notebooks/{notebook}"


def nav_line(names, titles, i):
    """Markdown for the navigation of notebook ``i``: previous, contents, next."""
    parts = []
    if i > 0:
        parts.append(f"[← 이전: {titles[i - 1]}]({names[i - 1]})")
    parts.append("**목차**" if names[i] == INDEX else f"[목차]({INDEX})")
    if i + 1 < len(names):
        parts.append(f"[다음: {titles[i + 1]} →]({names[i + 1]})")
    return f"{MARKER}\n" + " | ".join(parts)


def lesson_table(names, titles, repo_url, link_prefix=""):
    """Markdown table of the lessons, each with a link to open it and a Binder launch link."""
    rows = ["| 번호 | 레슨 | Binder에서 열기 |", "|:---:|---|:---:|"]
    for name, text in zip(names, titles):
        if name == INDEX:
            continue
        text = re.sub(r"^\d\d\.\s*", "", text)  # the number has its own column
        rows.append(f"| {name[:2]} | [{text}]({link_prefix}{name}) "
                    f"| [열기]({binder_url(repo_url, name)}) |")
    return "\n".join(rows)


def binder_badge(repo_url):
    return (f"[![Binder](https://mybinder.org/badge_logo.svg)]({binder_url(repo_url)})")


NAV_IDS = ("nav-top", "nav-bottom")


def _set_cell(nb, cell_id, source, position):
    """Put a markdown cell with ``cell_id`` at ``position`` (0 or 'end'), replacing an old one."""
    nb.cells = [cell for cell in nb.cells if cell.get("id") != cell_id]
    cell = nbformat.v4.new_markdown_cell(source)
    cell.id = cell_id
    if position == "end":
        nb.cells.append(cell)
    else:
        nb.cells.insert(position, cell)


def _replace_between(text, name, content):
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    pattern = re.compile(re.escape(start) + ".*?" + re.escape(end), re.S)
    if not pattern.search(text):
        raise ValueError(f"README.md lacks the markers {start} ... {end}")
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
        _set_cell(nb, "nav-bottom", nav, "end")
        if path.name == INDEX:
            table = lesson_table(names, titles, repo)
            old = next((c for c in nb.cells if c.get("id") == "lesson-table"), None)
            if old is None:
                raise ValueError(f"{path.name} needs a markdown cell with id 'lesson-table'")
            old.source = "## 레슨 목록\n\n" + table
        after = nbformat.writes(nb)
        if after != before:
            changed[path] = after
    readme = root / "README.md"
    text = readme.read_text(encoding="utf-8")
    new = _replace_between(text, "lessons", lesson_table(names, titles, repo, "notebooks/"))
    new = _replace_between(new, "binder", binder_badge(repo))
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
