"""A class on a real JupyterHub on this machine (`make hub-check`, run in nox's hub session).

Students, each a Unix user made for the run, log in, pull the course with the guide's nbgitpuller
link, stay apart (web and disk), keep their edits through a re-pull, run lesson 06 at once (memory
sampled, accuracy checked) and have their idle kernels, then servers, culled. Nothing of the run is
left afterwards, also after a failed step. STEPS are the steps; README.md says what each proves.

    make hub-check HUB_CHECK_FLAGS="--students 5 --fail-at separation"
"""

import argparse
import contextlib
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import SimpleNamespace

import nbformat
import psutil
import requests
from hub_student import BRANCH, HOMES, LESSON, REPO_NAME, Student, expect, tree_mb, wait_for
from instructor_guide import nbgitpuller_link
from ports import free_port
from tabulate import tabulate

from helpers.environment import TF_ENV

ROOT = Path(__file__).resolve().parent.parent
HUB = ROOT / "build" / "hub"
# What the hub's environment adds to the student's lock (noxfile.py's hub session installs both).
HUB_PACKAGES = (
    "jupyterhub==6.1.1",
    "nbgitpuller==1.3.0",
    "jupyterhub-idle-culler==2.0.0",
    "jupyter-kernel-client==1.0.2",
)
PROXY_PACKAGE = "configurable-http-proxy@5.3.0"  # JupyterHub's proxy, from npm (the session installs it)
PROXY = HUB / "node" / "node_modules" / ".bin" / "configurable-http-proxy"
CONFIG = ROOT / "tools" / "hub_check_config.py"
PREFIX, MARKER = "dla-student", "make hub-check"  # names and comment of the users a run makes
MARK = "HUB_CHECK_RUN"  # in the environment of the hub's processes: how clean-up finds them
STEPS = (
    "start_hub",
    "log_in",
    "separation",
    "keep_edits",
    "run_lesson",
    "cull_kernels",
    "cull_servers",
    "shut_down",
)
COLUMNS = (
    "student",
    "idle MB",
    "peak MB",
    "kernel idle MB",
    "after cull MB",
    "CPU s",
    "run s",
    "test accuracy",
)


def say(message):
    print(f"hub-check: {message}", flush=True)


def repo_folder(repo):
    """The folder nbgitpuller pulls ``repo`` into (its default targetpath): the URL's last part."""
    return repo.rstrip("/").split("/")[-1]


def table(rows):
    """The students' rows (MB = 10**6 bytes of RSS) and their total (for run s: the slowest)."""
    total = {column: sum(row[column] for row in rows) for column in COLUMNS[1:6]}
    total |= {"student": f"total ({len(rows)})", "run s": max(row["run s"] for row in rows)}
    return tabulate(
        [[row.get(column) for column in COLUMNS] for row in [*rows, total]],
        COLUMNS,
        tablefmt="github",
        floatfmt=["", *[",.0f"] * 6, ".4f"],
        missingval="-",
    )


def run_users():
    """The users this check made (in this run, or in one that was killed)."""
    return [u for u in pwd.getpwall() if u.pw_name.startswith(PREFIX) and u.pw_gecos == MARKER]


def run_processes(run_id):
    """The run's live processes: the hub's (marked) and every process of a student's user."""
    uids, found = {u.pw_uid for u in run_users()}, []
    for process in psutil.process_iter(["uids"]):
        with contextlib.suppress(psutil.Error):
            if process.pid != os.getpid() and (
                process.info["uids"].real in uids or process.environ().get(MARK) == run_id
            ):
                found.append(process)
    return found


def clean_up(run_id):
    """Stop every process of the run (SIGTERM: the hub stops its servers; then SIGKILL) and remove
    the students' users and homes. Returns what is left: [] is the goal."""
    for signal_, grace in ((signal.SIGTERM, 30), (signal.SIGKILL, 10)):
        for process in run_processes(run_id):
            with contextlib.suppress(psutil.Error):
                process.send_signal(signal_)
        psutil.wait_procs(run_processes(run_id), timeout=grace)
    for user in run_users():  # --remove: the home too
        subprocess.run(["userdel", "--remove", user.pw_name], capture_output=True, check=False)
    with contextlib.suppress(OSError):
        HOMES.rmdir()
    return (
        [f"process {p.pid} {p.name()}" for p in run_processes(run_id)]
        + [f"user {u.pw_name}" for u in run_users()]
        + [f"folder {p}" for p in HOMES.glob("*")]
    )


def sh(*command, cwd=None):
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)
    if done.returncode:
        raise RuntimeError(f"{' '.join(map(str, command))} exited {done.returncode}: {done.stderr.strip()}")


