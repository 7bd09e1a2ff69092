"""What a class needs on a hub: per-student memory from the measured lessons, nodes for a class.

Guarantee: the largest lesson limit of docs/measurements.json plus the Jupyter server; limit: plus a
second lesson's kernel left open; both in 128 MiB steps, as JupyterHub reads them ("1280M", M = MiB).
deploy/z2jh/config.yaml must say these (tests/test_z2jh.py); `make guide` writes them, with the nodes
a class needs under that config, into the instructor guide.
"""

import math
import re

import measurements
import yaml
from memory_limit import load
from navigation import ROOT
from tabulate import tabulate

CONFIG = ROOT / "deploy" / "z2jh" / "config.yaml"
CHART_VERSION = "4.4.0"  # the jupyterhub/jupyterhub Helm chart config.yaml is written for
STEP_MIB = 128
SERVER_MB = 200  # the Jupyter server beside the kernel: its "after cull MB" in `make hub-check`, rounded up
# A second lesson's kernel left open: a kernel that imported TensorFlow holds about 600 MB
# (README, 수업 비용). Kernel culling (config.yaml) ends it after 20 idle minutes.
SECOND_KERNEL_MB = 600
# The nodes a class is sized for: a common cloud size, 8 vCPU and 32 GB, of which Kubernetes, the
# system and the image pullers keep about 4 GB and half a CPU.
NODE = {"label": "8 vCPU, 32 GB", "memory_bytes": 28e9, "cpu": 7.5}
CLASS_SIZES = (30, 100, 300)
HUB = "hub"  # docs/measurements.json's section that `make hub-check` writes: a class on a real hub
SUMMED = ["peak MB", "kernel idle MB", "after cull MB", "CPU s"]  # the class's total
COLUMNS = ["student", *SUMMED, "run s", "test accuracy"]


def bytes_of(quantity):
    """Bytes of a memory size as JupyterHub reads it: bytes, or a number with K, M, G or T (1024s)."""
    match = re.fullmatch(r"(\d+(?:\.\d+)?)([KMGT]?)", str(quantity).strip())
    if not match:
        raise ValueError(
            f"{quantity!r} is not a memory size JupyterHub reads: give bytes or a number "
            "with K, M, G or T (powers of 1024), for example 1280M"
        )
    return int(float(match.group(1)) * 1024 ** " KMGT".index(match.group(2) or " "))


def student_memory(lessons=None):
    lessons = load()["lessons"] if lessons is None else lessons
    unmeasured = sorted(name for name, record in lessons.items() if record.get("limit_mb") is None)
    if not lessons or unmeasured:
        raise ValueError(
            f"no memory limit measured for {unmeasured or 'any lesson'}: "
            "run `make memory-limits` (docs/measurements.json)"
        )
    name, record = max(lessons.items(), key=lambda item: item[1]["limit_mb"])
    lesson_mb = record["limit_mb"]
    guarantee, limit = (  # MB (10^6 bytes) up to STEP_MIB MiB
        f"{math.ceil((lesson_mb + SERVER_MB + extra) * 1e6 / (STEP_MIB * 1024**2)) * STEP_MIB}M"
        for extra in (0, SECOND_KERNEL_MB)
    )
    return {"lesson": name, "lesson_mb": lesson_mb, "guarantee": guarantee, "limit": limit}


def read_config():
    return yaml.safe_load(CONFIG.read_text(encoding="utf-8"))


