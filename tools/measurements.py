"""docs/measurements.json: every dated measurement the docs show, each section written by its tool
(`make budget`, `make memory-limits`, `make compat COMPAT_FLAGS=--record`, tools/seed_spread.py,
`make hub-check`).

Nobody edits it by hand. Each section is stamped with the commit, the date and the machine as
measuring began (``machine()``): times here drift 2-3x with the load.
"""

import contextlib
import datetime as dt
import json
import os
import platform
import subprocess
from pathlib import Path

from navigation import ROOT

PATH = ROOT / "docs" / "measurements.json"


def machine():
    """The CPU, its cores and the load average (1, 5, 15 min) now: call it when measuring starts."""
    cpu = platform.processor() or platform.machine()  # where /proc/cpuinfo does not name it
    with contextlib.suppress(OSError):
        lines = Path("/proc/cpuinfo").read_text().splitlines()
        cpu = next((line.split(":", 1)[1].strip() for line in lines if line.startswith("model name")), cpu)
    load = [round(value, 2) for value in os.getloadavg()]
    return {"cpu": cpu, "cores": os.cpu_count(), "load_average_at_start": load}


def load(section, path=PATH):
    """One section of the file ({} before its first measurement)."""
    data = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    return data.get(section, {})


def require(section, command, path=PATH):
    """One section; exits naming the ``command`` that measures it when it is not there yet."""
    found = load(section, path)
    if not found:
        raise SystemExit(f"{path} has no {section!r} measurements: run `{command}`, then commit the file.")
    return found


def save(section, content, started, path=PATH):
    """Replace ``section`` with ``content`` stamped with the commit, the date and ``started``."""
    data = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    git = ["git", "rev-parse", "--short", "HEAD"]
    commit = subprocess.run(git, cwd=ROOT, check=False, capture_output=True, text=True).stdout.strip()
    date = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    data[section] = {**content, **started, "commit": commit or None, "date": date}
    path.write_text(json.dumps(data, indent=1, ensure_ascii=False, sort_keys=True) + "\n", encoding="utf-8")


def stamp_text(section):
    """The docs' words for a section's stamp: date, commit, machine and its load at the start."""
    load = "/".join(f"{value:.1f}" for value in section["load_average_at_start"])
    return (
        f"{section['date']}, 커밋 {section['commit']}, {section['cpu']} {section['cores']}코어, "
        f"시작할 때 부하 {load}(1·5·15분 평균)"
    )
