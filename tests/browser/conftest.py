"""Browser tests (`make browser-test`): lessons in JupyterLab in headless Chromium, with pytest-playwright.

JupyterLab runs from this environment for the whole session, on 127.0.0.1 with a random port and
token, on a temporary copy of notebooks/ (the repository's stored outputs are never rewritten),
with the settings overrides `make setup` installs from binder/overrides.json and a memory limit of
2 GB, as on Binder. The browser is Debian's /usr/bin/chromium (`make browser-test` installs it
with apt-get); Playwright only drives it.
"""

import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from chromium_fixtures import browser_type_launch_args  # noqa: F401 (a fixture)
from navigation import NOTEBOOKS
from ports import free_port

from helpers.environment import quiet_tensorflow

MEM_LIMIT = str(2 * 1024**3)  # bytes; Binder sets MEM_LIMIT, jupyter-resource-usage shows it
# Test-only user settings: every cell stays in the page (no windowing, so every output can be
# checked) and nothing is autosaved.
USER_SETTINGS = {
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
}
SERVER_START_TIMEOUT = 90  # seconds


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 1280, "height": 1000}}


class Lab:
    """A running JupyterLab server: its address, token and REST API."""

    def __init__(self, port, token):
        self.base, self.token = f"http://127.0.0.1:{port}", token

    def url(self, path):
        return f"{self.base}/{path}?token={self.token}"

    def api(self, path, method="GET"):
        request = urllib.request.Request(
            f"{self.base}/api/{path}", method=method, headers={"Authorization": f"token {self.token}"}
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            body = response.read()
        return json.loads(body) if body else None

    def kernel_ids(self):
        return {kernel["id"] for kernel in self.api("kernels")}


@pytest.fixture(scope="session")
def lab(tmp_path_factory):
    """JupyterLab on a copy of notebooks/; stopped with all its kernels at the end."""
    workdir = tmp_path_factory.mktemp("lab")
    shutil.copytree(NOTEBOOKS, workdir / "notebooks", ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    for name, values in USER_SETTINGS.items():
        path = workdir / "settings" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values), encoding="utf-8")
    env = quiet_tensorflow(
        dict(
            os.environ,
            MEM_LIMIT=MEM_LIMIT,
            JUPYTERLAB_SETTINGS_DIR=str(workdir / "settings"),
            JUPYTERLAB_WORKSPACES_DIR=str(workdir / "workspaces"),
            JUPYTER_RUNTIME_DIR=str(workdir / "runtime"),
        )
    )
    port, token = free_port(), secrets.token_hex(24)
    command = [
        str(Path(sys.executable).parent / "jupyter"),
        "lab",
        "--no-browser",
        "--ip=127.0.0.1",
        f"--port={port}",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={workdir}",
        "--LabApp.expose_app_in_browser=True",
    ]
    if os.geteuid() == 0:
        command.append("--allow-root")
    log = workdir / "jupyterlab.log"
    with open(log, "w", encoding="utf-8") as output:
        process = subprocess.Popen(
            command, cwd=workdir, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
        )
    server = Lab(port, token)
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while True:  # the server answers when it is ready; nothing in a page to wait on yet
            if process.poll() is not None:
                pytest.fail(f"jupyter lab exited with {process.returncode}:\n{log.read_text()[-3000:]}")
            try:
                server.api("status")
                break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail(f"jupyter lab did not answer within {SERVER_START_TIMEOUT} s")
                time.sleep(0.5)
        yield server
    finally:
        os.killpg(process.pid, signal.SIGTERM)  # the server and every kernel it started
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


@pytest.fixture(autouse=True)
def no_kernels_left(lab):
    """End every session (and its kernel) after each test, passed or failed: the next one gets the memory."""
    yield
    for session in lab.api("sessions"):
        lab.api(f"sessions/{session['id']}", method="DELETE")
