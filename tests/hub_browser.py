"""The course's JupyterHub (``deploy/hub/up.py``) in a test, and a browser that uses it.

``Hub`` starts the hub in a fresh state folder, kills it (``kill -9``) and restarts it, and runs
commands as the hub's users (``as_user``), the way they would in a terminal of their own server.
``Browser`` is headless Chromium (Debian's ``chromium`` and ``chromedriver``, as in
``tests/test_book.py``) logged in as one user: it opens nbgrader's Assignments list and clicks its
buttons, and calls a server's HTTP API from the logged-in page (``fetch`` with the ``_xsrf``
cookie) for the steps the brief allows through the API.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from sentiment_lib.environment import course_environment

ROOT = Path(__file__).resolve().parents[1]
CHROMEDRIVER = Path("/usr/bin/chromedriver")
CHROME_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--window-size=1280,1000"]


def wait_for(condition, timeout=30.0, step=0.25, message="condition"):
    """Poll ``condition()`` until it returns something truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    last_error = None
    while time.monotonic() < deadline:
        try:
            value = condition()
            if value:
                return value
        except Exception as error:  # noqa: BLE001 - the page may be between states
            last_error = error
        time.sleep(step)
    raise AssertionError(f"timed out after {timeout} s waiting for {message} (last error: {last_error!r})")


def free_port_base() -> int:
    """A port P with P, P+1 and P+2 free on 127.0.0.1 (the proxy, the hub's API, the proxy's API)."""
    for _ in range(50):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            base = s.getsockname()[1]
        if base < 65000 and all(_free(base + i) for i in (1, 2)):
            return base
    raise RuntimeError("no three free ports in a row")


def _free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


