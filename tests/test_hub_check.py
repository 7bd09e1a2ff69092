"""`make hub-check`'s parts that need no hub: its table, its JupyterHub configuration, its clean-up.

The check itself (a real JupyterHub, a Unix user per student, three students training at once) is
`make hub-check`; these tests start no hub and take a few seconds.
"""

import json
import os
import pwd
import subprocess
import sys
import time
import uuid
from pathlib import Path
from types import SimpleNamespace

import hub_check
import hub_student
import psutil
import pytest
from jupyter_server.services.kernels.kernelmanager import MappingKernelManager
from traitlets.config import Config

ROOT = Path(__file__).resolve().parent.parent


def row(name, peak, run_s, accuracy):
    return {
        "student": name,
        "idle MB": 140.0,
        "peak MB": peak,
        "kernel idle MB": peak - 200,
        "after cull MB": 160.0,
        "CPU s": 45.4,
        "run s": run_s,
        "test accuracy": accuracy,
    }


def cells(table_line):
    return [cell.strip() for cell in table_line.strip("|").split("|")]


def test_table_totals_memory_and_cpu_and_takes_the_slowest_run():
    rows = [row("dla-student1", 1380.0, 148.0, 0.974), row("dla-student2", 1420.6, 130.0, 0.9712)]
    lines = hub_student.table(rows).splitlines()
    by_student = {cells(line)[0]: dict(zip(cells(lines[0]), cells(line), strict=True)) for line in lines[2:]}
    total = by_student["total (2)"]
    assert float(total["peak MB"].replace(",", "")) == pytest.approx(1380.0 + 1420.6, abs=0.5)
    assert float(total["CPU s"]) == pytest.approx(2 * 45.4, abs=0.5)
    assert float(total["run s"]) == 148  # the students ran at once: the class waited for the slowest
    assert float(by_student["dla-student2"]["test accuracy"]) == pytest.approx(0.9712)
    assert total["test accuracy"] == "-"


@pytest.mark.parametrize(
    ("repo", "folder"),
    [
        ("https://github.com/dl-architecture/deep-learning-architecture", "deep-learning-architecture"),
        ("https://github.com/dl-architecture/deep-learning-architecture/", "deep-learning-architecture"),
        ("/srv/course/deep-learning-architecture", "deep-learning-architecture"),
    ],
)
def test_repo_folder_is_where_nbgitpuller_pulls_to(repo, folder):
    assert hub_check.repo_folder(repo) == folder


