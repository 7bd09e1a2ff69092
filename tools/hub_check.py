"""A class on a real JupyterHub on this machine (`make hub-check`, run in nox's hub session).

Students, each a Unix user made for the run, log in, pull the course with the guide's nbgitpuller
link, stay apart (web and disk), keep their edits through a re-pull, run lesson 06 at once (memory
sampled; the lesson's checks judge the training), and their idle kernels, then servers, are culled.
Nothing of the run is left afterwards (processes, ports, users, homes), also after a failed step.
A run that passes records its numbers in docs/measurements.json (``hub``), which the guide shows.
"""

import argparse
import contextlib
import json
import os
import pwd
import shutil
import signal
import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import SimpleNamespace

import measurements
import nbformat
import psutil
import requests
from hub_sizing import HUB as SECTION
from hub_sizing import class_table
from hub_student import BRANCH, HOMES, LESSON, REPO_NAME, Student, expect, tree_mb, wait_for
from instructor_guide import nbgitpuller_link
from ports import free_port

from helpers.environment import TF_ENV

ROOT = Path(__file__).resolve().parent.parent
HUB = ROOT / "build" / "hub"
# What the hub's environment adds to the student's lock (noxfile.py's hub session installs both).
HUB_PACKAGES = (
    "jupyterhub==6.1.1",
    "nbgitpuller==1.3.0",
    "jupyterhub-idle-culler==2.0.0",
    "jupyter-kernel-client==1.0.2",  # drives the students' kernels
)
PROXY_PACKAGE = "configurable-http-proxy@5.3.0"  # JupyterHub's proxy, from npm (the session installs it)
PROXY = HUB / "node" / "node_modules" / ".bin" / "configurable-http-proxy"
CONFIG = ROOT / "tools" / "hub_check_config.py"
PREFIX, MARKER = "dla-student", "make hub-check"  # names and comment of the users a run makes
MARK = "HUB_CHECK_RUN"  # in the environment of the hub's processes: how clean-up finds them


def say(message):
    print(f"hub-check: {message}", flush=True)


def run_users():
    """The users this check made (in this run, or in one that was killed)."""
    return [u for u in pwd.getpwall() if u.pw_name.startswith(PREFIX) and u.pw_gecos == MARKER]


def run_processes(run_id):
    """The run's live processes: the hub's (marked) and every process of a student's user."""
    uids = {u.pw_uid for u in run_users()}
    return [
        p
        for p in psutil.process_iter(["uids", "environ"])  # a zombie has no environ: None
        if p.pid != os.getpid()
        and (getattr(p.info["uids"], "real", None) in uids or (p.info["environ"] or {}).get(MARK) == run_id)
    ]


def clean_up(run_id):
    """Stop every process of the run (SIGTERM: the hub stops its servers; then SIGKILL) and remove
    the students' users and homes. Returns what is left: [] is the goal (no process, so no port held)."""
    for signal_, grace in ((signal.SIGTERM, 30), (signal.SIGKILL, 10)):
        for process in run_processes(run_id):
            with contextlib.suppress(psutil.Error):
                process.send_signal(signal_)
        psutil.wait_procs(run_processes(run_id), timeout=grace)
    for user in run_users():  # --remove: the home too
        subprocess.run(["userdel", "--remove", user.pw_name], capture_output=True, check=False)
    with contextlib.suppress(OSError):
        HOMES.rmdir()
    say("stopped the run's processes, removed its users and homes")
    return (
        [f"process {p.pid} {p.name()}" for p in run_processes(run_id)]
        + [f"user {u.pw_name}" for u in run_users()]
        + [f"folder {p}" for p in HOMES.glob("*")]
    )


def sh(*command, cwd=None):
    subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=True)  # main() shows stderr


def at_once(students, work):
    """``work(student)`` for every student at the same time, as a class starts together."""
    with ThreadPoolExecutor(len(students)) as pool:
        list(pool.map(work, students))


# The steps, in order (--fail-at names one). Each takes the run: args and id, and what steps add.