def listening(port):
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def hub_answers(url):
    """Whether the hub itself answers behind its proxy (whose port opens first)."""
    with contextlib.suppress(requests.ConnectionError):
        return requests.get(url + "/hub/api", timeout=5).ok
    return False


def at_once(students, work):
    """``work(student)`` for every student at the same time, as a class starts together."""
    with ThreadPoolExecutor(len(students)) as pool:
        return list(pool.map(work, students))


def start_hub(args, run_id):
    """The students' users, the course's stand-in repository, settings.json, then JupyterHub."""
    for folder in ("state", "remote", "instructor"):
        shutil.rmtree(HUB / folder, ignore_errors=True)
    names = [f"{PREFIX}{number}" for number in range(1, args.students + 1)]
    port, remote = free_port(), HUB / "remote" / REPO_NAME
    sh("git", "init", "--quiet", "--bare", f"--initial-branch={BRANCH}", remote)
    sh("git", "push", "--quiet", remote, f"HEAD:refs/heads/{BRANCH}", cwd=ROOT)
    HOMES.mkdir(mode=0o755, parents=True, exist_ok=True)
    for name in names:
        sh("useradd", "--create-home", "--home-dir", HOMES / name, "--comment", MARKER, name)
        (HOMES / name).chmod(0o700)
        # git refuses another owner's repository unless told (a real hub pulls over https).
        sh("runuser", "-u", name, "--", "git", "config", "--global", "safe.directory", remote)
    hub = SimpleNamespace(url=f"http://127.0.0.1:{port}", remote=remote, password=uuid.uuid4().hex)
    hub.link = nbgitpuller_link(hub.url, str(remote), BRANCH, Path(LESSON).name)  # the guide's link
    (HUB / "state").mkdir()
    (HUB / "state" / "settings.json").write_text(
        json.dumps(
            {
                "port": port,
                "hub_port": free_port(),
                "proxy_api_port": free_port(),
                "proxy": str(PROXY),
                "password": hub.password,
                "students": names,
                "service_env": {MARK: run_id},
                "server_env": {**TF_ENV, MARK: run_id, "MNIST_NPZ": os.environ.get("MNIST_NPZ", "")},
                "kernel_idle": args.kernel_idle,
                "server_idle": args.server_idle,
            }
        ),
        encoding="utf-8",
    )
    with open(HUB / "jupyterhub.log", "w", encoding="utf-8") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "jupyterhub", "-f", CONFIG],
            cwd=HUB / "state",
            env={**os.environ, MARK: run_id},
            stdout=log,
            stderr=log,
        )
    wait_for(lambda: process.poll() is not None or hub_answers(hub.url), 180, "the hub's start")
    if process.poll() is not None:
        raise RuntimeError(f"jupyterhub exited with {process.returncode}")
    hub.students = [Student(hub, name) for name in names]
    say(f"JupyterHub answers on {hub.url}; users {', '.join(names)}, homes (0700) in {HOMES}")
    return hub


def check_separation(a, b):
    """Student a opens nothing of b's, through the proxy or on the disk."""
    expect(b.api("GET", b.lesson), 200)
    tries = {
        "new kernel (token)": a.api("POST", f"/user/{b.name}/api/kernels", json={"name": "python3"}),
        "lesson (token)": a.api("GET", b.lesson),
        "JupyterLab (cookies)": a.web.get(f"{b.base}/lab"),
    }
    wrong = [f"{what}: HTTP {reply.status_code}" for what, reply in tries.items() if reply.status_code != 403]
    for label, home in (("own", a.home), ("other", b.home)):  # as a's user, which a's server runs as
        for command in (["ls", home], ["cat", home / REPO_NAME / LESSON], ["touch", home / "probe"]):
            done = subprocess.run(["runuser", "-u", a.name, "--", *command], capture_output=True).returncode
            wrong += [f"{command[0]} in the {label} home"] if (done == 0) != (label == "own") else []
    if psutil.Process(a.pid).uids().real != a.uid:
        wrong.append(f"{a.name}'s server does not run as {a.name}")
    if wrong:
        raise RuntimeError(f"{a.name} against {b.name}: " + ", ".join(wrong))
    say(
        f"{a.name} got 403 for {b.name}'s {', '.join(tries)}; as {a.name}, the user its server runs as, "
        f"ls, cat and touch work in its home and fail in {b.home}"
    )


