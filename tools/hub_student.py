"""One student at a JupyterHub, as their browser and JupyterLab drive it (`make hub-check`): login
form, own token, server, nbgitpuller link, kernels through the hub's proxy; their numbers, a row of
hub_sizing's class table.
"""

import contextlib
import json
import pwd
import time
from pathlib import Path
from urllib.parse import urlencode

import nbformat
import psutil
import requests
from compat import printed_accuracy
from process_memory import MB, PeakRSS

HOMES = Path(__file__).resolve().parent.parent / "build" / "hub" / "home"
REPO_NAME, BRANCH, LESSON = "deep-learning-architecture", "main", "notebooks/06_training.ipynb"


def tree_mb(pid):
    """The RSS of a process and its children now."""
    (sampler := PeakRSS(pid)).sample()
    return sampler.peak / MB


def wait_for(condition, timeout, what):
    """Poll ``condition`` every second; a server that refuses connections is not ready yet."""
    deadline = time.monotonic() + timeout
    while True:
        with contextlib.suppress(requests.ConnectionError):
            if condition():
                return
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} did not happen in {timeout} s")
        time.sleep(1)


def last_event(stream):
    """The last event of a server-sent event stream (spawn progress, nbgitpuller's pull)."""
    events = [json.loads(line[5:]) for line in stream.splitlines() if line.startswith("data:")]
    return events[-1] if events else {"no event in": stream[:200]}


def expect(reply, *status):
    if reply.status_code not in status:
        raise RuntimeError(f"HTTP {reply.status_code} from {reply.url}: {reply.text[:200]}")
    return reply


class Student:
    def __init__(self, hub, name):
        self.hub, self.name, self.web, self.row = hub, name, requests.Session(), {"student": name}
        self.base, self.home = f"{hub.url}/user/{name}", HOMES / name
        self.lesson = f"/user/{name}/api/contents/{REPO_NAME}/{LESSON}"

    def api(self, method, path, timeout=60, **kwargs):
        return requests.request(method, self.hub.url + path, headers=self.auth, timeout=timeout, **kwargs)

    def start(self):
        """Log in with the form, make a token, start the server and find its process."""
        hub = f"{self.hub.url}/hub"
        self.web.get(f"{hub}/login", timeout=60)  # sets the _xsrf cookie a form sends back
        form = {"username": self.name, "password": self.hub.password, "_xsrf": self.web.cookies["_xsrf"]}
        expect(self.web.post(f"{hub}/login", data=form, allow_redirects=False, timeout=60), 302)
        xsrf = {"X-XSRFToken": self.web.cookies["_xsrf"]}  # a new one: logging in changed it
        token = self.web.post(f"{hub}/api/users/{self.name}/tokens", json={}, headers=xsrf, timeout=60)
        self.token = expect(token, 201).json()["token"]
        self.auth = {"Authorization": f"token {self.token}"}
        expect(self.api("POST", f"/hub/api/users/{self.name}/server"), 201, 202)
        progress = self.api("GET", f"/hub/api/users/{self.name}/server/progress", timeout=300)
        if not (event := last_event(expect(progress, 200).text)).get("ready"):
            raise RuntimeError(f"{self.name}'s server did not start: {event}")
        # The spawner tells the server whose it is; which Unix user runs it is checked, not assumed.
        self.pid = next(
            p.pid
            for p in psutil.process_iter(["environ", "cmdline"])
            if (p.info["environ"] or {}).get("JUPYTERHUB_USER") == self.name
            and "jupyterhub-singleuser" in " ".join(p.info["cmdline"] or [])
        )
        if psutil.Process(self.pid).uids().real != pwd.getpwnam(self.name).pw_uid:
            raise RuntimeError(f"{self.name}'s server does not run as {self.name}")

    def pull(self):
        """The nbgitpuller link as a browser opens it, then the pull its page starts."""
        expect(self.web.get(self.hub.link, timeout=120), 200)
        query = urlencode({"repo": self.hub.remote, "branch": BRANCH})
        stream = expect(self.web.get(f"{self.base}/git-pull/api?{query}", timeout=600), 200).text
        if (event := last_event(stream)).get("phase") != "finished":
            raise RuntimeError(f"{self.name}'s pull did not finish: {event}")

    def notebook(self):
        return nbformat.from_dict(expect(self.api("GET", self.lesson), 200).json()["content"])

    def kernels(self):
        """The server's live kernels: one that ended is not, also before the server reaps it (a zombie)."""
        found = []
        for child in psutil.Process(self.pid).children():
            with contextlib.suppress(psutil.NoSuchProcess):  # ZombieProcess is one
                found += [child] if "ipykernel" in " ".join(child.cmdline()) else []
        return found

    def run_lesson(self):
        """Every code cell of the student's copy of the lesson in a new kernel, left idle and
        unconnected as after closing the tab; its check cells judge the training."""
        from jupyter_kernel_client import JupyterKernelClient  # the hub's environment has it (noxfile.py)

        sources = [c.source for c in self.notebook().cells if c.cell_type == "code"]
        sampler, start, stdout = PeakRSS(self.pid, interval=0.1), time.perf_counter(), []
        sampler.start()
        # Started by the server's API, as JupyterLab starts one: a client that did not start a kernel
        # never shuts it down (a client that did would, when garbage-collected, before the culler).
        new = {"name": "python3", "path": f"{REPO_NAME}/notebooks"}
        kernel_id = expect(self.api("POST", f"/user/{self.name}/api/kernels", json=new), 201).json()["id"]
        # The token in a header: a single-user server takes one in the URL only from browsers.
        kernel = JupyterKernelClient(
            server_url=self.base, token=self.token, headers=self.auth, kernel_id=kernel_id
        )
        kernel.start()
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
            kernel.stop()
            self.row["peak MB"] = sampler.stop() / MB
        self.row |= {
            "kernel idle MB": tree_mb(self.pid),
            "run s": time.perf_counter() - start,
            "CPU s": sum(sum(k.cpu_times()[:2]) for k in self.kernels()),
            "test accuracy": printed_accuracy("".join(stdout)),
        }
