"""Build the course website from the stored outputs (`make site`): Jupyter Book 1.x, offline.

    python tools/build_site.py            # stage build/site-src/, build build/site/html/
    python tools/build_site.py --stage    # only stage (what the book is made of)

Nothing is executed: every page shows the outputs stored in the notebooks. The staged sources
keep the repository's paths (notebooks/NN_name.ipynb, notebooks/glossary.md, docs/*.md), so links
between notebooks and pages resolve as they do on GitHub. A lesson opens in Binder or Colab by its
own launch links, the README's: Binder's from the branch binder with the lessons pulled from main.
Lessons are found by their NN_name.ipynb pattern.

What staging changes in its copy (the repository's notebooks are never written):
- a widget's output becomes what it showed when the notebook was saved: its text and the
  figures of its Output widgets, as plain outputs. A static page has no kernel to move a widget,
  and the widget scripts would otherwise come from a CDN;
- solution cells are collapsed behind a button (tag ``hide-cell``); check cells and the setup
  cell are left out (tag ``remove-cell``).

A figure's alt text is its cell's ``{"mystnb": {"image": {"alt": "..."}}}`` metadata, which MyST-NB
puts on the figure's ``<img>`` (the lessons write it in Korean; tests/test_course.py requires it).

MathJax comes from the npm package pinned in site/package.json and is copied into the site, so
math renders without any CDN. Run in the site's own environment, which holds both: nox's site
session (`make site`) installs site/requirements.txt and that npm package into it.
"""

import argparse
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import yaml
from navigation import REF, SETUP_ID, notebook_paths, repository_url

ROOT = Path(__file__).resolve().parent.parent
SITE = ROOT / "site"
STAGE = ROOT / "build" / "site-src"
OUT = ROOT / "build" / "site"
MATHJAX = Path(sys.prefix) / "node_modules" / "mathjax" / "es5"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
TITLE = "딥러닝 아키텍처"
BADGE = re.compile(r"\[!\[([^\]]*)\]\([^)]*\)\]\(([^)]*)\)")  # [![alt](image)](link)


def lesson_paths(root=ROOT):
    return notebook_paths(root / "notebooks")


def page_paths(root=ROOT):
    """Every page after the lessons: the glossary if present, then docs/*.md."""
    glossary = root / "notebooks" / "glossary.md"
    return ([glossary] if glossary.exists() else []) + sorted((root / "docs").glob("*.md"))


def widget_outputs(model_id, state):
    """The outputs shown by the Output widgets inside widget ``model_id``, depth first."""
    model = state.get(model_id)
    if model is None:
        return []
    found = list(model["state"].get("outputs", [])) if model.get("model_name") == "OutputModel" else []
    for ref in re.findall(r"IPY_MODEL_([0-9a-f]{32})", json.dumps(model["state"].get("children", []))):
        found += widget_outputs(ref, state)
    return found


