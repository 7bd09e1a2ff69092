"""JupyterHub configuration of `make hub-check`: a class on 127.0.0.1, from the settings.json that
tools/hub_check.py writes into the hub's state folder (ports, class list, culling times). A starting
point for a small real hub: swap the shared password for the school's login, lengthen the times.
"""

import json
import sys
from pathlib import Path

c = get_config()  # noqa: F821 (JupyterHub hands its config files get_config)
run = json.loads(Path("settings.json").read_text(encoding="utf-8"))

# Only this machine: the proxy (what students reach), the hub and the proxy's API on loopback.
c.JupyterHub.ip = c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.port, c.JupyterHub.hub_port = run["port"], run["hub_port"]
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{run['proxy_api_port']}"
c.ConfigurableHTTPProxy.command = [run["proxy"]]

# Test-only login: one shared password, and only the class list may use it.
c.JupyterHub.authenticator_class = "shared-password"
c.SharedPasswordAuthenticator.user_password = run["password"]
c.Authenticator.allowed_users = set(run["students"])

# Each server runs as its student's Unix user (same name) in their home, so a kernel cannot open
# another student's files.
c.JupyterHub.spawner_class = "localprocess"
c.Spawner.default_url = "/lab"
c.Spawner.start_timeout, c.Spawner.http_timeout = 300, 180  # TensorFlow on two busy cores

# An idle kernel holds about a gigabyte: the server shuts down a kernel that has had no activity
# and no open tab for kernel_idle seconds. jupyterhub-idle-culler stops a server idle for
# server_idle seconds; servers and proxy report activity often enough that a training kernel counts.
every = max(1, run["server_idle"] // 6)
c.Spawner.args = [
    f"--MappingKernelManager.cull_idle_timeout={run['kernel_idle']}",
    f"--MappingKernelManager.cull_interval={max(1, run['kernel_idle'] // 6)}",
]
c.Spawner.environment = {**run["server_env"], "JUPYTERHUB_ACTIVITY_INTERVAL": str(every)}
c.JupyterHub.last_activity_interval = every
culler = [sys.executable, "-m", "jupyterhub_idle_culler", f"--timeout={run['server_idle']}"]
culler += [f"--cull-every={every}"]
c.JupyterHub.services = [{"name": "idle-culler", "environment": run["service_env"], "command": culler}]
scopes = ["list:users", "read:users:activity", "read:servers", "delete:servers"]
c.JupyterHub.load_roles = [{"name": "idle-culler", "services": ["idle-culler"], "scopes": scopes}]