def start_hub(run):
    """The students' users, the course's stand-in repository, settings.json, then JupyterHub."""
    for folder in ("state", "remote", "instructor"):
        shutil.rmtree(HUB / folder, ignore_errors=True)
    names = [f"{PREFIX}{number}" for number in range(1, run.args.students + 1)]
    port, run.remote, run.password = free_port(), HUB / "remote" / REPO_NAME, uuid.uuid4().hex
    sh("git", "init", "--quiet", "--bare", f"--initial-branch={BRANCH}", run.remote)
    sh("git", "push", "--quiet", run.remote, f"HEAD:refs/heads/{BRANCH}", cwd=ROOT)
    HOMES.mkdir(mode=0o755, parents=True, exist_ok=True)
    for name in names:
        sh("useradd", "--create-home", "--home-dir", HOMES / name, "--comment", MARKER, name)
        (HOMES / name).chmod(0o700)
        # git refuses another owner's repository unless told (a real hub pulls over https).
        sh("runuser", "-u", name, "--", "git", "config", "--global", "safe.directory", run.remote)
    run.url = f"http://127.0.0.1:{port}"
    run.link = nbgitpuller_link(run.url, str(run.remote), BRANCH, Path(LESSON).name)  # the guide's link
    settings = {
        "port": port,
        "hub_port": free_port(),
        "proxy_api_port": free_port(),
        "proxy": str(PROXY),
        "password": run.password,
        "students": names,
        "service_env": {MARK: run.id},
        "server_env": {**TF_ENV, MARK: run.id, "MNIST_NPZ": os.environ.get("MNIST_NPZ", "")},
        "kernel_idle": run.args.kernel_idle,
        "server_idle": run.args.server_idle,
    }
    (HUB / "state").mkdir()
    (HUB / "state" / "settings.json").write_text(json.dumps(settings), encoding="utf-8")
    with open(HUB / "jupyterhub.log", "w", encoding="utf-8") as log:
        command, env = [sys.executable, "-m", "jupyterhub", "-f", CONFIG], {**os.environ, MARK: run.id}
        hub = subprocess.Popen(command, cwd=HUB / "state", env=env, stdout=log, stderr=log)

    def up():  # the hub's own API, behind the proxy (whose port opens first)
        return hub.poll() is not None or requests.get(run.url + "/hub/api", timeout=5).ok

    wait_for(up, 180, "hub start")
    if hub.poll() is not None:
        raise RuntimeError(f"jupyterhub exited with {hub.returncode}")
    run.students = [Student(run, name) for name in names]
    say(f"JupyterHub answers on {run.url}; users {', '.join(names)}, homes (0700) in {HOMES}")


def log_in(run):
    at_once(run.students, lambda student: (student.start(), student.pull()))
    say("every student logged in, has a server running as their own user and pulled the course")


def separation(run):
    """Student a opens nothing of b's, through the proxy or on the disk."""
    a, b = run.students[:2]
    expect(b.api("GET", b.lesson), 200)
    tries = {
        "new kernel (token)": a.api("POST", f"/user/{b.name}/api/kernels", json={"name": "python3"}),
        "lesson (token)": a.api("GET", b.lesson),
        "JupyterLab (cookies)": a.web.get(f"{b.base}/lab"),
    }
    wrong = [f"{what}: HTTP {reply.status_code}" for what, reply in tries.items() if reply.status_code != 403]
    for home, readable in ((a.home, True), (b.home, False)):  # as a's user, which a's server runs as
        read = subprocess.run(
            ["runuser", "-u", a.name, "--", "cat", home / REPO_NAME / LESSON], capture_output=True
        )
        wrong += [f"cat in {home}: exit {read.returncode}"] if (read.returncode == 0) != readable else []
    if wrong:
        raise RuntimeError(f"{a.name} against {b.name}: " + ", ".join(wrong))
    say(f"{a.name} got 403 for {b.name}'s {', '.join(tries)}; as its user, cat reads only its own lesson")


