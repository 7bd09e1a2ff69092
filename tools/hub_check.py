"""A class on a real JupyterHub on this machine (`make hub-check`).

1. Installs what is missing: configurable-http-proxy from npm (build/hub/node) and the single-user
   environment build/hub-venv = requirements.lock + the course's helpers + JupyterHub and
   nbgitpuller (reused while those pins are unchanged: the stamp's name carries their digest).
2. Publishes the course: a bare git repository build/hub/remote/deep-learning-architecture gets
   this checkout's HEAD as branch main; it stands in for the public repository.
3. Starts JupyterHub on 127.0.0.1 (tools/hub_check_config.py; ports chosen free at run time) with
   a shared-password login for the listed students only and one local server per student, each in
   its own home build/hub/home/NAME.
4. Checks that nothing is reachable without logging in, then logs every student in through the
   login form; each opens the course's nbgitpuller link, which pulls the course into their home.
5. Every student runs notebooks/06_training.ipynb at the same time through the hub's proxy (the
   single-user server's REST API and kernel websocket, with the student's own token) and must get
   a test accuracy in 0.970-0.985. Peak memory per student (server + kernel processes) and of the
   whole machine is sampled meanwhile (RSS, 1 MB = 10**6 bytes as in make budget); a table is printed.
6. Nothing of a student's is lost: the first student edits the lesson (a new cell, a changed
   exercise answer), the course gets a new commit (a changed title line, and the same exercise
   line changed too), the student opens the link again: the update arrives, the new cell is
   there, on the line both changed the student's version is kept, and a file the student deleted
   is back.
7. Students are separated: one student's token and cookies cannot open another's server or files.
8. Stops everything and checks that no process of the run is left, also when a step fails.

    python tools/hub_check.py                  # three students (make hub-check)
    python tools/hub_check.py --students 5
    python tools/hub_check.py --fail-at login  # prove a failed step still leaves no process behind
"""

import argparse
import atexit
import contextlib
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlencode

import nbformat
import psutil
import requests
import websocket

sys.path.insert(0, str(Path(__file__).resolve().parent))
from binder_check import build_venv, run, venv_environment  # noqa: E402
from compat import printed_accuracy  # noqa: E402
from helpers.environment import TF_ENV  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / "build"
HUB = BUILD / "hub"
VENV = BUILD / "hub-venv"
CONFIG = ROOT / "tools" / "hub_check_config.py"
# What a single-user server needs on top of the student's environment, pinned like the lock.
HUB_PACKAGES = ("jupyterhub==6.1.1", "nbgitpuller==1.3.0")
PROXY_PACKAGE = "configurable-http-proxy@5.3.0"
PROXY = HUB / "node" / "node_modules" / ".bin" / "configurable-http-proxy"
REPO_NAME = "deep-learning-architecture"
BRANCH = "main"
LESSON = "notebooks/06_training.ipynb"
ACCURACY_BAND = (0.970, 0.985)
STEPS = ("install", "start hub", "no login", "login", "pull course", "run lesson", "keep edits",
         "separation", "shut down")
# Every process of a run carries this variable (value: the run's id): that is how the check finds
# what it must stop, including servers the hub started in sessions of their own.
MARK = "HUB_CHECK_RUN"
CELL_TIMEOUT = 900


class StepFailed(Exception):
    """A step of the check went wrong: which step, for which student, and what happened."""

    def __init__(self, step, message, student=None):
        super().__init__(message)
        self.step, self.student = step, student

    def __str__(self):
        who = f" for {self.student}" if self.student else ""
        return f"step '{self.step}'{who}: {self.args[0]}"


@contextlib.contextmanager
def step(name, student=None, fail_at=None):
    """Turn any error inside into a StepFailed naming this step (and student)."""
    if fail_at == name:
        raise StepFailed(name, "failing on purpose (--fail-at)", student)
    try:
        yield
    except StepFailed:
        raise
    except Exception as error:  # noqa: BLE001 (every failure is reported with its step)
        raise StepFailed(name, f"{type(error).__name__}: {error}", student) from error


def say(message):
    print(f"hub-check: {message}", flush=True)


# ---------------------------------------------------------------- pure parts (tests/test_hub_check.py)

def student_names(count):
    """The students of a run: student1, student2, ..."""
    if count < 1:
        raise ValueError(f"a class needs at least one student, not {count}")
    return [f"student{i}" for i in range(1, count + 1)]


