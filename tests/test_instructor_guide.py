"""tools/instructor_guide.py: what it reads from a lesson, the links and sizes it writes."""

from pathlib import Path
from urllib.parse import parse_qs, urlparse

import nbformat

ROOT = Path(__file__).resolve().parent.parent
import instructor_guide as guide  # noqa: E402


def lesson(title_source):
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("<!--NAVIGATION-->\n[목차](00_index.ipynb)", id="nav-top"),
        nbformat.v4.new_markdown_cell(title_source, id="title"),
        nbformat.v4.new_code_cell("x = 1\nprint(x)", id="code"),
    ]
    return nb


AGREED_SHAPE = """# 03. MNIST 데이터: 불러오기와 정규화

**학습 목표**
- MNIST를 불러와 배열의 모양을 설명할 수 있다.
- 최소-최대 정규화를 할 수 있다.

**선수 지식**: NumPy 배열, 01–02 레슨
**예상 시간**: 약 25분 (읽기 약 15분, 실행 약 10초)
"""


def test_reads_the_agreed_title_cell():
    info = guide.lesson_info(lesson(AGREED_SHAPE))
    assert info["title"] == "03. MNIST 데이터: 불러오기와 정규화"
    assert info["objectives"] == [
        "MNIST를 불러와 배열의 모양을 설명할 수 있다.",
        "최소-최대 정규화를 할 수 있다.",
    ]
    assert info["prerequisites"] == "NumPy 배열, 01–02 레슨"
    assert info["planned"].startswith("약 25분")


def test_a_lesson_without_the_fields_yet_shows_its_summary():
    info = guide.lesson_info(
        lesson("# 01. ReLU\n\n**이 노트북에서 배울 것**: ReLU를 정의합니다. 그다음 그립니다.")
    )
    assert info["objectives"] == ["ReLU를 정의합니다."]
    assert info["prerequisites"] is None and info["planned"] is None


def test_nbgitpuller_link_pulls_the_repository_and_opens_the_index():
    repo = guide.repository_url()
    link = guide.nbgitpuller_link("https://hub.example.org/", repo, "student")
    url = urlparse(link)
    assert url.netloc == "hub.example.org" and url.path == "/hub/user-redirect/git-pull"
    query = {key: values[0] for key, values in parse_qs(url.query).items()}
    folder = repo.rsplit("/", 1)[-1]
    assert query == {
        "repo": repo,
        "branch": "student",
        "urlpath": f"lab/tree/{folder}/notebooks/00_index.ipynb",
    }


def test_measurements_survive_a_rewrite_without_measuring():
    paths = guide.lesson_paths()
    measured = {p.name: (1.5 + i, 100.0 + i) for i, p in enumerate(paths)}
    table = guide.lessons_table(paths, measured)
    assert guide.measured_from_guide(table) == measured


def test_the_guide_lists_every_lesson_and_keeps_its_markers():
    text = guide.GUIDE.read_text(encoding="utf-8")
    for name in ("lessons", "memory", "z2jh", "nbgitpuller", "hub-sizing"):
        assert f"<!-- {name}:start -->" in text and f"<!-- {name}:end -->" in text
    assert guide.main(["--check"]) == 0, "docs/instructor_guide.md is out of date: run `make guide`"
