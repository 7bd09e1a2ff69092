"""The memory of a process tree, measured the one way the course's tools measure it.

``PeakRSS`` samples the resident memory (RSS) of a process and all its children (a kernel, a
student's server) and keeps the peak; ``drop_page_cache`` makes libraries load as on a cold start.
Used by `make budget`, `make memory-limits` and `make hub-check`. 1 MB = 10**6 bytes throughout.
"""

import contextlib
import os
import threading
from pathlib import Path

import psutil

MB = 1_000_000


class PeakRSS(threading.Thread):
    """Sample the RSS of a process and all its children every ``interval`` seconds; keep the max."""

    def __init__(self, pid, interval=0.02):
        super().__init__(daemon=True)
        self.interval, self.peak = interval, 0
        self._process = psutil.Process(pid)
        self._stopped = threading.Event()

    def sample(self):
        total = 0
        try:
            processes = [self._process, *self._process.children(recursive=True)]
        except psutil.NoSuchProcess:
            return
        for process in processes:
            with contextlib.suppress(psutil.NoSuchProcess):  # it ended between the two calls
                total += process.memory_info().rss
        self.peak = max(self.peak, total)

    def run(self):
        while not self._stopped.wait(self.interval):
            self.sample()

    def stop(self):
        """Stop sampling after one last sample; return the peak in bytes."""
        self._stopped.set()
        self.join()
        self.sample()
        return self.peak


def drop_page_cache():
    """Empty the kernel's page cache (Linux, as root) so shared libraries load as on a cold start.

    RSS counts the pages of TensorFlow's libraries a process maps. Right after `pip install` wrote
    them they sit in the page cache in large blocks, and a kernel maps about 110 MB more than from
    a cold cache, which is what a new Binder session starts from. Without this the memory goal
    would depend on what the machine did just before. Returns False where it is not allowed.
    """
    try:
        os.sync()
        Path("/proc/sys/vm/drop_caches").write_text("3\n", encoding="ascii")
    except OSError:
        return False
    return True
