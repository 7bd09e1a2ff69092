"""JupyterHub configuration of `make hub-check` (tools/hub_check.py): a small class on 127.0.0.1.

tools/hub_check.py starts ``jupyterhub -f tools/hub_check_config.py`` with the settings of one run
in HUB_CHECK_* environment variables (ports chosen free at run time, the students, the shared
password, paths under build/hub/). The same file is a starting point for a real small hub: swap
the test-only authenticator and spawner for real ones (see the README's JupyterHub section).
"""

import json
import os

c = get_config()  # noqa: F821 (JupyterHub provides get_config to its config files)
run = os.environ

# Only this machine: the proxy (what students reach), the hub and the proxy's API on loopback.
c.JupyterHub.ip = "127.0.0.1"
c.JupyterHub.port = int(run["HUB_CHECK_PORT"])
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = int(run["HUB_CHECK_HUB_PORT"])
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{run['HUB_CHECK_PROXY_API_PORT']}"
c.ConfigurableHTTPProxy.command = [run["HUB_CHECK_CHP"]]
c.ConfigurableHTTPProxy.auth_token = run["HUB_CHECK_PROXY_TOKEN"]
c.JupyterHub.db_url = f"sqlite:///{run['HUB_CHECK_STATE']}/jupyterhub.sqlite"
c.JupyterHub.cookie_secret_file = f"{run['HUB_CHECK_STATE']}/jupyterhub_cookie_secret"
# Stopping the hub stops every student's server and the proxy it started.
c.JupyterHub.cleanup_servers = True
c.JupyterHub.cleanup_proxy = True

# Test-only login: one shared password, and only the listed students may use it.
c.JupyterHub.authenticator_class = "shared-password"
c.SharedPasswordAuthenticator.user_password = run["HUB_CHECK_PASSWORD"]
c.Authenticator.allowed_users = set(json.loads(run["HUB_CHECK_STUDENTS"]))

# Test-only spawner: every server runs as this machine's user, in its own home folder
# (build/hub/home/NAME). It separates students on the web (tokens, cookies), not on the disk.
c.JupyterHub.spawner_class = "simple"
c.SimpleLocalProcessSpawner.home_dir_template = run["HUB_CHECK_HOMES"] + "/{username}"
c.Spawner.cmd = [run["HUB_CHECK_SINGLEUSER"]]
c.Spawner.args = ["--ServerApp.ip=127.0.0.1"]
if os.geteuid() == 0:  # as on CI: Jupyter refuses root unless told
    c.Spawner.args.append("--allow-root")
c.Spawner.default_url = "/lab"
# The single-user environment's PATH (its python3 kernel, git for nbgitpuller), MNIST_NPZ, the
# course's TensorFlow settings, and the run's mark that lets the check find every process it made.
c.Spawner.environment = json.loads(run["HUB_CHECK_SERVER_ENV"])
# Three servers importing TensorFlow on two busy cores start slowly.
c.Spawner.start_timeout = 300
c.Spawner.http_timeout = 180
