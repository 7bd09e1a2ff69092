"""tools/instructor_guide.py: what it reads from a lesson, the links it writes, and its tables rendered from
docs/measurements.json (on copies: the real guide and lessons are `make guide`'s to rewrite)."""

import shutil
from urllib.parse import parse_qs, urlparse

import hub_sizing
import instructor_guide as guide
import lesson_time
import measurements
import memory_limit
import nbformat
import pytest
from markdown_tables import tables
from navigation import INDEX, notebook_paths, title_cell


def lesson_info(title_source):
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("<!--NAVIGATION-->\n[목차](00_index.ipynb)", id="nav-top"),
        nbformat.v4.new_markdown_cell(title_source, id="title"),
    ]
    return guide.lesson_info(nb)


def test_reads_the_title_cell_or_else_the_first_sentence_of_its_summary():
    info = lesson_info(
        "# 03. MNIST 데이터\n\n**학습 목표**\n- 불러올 수 있다.\n- 정규화를 할 수 있다.\n\n"
        "**선수 지식**: NumPy 배열,\n01–02 레슨\n**예상 시간**: 약 25분 (읽기 약 15분, 실행 약 10초)\n"
    )
    assert info == {
        "title": "03. MNIST 데이터",
        "objectives": ["불러올 수 있다.", "정규화를 할 수 있다."],
        "prerequisites": "NumPy 배열, 01–02 레슨",
        "planned": "약 25분 (읽기 약 15분, 실행 약 10초)",
    }
    info = lesson_info("# 01. ReLU\n\n**이 노트북에서 배울 것**: ReLU를 정의합니다. 그다음 그립니다.")
    assert info["objectives"] == ["ReLU를 정의합니다."]
    assert info["prerequisites"] is None and info["planned"] is None


def test_nbgitpuller_link_pulls_the_repository_and_opens_the_index():
    repo = guide.repository_url()
    url = urlparse(guide.nbgitpuller_link("https://hub.example.org/", repo, "student"))
    assert url.netloc == "hub.example.org" and url.path == "/hub/user-redirect/git-pull"
    folder = repo.rsplit("/", 1)[-1]
    assert parse_qs(url.query) == {
        "repo": [repo],
        "branch": ["student"],
        "urlpath": [f"lab/tree/{folder}/notebooks/00_index.ipynb"],
    }


@pytest.fixture
def budget(tmp_path):
    """A `make budget` section in a file of its own: lesson i ran 10.25 + i s and peaked at 500 + i MB."""
    path = tmp_path / "measurements.json"
    lessons = {p.name: {"seconds": 10.25 + i, "peak_mb": 500 + i} for i, p in enumerate(notebook_paths())}
    measurements.save(guide.BUDGET, {"lessons": lessons}, measurements.machine(), path)
    return path


def test_the_guide_renders_every_table_from_the_measurements(budget):
    paths = notebook_paths()
    section = guide.lesson_measurements(paths, budget)
    limits = measurements.require(memory_limit.SECTION, "make memory-limits")  # the committed ones
    config = hub_sizing.read_config()
    text = guide.generate(
        guide.GUIDE.read_text(encoding="utf-8"), paths, section, limits, config, "https://h", "r"
    )
    lessons, memory, classes = tables(text)[:3]
    assert [row["레슨"].split("(../notebooks/")[1].rstrip(")") for row in lessons] == [p.name for p in paths]
    for row, path in zip(lessons, paths):
        measured = section["lessons"][path.name]
        assert row["실행(측정)"] == f"{measured['seconds']:.1f} 초"
        assert row["최대 메모리"] == f"{measured['peak_mb']:,} MB"
    assert section["date"] in text and section["commit"] in text
    assert {row["레슨"]: row["끝까지 실행되는 가장 작은 한도"] for row in memory} == {
        name: hub_sizing._limit(record) for name, record in limits["lessons"].items()
    }
    assert [int(row["학생 수"]) for row in classes] == list(hub_sizing.CLASS_SIZES)
    assert [int(row["학생용 노드"]) for row in classes] == [
        hub_sizing.class_sizing(config, students)["nodes"] for students in hub_sizing.CLASS_SIZES
    ]


def test_a_new_lesson_without_a_measurement_or_a_guide_row_is_caught(budget, tmp_path, monkeypatch):
    with pytest.raises(SystemExit, match="run `make budget`"):
        guide.lesson_measurements(notebook_paths(), tmp_path / "none.json")
    new = [*notebook_paths(), tmp_path / "11_new.ipynb"]
    with pytest.raises(SystemExit, match="11_new.ipynb: run `make budget`"):
        guide.lesson_measurements(new, budget)
    assert guide.main(["--check"]) == 0, "docs/instructor_guide.md is out of date: run `make guide`"
    monkeypatch.setattr(guide, "notebook_paths", lambda: new)
    assert guide.main(["--check"]) == 1


def test_each_lesson_states_the_measured_run_time_and_is_rewritten_only_when_it_changes(budget, tmp_path):
    copies = [shutil.copy(p, tmp_path / p.name) for p in notebook_paths() if p.name != INDEX][:2]
    section = measurements.load(guide.BUDGET, budget)
    assert guide.update_planned_times(copies, section) == copies
    assert guide.update_planned_times(copies, section) == []
    for copy in copies:
        title = title_cell(nbformat.read(copy, as_version=4)).source
        assert int(lesson_time.LINE.search(title)["run"]) == round(section["lessons"][copy.name]["seconds"])
