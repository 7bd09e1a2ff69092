"""The memory of a process tree, as `make budget`, `make memory-limits`, `make compat` and `make hub-check`
measure it (a notebook's kernel: execute_notebooks.run_measured).

1 MB = 10**6 bytes throughout.
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
        """The peak in bytes, after one last sample."""
        self._stopped.set()
        self.join()
        self.sample()
        return self.peak


def drop_page_cache():
    """Empty the page cache (Linux, as root; else False): right after `pip install` a kernel maps about
    110 MB more of TensorFlow's libraries than from the cold cache a new Binder session starts from."""
    try:
        os.sync()
        Path("/proc/sys/vm/drop_caches").write_text("3\n", encoding="ascii")
    except OSError:
        return False
    return True