def check_edits_kept(hub, student):
    """A student's new cell survives an instructor's commit and a re-pull, which brings the commit."""
    nb = student.notebook()
    title = next(c for c in nb.cells if c.cell_type == "markdown" and c.source.startswith("# "))
    note = nbformat.v4.new_code_cell("print('내 메모')")
    nb.cells.insert(nb.cells.index(title) + 2, note)  # not next to the line the instructor changes
    expect(
        student.api("PUT", student.lesson, json={"type": "notebook", "format": "json", "content": nb}), 200
    )
    first, clone = title.source.splitlines()[0], HUB / "instructor"
    fixed, path = first + " (수정판)", clone / LESSON
    sh("git", "clone", "--quiet", hub.remote, clone)
    path.write_text(path.read_text(encoding="utf-8").replace(first, fixed, 1), encoding="utf-8")
    sh(
        "git",
        "-c",
        "user.name=Instructor",
        "-c",
        "user.email=instructor@example.org",
        "commit",
        "--quiet",
        "-am",
        "Lesson 06: fix the title",
        cwd=clone,
    )
    sh("git", "push", "--quiet", "origin", BRANCH, cwd=clone)
    student.pull()
    after = [c.source for c in student.notebook().cells]
    kept, arrived = note.source in after, any(source.startswith(fixed) for source in after)
    if not kept or not arrived:
        raise RuntimeError(f"after the re-pull: new cell kept: {kept}, title fix arrived: {arrived}")
    say(f"{student.name}'s new cell survived a new commit and a re-pull, which brought the commit")


def check(args, run_id, reached):
    """The steps, in order; each appends its name to ``reached`` as it begins."""

    def begin(step):
        reached.append(step)
        if step == args.fail_at:
            raise RuntimeError("failing on purpose (--fail-at)")

    begin("start_hub")
    hub = start_hub(args, run_id)
    students = hub.students
    begin("log_in")
    at_once(students, lambda student: (student.start(), student.pull()))
    for student in students:
        student.row["idle MB"] = tree_mb(student.pid)
    pids = {p.pid for p in run_processes(run_id)}  # the hub's, the proxy's and the servers' ports
    ports = {c.laddr.port for c in psutil.net_connections("inet") if c.pid in pids and c.status == "LISTEN"}
    say("every student logged in, has a server running as their own user and pulled the course")
    begin("separation")
    check_separation(*students[:2])
    begin("keep_edits")
    check_edits_kept(hub, students[0])
    begin("run_lesson")
    at_once(students, Student.run_lesson)
    begin("cull_kernels")
    start = time.monotonic()
    wait_for(lambda: not any(s.kernels() for s in students), args.kernel_idle + 120, "kernel culling")
    for student in students:
        student.row["after cull MB"] = tree_mb(student.pid)
    print(table([student.row for student in students]), flush=True)
    say(f"the servers culled the idle kernels {time.monotonic() - start:.0f} s after the lessons ended")
    begin("cull_servers")
    wait_for(lambda: not any(psutil.pid_exists(s.pid) for s in students), args.server_idle + 180, "culling")
    say(f"jupyterhub-idle-culler stopped the idle servers {time.monotonic() - start:.0f} s after the lessons")
    begin("shut_down")
    left = clean_up(run_id) + [f"port {port}" for port in ports if listening(port)]
    if left:
        raise RuntimeError("left behind: " + ", ".join(left))
    say(f"the hub stopped: no process, user or home is left, its ports {sorted(ports)} are closed")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=3, help="how many, at least 2 (default 3)")
    parser.add_argument(
        "--kernel-idle",
        type=int,
        default=30,
        metavar="S",
        help="seconds until an idle kernel is culled (default 30; for a class: 1200)",
    )
    parser.add_argument(
        "--server-idle",
        type=int,
        default=90,
        metavar="S",
        help="seconds until an idle server is culled (default 90; for a class: 3600)",
    )
    parser.add_argument("--fail-at", choices=STEPS, help="fail on purpose at this step (tests clean-up)")
    args = parser.parse_args(argv)
    if args.students < 2:
        parser.error("--students: separation needs two students at least")
    closed = [folder for folder in ROOT.parents if not folder.stat().st_mode & 0o001]  # o+x
    if closed:
        parser.error(
            f"the students' servers run as their own users and cannot enter {closed[0]}: "
            "chmod o+x it, or put the course elsewhere"
        )
    run_id, reached, started, failed = uuid.uuid4().hex, [], time.perf_counter(), None
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so that the finally block runs
    try:
        check(args, run_id, reached)
    except Exception as error:
        failed = f"{reached[-1]} failed: {type(error).__name__}: {error}"
        say(f"{failed} (the hub's log: {HUB / 'jupyterhub.log'})")
    finally:
        left = clean_up(run_id)
    say(f"left behind: {', '.join(left)}" if left else "nothing of this run is left")
    say(f"{'FAILED' if failed or left else 'OK'} in {time.perf_counter() - started:.0f} s")
    return 1 if failed or left else 0


if __name__ == "__main__":
    sys.exit(main())