def keep_edits(run):
    """A student's new cell survives an instructor's commit and a re-pull, which brings the commit."""
    student = run.students[0]
    nb = student.notebook()
    title = next(c for c in nb.cells if c.cell_type == "markdown" and c.source.startswith("# "))
    note = nbformat.v4.new_code_cell("print('내 메모')")
    nb.cells.insert(nb.cells.index(title) + 2, note)  # not next to the line the instructor changes
    saved = {"type": "notebook", "format": "json", "content": nb}
    expect(student.api("PUT", student.lesson, json=saved), 200)
    first, clone = title.source.splitlines()[0], HUB / "instructor"
    fixed, path = first + " (수정판)", clone / LESSON
    sh("git", "clone", "--quiet", run.remote, clone)
    path.write_text(path.read_text(encoding="utf-8").replace(first, fixed, 1), encoding="utf-8")
    instructor = ("-c", "user.name=Instructor", "-c", "user.email=instructor@example.org")
    sh("git", *instructor, "commit", "--quiet", "-am", "Lesson 06: fix the title", cwd=clone)
    sh("git", "push", "--quiet", "origin", BRANCH, cwd=clone)
    student.pull()
    after = [c.source for c in student.notebook().cells]
    kept, arrived = note.source in after, any(source.startswith(fixed) for source in after)
    if not kept or not arrived:
        raise RuntimeError(f"after the re-pull: new cell kept: {kept}, title fix arrived: {arrived}")
    say(f"{student.name}'s new cell survived a new commit and a re-pull, which brought the commit")


def run_lesson(run):
    at_once(run.students, Student.run_lesson)
    run.lessons_ended = time.monotonic()


def cull_kernels(run):
    wait_for(lambda: not any(s.kernels() for s in run.students), run.args.kernel_idle + 120, "kernel culling")
    for student in run.students:
        student.row["after cull MB"] = tree_mb(student.pid)
    print(class_table([student.row for student in run.students]), flush=True)
    run.kernels_culled_s = round(time.monotonic() - run.lessons_ended)
    say(f"the servers culled the idle kernels {run.kernels_culled_s} s after the lessons ended")


def cull_servers(run):
    servers = [student.pid for student in run.students]
    wait_for(lambda: not any(map(psutil.pid_exists, servers)), run.args.server_idle + 180, "server culling")
    run.servers_culled_s = round(time.monotonic() - run.lessons_ended)
    say(f"jupyterhub-idle-culler stopped the idle servers {run.servers_culled_s} s after the lessons ended")


STEPS = (start_hub, log_in, separation, keep_edits, run_lesson, cull_kernels, cull_servers)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=3, help="how many, at least 2 (default 3)")
    for what, default, for_a_class in (("kernel", 30, 1200), ("server", 90, 3600)):
        help_ = f"seconds until an idle {what} is culled (default {default}; for a class: {for_a_class})"
        parser.add_argument(f"--{what}-idle", type=int, default=default, metavar="S", help=help_)
    steps = [step.__name__ for step in STEPS]  # --fail-at tests the clean-up
    parser.add_argument("--fail-at", choices=steps, help="fail on purpose at this step")
    args = parser.parse_args(argv)
    if args.students < 2:
        parser.error("--students: separation needs two students at least")
    closed = [folder for folder in ROOT.parents if not folder.stat().st_mode & 0o001]  # o+x
    if closed:
        parser.error(
            f"the students' servers run as their own users and cannot enter {closed[0]}: chmod o+x it"
        )
    run_id, reached, started, failed = uuid.uuid4().hex, [], time.perf_counter(), None
    run, machine = SimpleNamespace(args=args, id=run_id), measurements.machine()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so that the finally block runs
    try:
        for step in STEPS:
            reached.append(step.__name__)
            if step.__name__ == args.fail_at:
                raise RuntimeError("failing on purpose (--fail-at)")
            step(run)
    except Exception as error:
        stderr = (getattr(error, "stderr", None) or "").strip()  # a command's (sh)
        failed = f"{reached[-1]} failed: {type(error).__name__}: {error} {stderr}".rstrip()
        say(f"{failed} (the hub's log: {HUB / 'jupyterhub.log'})")
    finally:
        left = clean_up(run_id)
    say(f"left behind: {', '.join(left)}" if left else "nothing of this run is left")
    seconds = round(time.perf_counter() - started)
    say(f"{'FAILED' if failed or left else 'OK'} in {seconds} s")
    if not (failed or left):  # every step ran
        rows = [
            {k: round(v, 4) if isinstance(v, float) else v for k, v in s.row.items()} for s in run.students
        ]
        culled = {"kernels_culled_s": run.kernels_culled_s, "servers_culled_s": run.servers_culled_s}
        measurements.save(SECTION, {"students": rows, **culled, "seconds": seconds}, machine)
        say(f"recorded in {measurements.PATH.relative_to(ROOT)}: commit it, then `make guide`")
    return 1 if failed or left else 0


if __name__ == "__main__":
    sys.exit(main())
