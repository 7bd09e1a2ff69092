"""Regenerate the generated parts of docs/instructor_guide.md from docs/measurements.json (`make guide`).

    python tools/instructor_guide.py                 # the guide and each lesson's 예상 시간
    python tools/instructor_guide.py --check         # exit 1 if the lesson list is out of date
    python tools/instructor_guide.py --hub https://hub.example.ac.kr   # nbgitpuller links for a hub

It rewrites what stands between each ``<!-- NAME:start -->`` / ``<!-- NAME:end -->`` pair, and never
the guide's own prose: ``lessons`` (each lesson's 학습 목표, 선수 지식 and 예상 시간 from its title cell,
or its "배울 것" sentence, with the run time and peak memory of `make budget`), ``memory`` and ``z2jh``
(tools/hub_sizing.py, from `make memory-limits` and deploy/z2jh/config.yaml) and ``nbgitpuller`` (hub
links, from the repository address in pyproject.toml). With the same measurement it rewrites every
lesson's 예상 시간 line (tools/lesson_time.py). It measures nothing: a missing measurement stops it
with the command that makes it.
"""

import argparse
import re
import sys
from urllib.parse import quote, urlencode

import hub_sizing
import lesson_time
import measurements
import memory_limit
import nbformat
from navigation import INDEX, ROOT, notebook_paths, replace_between, repository_url, title, title_cell
from tabulate import tabulate

GUIDE = ROOT / "docs" / "instructor_guide.md"
DEFAULT_HUB = "https://jupyterhub.example.ac.kr"
STUDENT_BRANCH = "student"
BUDGET = "budget"  # docs/measurements.json's section that `make budget` writes


def _field(text, name):
    """The text after ``**name**:`` with the lines that continue it (not a field, list item or heading)."""
    lines = text.splitlines()
    for i, line in enumerate(lines):
        match = re.match(rf"\s*\*\*{re.escape(name)}\*\*\s*[:：]?\s*(.*)", line)
        if not match:
            continue
        parts = [match.group(1).strip()]
        for more in lines[i + 1 :]:
            if not more.strip() or re.match(r"\s*(\*\*|[-*]\s|#)", more):
                break
            parts.append(more.strip())
        return " ".join(p for p in parts if p) or None
    return None


def lesson_info(nb):
    """Title, objectives, prerequisites and planned time from the title cell; None where absent."""
    text = title_cell(nb).source
    match = re.search(r"\*\*학습 목표\*\*\s*[:：]?\s*\n((?:\s*[-*]\s+.+\n?)+)", text)
    objectives = re.findall(r"^\s*[-*]\s+(.+?)\s*$", match.group(1), re.M) if match else []
    summary = _field(text, "이 노트북에서 배울 것") or _field(text, "이 과정에서 배울 것")
    if not objectives and summary:
        objectives = [re.match(r"(.+?[.!?]|.+)(\s|$)", summary).group(1)]
    return {
        "title": title(nb),
        "objectives": objectives,
        "prerequisites": _field(text, "선수 지식"),
        "planned": _field(text, "예상 시간"),
    }


def lesson_measurements(paths, path=measurements.PATH):
    """`make budget`'s section, which must hold every lesson of ``paths``."""
    budget = measurements.require(BUDGET, "make budget", path)
    missing = [p.name for p in paths if p.name not in budget["lessons"]]
    if missing:
        raise SystemExit(
            f"{path} has no time of {', '.join(missing)}: run `make budget`, then commit the file."
        )
    return budget


def _cell(text):
    return (text or "").replace("|", "\\|").replace("\n", " ")


