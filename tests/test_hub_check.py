"""`make hub-check`'s parts that need no hub: its table, its JupyterHub configuration, its flags, its
clean-up, its kernel counting. The check itself is not in CI: these tests are what guards it there.
"""

import contextlib
import json
import os
import pwd
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import hub_check
import hub_sizing
import hub_student
import psutil
import pytest
from jupyter_server.services.kernels.kernelmanager import MappingKernelManager
from markdown_tables import tables
from traitlets.config import Config


def test_the_class_table_totals_memory_and_cpu_takes_the_slowest_run_and_the_guide_gives_ranges():
    rows = [
        {"student": name, **dict.fromkeys(hub_sizing.SUMMED, 45.4), "peak MB": peak, "run s": run_s}
        for name, peak, run_s in (("s1", 1380.0, 148.0), ("s2", 1420.6, 130.0))
    ]
    rows[1]["test accuracy"] = 0.9712
    _, second, total = tables(hub_sizing.class_table(rows))[0]
    assert second["test accuracy"] == "0.9712"
    # peak MB 1,380 + 1,420.6; the students ran at once: the class waited for the slowest
    assert list(total.values()) == ["total (2)", "2,801", "91", "91", "91", "148", "-"]
    measured = {"students": rows, "kernels_culled_s": 27, "servers_culled_s": 95, "seconds": 301}
    measured |= {"date": "2026-12-02 10:00 UTC", "commit": "abc1234", "cpu": "x", "cores": 2}
    text = hub_sizing.hub_section(measured | {"load_average_at_start": [0.1, 0.2, 0.3]})
    assert tables(text)[0][:2] == tables(hub_sizing.class_table(rows))[0][:2]
    assert "최대 1,380–1,421 MB" in text and "커널이 컬링된 뒤 45 MB" in text and "abc1234" in text
    assert "27초 뒤, 서버는 95초 뒤" in text and "301초" in text
    assert "make hub-check" in hub_sizing.hub_section({})


@pytest.mark.parametrize(("kernel_idle", "server_idle"), [(30, 90), (1200, 3600)])
def test_the_hub_takes_the_runs_ports_class_environment_and_culling_times(
    tmp_path, monkeypatch, kernel_idle, server_idle
):
    """tools/hub_check_config.py as JupyterHub runs it: in the state folder beside settings.json."""
    mark = {hub_check.MARK: "run"}
    settings = {"port": 9000, "hub_port": 9001, "proxy_api_port": 9002, "proxy": "/x/chp", "password": "p"}
    settings |= {"students": ["s7"], "server_env": {"MNIST_NPZ": "/d/mnist.npz"}, "service_env": mark}
    (tmp_path / "settings.json").write_text(
        json.dumps(settings | {"kernel_idle": kernel_idle, "server_idle": server_idle})
    )
    monkeypatch.chdir(tmp_path)
    config = Config()
    exec(hub_check.CONFIG.read_text(encoding="utf-8"), {"get_config": lambda: config})
    hub, proxy = config.JupyterHub, config.ConfigurableHTTPProxy
    assert (hub.port, hub.hub_port, proxy.api_url) == (9000, 9001, "http://127.0.0.1:9002")
    assert config.Authenticator.allowed_users == {"s7"}
    assert config.Spawner.environment["MNIST_NPZ"] == "/d/mnist.npz"
    kernel = dict(arg[2:].split("=") for arg in config.Spawner.args)
    names = {name.split(".")[1] for name in kernel if name.startswith("MappingKernelManager.")}
    assert names <= set(MappingKernelManager.class_trait_names(config=True))  # a misspelt one is ignored
    assert int(kernel["MappingKernelManager.cull_idle_timeout"]) == kernel_idle
    assert 0 < int(kernel["MappingKernelManager.cull_interval"]) < kernel_idle
    (culler,) = hub.services
    assert culler["environment"] == mark  # clean-up finds it
    flags = dict(arg[2:].split("=") for arg in culler["command"] if arg.startswith("--"))
    assert int(flags["timeout"]) == server_idle and int(flags["cull-every"]) < server_idle
    # A training kernel is activity only when reported well within the culler's timeout.
    assert int(config.Spawner.environment["JUPYTERHUB_ACTIVITY_INTERVAL"]) <= server_idle / 4
    assert hub.last_activity_interval <= server_idle / 4
    (role,) = [r for r in hub.load_roles if culler["name"] in r["services"]]
    assert "delete:servers" in role["scopes"]


def test_run_users_are_only_the_ones_this_check_made(monkeypatch):
    accounts = [("dla-student1", hub_check.MARKER), ("dla-student2", "own"), ("alice", hub_check.MARKER)]
    users = [pwd.struct_passwd((name, "x", 2000, 2000, gecos, "/", "/bin/sh")) for name, gecos in accounts]
    monkeypatch.setattr(pwd, "getpwall", lambda: users)
    assert [user.pw_name for user in hub_check.run_users()] == ["dla-student1"]


@pytest.mark.parametrize(
    ("flags", "says"),
    [
        (["--students", "1"], "two students"),
        (["--fail-at", "lunch"], "invalid choice"),
        ([], "cannot enter {closed}: chmod o+x it"),  # the students' users could not reach the course
    ],
)
def test_bad_flags_and_a_closed_checkout_are_refused_before_anything_starts(
    flags, says, tmp_path, monkeypatch, capsys
):
    closed = tmp_path / "private"
    (closed / "course").mkdir(parents=True)
    closed.chmod(0o700)
    monkeypatch.setattr(hub_check, "ROOT", closed / "course")
    monkeypatch.setattr(hub_check, "STEPS", ())  # nothing would start or be cleaned up, whatever the flags
    monkeypatch.setattr(hub_check, "clean_up", lambda run_id: [])
    with pytest.raises(SystemExit) as refused:
        hub_check.main(flags)
    assert refused.value.code == 2 and says.format(closed=closed) in capsys.readouterr().err