def repo_folder(repo):
    """The folder nbgitpuller pulls ``repo`` into (its default targetpath): the URL's last part."""
    return repo.rstrip("/").split("/")[-1]


def git_pull_link(repo, branch, urlpath):
    """The hub-relative nbgitpuller link a teacher hands out: log in, pull, then open ``urlpath``."""
    return "/hub/user-redirect/git-pull?" + urlencode({"repo": repo, "branch": branch,
                                                       "urlpath": urlpath})


def lesson_urlpath(repo, lesson=LESSON):
    """Where the link lands after the pull: the lesson open in JupyterLab."""
    return f"lab/tree/{repo_folder(repo)}/{lesson}"


def format_table(results, machine):
    """The measured table: one row per student, a total row, then the machine's memory.

    ``results`` holds dicts with student, idle_mb (server before the lesson), peak_mb (server and
    kernel during it), after_mb (both after it, kernel still open), cpu_s, run_s, accuracy;
    ``machine`` has baseline_mb and peak_mb (memory used by the whole machine) and hub_mb (the
    hub and its proxy).
    """
    head = ("student", "idle MB", "peak MB", "after MB", "CPU s", "run s", "test accuracy")
    mb = ("idle_mb", "peak_mb", "after_mb")
    rows = [(r["student"], *(f"{r[k]:,.0f}" for k in mb), f"{r['cpu_s']:.0f}", f"{r['run_s']:.0f}",
             f"{r['accuracy']:.4f}" if r["accuracy"] is not None else "-")
            for r in results]
    rows.append((f"total ({len(results)})", *(f"{sum(r[k] for r in results):,.0f}" for k in mb),
                 f"{sum(r['cpu_s'] for r in results):.0f}",
                 f"{max((r['run_s'] for r in results), default=0):.0f} (wall)", ""))
    widths = [max(len(row[i]) for row in [head, *rows]) for i in range(len(head))]
    line = lambda row: "| " + " | ".join(  # noqa: E731
        cell.ljust(w) if i == 0 else cell.rjust(w) for i, (cell, w) in enumerate(zip(row, widths))) + " |"
    rule = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    grown = machine["peak_mb"] - machine["baseline_mb"]
    return "\n".join([line(head), rule, *map(line, rows), "",
                      f"whole machine: {machine['baseline_mb']:,.0f} MB used before the hub started, "
                      f"{machine['peak_mb']:,.0f} MB at the peak (+{grown:,.0f} MB); "
                      f"the hub and its proxy: {machine['hub_mb']:,.0f} MB"])


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on now (others run servers here too)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def tree(process):
    """``process`` and all its descendants that are still alive."""
    try:
        return [process, *process.children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


def tree_usage(process):
    """(RSS in MB, CPU seconds) of ``process`` and its descendants."""
    rss = cpu = 0.0
    for member in tree(process):
        with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
            rss += member.memory_info().rss
            times = member.cpu_times()
            cpu += times.user + times.system
    return rss / 1e6, cpu


def marked_processes(run_id):
    """Every live process whose environment carries this run's mark."""
    found = []
    for process in psutil.process_iter():
        with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            if process.pid != os.getpid() and process.environ().get(MARK) == run_id:
                found.append(process)
    return found


def stop_processes(processes, timeout=10):
    """SIGTERM, then SIGKILL what is still there after ``timeout`` s; return those killed."""
    for process in processes:
        with contextlib.suppress(psutil.NoSuchProcess):
            process.terminate()
    _, alive = psutil.wait_procs(processes, timeout=timeout)
    for process in alive:
        with contextlib.suppress(psutil.NoSuchProcess):
            process.kill()
    psutil.wait_procs(alive, timeout=timeout)
    return alive


def clean_up(run_id, hub=None):
    """Stop the hub (it stops the servers and the proxy), then every process left with the mark.

    Returns the processes that are still alive afterwards: an empty list is the goal.
    """
    if hub is not None and hub.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(hub.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            hub.wait(timeout=30)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(hub.pid, signal.SIGKILL)
        hub.wait()
    stop_processes(marked_processes(run_id))
    return [p for p in marked_processes(run_id) if p.is_running()]


def run_with_cleanup(body, run_id, hub_holder):
    """Run ``body()``; whatever happens, stop every process of the run. Returns what is left."""
    try:
        body()
    finally:
        left = clean_up(run_id, hub_holder.get("hub"))
        if left:
            say(f"{len(left)} process(es) of this run would not stop: "
                + ", ".join(f"{p.pid} {' '.join(p.cmdline()[:2])}" for p in left))
    return left


# ---------------------------------------------------------------- installing

def ensure_proxy():
    """configurable-http-proxy from npm, into build/hub/node, when it is not there yet."""
    if PROXY.exists():
        return
    if shutil.which("npm") is None:
        raise RuntimeError("npm is not on PATH: install Node.js (20 or newer) to get "
                           "configurable-http-proxy, JupyterHub's proxy")
    run(["npm", "install", "--prefix", str(HUB / "node"), "--no-audit", "--no-fund", "--loglevel=error",
         PROXY_PACKAGE])


def hub_requirements():
    """The single-user environment: the student's pins, the course, and the hub's packages."""
    return [f"-r {ROOT / 'requirements.lock'}", f"-e {ROOT}", *HUB_PACKAGES]


def ensure_venv():
    """build/hub-venv, rebuilt only when requirements.lock, pyproject.toml or HUB_PACKAGES change."""
    key = (ROOT / "requirements.lock").read_bytes() + (ROOT / "pyproject.toml").read_bytes() \
        + repr(HUB_PACKAGES).encode()
    start = time.perf_counter()
    if build_venv(VENV, hub_requirements(), key):
        say(f"built {VENV.relative_to(ROOT)} in {time.perf_counter() - start:.0f} s")
    else:
        say(f"reusing {VENV.relative_to(ROOT)} (pins unchanged)")


def git(*args, cwd=None):
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout


def publish_course(remote):
    """A bare repository with this checkout's HEAD as branch main (the 'public' course)."""
    git("init", "--quiet", "--bare", f"--initial-branch={BRANCH}", str(remote))
    git("push", "--quiet", str(remote), f"HEAD:refs/heads/{BRANCH}", cwd=ROOT)


# ---------------------------------------------------------------- the hub and its students

class Hub:
    """One running JupyterHub: its URL, the run's settings, and HTTP helpers."""

    def __init__(self, run_id, students, mnist):
        self.run_id, self.students = run_id, students
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.password = secrets.token_urlsafe(12)
        self.state, self.homes, self.remote = HUB / "state", HUB / "home", HUB / "remote" / REPO_NAME
        self.log = HUB / "jupyterhub.log"
        # What the servers (and their kernels) get: the single-user environment on PATH, the mark,
        # the course's TensorFlow settings (kernels set them too) and MNIST_NPZ.
        server_env = {k: v for k, v in venv_environment(VENV).items()
                      if k in ("PATH", "VIRTUAL_ENV", "PYTHONNOUSERSITE", "LANG", "LC_ALL")}
        server_env.update({MARK: run_id, **TF_ENV})
        if mnist:
            server_env["MNIST_NPZ"] = mnist
        self.env = {**venv_environment(VENV), MARK: run_id,
                    "HUB_CHECK_PORT": str(self.port), "HUB_CHECK_HUB_PORT": str(free_port()),
                    "HUB_CHECK_PROXY_API_PORT": str(free_port()), "HUB_CHECK_CHP": str(PROXY),
                    "HUB_CHECK_PROXY_TOKEN": secrets.token_hex(16), "HUB_CHECK_STATE": str(self.state),
                    "HUB_CHECK_PASSWORD": self.password, "HUB_CHECK_STUDENTS": json.dumps(students),
                    "HUB_CHECK_HOMES": str(self.homes),
                    "HUB_CHECK_SINGLEUSER": str(VENV / "bin" / "jupyterhub-singleuser"),
                    "HUB_CHECK_SERVER_ENV": json.dumps(server_env)}

    def start(self):
        self.state.mkdir(parents=True)
        self.homes.mkdir(parents=True)
        with open(self.log, "w", encoding="utf-8") as log:
            process = subprocess.Popen([str(VENV / "bin" / "jupyterhub"), "-f", str(CONFIG)],
                                       cwd=self.state, env=self.env, stdout=log,
                                       stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"jupyterhub exited with {process.returncode}:\n{self.log_tail()}")
            with contextlib.suppress(requests.ConnectionError):
                if requests.get(self.url + "/hub/api", timeout=5).status_code == 200:
                    return process
            time.sleep(1)
        raise RuntimeError(f"jupyterhub did not answer on {self.url} in 180 s:\n{self.log_tail()}")

    def log_tail(self, lines=25):
        text = self.log.read_text(encoding="utf-8", errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def link(self):
        return git_pull_link(str(self.remote), BRANCH, lesson_urlpath(str(self.remote)))


class Student:
    """One student's browser session (cookies) and API token on the hub."""

    def __init__(self, hub, name):
        self.hub, self.name = hub, name
        self.web = requests.Session()
        self.token = self.server = None
        self.result = {"student": name, "idle_mb": 0.0, "peak_mb": 0.0, "after_mb": 0.0, "cpu_s": 0.0,
                       "run_s": 0.0, "accuracy": None}

    @property
    def base(self):
        return f"{self.hub.url}/user/{self.name}"

    def api(self, method, path, **kwargs):
        """A request with this student's token; ``path`` starts at the hub's URL."""
        kwargs.setdefault("timeout", 60)
        headers = {"Authorization": f"token {self.token}", **kwargs.pop("headers", {})}
        return requests.request(method, self.hub.url + path, headers=headers, **kwargs)

    def log_in(self, password):
        """The login form, as a browser fills it in; returns the final response."""
        self.web.get(self.hub.url + "/hub/login", timeout=60)
        return self.web.post(self.hub.url + "/hub/login", allow_redirects=False, timeout=60,
                             data={"username": self.name, "password": password,
                                   "_xsrf": self.web.cookies.get("_xsrf", "")})

    def make_token(self):
        """A token of the student's own, asked for with the login cookie (like the hub's token page)."""
        reply = self.web.post(f"{self.hub.url}/hub/api/users/{self.name}/tokens", timeout=60,
                              json={"note": "hub-check", "expires_in": 3600},
                              headers={"X-XSRFToken": self.web.cookies.get("_xsrf", "")})
        expect(reply, 201, "ask for an API token")
        self.token = reply.json()["token"]

    def start_server(self, timeout=300):
        expect(self.api("POST", f"/hub/api/users/{self.name}/server"), (201, 202), "start the server")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            time.sleep(1)
            server = self.api("GET", f"/hub/api/users/{self.name}").json()["servers"].get("")
            if server is None:  # the hub gave up on it
                raise RuntimeError(f"the server did not start; the hub's log ends:\n{self.hub.log_tail()}")
            if server.get("ready"):
                return
        raise RuntimeError(f"the server was not ready in {timeout} s")

    def open_link(self):
        """Open the nbgitpuller link like a browser, then run the pull its page starts."""
        page = self.web.get(self.hub.url + self.hub.link(), timeout=120)
        expect(page, 200, "open the nbgitpuller link")
        if not page.url.startswith(f"{self.base}/git-pull?") or "nbgitpuller" not in page.text:
            raise RuntimeError(f"the link ended at {page.url}, not at this student's git-pull page")
        # The page's script reads this event stream; the pull happens while it is read.
        query = urlencode({"repo": str(self.hub.remote), "branch": BRANCH})
        events = []
        with self.web.get(f"{self.base}/git-pull/api?{query}", stream=True, timeout=(30, 600)) as stream:
            expect(stream, 200, "start the pull")
            for line in stream.iter_lines(decode_unicode=True):
                if line and line.startswith("data:"):
                    event = json.loads(line[5:])
                    events.append(event.get("output", "").rstrip())
                    if event.get("phase") == "error":
                        raise RuntimeError(f"nbgitpuller: {event.get('message')}")
                    if event.get("phase") == "finished":
                        return [e for e in events if e]
        raise RuntimeError("nbgitpuller's event stream ended before 'finished'")

    def notebook_path(self, lesson=LESSON):
        return f"{REPO_NAME}/{lesson}"

    def read_notebook(self):
        reply = self.api("GET", f"/user/{self.name}/api/contents/{self.notebook_path()}")
        expect(reply, 200, "read the lesson")
        return nbformat.from_dict(reply.json()["content"])

    def save_notebook(self, nb):
        reply = self.api("PUT", f"/user/{self.name}/api/contents/{self.notebook_path()}",
                         json={"type": "notebook", "format": "json", "content": nb})
        expect(reply, 200, "save the lesson")

    def run_lesson(self):
        """Every code cell of the lesson in a new kernel, through the hub's proxy; stdout text."""
        nb = self.read_notebook()
        reply = self.api("POST", f"/user/{self.name}/api/sessions",
                         json={"path": self.notebook_path(), "type": "notebook",
                               "name": Path(LESSON).name, "kernel": {"name": "python3"}})
        expect(reply, 201, "start a kernel")
        kernel = reply.json()["kernel"]["id"]
        url = (self.base.replace("http://", "ws://") + f"/api/kernels/{kernel}/channels"
               f"?session_id={uuid.uuid4().hex}")
        socket_ = websocket.create_connection(url, header=[f"Authorization: token {self.token}"],
                                              timeout=60)
        stdout = []
        try:
            execute(socket_, "kernel_info_request", {}, timeout=300)
            code_cells = [c for c in nb.cells if c.cell_type == "code"]
            for number, cell in enumerate(code_cells, 1):
                text, error = execute(socket_, "execute_request",
                                      {"code": cell.source, "silent": False, "store_history": True,
                                       "user_expressions": {}, "allow_stdin": False,
                                       "stop_on_error": True}, timeout=CELL_TIMEOUT)
                stdout.append(text)
                if error:
                    raise RuntimeError(f"code cell {number} of {len(code_cells)} raised {error}")
        finally:
            socket_.close()
        return "".join(stdout), reply.json()["id"]

    def find_server(self):
        """This student's single-user server process (the kernel is among its children)."""
        for process in marked_processes(self.hub.run_id):
            with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
                if (process.environ().get("JUPYTERHUB_USER") == self.name
                        and "jupyterhub-singleuser" in " ".join(process.cmdline())):
                    return process
        raise RuntimeError("no single-user server process found")


def expect(reply, status, what):
    """Raise with the status and a bit of the body when ``reply`` is not the expected status."""
    wanted = status if isinstance(status, tuple) else (status,)
    if reply.status_code not in wanted:
        raise RuntimeError(f"could not {what}: HTTP {reply.status_code} from {reply.url} "
                           f"(expected {'/'.join(map(str, wanted))}): {reply.text[:300]!r}")


def execute(ws, msg_type, content, timeout):
    """Send one shell message to a kernel; wait for its reply and for the kernel to be idle.

    Returns (stdout text, "Name: value" of an error or None).
    """
    msg_id = uuid.uuid4().hex
    ws.send(json.dumps({"header": {"msg_id": msg_id, "msg_type": msg_type, "username": "student",
                                   "session": uuid.uuid4().hex, "version": "5.3",
                                   "date": datetime.now(timezone.utc).isoformat()},
                        "parent_header": {}, "metadata": {}, "content": content, "buffers": [],
                        "channel": "shell"}))
    text, error, replied, idle = [], None, False, msg_type != "execute_request"
    deadline = time.monotonic() + timeout
    while not (replied and idle):
        if time.monotonic() > deadline:
            raise TimeoutError(f"no answer from the kernel in {timeout} s")
        try:
            message = json.loads(ws.recv())
        except websocket.WebSocketTimeoutException:
            continue
        if message.get("parent_header", {}).get("msg_id") != msg_id:
            continue
        kind = message["header"]["msg_type"]
        if kind == "stream" and message["content"]["name"] == "stdout":
            text.append(message["content"]["text"])
        elif kind == "error":
            error = f"{message['content']['ename']}: {message['content']['evalue']}"
        elif kind == msg_type.replace("_request", "_reply"):
            replied = True
            if message["content"].get("status") == "error" and error is None:
                error = f"{message['content'].get('ename')}: {message['content'].get('evalue')}"
        elif kind == "status" and message["content"]["execution_state"] == "idle":
            idle = True
    return "".join(text), error


class Sampler(threading.Thread):
    """Peak RSS of each student's server tree and of the whole machine, every half second."""

    def __init__(self, servers):
        super().__init__(daemon=True)
        self.servers, self.peak = servers, dict.fromkeys(servers, 0.0)
        self.machine_peak = used_mb()
        self.done = threading.Event()

    def run(self):
        while not self.done.wait(0.5):
            for name, process in self.servers.items():
                self.peak[name] = max(self.peak[name], tree_usage(process)[0])
            self.machine_peak = max(self.machine_peak, used_mb())


def used_mb():
    memory = psutil.virtual_memory()
    return (memory.total - memory.available) / 1e6


# ---------------------------------------------------------------- the steps

def check_no_login(hub):
    """Without logging in: the hub sends to its login page, its API and user servers answer 403."""
    home = requests.get(hub.url + "/hub/home", allow_redirects=False, timeout=30)
    if home.status_code != 302 or "/hub/login" not in home.headers.get("Location", ""):
        raise RuntimeError(f"/hub/home without login answered {home.status_code}, not a redirect to login")
    expect(requests.get(hub.url + "/hub/api/users", timeout=30), 403, "be refused the user list")
    lab = requests.get(f"{hub.url}/user/{hub.students[0]}/lab", timeout=30)
    if lab.status_code == 200 and "/hub/login" not in lab.url:
        raise RuntimeError(f"/user/{hub.students[0]}/lab opened without login ({lab.url})")
    say("no login: /hub/home sends to /hub/login, /hub/api/users answers 403, "
        f"/user/{hub.students[0]}/lab ends at the login page")


def check_login(hub, students):
    """A wrong password and an unlisted name are refused; every student logs in and gets a server."""
    intruder = Student(hub, "intruder")
    if intruder.log_in(hub.password).status_code == 302:
        raise RuntimeError("a name not on the class list logged in with the shared password")
    for student in students:
        with step("login", student.name):
            if student.log_in("wrong-password").status_code == 302:
                raise RuntimeError("logged in with a wrong password")
            reply = student.log_in(hub.password)
            if reply.status_code != 302:
                raise RuntimeError(f"the login form answered {reply.status_code}, not a redirect")
            student.make_token()
    say(f"{len(students)} students logged in through the login form; a wrong password and a name "
        "not on the list were refused")
    start_all(students, Student.start_server, "login")
    for student in students:
        with step("login", student.name):
            student.server = student.find_server()


def start_all(students, work, step_name):
    """``work(student)`` for every student at the same time; raise the first failure."""
    errors = {}
    barrier = threading.Barrier(len(students))

    def one(student):
        try:
            barrier.wait(timeout=60)
            work(student)
        except Exception as error:  # noqa: BLE001 (reported below with the student's name)
            errors[student.name] = error

    threads = [threading.Thread(target=one, args=(s,)) for s in students]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for name, error in errors.items():
        say(f"FAILED: step '{step_name}' for {name}: {error}")
    if errors:
        name, error = next(iter(errors.items()))
        raise StepFailed(step_name, str(error), name) from error


def check_pull(hub, students):
    for student in students:
        with step("pull course", student.name):
            student.open_link()
            if not (hub.homes / student.name / REPO_NAME / LESSON).exists():
                raise RuntimeError(f"{LESSON} is not in {hub.homes / student.name / REPO_NAME}")
            student.result["idle_mb"] = tree_usage(student.server)[0]
    say(f"every student opened the link {hub.link()[:60]}... and has the course in "
        f"{hub.homes.relative_to(ROOT)}/NAME/{REPO_NAME}")


def check_training(students):
    sampler = Sampler({s.name: s.server for s in students})
    sampler.start()

    def train(student):
        start = time.perf_counter()
        stdout, session = student.run_lesson()
        student.result["run_s"] = time.perf_counter() - start
        student.result["after_mb"], student.result["cpu_s"] = tree_usage(student.server)
        student.api("DELETE", f"/user/{student.name}/api/sessions/{session}")  # frees the kernel
        accuracy = printed_accuracy(stdout)
        student.result["accuracy"] = accuracy
        low, high = ACCURACY_BAND
        if accuracy is None or not low <= accuracy <= high:
            raise RuntimeError(f"test accuracy {accuracy} is outside {low}-{high}")
        say(f"{student.name}: lesson ran in {student.result['run_s']:.0f} s, test accuracy {accuracy:.4f}")

    try:
        start_all(students, train, "run lesson")
    finally:
        sampler.done.set()
        sampler.join()
        for student in students:
            student.result["peak_mb"] = sampler.peak[student.name]
    return sampler.machine_peak


def check_edits_kept(hub, student):
    """The student's new cell and changed answer survive an update of the course (nbgitpuller's merge)."""
    nb = student.read_notebook()
    solutions = [c for c in nb.cells if "solution" in c.metadata.get("tags", [])]
    titles = [c for c in nb.cells if c.cell_type == "markdown" and c.source.startswith("# ")]
    if not solutions or not titles:
        raise RuntimeError(f"{LESSON} needs a '# ' title cell and a code cell tagged 'solution'")
    answer, title = solutions[0], titles[0]
    original_answer_line = answer.source.splitlines()[0]
    student_line = "# 연습 문제 1: 내 풀이입니다."
    answer.source = "\n".join([student_line, *answer.source.splitlines()[1:]])
    new_cell = nbformat.v4.new_code_cell("# 내 메모: 배치 크기를 바꿔 보기\nprint('my note')")
    nb.cells.insert(nb.cells.index(title) + 2, new_cell)
    student.save_notebook(nb)
    # A deleted file comes back on the next pull: the way to start a lesson over.
    expect(student.api("DELETE", f"/user/{student.name}/api/contents/{REPO_NAME}/README.md"), 204,
           "delete README.md")

    # The instructor fixes the title cell and rewrites the same exercise line, then pushes.
    instructor = HUB / "instructor"
    git("clone", "--quiet", str(hub.remote), str(instructor))
    path = instructor / LESSON
    course = nbformat.read(path, as_version=4)
    fixed_title = title.source.splitlines()[0] + " (수정판)"
    for cell in course.cells:
        if cell.get("id") == title.get("id"):
            cell.source = "\n".join([fixed_title, *cell.source.splitlines()[1:]])
        if cell.get("id") == answer.get("id"):
            cell.source = "\n".join([original_answer_line + " (풀이 보강)", *cell.source.splitlines()[1:]])
    nbformat.write(course, path)
    git("-c", "user.name=Instructor", "-c", "user.email=instructor@example.org", "commit", "--quiet",
        "-am", "Lesson 06: fix the title", cwd=instructor)
    git("push", "--quiet", "origin", BRANCH, cwd=instructor)

    student.open_link()
    after = student.read_notebook()
    by_id = {c.get("id"): c for c in after.cells}
    problems = []
    if by_id.get(title.get("id"), {}).get("source", "").splitlines()[:1] != [fixed_title]:
        problems.append("the instructor's fix of the title did not arrive")
    if not any(c.source == new_cell.source for c in after.cells):
        problems.append("the student's new cell is gone")
    kept = by_id.get(answer.get("id"), {}).get("source", "").splitlines()[:1]
    if kept != [student_line]:
        problems.append(f"the student's exercise answer was replaced by {kept}")
    if not (hub.homes / student.name / REPO_NAME / "README.md").exists():
        problems.append("README.md, which the student deleted, did not come back")
    if problems:
        raise RuntimeError("; ".join(problems))
    say(f"{student.name}: after a new commit and the link again, the title fix arrived, the new "
        "cell is there, on the exercise line both changed the student's version was kept, and the "
        "deleted README.md came back")


def check_separation(hub, a, b):
    """Student a's token and cookies open nothing of student b's; servers refuse anonymous calls."""
    refused = []

    def refuse(what, reply, allowed=(403, 404)):
        if reply.status_code not in allowed:
            raise RuntimeError(f"{a.name} could {what} of {b.name}: HTTP {reply.status_code} from {reply.url}")
        refused.append(f"{what} {reply.status_code}")

    contents = f"/user/{b.name}/api/contents/{b.notebook_path()}"
    refuse("read the hub's record", a.api("GET", f"/hub/api/users/{b.name}"))
    refuse("stop the server", a.api("DELETE", f"/hub/api/users/{b.name}/server"))
    refuse("read a lesson with a token", a.api("GET", contents))
    refuse("start a kernel", a.api("POST", f"/user/{b.name}/api/sessions",
                                    json={"path": b.notebook_path(), "type": "notebook"}))
    cookies = "; ".join(f"{c.name}={c.value}" for c in a.web.cookies)  # every cookie, any path
    refuse("read a lesson with cookies", requests.get(hub.url + contents, headers={"Cookie": cookies},
                                                      timeout=30))
    refuse("open JupyterLab", a.web.get(f"{b.base}/lab", timeout=60))
    direct = b.server.environ().get("JUPYTERHUB_SERVICE_URL", "").rstrip("/")
    if direct:  # the server's own port, bypassing the proxy
        refuse("read a lesson at the server's own port", requests.get(
            f"{direct}/api/contents/{b.notebook_path()}", headers={"Authorization": f"token {a.token}"},
            timeout=30))
        refuse("read a lesson anonymously at the server's own port", requests.get(
            f"{direct}/api/contents/{b.notebook_path()}", timeout=30))
    say(f"separation: {a.name} was refused every time ({', '.join(refused)})")


def shut_down(hub, students, hub_process):
    for student in students:
        with step("shut down", student.name):
            expect(student.api("DELETE", f"/hub/api/users/{student.name}/server"), (202, 204),
                   "stop the server")
    left = clean_up(hub.run_id, hub_process)
    if left:
        raise RuntimeError(f"{len(left)} process(es) still running: {[p.pid for p in left]}")
    with socket.socket() as sock:
        if sock.connect_ex(("127.0.0.1", hub.port)) == 0:
            raise RuntimeError(f"something still listens on the hub's port {hub.port}")
    say("stopped: no process of this run is left, the hub's port is closed")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=3, help="how many students (default 3)")
    parser.add_argument("--fail-at", choices=STEPS, help="fail on purpose at this step (tests cleanup)")
    args = parser.parse_args(argv)
    names = student_names(args.students)
    mnist = os.environ.get("MNIST_NPZ")
    if not mnist:
        say("MNIST_NPZ is not set: every student's kernel downloads MNIST (needs the internet)")
    run_id = uuid.uuid4().hex
    holder = {}
    atexit.register(clean_up, run_id)  # also after an unexpected exit
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # make finally blocks run
    started = time.perf_counter()
    outcome = {}

    def body():
        with step("install", fail_at=args.fail_at):
            ensure_proxy()
            ensure_venv()
            for folder in ("state", "home", "remote", "instructor"):
                shutil.rmtree(HUB / folder, ignore_errors=True)
        hub = Hub(run_id, names, mnist)
        with step("start hub", fail_at=args.fail_at):
            publish_course(hub.remote)
            baseline = used_mb()
            holder["hub"] = hub.start()
            say(f"JupyterHub {HUB_PACKAGES[0].split('==')[1]} answers on {hub.url} "
                f"(log: {hub.log.relative_to(ROOT)})")
        students = [Student(hub, name) for name in names]
        with step("no login", fail_at=args.fail_at):
            check_no_login(hub)
        with step("login", fail_at=args.fail_at):
            check_login(hub, students)
        with step("pull course", fail_at=args.fail_at):
            check_pull(hub, students)
        with step("run lesson", fail_at=args.fail_at):
            train_start = time.perf_counter()
            load = os.getloadavg()[0]
            peak = check_training(students)
            hub_mb = sum(tree_usage(p)[0] for p in psutil.Process(holder["hub"].pid).children()
                         if "configurable-http-proxy" in " ".join(p.cmdline()))
            hub_mb += psutil.Process(holder["hub"].pid).memory_info().rss / 1e6
            outcome["table"] = format_table([s.result for s in students],
                                            {"baseline_mb": baseline, "peak_mb": peak, "hub_mb": hub_mb})
            outcome["conditions"] = (
                f"{len(students)} students at once on {os.cpu_count()} cores, load average "
                f"{load:.1f} before, {os.getloadavg()[0]:.1f} after; "
                f"training wall time {time.perf_counter() - train_start:.0f} s")
            print(outcome["table"] + "\n" + outcome["conditions"], flush=True)
        with step("keep edits", students[0].name, fail_at=args.fail_at):
            check_edits_kept(hub, students[0])
        with step("separation", students[0].name, fail_at=args.fail_at):
            check_separation(hub, students[0], students[-1 if len(students) > 1 else 0])
        with step("shut down", fail_at=args.fail_at):
            shut_down(hub, students, holder.pop("hub"))

    try:
        left = run_with_cleanup(body, run_id, holder)
    except StepFailed as failure:
        say(f"FAILED at {failure}")
        hub_log = HUB / "jupyterhub.log"
        if hub_log.exists() and failure.step not in ("install",):
            say(f"the hub's log is {hub_log.relative_to(ROOT)}")
        return 1
    if left:
        return 1
    say(f"OK in {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