def lessons_table(paths, budget):
    """The lessons and what `make budget` measured running each (``budget``: its section)."""
    rows = []
    for path in paths:
        info = lesson_info(nbformat.read(path, as_version=4))
        measured = budget["lessons"][path.name]
        rows.append(
            [
                f"[{_cell(info['title'])}](../notebooks/{path.name})",
                "<br>".join(f"• {_cell(o)}" for o in info["objectives"]) or "—",
                _cell(info["prerequisites"]) or "—",
                _cell(info["planned"]) or "—",
                f"{measured['seconds']:.1f} 초",
                f"{measured['peak_mb']:,} MB",
            ]
        )
    headers = ["레슨", "학습 목표", "선수 지식", "예상 시간(레슨)", "실행(측정)", "최대 메모리"]
    table = tabulate(rows, headers, tablefmt="pipe", colalign=["left"] * 4 + ["right"] * 2)
    return (
        f"{table}\n\n측정: {measurements.stamp_text(budget)}, 레슨마다 새 커널에서 처음부터 끝까지 "
        "(`make budget`, `docs/measurements.json`; 바쁜 컴퓨터에서는 더 오래 걸립니다)."
    )


def nbgitpuller_link(hub, repo, branch, notebook="00_index.ipynb"):
    """A hub link that clones or updates ``repo`` for the user, then opens ``notebook``."""
    folder = repo.rstrip("/").rsplit("/", 1)[-1]
    query = urlencode(
        {"repo": repo, "branch": branch, "urlpath": f"lab/tree/{folder}/notebooks/{notebook}"},
        quote_via=quote,
    )
    return f"{hub.rstrip('/')}/hub/user-redirect/git-pull?{query}"


def update_planned_times(paths, budget):
    """Rewrite each lesson's 예상 시간 line (tools/lesson_time.py); return the changed paths."""
    changed = []
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        if lesson_time.set_planned_time(nb, budget["lessons"][path.name]["seconds"]):
            nbformat.write(nb, path)
            changed.append(path)
    return changed


def generate(text, paths, budget, limits, config, hub, repo):
    """The guide's ``text`` with every generated part rewritten."""
    text = replace_between(text, "lessons", lessons_table(paths, budget), GUIDE.name)
    text = replace_between(text, "memory", hub_sizing.memory_section(limits), GUIDE.name)
    text = replace_between(text, "z2jh", hub_sizing.z2jh_section(config), GUIDE.name)
    text = replace_between(text, "hub", hub_sizing.hub_section(measurements.load(hub_sizing.HUB)), GUIDE.name)
    links = (
        f"- 강사용(풀이 포함, `main`): <{nbgitpuller_link(hub, repo, 'main')}>\n"
        f'- 학생용 배포판(`{STUDENT_BRANCH}` 브랜치, 아래 "학생용 배포판 나눠 주기" 참고): '
        f"<{nbgitpuller_link(hub, repo, STUDENT_BRANCH)}>"
    )
    return replace_between(text, "nbgitpuller", links, GUIDE.name)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check", action="store_true", help="exit 1 if the guide's lesson list differs from notebooks/"
    )
    parser.add_argument("--hub", default=DEFAULT_HUB, help="the JupyterHub address for the links")
    args = parser.parse_args(argv)
    text = GUIDE.read_text(encoding="utf-8")
    paths = notebook_paths()
    if args.check:
        listed = set(re.findall(r"^\|\s*\[[^]]*\]\(\.\./notebooks/(\d\d_[a-z0-9_]+\.ipynb)\)", text, re.M))
        names = {p.name for p in paths}
        missing, extra = names - listed, listed - names
        if missing or extra:
            print(
                f"{GUIDE.relative_to(ROOT)} is out of date (missing {sorted(missing)}, "
                f"gone {sorted(extra)}): run `make guide`"
            )
            return 1
        return 0
    budget = lesson_measurements(paths)
    limits = measurements.require(memory_limit.SECTION, "make memory-limits")
    for path in update_planned_times([p for p in paths if p.name != INDEX], budget):
        print(f"updated the 예상 시간 of {path.relative_to(ROOT)}")
    config = hub_sizing.read_config()
    GUIDE.write_text(generate(text, paths, budget, limits, config, args.hub, repository_url()), "utf-8")
    print(f"updated {GUIDE.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
