"""`make hub-check`'s pure parts: links, the table, the hub's configuration, and the clean-up.

The check itself (a real JupyterHub, three students training at once) is `make hub-check`; these
tests start no hub and take a second or two.
"""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import psutil
import pytest
from traitlets.config import Config

ROOT = Path(__file__).resolve().parent.parent
import hub_check  # noqa: E402

SLEEPER = [sys.executable, "-c", "import time; time.sleep(120)"]


def test_student_names_are_numbered_and_a_class_is_never_empty():
    assert hub_check.student_names(3) == ["student1", "student2", "student3"]
    with pytest.raises(ValueError, match="at least one student"):
        hub_check.student_names(0)


@pytest.mark.parametrize("repo, folder", [
    ("https://github.com/dl-architecture/deep-learning-architecture", "deep-learning-architecture"),
    ("https://github.com/dl-architecture/deep-learning-architecture/", "deep-learning-architecture"),
    ("/srv/course/deep-learning-architecture", "deep-learning-architecture"),
])
def test_repo_folder_is_where_nbgitpuller_pulls_to(repo, folder):
    assert hub_check.repo_folder(repo) == folder


def test_git_pull_link_goes_through_the_hub_and_keeps_every_argument_intact():
    repo = "https://example.org/a course/deep-learning-architecture?x=1&y=2"
    urlpath = hub_check.lesson_urlpath(repo, "notebooks/06_학습.ipynb")
    link = hub_check.git_pull_link(repo, "main", urlpath)
    parts = urlsplit(link)
    assert parts.path == "/hub/user-redirect/git-pull"
    assert " " not in link and "&y=2" not in link  # quoted, so the repo URL stays one argument
    assert parse_qs(parts.query) == {"repo": [repo], "branch": ["main"], "urlpath": [urlpath]}
    assert urlpath == "lab/tree/deep-learning-architecture?x=1&y=2/notebooks/06_학습.ipynb"


def test_printed_accuracy_reads_the_last_line_the_lesson_printed():
    stdout = "Epoch 10/10\n600/600 - 2s - accuracy: 0.9910\n\nTest accuracy: 0.9741\n"
    assert hub_check.printed_accuracy(stdout) == pytest.approx(0.9741)
    assert hub_check.printed_accuracy(stdout + "Test accuracy: 0.97\n") == pytest.approx(0.97)
    assert hub_check.printed_accuracy("accuracy: 0.99\n") is None


def result(name, peak, accuracy=0.975):
    return {"student": name, "idle_mb": 130.0, "peak_mb": peak, "after_mb": 900.0, "cpu_s": 40.4,
            "run_s": 160.0 + peak / 100, "accuracy": accuracy}


def test_table_has_a_row_per_student_a_total_and_the_machine():
    table = hub_check.format_table([result("student1", 1300.0), result("student2", 1400.0, None)],
                                   {"baseline_mb": 3000.0, "peak_mb": 5500.0, "hub_mb": 180.0})
    lines = table.splitlines()
    rows = [line for line in lines if line.startswith("|")]
    assert len({len(line) for line in rows}) == 1  # aligned columns
    assert [row.split("|")[1].strip() for row in rows] == ["student", "-" * 11, "student1", "student2",
                                                            "total (2)"]
    total = [cell.strip() for cell in rows[-1].split("|")[1:-1]]
    assert total[1:6] == ["260", "2,700", "1,800", "81", "174 (wall)"]
    assert rows[3].split("|")[-2].strip() == "-"  # no accuracy measured
    assert "3,000 MB used before" in lines[-1] and "5,500 MB at the peak (+2,500 MB)" in lines[-1]
    assert "the hub and its proxy: 180 MB" in lines[-1]


def test_step_names_the_step_and_the_student_of_any_failure():
    with pytest.raises(hub_check.StepFailed) as failure:
        with hub_check.step("pull course", "student2"):
            raise OSError("git is missing")
    assert str(failure.value) == "step 'pull course' for student2: OSError: git is missing"
    with pytest.raises(hub_check.StepFailed, match="on purpose"):
        with hub_check.step("login", fail_at="login"):
            pass
    with hub_check.step("login", fail_at="shut down"):
        pass


