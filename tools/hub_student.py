"""One student at a JupyterHub, as their browser and JupyterLab drive it (`make hub-check`).

The login form, a token of their own, a server, the course's nbgitpuller link, the lesson through
the server's contents API, and kernels through the hub's proxy with jupyter-kernel-client.
"""

import json
import pwd
import time
from pathlib import Path
from urllib.parse import urlencode

import nbformat
import psutil
import requests
from budget import MB, PeakRSS
from compat import printed_accuracy

HOMES = Path(__file__).resolve().parent.parent / "build" / "hub" / "home"
REPO_NAME, BRANCH, LESSON = "deep-learning-architecture", "main", "notebooks/06_training.ipynb"
ACCURACY_BAND = (0.965, 0.985)  # what 06's check cell asserts: trained numbers differ between CPUs


def tree_mb(pid):
    sampler = PeakRSS(pid)  # the course's sampler of a process tree, read once
    sampler.sample()
    return sampler.peak / MB


def wait_for(condition, timeout, what):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} did not happen in {timeout:.0f} s")
        time.sleep(1)


def expect(reply, *status):
    if reply.status_code not in status:
        raise RuntimeError(f"HTTP {reply.status_code} from {reply.url}: {reply.text[:200]}")
    return reply


class Student:
    """One student: a browser session (cookies), an API token of their own, a server."""

    def __init__(self, hub, name):
        self.hub, self.name, self.web, self.row = hub, name, requests.Session(), {"student": name}
        self.base, self.home = f"{hub.url}/user/{name}", HOMES / name
        self.lesson = f"/user/{name}/api/contents/{REPO_NAME}/{LESSON}"

    def api(self, method, path, **kwargs):
        return requests.request(
            method,
            self.hub.url + path,
            timeout=60,
            **kwargs,
            headers={"Authorization": f"token {self.token}"},
        )

    def start(self):
        """The login form, as a browser fills it in; a token, as the hub's token page gives; a server."""
        self.web.get(self.hub.url + "/hub/login", timeout=60)
        expect(
            self.web.post(
                self.hub.url + "/hub/login",
                allow_redirects=False,
                timeout=60,
                data={
                    "username": self.name,
                    "password": self.hub.password,
                    "_xsrf": self.web.cookies["_xsrf"],
                },
            ),
            302,
        )
        self.token = expect(
            self.web.post(
                f"{self.hub.url}/hub/api/users/{self.name}/tokens",
                json={},
                timeout=60,
                headers={"X-XSRFToken": self.web.cookies["_xsrf"]},
            ),
            201,
        ).json()["token"]
        expect(self.api("POST", f"/hub/api/users/{self.name}/server"), 201, 202)
        wait_for(
            lambda: (self.api("GET", f"/hub/api/users/{self.name}").json()["servers"].get("") or {}).get(
                "ready"
            ),
            300,
            f"{self.name}'s server start",
        )
        self.uid = pwd.getpwnam(self.name).pw_uid
        self.pid = next(
            p.pid
            for p in psutil.process_iter(["uids", "cmdline"])
            if p.info["uids"].real == self.uid
            and "jupyterhub-singleuser" in " ".join(p.info["cmdline"] or [])
        )

    def pull(self):
        """Open the nbgitpuller link as a browser does, then the pull its page starts (an event stream)."""
        expect(self.web.get(self.hub.link, timeout=120), 200)
        query = urlencode({"repo": self.hub.remote, "branch": BRANCH})
        stream = expect(self.web.get(f"{self.base}/git-pull/api?{query}", timeout=600), 200).text
        events = [json.loads(line[5:]) for line in stream.splitlines() if line.startswith("data:")]
        if not events or events[-1].get("phase") != "finished":
            raise RuntimeError(f"{self.name}'s pull did not finish: {(events or [stream[:200]])[-1]}")

    def notebook(self):
        return nbformat.from_dict(expect(self.api("GET", self.lesson), 200).json()["content"])

    def run_cells(self, sources):
        """Run ``sources`` in a new kernel of this student's server, through the hub's proxy; stdout.
        The kernel stays, idle and with no connection, as after closing the tab."""
        from jupyter_kernel_client import JupyterKernelClient  # the hub's environment has it (noxfile.py)

        # The token in a header: a single-user server takes one in the URL only from browsers.
        kernel = JupyterKernelClient(
            server_url=self.base, token=self.token, headers={"Authorization": f"token {self.token}"}
        )
        kernel.start(path=f"{REPO_NAME}/notebooks")
        stdout = []
        try:
            for number, source in enumerate(sources, 1):
                reply = kernel.execute(source, timeout=900)
                stdout += [out["text"] for out in reply["outputs"] if out.get("name") == "stdout"]
                if reply["status"] != "ok":  # the error is the cell's last output
                    error = (reply["outputs"] or [{}])[-1]
                    raise RuntimeError(
                        f"{self.name}, cell {number}: {error.get('ename')}: {error.get('evalue')}"
                    )
        finally:
            kernel.stop(shutdown_kernel=False)
        return "".join(stdout)

    def kernels(self):
        return [p for p in psutil.Process(self.pid).children() if "ipykernel" in " ".join(p.cmdline())]

    def run_lesson(self):
        """Every code cell of the student's copy of the lesson, memory sampled by the course's sampler."""
        sampler, start = PeakRSS(self.pid, interval=0.1), time.perf_counter()
        sampler.start()
        try:
            stdout = self.run_cells([c.source for c in self.notebook().cells if c.cell_type == "code"])
        finally:
            self.row["peak MB"] = sampler.stop() / MB
        self.row.update(
            {
                "kernel idle MB": tree_mb(self.pid),
                "run s": time.perf_counter() - start,
                "CPU s": sum(sum(k.cpu_times()[:2]) for k in self.kernels()),
                "test accuracy": printed_accuracy(stdout),
            }
        )
        low, high = ACCURACY_BAND
        if not low <= (self.row["test accuracy"] or 0) <= high:
            raise RuntimeError(f"{self.name}: test accuracy {self.row['test accuracy']}, not {low}-{high}")