def load_config(tmp_path, monkeypatch, **settings):
    """tools/hub_check_config.py as JupyterHub runs it: in the state folder with settings.json."""
    settings = {
        "port": 8000,
        "hub_port": 8001,
        "proxy_api_port": 8002,
        "proxy": "/x/chp",
        "password": "p" * 32,
        "students": ["dla-student1", "dla-student2"],
        "server_env": {"MNIST_NPZ": "/data/mnist.npz"},
        "service_env": {hub_check.MARK: "run"},
        "kernel_idle": 30,
        "server_idle": 90,
        **settings,
    }
    (tmp_path / "settings.json").write_text(json.dumps(settings), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    config = Config()
    exec(
        compile(hub_check.CONFIG.read_text(encoding="utf-8"), str(hub_check.CONFIG), "exec"),
        {"get_config": lambda: config},
    )
    return config


def test_the_hub_takes_its_ports_class_and_server_environment_from_the_run(tmp_path, monkeypatch):
    config = load_config(tmp_path, monkeypatch, port=9000, proxy_api_port=9002, students=["dla-student7"])
    assert config.JupyterHub.port == 9000 and config.JupyterHub.hub_port == 8001
    assert config.ConfigurableHTTPProxy.api_url.endswith(":9002")
    assert config.Authenticator.allowed_users == {"dla-student7"}
    assert config.Spawner.environment["MNIST_NPZ"] == "/data/mnist.npz"
    assert config.JupyterHub.services[0]["environment"] == {hub_check.MARK: "run"}  # clean-up finds it


@pytest.mark.parametrize(("kernel_idle", "server_idle"), [(30, 90), (1200, 3600)])
def test_idle_kernels_and_servers_are_culled_after_the_times_asked_for(
    tmp_path, monkeypatch, kernel_idle, server_idle
):
    config = load_config(tmp_path, monkeypatch, kernel_idle=kernel_idle, server_idle=server_idle)
    kernel = dict(arg[2:].split("=") for arg in config.Spawner.args)
    names = {name.split(".")[1] for name in kernel if name.startswith("MappingKernelManager.")}
    assert names <= set(MappingKernelManager.class_trait_names(config=True))
    assert int(kernel["MappingKernelManager.cull_idle_timeout"]) == kernel_idle
    assert 0 < int(kernel["MappingKernelManager.cull_interval"]) < kernel_idle
    (culler,) = config.JupyterHub.services
    flags = dict(arg[2:].split("=") for arg in culler["command"] if arg.startswith("--"))
    assert int(flags["timeout"]) == server_idle and int(flags["cull-every"]) < server_idle
    assert culler["command"][:3] == [sys.executable, "-m", "jupyterhub_idle_culler"]
    # A training kernel is activity only when reported well within the culler's timeout.
    assert int(config.Spawner.environment["JUPYTERHUB_ACTIVITY_INTERVAL"]) <= server_idle / 4
    assert config.JupyterHub.last_activity_interval <= server_idle / 4
    (role,) = [r for r in config.JupyterHub.load_roles if culler["name"] in r["services"]]
    assert "delete:servers" in role["scopes"]


def account(name, comment):
    return pwd.struct_passwd((name, "x", 2000, 2000, comment, f"/home/{name}", "/bin/sh"))


def test_run_users_are_only_the_ones_this_check_made(monkeypatch):
    monkeypatch.setattr(
        pwd,
        "getpwall",
        lambda: [
            account("dla-student1", hub_check.MARKER),
            account("dla-student2", "someone's own account"),
            account("alice", hub_check.MARKER),
        ],
    )
    assert [user.pw_name for user in hub_check.run_users()] == ["dla-student1"]


@pytest.mark.parametrize(
    "flags, says", [(["--students", "1"], "two students"), (["--fail-at", "lunch"], "invalid choice")]
)
def test_bad_flags_are_refused_before_anything_starts(flags, says, capsys):
    with pytest.raises(SystemExit) as refused:
        hub_check.main(flags)
    assert refused.value.code == 2 and says in capsys.readouterr().err


def test_a_checkout_other_users_cannot_enter_is_refused_with_what_to_do(tmp_path, monkeypatch, capsys):
    closed = tmp_path / "private"
    (closed / "course" / "tools").mkdir(parents=True)
    closed.chmod(0o700)
    monkeypatch.setattr(hub_check, "ROOT", closed / "course")
    with pytest.raises(SystemExit):
        hub_check.main([])
    assert f"cannot enter {closed}: chmod o+x it" in capsys.readouterr().err


def step(name, ran):
    """A step that only records that it ran."""

    def run_step(run):
        ran.append(name)

    run_step.__name__ = name
    return run_step


def test_fail_at_stops_before_that_step_and_still_cleans_up(monkeypatch, capsys):
    ran, cleaned = [], []
    monkeypatch.setattr(hub_check, "STEPS", [step(name, ran) for name in ("first", "second", "third")])
    monkeypatch.setattr(hub_check, "ROOT", Path("/"))  # no folder to enter
    monkeypatch.setattr(hub_check, "clean_up", lambda run_id: cleaned.append(run_id) or [])
    monkeypatch.setattr(hub_check.signal, "signal", lambda *_: None)
    assert hub_check.main(["--fail-at", "second"]) == 1
    assert ran == ["first"] and len(cleaned) == 1
    assert "second failed: RuntimeError: failing on purpose" in capsys.readouterr().out


def marked(run_id, **kwargs):
    """A sleeping process with the run's mark and a child of its own (a server and its kernel)."""
    script = (
        "import subprocess, sys, time; subprocess.Popen([sys.executable, '-c', "
        "'import time; time.sleep(120)']); time.sleep(120)"
    )
    return subprocess.Popen(
        [sys.executable, "-c", script], env={**os.environ, hub_check.MARK: run_id}, **kwargs
    )


def test_clean_up_stops_every_process_of_the_run_and_nothing_else(monkeypatch):
    monkeypatch.setattr(hub_check, "run_users", list)  # no student users on a test machine
    run_id = uuid.uuid4().hex
    hub, server = marked(run_id), marked(run_id, start_new_session=True)  # as the hub starts servers
    bystander = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    try:
        deadline = time.monotonic() + 10
        while len(hub_check.run_processes(run_id)) < 4 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(hub_check.run_processes(run_id)) == 4
        assert hub_check.clean_up(run_id) == []
        assert hub.wait(timeout=5) is not None and server.wait(timeout=5) is not None
        assert bystander.poll() is None
    finally:
        bystander.kill()
        for process in hub_check.run_processes(run_id):
            process.kill()


def test_tree_mb_counts_a_process_and_its_children():
    run_id = uuid.uuid4().hex
    parent = marked(run_id)
    try:
        deadline = time.monotonic() + 10
        while not psutil.Process(parent.pid).children() and time.monotonic() < deadline:
            time.sleep(0.05)
        alone = psutil.Process(parent.pid).memory_info().rss / hub_student.MB
        assert hub_student.tree_mb(parent.pid) > alone + 1  # the child is a whole Python interpreter
    finally:
        for process in [psutil.Process(parent.pid), *psutil.Process(parent.pid).children()]:
            process.kill()


def test_a_pull_or_a_start_is_judged_by_the_last_event_of_its_stream():
    stream = 'data: {"phase": "running"}\n\n: keepalive\n\ndata: {"phase": "finished"}\n\n'
    assert hub_student.last_event(stream) == {"phase": "finished"}
    assert "502 Bad Gateway" in str(hub_student.last_event("<html>502 Bad Gateway</html>"))  # for the message


def test_a_kernel_that_ended_is_not_counted_while_its_server_has_not_reaped_it():
    server = subprocess.Popen(  # a running kernel and an ended one it does not wait for (a zombie)
        [
            sys.executable,
            "-c",
            "import subprocess, sys, time\n"
            "for code in ('import time; time.sleep(60)', 'pass'):\n"
            "    subprocess.Popen([sys.executable, '-c', code, 'ipykernel'])\n"
            "time.sleep(60)",
        ]
    )
    student = hub_student.Student(SimpleNamespace(url="http://127.0.0.1:1"), "dla-student1")
    student.pid = server.pid
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not any(
            p.status() == psutil.STATUS_ZOMBIE for p in psutil.Process(server.pid).children()
        ):
            time.sleep(0.05)
        assert [p.cmdline()[2] for p in student.kernels()] == ["import time; time.sleep(60)"]
    finally:
        for process in [*psutil.Process(server.pid).children(), psutil.Process(server.pid)]:
            process.kill()