def test_the_hub_environment_is_the_student_lock_plus_the_hub_packages():
    requirements = hub_check.hub_requirements()
    assert requirements[0] == f"-r {ROOT / 'requirements.lock'}"
    assert f"-e {ROOT}" in requirements
    assert {r.split("==")[0] for r in requirements[2:]} == {"jupyterhub", "nbgitpuller"}


def test_hub_config_listens_on_loopback_and_lets_in_only_the_class(monkeypatch):
    settings = {"HUB_CHECK_PORT": "8000", "HUB_CHECK_HUB_PORT": "8001", "HUB_CHECK_PROXY_API_PORT": "8002",
                "HUB_CHECK_CHP": "/x/chp", "HUB_CHECK_PROXY_TOKEN": "t", "HUB_CHECK_STATE": "/x/state",
                "HUB_CHECK_PASSWORD": "p" * 12, "HUB_CHECK_STUDENTS": '["student1", "student2"]',
                "HUB_CHECK_HOMES": "/x/home", "HUB_CHECK_SINGLEUSER": "/x/jupyterhub-singleuser",
                "HUB_CHECK_SERVER_ENV": '{"MNIST_NPZ": "/data/mnist.npz"}'}
    for name, value in settings.items():
        monkeypatch.setenv(name, value)
    config = Config()
    exec(compile(hub_check.CONFIG.read_text(encoding="utf-8"), str(hub_check.CONFIG), "exec"),
         {"get_config": lambda: config})
    assert config.JupyterHub.ip == config.JupyterHub.hub_ip == "127.0.0.1"
    assert config.ConfigurableHTTPProxy.api_url == "http://127.0.0.1:8002"
    assert config.Authenticator.allowed_users == {"student1", "student2"}
    assert config.SimpleLocalProcessSpawner.home_dir_template == "/x/home/{username}"
    assert config.Spawner.environment == {"MNIST_NPZ": "/data/mnist.npz"}
    assert "--ServerApp.ip=127.0.0.1" in config.Spawner.args


def marked(run_id, **kwargs):
    """A sleeping process with the run's mark, and one child of its own (the kernel's place)."""
    script = ("import subprocess, sys, time; subprocess.Popen([sys.executable, '-c', "
              "'import time; time.sleep(120)']); time.sleep(120)")
    return subprocess.Popen([sys.executable, "-c", script], env={**os.environ, hub_check.MARK: run_id},
                            **kwargs)


def wait_for(condition, timeout=10):
    deadline = time.monotonic() + timeout
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.05)
    return condition()


def test_tree_usage_counts_a_process_and_its_children():
    run_id = uuid.uuid4().hex
    parent = marked(run_id)
    try:
        assert wait_for(lambda: len(psutil.Process(parent.pid).children()) == 1)
        rss, cpu = hub_check.tree_usage(psutil.Process(parent.pid))
        assert rss > psutil.Process(parent.pid).memory_info().rss / 1e6
        assert cpu >= 0
    finally:
        hub_check.clean_up(run_id)


def test_a_failing_step_still_stops_every_process_of_the_run_and_nothing_else():
    run_id = uuid.uuid4().hex
    # A "hub" in its own process group, and a "server" in a session of its own, as JupyterHub's are.
    hub = marked(run_id, start_new_session=True)
    server = marked(run_id, start_new_session=True)
    bystander = subprocess.Popen(SLEEPER)  # not of this run: must survive
    try:
        assert wait_for(lambda: len(hub_check.marked_processes(run_id)) == 4)

        def body():
            raise hub_check.StepFailed("run lesson", "code cell 3 raised ValueError", "student2")

        with pytest.raises(hub_check.StepFailed):
            hub_check.run_with_cleanup(body, run_id, {"hub": hub})
        assert hub_check.marked_processes(run_id) == []
        assert hub.poll() is not None and server.poll() is not None
        assert bystander.poll() is None
    finally:
        bystander.kill()
        hub_check.stop_processes(hub_check.marked_processes(run_id))