def static_notebook(nb):
    """A copy of ``nb`` for a page without a kernel: widgets as saved, solutions collapsed,
    checks and the setup cell removed.

    The badge cell keeps its launch links as text: the badge images would be fetched from their
    hosts, which a site served offline must not need. (The theme's own Binder button would build
    main's image for every commit instead of starting the branch binder's.)
    """
    nb = nbformat.reads(nbformat.writes(nb), as_version=4)
    for cell in nb.cells:
        if cell.get("id") == "nav-badges":
            cell.source = BADGE.sub(r"[\1](\2)", cell.source)
    state = nb.metadata.pop("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        if "solution" in cell.metadata.get("tags", []):
            cell.metadata["tags"] = [*cell.metadata["tags"], "hide-cell"]
        # A check guards the course and the setup cell prepares a kernel: neither says anything
        # to a reader of a page without one.
        if "check" in cell.metadata.get("tags", []) or cell.get("id") == SETUP_ID:
            cell.metadata["tags"] = [*cell.metadata.get("tags", []), "remove-cell"]
        outputs = []
        for output in cell.get("outputs", []):
            view = output.get("data", {}).get(WIDGET_VIEW)
            if view is None:
                outputs.append(output)
                continue
            output.data.pop(WIDGET_VIEW)
            outputs.append(output)
            outputs += [nbformat.from_dict(o) for o in widget_outputs(view["model_id"], state)]
        cell.outputs = outputs
    return nb


def figure_cells(nb):
    """``(cell, number of images)`` for every code cell whose stored outputs show an image, saved
    widgets' figures included, as the page shows them (``static_notebook``)."""
    found = []
    for cell in static_notebook(nb).cells:
        images = sum(
            1
            for output in cell.get("outputs", [])
            if any(m.startswith("image/") for m in output.get("data", {}))
        )
        if cell.cell_type == "code" and images and "remove-cell" not in cell.metadata.get("tags", []):
            found.append((cell, images))
    return found


def alt_text(cell):
    """The alt text the page gives a cell's figures: its ``mystnb.image.alt`` metadata, or None."""
    return cell.metadata.get("mystnb", {}).get("image", {}).get("alt")


def book_config(repo):
    return {
        "title": TITLE,
        "author": "딥러닝 아키텍처",
        "only_build_toc_files": True,
        "exclude_patterns": ["_build", "**.ipynb_checkpoints"],
        "execute": {"execute_notebooks": "off"},
        "repository": {"url": repo, "branch": REF, "path_to_book": ""},
        # No theme launch buttons: the page's launch links are the README's (static_notebook).
        "launch_buttons": {"binderhub_url": "", "colab_url": "", "jupyterhub_url": "", "thebe": False},
        "html": {
            "use_repository_button": True,
            "home_page_in_navbar": True,
            "use_edit_page_button": False,
            "extra_footer": "",
        },
        "parse": {"myst_enable_extensions": ["dollarmath", "amsmath", "colon_fence", "linkify"]},
        "sphinx": {
            "local_extensions": {"unique_assets": "_ext"},
            "config": {
                "language": "ko",
                # MathJax 3 from this site, not a CDN: copied to <site>/mathjax/ (html_extra_path);
                # the path is relative to _static. Not in _static itself: Jupyter Book would add
                # every script there to every page.
                "html_extra_path": ["_extra"],
                "mathjax_path": "../mathjax/tex-chtml.js",
                "html_show_copyright": False,
                "html_last_updated_fmt": None,
                # No widget scripts: widgets are shown as saved, as plain outputs (see static_notebook).
                "nb_ipywidgets_js": {},
            },
        },
    }


def toc(lessons, pages, root=ROOT):
    """The book's table of contents: the index, then every lesson, then the other pages."""

    def entry(path):
        return {"file": path.relative_to(root).with_suffix("").as_posix()}

    index, *rest = lessons
    parts = [{"caption": "레슨", "chapters": [entry(p) for p in rest]}]
    if pages:
        parts.append({"caption": "자료", "chapters": [entry(p) for p in pages]})
    return {"format": "jb-book", "root": entry(index)["file"], "parts": parts}


def stage(root=ROOT, stage_dir=STAGE, mathjax=MATHJAX):
    """Write the book's sources to ``stage_dir``; return the number of pages."""
    lessons = lesson_paths(root)
    if not lessons:
        raise SystemExit(f"no lesson notebooks (NN_name.ipynb) in {root / 'notebooks'}")
    pages = page_paths(root)
    if stage_dir.exists():
        shutil.rmtree(stage_dir)
    (stage_dir / "notebooks").mkdir(parents=True)
    for path in lessons:
        nbformat.write(
            static_notebook(nbformat.read(path, as_version=4)), stage_dir / "notebooks" / path.name
        )
    for path in pages:
        target = stage_dir / path.relative_to(root)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target)
    # Jupyter Book adds every stylesheet in _static to every page (site/_static/course.css).
    shutil.copytree(SITE / "_static", stage_dir / "_static")
    shutil.copytree(SITE / "_ext", stage_dir / "_ext", ignore=shutil.ignore_patterns("__pycache__"))
    if not (mathjax / "tex-chtml.js").exists():
        raise SystemExit(
            f"MathJax is missing at {mathjax}: build the site with `make site` (nox's site session "
            "installs the npm package pinned in site/package.json into the site's environment)"
        )
    shutil.copytree(mathjax, stage_dir / "_extra" / "mathjax")
    (stage_dir / "_config.yml").write_text(
        yaml.safe_dump(book_config(repository_url(root)), allow_unicode=True, sort_keys=False),
        encoding="utf-8",
    )
    (stage_dir / "_toc.yml").write_text(
        yaml.safe_dump(toc(lessons, pages, root), allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    return len(lessons) + len(pages)


def build(stage_dir=STAGE, out=OUT):
    """Run Jupyter Book on the staged sources; warnings (e.g. a broken link) fail the build."""
    if out.exists():
        shutil.rmtree(out)
    jupyter_book = Path(sys.executable).parent / "jupyter-book"
    command = [
        str(jupyter_book),
        "build",
        str(stage_dir),
        "--path-output",
        str(out),
        "--warningiserror",
        "--keep-going",
        "--quiet",
    ]
    subprocess.run(command, check=True)
    # GitHub Pages: serve files and folders starting with '_' (_static, _images) as they are.
    (out / "_build" / "html" / ".nojekyll").touch()
    return out / "_build" / "html"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stage", action="store_true", help="only write build/site-src/")
    args = parser.parse_args(argv)
    pages = stage()
    print(f"staged {pages} pages in {STAGE.relative_to(ROOT)}")
    if not args.stage:
        html = build()
        print(f"site: {html.relative_to(ROOT)}/index.html")
    return 0


if __name__ == "__main__":
    sys.exit(main())