def class_sizing(config, students):
    """Nodes for ``students`` under a parsed config.yaml: a node takes as many students as their
    guarantees fit, in memory and in CPU; during class the config's placeholders keep room for latecomers."""
    single = config["singleuser"]
    guarantee, limit = bytes_of(single["memory"]["guarantee"]), bytes_of(single["memory"]["limit"])
    by_memory = int(NODE["memory_bytes"] // guarantee)
    by_cpu = int(NODE["cpu"] // float(single["cpu"]["guarantee"]))
    per_node = min(by_memory, by_cpu)
    during = config["scheduling"]["userPlaceholder"]["replicas"]
    return {
        "per_node": per_node,
        "bound": "memory" if by_memory <= by_cpu else "CPU",
        "nodes": math.ceil(students / per_node),
        "nodes_with_placeholders": math.ceil((students + during) / per_node),
        "guaranteed_gb": per_node * guarantee / 1e9,
        "limits_gb": per_node * limit / 1e9,
        "placeholders_during": during,
    }


# --- the instructor guide's sections (make guide) ----------------------------------------------


def _limit(record):
    if record["limit_mb"] is None:
        return f"{record['range_mb'][1]:,} MB에서도 끝나지 않음"
    return f"{'≤ ' if record['at_floor'] else ''}{record['limit_mb']:,} MB"


def memory_section(measured):
    lessons = measured.get("lessons", {})
    if not lessons:
        return "(아직 재지 않았습니다: `make memory-limits`를 실행하세요.)"
    table = [
        [
            name,
            _limit(r),
            "—" if r["seconds"] is None else f"{r['seconds']:.1f} 초",
            f"{r['unpressured_seconds']:.1f} 초",
            f"{r['peak_rss_mb']:,} MB",
        ]
        for name, r in lessons.items()
    ]
    headers = ["레슨", "끝까지 실행되는 가장 작은 한도", "그 한도에서 걸린 시간", "넉넉한 한도에서 걸린 시간"]
    rows = [tabulate(table, [*headers, "최대 RSS"], tablefmt="pipe", colalign=["left"] + ["right"] * 4)]
    dates = sorted(r["measured"] for r in lessons.values())
    rows += [
        "",
        f"측정: {dates[0]}–{dates[-1][11:]}, {measured.get('cores')}코어 Linux, "
        f"cgroup {measured.get('cgroup')}, 커밋 {measured.get('commit')} "
        "(`make memory-limits`, `docs/measurements.json`; 1 MB = 10⁶ 바이트, 25 MB 단위).",
        "",
    ]
    try:
        student = student_memory(lessons)
    except ValueError as error:
        return "\n".join([*rows, f"(학생 한 명의 메모리를 정할 수 없습니다: {error})"])
    guarantee, limit = student["guarantee"], student["limit"]
    return "\n".join(
        [
            *rows,
            f"- 가장 큰 한도: **{student['lesson_mb']:,} MB** ({student['lesson']}).",
            f"- 학생 한 명의 보장(guarantee) **{guarantee}**(M = MiB): 그 한도 + Jupyter 서버 "
            f"{SERVER_MB} MB를 {STEP_MIB} MiB 단위로 올림. 허브가 학생마다 이만큼을 "
            "떼어 두므로 반 전체가 같은 순간에 가장 무거운 레슨을 실행해도 모자라지 않습니다.",
            f"- 상한(limit) **{limit}**: 보장 + 끝내지 않은 다른 레슨의 커널 하나"
            f"(약 {SECOND_KERNEL_MB} MB). 넘으면 커널이 강제로 종료됩니다(`Kernel Restarting`).",
            "",
            "```python",
            "# jupyterhub_config.py (The Littlest JupyterHub 등)",
            "# Zero to JupyterHub: deploy/z2jh/config.yaml의 singleuser.memory",
            f'c.Spawner.mem_guarantee = "{guarantee}"',
            f'c.Spawner.mem_limit = "{limit}"',
            "```",
        ]
    )


def z2jh_section(config):
    single, cull, node = config["singleuser"], config["cull"], NODE
    kernels = next(iter(single["extraFiles"].values()))["data"]["MappingKernelManager"]
    first = class_sizing(config, CLASS_SIZES[0])
    bound = "메모리" if first["bound"] == "memory" else "CPU"
    rows = [
        f"`deploy/z2jh/config.yaml`(차트 {CHART_VERSION})의 학생 한 명: 메모리 보장 "
        f"{single['memory']['guarantee']}, 상한 {single['memory']['limit']}(M = MiB), "
        f"CPU 보장 {single['cpu']['guarantee']}, 상한 {single['cpu']['limit']}. "
        f"노드는 {node['label']}로 잡았습니다(쿠버네티스와 시스템 몫을 빼고 학생에게 메모리 "
        f"{node['memory_bytes'] / 1e9:.0f} GB, CPU {node['cpu']}개). "
        f"노드 한 대에 학생 **{first['per_node']}명**이 들어갑니다({bound} 보장이 먼저 찹니다).",
    ]
    table = []
    for students in CLASS_SIZES:
        s = class_sizing(config, students)
        table.append(
            [students, s["nodes"], s["nodes_with_placeholders"], f"{s['guaranteed_gb']:.1f} GB"]
            + [f"{s['limits_gb']:.1f} GB", students, s["placeholders_during"]]
        )
    headers = ["학생 수", "학생용 노드", "수업 중 placeholder까지", "노드당 보장 합", "노드당 상한 합"]
    headers += ["수업 전 placeholder", "수업 중 placeholder"]
    rows += ["", tabulate(table, headers, tablefmt="pipe", colalign=["right"] * 7)]
    idle, server = kernels["cull_idle_timeout"] // 60, cull["timeout"] // 60
    return "\n".join(
        [
            *rows,
            "",
            "- **placeholder**: 수업 30분쯤 전에 "
            "`kubectl scale statefulset/user-placeholder --replicas=학생 수`로 늘리면 "
            "클러스터 자동 확장이 노드를 미리 띄웁니다. 학생이 들어올 때마다 placeholder가 "
            "하나씩 밀려나고, 모두 들어온 뒤 config의 값으로 되돌리면 늦게 오는 학생의 자리가 "
            "남습니다. 이미지는 `prePuller`가 모든 노드에(새로 뜬 노드에도) 미리 받아 둡니다.",
            "- **상한의 합**이 노드의 메모리보다 큰 것은 의도한 것입니다. 상한까지 쓰는 것은 "
            "끝낸 레슨의 커널을 켜 둔 학생뿐이고 아래의 커널 정리가 그 커널을 끕니다. "
            "그래도 노드가 모자라면 보장보다 많이 쓰는 서버부터 밀려납니다.",
            f"- **정리**: 셀을 {idle}분 동안 실행하지 않은 커널은 탭이 열려 있어도 꺼지고"
            f"(다시 실행하면 1분 안에 돌아옵니다), {server}분 동안 쓰지 않은 서버는 꺼집니다"
            "(파일은 학생의 저장 공간에 남습니다).",
            "- 허브와 프록시(약 0.2 GB)는 학생용 노드 밖의 작은 노드(예: 2 vCPU, 8 GB)에 둡니다.",
        ]
    )


def class_table(rows):
    """`make hub-check`'s students (MB = 10**6 bytes of RSS) and their total (for run s: the slowest)."""
    total = {column: sum(row[column] for row in rows) for column in SUMMED}
    total |= {"student": f"total ({len(rows)})", "run s": max(row["run s"] for row in rows)}
    cells = [[row.get(column) for column in COLUMNS] for row in [*rows, total]]
    return tabulate(cells, COLUMNS, "github", floatfmt=["", *[",.0f"] * 5, ".4f"], missingval="-")


def hub_section(measured):
    """The guide's account of the last `make hub-check`: its table, ranges and culling times."""
    if not measured:
        return "(아직 재지 않았습니다: root로 `make hub-check`를 실행하세요.)"
    rows = measured["students"]

    def span(column):
        low, high = min(row[column] for row in rows), max(row[column] for row in rows)
        return f"{low:,.0f}–{high:,.0f}" if round(low) != round(high) else f"{low:,.0f}"

    return (
        f"`make hub-check`로 학생 {len(rows)}명이 동시에 `06_training`을 실행한 측정(서버 + 커널의 RSS, "
        f"1 MB = 10⁶ 바이트): {measurements.stamp_text(measured)}.\n\n{class_table(rows)}\n\n"
        f"학생 한 명의 서버와 커널은 레슨 중 최대 {span('peak MB')} MB, 레슨이 끝나고 커널을 켜 둔 채로 "
        f"{span('kernel idle MB')} MB, 커널이 컬링된 뒤 {span('after cull MB')} MB였고, 레슨 한 번에 "
        f"{span('CPU s')} CPU초를 썼습니다. 커널은 레슨이 끝나고 {measured['kernels_culled_s']}초 뒤, 서버는 "
        f"{measured['servers_culled_s']}초 뒤에 꺼졌고, 점검 전체는 {measured['seconds']}초 걸렸습니다."
    )
