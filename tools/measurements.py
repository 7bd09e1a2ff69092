"""docs/measurements.json: the committed measurements, each section written by the tool that makes it.

`make memory-limits` writes ``memory_limits`` (tools/memory_limit.py); `make guide` and
tests/test_z2jh.py read it. Nobody edits the file by hand: rerun the tool.
"""

import json
import subprocess

from navigation import ROOT

PATH = ROOT / "docs" / "measurements.json"


def load(section, path=PATH):
    """One section of the file ({} before its first measurement)."""
    data = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    return data.get(section, {})


def save(section, content, path=PATH):
    """Replace ``section`` with ``content`` stamped with the measured commit; keep the other sections."""
    data = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    git = ["git", "rev-parse", "--short", "HEAD"]
    commit = subprocess.run(git, cwd=ROOT, check=False, capture_output=True, text=True).stdout.strip()
    data[section] = {**content, "commit": commit or None}
    path.write_text(json.dumps(data, indent=1, ensure_ascii=False, sort_keys=True) + "\n", encoding="utf-8")