class Hub:
    """``deploy/hub/up.py --detach`` in ``state``; the accounts ``instructor`` and ``learners``."""

    def __init__(self, state: Path, instructor: str, learners: list[str]):
        self.state, self.instructor, self.learners = state, instructor, learners
        self.port = free_port_base()
        self.url = f"http://127.0.0.1:{self.port}"
        self.course = state / "home" / instructor / "course"
        self.exchange = state / "exchange"

    def start(self) -> float:
        """Bring the hub up; return the seconds until it answered."""
        t = time.monotonic()
        done = subprocess.run(
            [sys.executable, str(ROOT / "deploy" / "hub" / "up.py"), "--detach", "--state", str(self.state),
             "--port", str(self.port), "--instructor", self.instructor, "--learners", ",".join(self.learners)],
            capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
        assert done.returncode == 0, f"up.py failed:\n{done.stdout}\n{done.stderr}\n{self.log()[-3000:]}"
        self.banner = done.stdout
        return time.monotonic() - t

    @property
    def passwords(self) -> dict[str, str]:
        text = (self.state / "hub" / "passwords.txt").read_text()
        return dict(line.split(":", 1) for line in text.split())

    def pid(self) -> int:
        return int((self.state / "hub" / "jupyterhub.pid").read_text())

    def kill9(self) -> None:
        """``kill -9`` the hub process, as a crash would (the proxy and users' servers live on)."""
        pid = self.pid()
        os.kill(pid, signal.SIGKILL)
        wait_for(lambda: not Path(f"/proc/{pid}").exists() or _zombie(pid), 10, message="the hub to die")

    def stop(self) -> None:
        """SIGTERM the hub (it stops the users' servers and the proxy), then anything of theirs left."""
        try:
            pid = self.pid()
            os.kill(pid, signal.SIGTERM)
            wait_for(lambda: not Path(f"/proc/{pid}").exists() or _zombie(pid), 30, message="the hub to stop")
        except (OSError, ValueError, AssertionError):
            pass
        uids = {int(subprocess.run(["id", "-u", u], capture_output=True, text=True).stdout or -1)
                for u in [self.instructor, *self.learners]}
        proxy = self.state / "hub" / "jupyterhub-proxy.pid"
        pids = [int(proxy.read_text())] if proxy.exists() else []
        pids += [int(p.name) for p in Path("/proc").iterdir() if p.name.isdigit() and _uid(p) in uids]
        for pid in pids:  # only the processes this hub started: its proxy and its users' servers
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass

    def log(self) -> str:
        path = self.state / "hub" / "jupyterhub.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def as_user(self, user: str, *cmd: str, cwd: Path | None = None, check=True) -> subprocess.CompletedProcess:
        """Run CMD as USER with the environment the hub gives their server (its role's config)."""
        role = "instructor" if user == self.instructor else "learner"
        venv = Path(sys.executable).parent.parent
        runtime = self.state / "runtime"
        env = {"PATH": f"{runtime}/bin:/usr/bin:/bin", "HOME": str(self.state / "home" / user), "USER": user,
               "PYTHONPATH": str(self.state / "lib"), "JUPYTER_PATH": f"{runtime}/share/jupyter:{venv}/share/jupyter",
               "JUPYTER_CONFIG_PATH": f"{self.state}/config/{role}:{venv}/etc/jupyter",
               **course_environment(offline=True, enforce=True)}  # as deploy/hub/jupyterhub_config.py gives it
        done = subprocess.run(["runuser", "-u", user, "--", "env", "-i", *[f"{k}={v}" for k, v in env.items()], *cmd],
                              cwd=cwd or self.state / "home" / user, capture_output=True, text=True, timeout=600)
        if check and done.returncode != 0:
            raise AssertionError(f"{user}$ {' '.join(cmd)} failed ({done.returncode}):\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
        return done


def _uid(proc: Path) -> int:
    try:
        return proc.stat().st_uid
    except OSError:
        return -1


def _zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[1].split()[0] == "Z"
    except OSError:
        return True


def chromium_missing() -> str | None:
    """Why the browser cannot start here, or None."""
    if not Path("/usr/bin/chromium").exists() or not CHROMEDRIVER.is_file():
        return "Debian's chromium and chromium-driver are needed: apt-get install chromium chromium-driver"
    return None


FETCH_JS = """
const [method, url, body, done] = arguments;
const xsrf = (document.cookie.match(/(?:^|; )_xsrf=([^;]*)/) || [])[1] || '';
fetch(url, {method, body, credentials: 'same-origin',
            headers: {'X-XSRFToken': decodeURIComponent(xsrf), 'Content-Type': 'application/json'}})
  .then(async r => done([r.status, await r.text()])).catch(e => done([0, String(e)]));
"""


class Browser:
    """Headless Chromium logged in to the hub as one user."""

    def __init__(self, hub: Hub, user: str, profile: Path):
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service

        options = webdriver.ChromeOptions()
        options.binary_location = "/usr/bin/chromium"
        for flag in [*CHROME_FLAGS, f"--user-data-dir={profile}"]:
            options.add_argument(flag)
        self.driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
        self.driver.set_page_load_timeout(90)
        self.driver.set_script_timeout(300)
        self.hub, self.user = hub, user
        self.server = f"{hub.url}/user/{user}"

    def login(self) -> None:
        """Log in on the hub's form (PAM) and wait for the user's own server to answer."""
        from selenium.webdriver.common.by import By

        d = self.driver
        d.get(f"{self.hub.url}/hub/login")
        d.find_element(By.ID, "username_input").send_keys(self.user)
        d.find_element(By.ID, "password_input").send_keys(self.hub.passwords[self.user])
        d.find_element(By.ID, "login_submit").click()
        wait_for(lambda: d.current_url.startswith(f"{self.server}/"), 120, message=f"{self.user}'s server")

    def api(self, method: str, path: str, body=None) -> tuple[int, str]:
        """An HTTP request from the logged-in page to PATH under the user's server (or the hub's)."""
        url = path if path.startswith(("/hub/", "/user/")) else f"/user/{self.user}{path}"
        data = None if body is None else (body if isinstance(body, str) else json.dumps(body))
        return tuple(self.driver.execute_async_script(FETCH_JS, method, url, data))

    def text(self) -> str:
        from selenium.webdriver.common.by import By

        return self.driver.find_element(By.TAG_NAME, "body").text

    def quit(self) -> None:
        self.driver.quit()
