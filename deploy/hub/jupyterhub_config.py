"""JupyterHub configuration for the course on one machine (``deploy/hub/up.py`` writes the state).

Everything comes from environment variables that ``up.py`` sets, so this file has no paths of its
own: ``HUB_STATE`` (the state folder), ``HUB_PORT`` (the public port; the hub's API and the
proxy's API take the next two), ``HUB_INSTRUCTOR``, ``HUB_LEARNERS`` (comma-separated),
``HUB_VENV`` (the Python environment with nbgrader and jupyterhub), ``HUB_RUNTIME`` (the
users' interpreter on that environment's packages) and ``HUB_PROXY`` (the
``configurable-http-proxy`` command from ``node_modules``).

Log-in is PAM against the machine's real users; each user's server is started by the default
``LocalProcessSpawner``, as that user, in their home. The instructor's server finds the course
(and the formgrader) through ``$HUB_STATE/config/instructor``; learners' servers see only the
exchange through ``$HUB_STATE/config/learner``.
"""

import os

from sentiment_lib.environment import course_environment

c = get_config()  # noqa: F821  (provided by traitlets when jupyterhub loads this file)

STATE = os.environ["HUB_STATE"]
PORT = int(os.environ.get("HUB_PORT", "8000"))
INSTRUCTOR = os.environ["HUB_INSTRUCTOR"]
LEARNERS = [u for u in os.environ["HUB_LEARNERS"].split(",") if u]
VENV = os.environ["HUB_VENV"]  # the course's venv: its packages, lab extensions and server config
RUNTIME = os.environ["HUB_RUNTIME"]  # the users' interpreter (up.py's build_runtime) reading VENV's packages

# --- where it listens and keeps its state (so a restart, even after kill -9, finds everything) ---
c.JupyterHub.bind_url = f"http://127.0.0.1:{PORT}"
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = PORT + 1
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{PORT + 2}"
c.ConfigurableHTTPProxy.command = [os.environ["HUB_PROXY"]]
c.ConfigurableHTTPProxy.pid_file = f"{STATE}/hub/jupyterhub-proxy.pid"
c.JupyterHub.db_url = f"sqlite:///{STATE}/hub/jupyterhub.sqlite"
c.JupyterHub.cookie_secret_file = f"{STATE}/hub/jupyterhub_cookie_secret"
c.JupyterHub.pid_file = f"{STATE}/hub/jupyterhub.pid"
c.JupyterHub.cleanup_servers = True  # Ctrl-C stops the users' servers too

# --- accounts: real local users, PAM passwords; the instructor is the hub's admin ---
c.JupyterHub.authenticator_class = "pam"
c.PAMAuthenticator.open_sessions = False  # no login session (utmp, systemd) for a notebook server
c.Authenticator.allowed_users = {INSTRUCTOR, *LEARNERS}
c.Authenticator.admin_users = {INSTRUCTOR}

# --- each user's own server, as that user ---
c.JupyterHub.spawner_class = "localprocess"
c.Spawner.cmd = [f"{RUNTIME}/bin/python", "-m", "jupyterhub.singleuser"]
c.Spawner.default_url = "/tree"
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 120
# the hub passes no environment by default: only what the course needs (no GPU) and the course's offline
# environment, enforced (sentiment_lib.environment; the data and the model stay the hub's own
# SENTIMENT_DATA_DIR and SENTIMENT_MODEL where set, else ../shared/data/imdb and the packaged encoder)
_BASE_ENV = {
    "PATH": f"{RUNTIME}/bin:/usr/local/bin:/usr/bin:/bin",
    "JUPYTER_PATH": f"{RUNTIME}/share/jupyter:{VENV}/share/jupyter",  # its kernelspec first
    "PYTHONPATH": f"{STATE}/lib",  # a copy of sentiment_lib: learners never read the repository
    **course_environment(offline=True, enforce=True),
}
c.Spawner.env_keep = []


def _course_environment(spawner):
    """The instructor's server sees the course's config; a learner's only the exchange's."""
    role = "instructor" if spawner.user.name == INSTRUCTOR else "learner"
    spawner.environment = dict(_BASE_ENV, JUPYTER_CONFIG_PATH=f"{STATE}/config/{role}:{VENV}/etc/jupyter")


c.Spawner.pre_spawn_hook = _course_environment
