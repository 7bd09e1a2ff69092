"""The course's own rules: numbering, navigation, clean stored runs, file sizes, no data."""

import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import navigation  # noqa: E402

PATHS = navigation.notebook_paths(ROOT / "notebooks")
NAMES = [p.name for p in PATHS]
LESSONS = [p for p in PATHS if p.name != navigation.INDEX]
TF_LOG = re.compile(r"oneDNN|absl::|cpu_feature_guard|^[IWEF]\d{4} \d\d:\d\d:\d\d", re.M)


def read(path):
    return nbformat.read(path, as_version=4)


def markdown(nb):
    return "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")


def test_every_notebook_in_the_folder_is_a_numbered_lesson():
    assert sorted(p.name for p in (ROOT / "notebooks").glob("*.ipynb")) == NAMES


def test_notebooks_are_numbered_without_gaps():
    assert NAMES[0] == navigation.INDEX
    assert [int(name[:2]) for name in NAMES] == list(range(len(NAMES)))


def test_every_lesson_is_linked_from_the_index_and_the_readme():
    index = markdown(read(ROOT / "notebooks" / navigation.INDEX))
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name in NAMES[1:]:
        assert f"]({name})" in index, f"00_index does not link {name}"
        assert f"](notebooks/{name})" in readme, f"README.md does not link {name}"


def test_generated_navigation_is_up_to_date():
    stale = [str(p.relative_to(ROOT)) for p in navigation.generate(ROOT)]
    assert stale == [], "run `make navigation`"


@pytest.mark.parametrize("path", PATHS, ids=NAMES)
def test_navigation_links_go_to_the_neighbours(path):
    nb = read(path)
    i = NAMES.index(path.name)
    assert nb.cells[0].id == "nav-top" and nb.cells[-1].id == "nav-bottom"
    links = re.findall(r"\]\(([^)]+\.ipynb)\)", nb.cells[0].source)
    expected = ([NAMES[i - 1]] if i > 0 else []) + ([navigation.INDEX] if i > 0 else [])
    expected += [NAMES[i + 1]] if i + 1 < len(NAMES) else []
    assert links == expected
    assert all((ROOT / "notebooks" / link).is_file() for link in links)


@pytest.mark.parametrize("path", PATHS, ids=NAMES)
def test_stored_outputs_are_one_clean_run(path):
    nb = read(path)
    assert nb.metadata.kernelspec.name == "python3"
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert [c.execution_count for c in code] == list(range(1, len(code) + 1)), \
        "run `make outputs`: the stored outputs are not one top-to-bottom run"
    for cell in code:
        for output in cell.outputs:
            assert output.output_type != "error", f"stored error in: {cell.source[:60]!r}"
            text = output.get("text", "") + str(output.get("data", {}).get("text/plain", ""))
            assert not TF_LOG.search(text), f"TensorFlow log line stored in: {cell.source[:60]!r}"


@pytest.mark.parametrize("path", PATHS, ids=NAMES)
def test_notebooks_are_stored_normalized(path):
    text = path.read_text(encoding="utf-8")
    nb = nbformat.reads(text, as_version=4)
    assert text == nbformat.writes(nb) + "\n", "store notebooks with `make outputs`"
    assert not re.search(r"\\u[1-9a-f][0-9a-f]{3}", text, re.I), "store text (Hangul) unescaped"
    assert not any("execution" in c.metadata for c in nb.cells), "execution timestamps are stored"


@pytest.mark.parametrize("path", LESSONS, ids=[p.name for p in LESSONS])
def test_every_lesson_opens_and_ends_the_same_way(path):
    nb = read(path)
    body = [c for c in nb.cells if c.get("id") not in navigation.NAV_IDS]
    assert body[0].cell_type == "markdown"
    assert body[0].source.startswith(f"# {path.name[:2]}. ")
    assert "이 노트북에서 배울 것" in body[0].source
    headings = [line for c in body if c.cell_type == "markdown" for line in c.source.splitlines()
                if line.startswith("#")]
    assert "## 설정" in headings and headings.index("## 설정") == 1
    for required in ("## 정리", "## 연습 문제"):
        assert required in headings, f"{path.name} lacks {required}"
    assert headings.index("## 정리") < headings.index("## 연습 문제")
    solutions = [c for c in body if "solution" in c.metadata.get("tags", [])]
    assert solutions, f"{path.name} has no executed exercise solution"
    for cell in solutions:
        assert cell.cell_type == "code" and cell.execution_count
        assert cell.metadata["jupyter"] == {"source_hidden": True, "outputs_hidden": True}


def tracked_files():
    result = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True)
    return [ROOT / name for name in result.stdout.decode().split("\0") if name]


def test_no_tracked_file_is_larger_than_1_mb():
    large = [str(p.relative_to(ROOT)) for p in tracked_files()
             if p.is_file() and p.stat().st_size > 1_000_000]
    assert large == []


def test_no_dataset_is_tracked():
    data = [p.name for p in tracked_files()
            if re.search(r"\.(npz|npy|gz|h5|idx\d-ubyte)$", p.name, re.I)]
    assert data == [], "datasets and weights are downloaded or cached, never committed"


def test_ci_runs_the_readmes_test_command():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "make test" in readme and "make lab" in readme
    assert re.search(r"^make test$", ci, re.M)


@pytest.mark.parametrize("path", PATHS, ids=NAMES)
def test_markdown_has_no_accidental_strikethrough(path):
    # JupyterLab renders ~text~ as strikethrough: "0~9 ... 0~1" in one paragraph crosses text out.
    for cell in read(path).cells:
        if cell.cell_type == "markdown":
            prose = re.sub(r"`[^`]*`|\$\$.*?\$\$|\$[^$]*\$", "", cell.source, flags=re.S)
            assert "~" not in prose, f"{path.name}: write ranges with an en dash (0–9): {prose[:80]!r}"
