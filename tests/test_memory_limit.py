"""tools/memory_limit.py and tools/memory_cgroup.py: finding the cgroup, bisecting, the goal, the file.

The measuring itself is `make memory-limits`; one test here makes a real memory cgroup where the
machine allows it (Linux, root, a memory controller) and sees a process killed at its limit.
"""

import subprocess
import sys

import memory_cgroup
import memory_limit
import pytest

V1_MOUNTS = """\
25 24 0:22 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
30 25 0:27 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
35 25 0:32 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
"""
V1_CGROUP = "4:memory:/process_api/abc\n3:cpuset:/\n0::/\n"
V2_MOUNTS = "29 23 0:26 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate\n"
# a container's cgroup namespace: the mount's root is the container's own cgroup
CONTAINER_MOUNTS = "40 30 0:30 /kubepods/pod1 /sys/fs/cgroup ro - cgroup2 cgroup2 rw\n"


@pytest.mark.parametrize(
    "mounts, cgroup, expected",
    [  # (version, hierarchy root, own folder below it); v1's memory wins over a v2 tree beside it
        (V1_MOUNTS, V1_CGROUP, (1, "/sys/fs/cgroup/memory", "process_api/abc")),
        (V2_MOUNTS, "0::/user.slice/session-3.scope\n", (2, "/sys/fs/cgroup", "user.slice/session-3.scope")),
        (CONTAINER_MOUNTS, "0::/kubepods/pod1\n", (2, "/sys/fs/cgroup", ".")),
    ],
    ids=["v1 beside v2", "v2", "v2 in a container"],
)
def test_finds_the_memory_cgroup_of_either_version(mounts, cgroup, expected):
    version, own, mount = memory_cgroup.own_memory_cgroup(mounts, cgroup)
    assert (version, mount.as_posix(), own.relative_to(mount).as_posix()) == expected


def test_no_memory_controller_is_unavailable_with_a_reason():
    without_memory = "30 25 0:27 / /sys/fs/cgroup/cpu rw - cgroup cgroup rw,cpu\n"
    with pytest.raises(memory_cgroup.Unavailable, match="no cgroup memory controller"):
        memory_cgroup.own_memory_cgroup(without_memory, "3:cpu:/\n")


def test_oom_kill_counter_of_either_version():
    v1 = "oom_kill_disable 0\nunder_oom 0\noom_kill 2\n"
    v2 = "low 0\nhigh 0\nmax 14\noom 1\noom_kill 1\noom_group_kill 0\n"
    assert memory_cgroup.read_counter(v1, "oom_kill") == 2
    assert memory_cgroup.read_counter(v2, "oom_kill") == 1
    assert memory_cgroup.read_counter("oom_kill_disable 0\n", "oom_kill") == 0


GRID = list(range(50, 1601, 25))


@pytest.mark.parametrize("needs", [50, 51, 775, 1000, 1599, 1600, 1601])
def test_bisection_finds_the_smallest_completing_limit_in_few_trials(needs):
    tried = []

    def completes(limit):
        tried.append(limit)
        return limit >= needs

    found = memory_limit.smallest_completing(GRID, completes)
    assert found == min((limit for limit in GRID if limit >= needs), default=None)
    # the top first, then ceil(log2(63)) = 6 more; none if not even the top completes
    assert tried[0] == 1600 and len(tried) <= (7 if found else 1)


def lesson(limit_mb, failure=None):
    return {"limit_mb": limit_mb, "at_floor": False, "range_mb": [50, 1600], "failure": failure}


def test_goal_is_within_1000_mb_and_says_what_missed():
    lessons = {
        "03_mnist_data.ipynb": lesson(1000),
        "06_training.ipynb": lesson(1025),
        "09_full_code.ipynb": lesson(None, failure="killed: out of memory"),
    }
    assert memory_limit.missed_goal(lessons) == [
        "06_training.ipynb needs 1,025 MB (goal: complete within 1,000 MB)",
        "09_full_code.ipynb needs none up to 1,600 MB (goal: complete within 1,000 MB); "
        "at the top of the range: killed: out of memory",
    ]


def test_saving_merges_lessons_keeps_other_sections_and_stamps_the_last_run(tmp_path):
    path = tmp_path / "measurements.json"
    path.write_text('{"other": {"kept": true}}')
    first = {"cpu": "first", "cores": 2, "load_average_at_start": [4.0, 3.0, 2.0]}
    memory_limit.save({"06_training.ipynb": lesson(900)}, {"cgroup": "v1"}, first, path)
    again = {**first, "cpu": "again"}
    memory_limit.save(
        {"07_prediction.ipynb": lesson(850), "06_training.ipynb": lesson(925)}, {"cgroup": "v2"}, again, path
    )
    saved = memory_limit.load(path)
    assert saved["lessons"] == {"06_training.ipynb": lesson(925), "07_prediction.ipynb": lesson(850)}
    assert saved["cgroup"] == "v2" and saved["cpu"] == "again" and saved["date"] and saved["commit"]
    assert '"other": {\n  "kept": true' in path.read_text()
    assert memory_limit.load(tmp_path / "missing.json") == {"lessons": {}}


def test_no_usable_cgroup_is_one_line_exit_0_and_no_file(tmp_path, monkeypatch, capsys):
    def unavailable(_top_mb):
        raise memory_cgroup.Unavailable("cannot make a cgroup under /sys/fs/cgroup (Permission denied)")

    monkeypatch.setattr(memory_limit, "usable_place", unavailable)
    output = tmp_path / "measurements.json"
    assert memory_limit.main(["--output", str(output)]) == 0
    printed = capsys.readouterr().out.strip().splitlines()
    assert len(printed) == 1 and "skipped, nothing was measured" in printed[0]
    assert "Permission denied" in printed[0] and not output.exists()


def test_a_range_off_the_step_is_refused(capsys):
    with pytest.raises(SystemExit):
        memory_limit.main(["--range", "100", "1610", "--step", "25"])
    assert "multiple of the step" in capsys.readouterr().err


def test_a_real_cgroup_kills_at_its_limit_and_leaves_nothing():
    try:
        version, parent = memory_cgroup.usable_place(200)
    except memory_cgroup.Unavailable as why:
        pytest.skip(f"no usable memory cgroup here: {why}")
    allocate = "b = bytearray(300_000_000); b[::4096] = b'x' * len(b[::4096]); print('survived')"
    # preexec_fn, as for a kernel: a process must join its cgroup before it runs
    with memory_cgroup.MemoryCgroup(parent, version, 150_000_000) as group:
        join = memory_cgroup.joiner(group.path)
        command = [sys.executable, "-c", allocate]
        greedy = subprocess.run(command, preexec_fn=join, capture_output=True, text=True, timeout=60)
        assert greedy.returncode == -9 and "survived" not in greedy.stdout
        assert group.oom_kills() == 1
        sleeper = subprocess.Popen(["sleep", "600"], preexec_fn=join)
        assert group.pids() == [sleeper.pid]
    assert sleeper.wait(timeout=10) == -9  # removing the cgroup killed what was left in it
    assert not group.path.exists()
