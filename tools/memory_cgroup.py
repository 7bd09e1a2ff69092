"""Memory cgroups, as a hub limits a student's memory: find this process's, make one with a limit.

Used by tools/memory_limit.py (`make memory-limits`). Both cgroup versions: v1 (a ``memory``
hierarchy, memory.limit_in_bytes) and v2 (the unified tree, memory.max). A cgroup made here is a
child of this process's own cgroup (on v2, where that one holds processes itself, of the tree's
root), limits memory and swap together, as Kubernetes nodes run without swap, and is removed with
everything left in it.
"""

import contextlib
import os
import signal
import sys
import time
from pathlib import Path

from process_memory import MB

FILES = {  # what each cgroup version calls the files used here
    1: {
        "limit": "memory.limit_in_bytes",
        "swap": "memory.memsw.limit_in_bytes",
        "events": "memory.oom_control",
        "peak": "memory.max_usage_in_bytes",
    },
    2: {"limit": "memory.max", "swap": "memory.swap.max", "events": "memory.events", "peak": "memory.peak"},
}


class Unavailable(Exception):
    """This machine offers no memory cgroup this process can use; the message says why."""


def own_memory_cgroup(mountinfo, proc_cgroup):
    """``(version, own folder, hierarchy root)`` of this process's memory cgroup.

    ``mountinfo`` and ``proc_cgroup`` are the texts of /proc/self/mountinfo and /proc/self/cgroup.
    A v1 memory hierarchy is preferred where both exist (hybrid machines mount a v2 tree without
    the memory controller beside it).
    """
    mounts = {}
    for line in mountinfo.splitlines():
        if " - " not in line:
            continue
        head, tail = line.split(" - ", 1)
        (fstype, *rest), (mount_root, mount_point) = tail.split(), head.split()[3:5]
        options = rest[1].split(",") if len(rest) > 1 else []
        if fstype == "cgroup" and "memory" in options:
            mounts[1] = (mount_root, Path(mount_point))
        elif fstype == "cgroup2":
            mounts[2] = (mount_root, Path(mount_point))
    for line in proc_cgroup.splitlines():
        _, controllers, path = line.split(":", 2)
        version = 1 if "memory" in controllers.split(",") else 2 if controllers == "" else None
        if version in mounts and (version == 1 or 1 not in mounts):
            mount_root, mount_point = mounts[version]
            relative = path.removeprefix(mount_root)
            return version, mount_point / relative.strip("/"), mount_point
    raise Unavailable("no cgroup memory controller is mounted (see /proc/self/mountinfo)")


def read_counter(text, name):
    """The value of ``name`` in a cgroup's ``key value`` lines (memory.oom_control, memory.events)."""
    for line in text.splitlines():
        key, _, value = line.partition(" ")
        if key == name:
            return int(value)
    return 0


def joiner(cgroup):
    """A ``preexec_fn`` that moves the starting process (a kernel, before it runs) into ``cgroup``."""
    procs = os.fsencode(Path(cgroup) / "cgroup.procs")

    def join():  # raw system calls only: this runs between fork and exec
        fd = os.open(procs, os.O_WRONLY)
        try:
            os.write(fd, b"0")  # 0: the writing process itself
        finally:
            os.close(fd)

    return join


class MemoryCgroup:
    """A memory cgroup made for one trial: created with its limit, emptied and removed on exit."""

    def __init__(self, parent, version, limit_bytes):
        self.version, self.files, self.limit = version, FILES[version], int(limit_bytes)
        self.path = Path(parent) / f"dl-architecture-limit-{os.getpid()}-{time.monotonic_ns()}"

    def __enter__(self):
        if self.version == 2:
            control = self.path.parent / "cgroup.subtree_control"
            if "memory" not in control.read_text().split():
                control.write_text("+memory")  # refused where the parent holds processes itself
        self.path.mkdir()
        try:
            self._write("limit", self.limit)
            if (self.path / self.files["swap"]).exists():  # memory + swap: no swap beyond the limit
                self._write("swap", self.limit if self.version == 1 else 0)
        except BaseException:
            self.remove()
            raise
        return self

    def __exit__(self, *_):
        self.remove()

    def _write(self, key, value):
        (self.path / self.files[key]).write_text(f"{value}\n")

    def pids(self):
        with contextlib.suppress(FileNotFoundError):
            return [int(pid) for pid in (self.path / "cgroup.procs").read_text().split()]
        return []

    def oom_kills(self):
        return read_counter((self.path / self.files["events"]).read_text(), "oom_kill")

    def peak_bytes(self):
        """The most memory the cgroup held (None where the kernel does not say: v2 before Linux 5.19)."""
        peak = self.path / self.files["peak"]
        return int(peak.read_text()) if peak.exists() else None

    def kill(self):
        for pid in self.pids():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)

    def remove(self):
        """Kill whatever is left in the cgroup, then remove it (waiting for the processes to go)."""
        deadline = time.monotonic() + 20
        while True:
            self.kill()
            try:
                self.path.rmdir()
                return
            except FileNotFoundError:
                return
            except OSError:  # busy until the killed processes have exited
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)


def usable_place(top_mb):
    """``(version, parent)``: where trial cgroups go, checked by making and removing one.

    Raises Unavailable with the reason when there is no such place.
    """
    if sys.platform != "linux":
        raise Unavailable(f"memory cgroups are a Linux feature, this is {sys.platform}")
    try:
        version, own, mount = own_memory_cgroup(
            Path("/proc/self/mountinfo").read_text(), Path("/proc/self/cgroup").read_text()
        )
    except OSError as error:
        raise Unavailable(f"cannot read this process's cgroups ({error})") from error
    reasons = []
    for parent in dict.fromkeys([own, mount]):  # on v2 only the root may hold processes and children
        try:
            own_limit = parent / FILES[version]["limit"]  # a v2 root has none: unlimited
            limit = own_limit.read_text().strip() if own_limit.exists() else "max"
            if limit != "max" and int(limit) < top_mb * MB:
                reasons.append(f"{parent} is itself limited to {int(limit) / MB:,.0f} MB, below the range")
                continue
            with MemoryCgroup(parent, version, 100 * MB) as probe:
                if int((probe.path / FILES[version]["limit"]).read_text()) > 101 * MB:
                    reasons.append(f"{parent}: the limit did not take")
                    continue
            return version, parent
        except OSError as error:
            reasons.append(f"cannot make a cgroup under {parent} ({error.strerror or error})")
    raise Unavailable(f"cgroup v{version}: " + "; ".join(reasons))