def wait_until(condition):
    deadline = time.monotonic() + 10
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.05)


SLEEP = [sys.executable, "-c", "import time; time.sleep(120)"]


def test_fail_at_stops_there_and_clean_up_stops_every_process_of_the_run_and_nothing_else(
    monkeypatch, capsys
):
    runs, started = [], []

    def start_hub(run):  # the hub, and a server in a session of its own as the hub starts one
        runs.append(run.id)
        script = f"import subprocess, time; subprocess.Popen({SLEEP!r}); time.sleep(120)"  # and a child
        for session in (False, True):
            env = {**os.environ, hub_check.MARK: run.id}
            started.append(
                subprocess.Popen([sys.executable, "-c", script], env=env, start_new_session=session)
            )
        wait_until(lambda: len(hub_check.run_processes(run.id)) == 4)

    def log_in(run):
        raise AssertionError("ran past --fail-at")

    def clean_up(run_id):  # the real one, only once run_processes is seen to pick just the run's four
        found = {p.pid for p in hub_check.run_processes(run_id)}
        ours = {p.pid for p in started} | {c.pid for p in started for c in psutil.Process(p.pid).children()}
        if found != ours:
            raise AssertionError(f"run_processes picks {len(found)} processes, not the run's 4: none stopped")
        return real_clean_up(run_id)

    real_clean_up = hub_check.clean_up
    monkeypatch.setattr(hub_check, "clean_up", clean_up)
    monkeypatch.setattr(hub_check, "STEPS", (start_hub, log_in))
    monkeypatch.setattr(hub_check, "ROOT", Path("/"))  # no folder to enter
    monkeypatch.setattr(hub_check, "run_users", list)  # no student users on a test machine
    monkeypatch.setattr(hub_check.signal, "signal", lambda *_: None)
    bystander = subprocess.Popen(SLEEP)
    try:
        assert hub_check.main(["--fail-at", "log_in"]) == 1
        out = capsys.readouterr().out
        assert "log_in failed: RuntimeError: failing on purpose" in out
        assert "nothing of this run is left" in out and hub_check.run_processes(runs[0]) == []
        assert bystander.poll() is None
    finally:  # only what this test started, whatever run_processes picks
        for process in started:
            with contextlib.suppress(psutil.NoSuchProcess):
                for child in psutil.Process(process.pid).children(recursive=True):
                    child.kill()
            process.kill()
        bystander.kill()


def test_a_pull_or_a_start_is_judged_by_the_last_event_of_its_stream():
    stream = 'data: {"phase": "running"}\n\n: keepalive\n\ndata: {"phase": "finished"}\n\n'
    assert hub_student.last_event(stream) == {"phase": "finished"}
    assert "502 Bad Gateway" in str(hub_student.last_event("<html>502 Bad Gateway</html>"))  # for the message


def test_kernels_are_the_servers_live_ones_and_its_memory_counts_them():
    script = (  # a server with a running kernel and an ended one it does not wait for (a zombie)
        "import subprocess, sys, time\nfor code in ('import time; time.sleep(120)', 'pass'):\n"
        "    subprocess.Popen([sys.executable, '-c', code, 'ipykernel'])\ntime.sleep(120)"
    )
    server = psutil.Process(subprocess.Popen([sys.executable, "-c", script]).pid)
    try:
        wait_until(lambda: any(p.status() == psutil.STATUS_ZOMBIE for p in server.children()))
        kernels = hub_student.Student.kernels(SimpleNamespace(pid=server.pid))
        assert [p.cmdline()[2] for p in kernels] == ["import time; time.sleep(120)"]
        alone = server.memory_info().rss / hub_student.MB
        assert hub_student.tree_mb(server.pid) > alone + 1  # the kernel is a whole Python interpreter
    finally:
        for process in [*server.children(), server]:
            process.kill()


def test_only_a_run_that_passes_every_step_records_its_class_for_the_guide(monkeypatch):
    def whole_class(run):
        run.students = [SimpleNamespace(row={"student": "s1", "peak MB": 1380.123456, "test accuracy": None})]
        run.kernels_culled_s, run.servers_culled_s = 27, 95

    saved = []
    monkeypatch.setattr(hub_check.measurements, "save", lambda *args: saved.append(args))
    monkeypatch.setattr(hub_check, "STEPS", (whole_class,))
    monkeypatch.setattr(hub_check, "ROOT", Path("/"))  # no folder to enter
    monkeypatch.setattr(hub_check, "clean_up", lambda run_id: [])
    monkeypatch.setattr(hub_check.signal, "signal", lambda *_: None)
    assert hub_check.main(["--fail-at", "whole_class"]) == 1 and saved == []
    assert hub_check.main([]) == 0
    ((section, content, machine),) = saved
    assert section == "hub" and content["students"] == [
        {"student": "s1", "peak MB": 1380.1235, "test accuracy": None}
    ]
    assert (content["kernels_culled_s"], content["servers_culled_s"]) == (27, 95) and "cores" in machine
    monkeypatch.setattr(hub_check, "clean_up", lambda run_id: ["user dla-student1"])  # something was left
    assert hub_check.main([]) == 1 and len(saved) == 1
