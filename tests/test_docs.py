"""The README stays a student's page, and the documents' relative links lead somewhere."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")), ROOT / "deploy/z2jh/README.md"]
# A Markdown link's target, up to a title or the closing parenthesis.
LINK = re.compile(r"\]\(\s*<?([^)\s>]+)")


def test_readme_is_short_enough_for_a_student():
    length = len((ROOT / "README.md").read_text(encoding="utf-8"))
    assert length <= 8_000, f"README.md has {length:,} characters: move what a student needs less to docs/"


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_resolve(path):
    targets = LINK.findall(path.read_text(encoding="utf-8"))
    relative = [t for t in targets if not re.match(r"[a-z][a-z0-9+.-]*:|#", t)]
    missing = [t for t in relative if not (path.parent / t.split("#")[0]).exists()]
    assert not missing, f"{path.relative_to(ROOT)} links to files that do not exist: {missing}"
