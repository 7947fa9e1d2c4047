#!/usr/bin/env python
"""Bring the course up on a JupyterHub on this machine, with one command (``make hub``).

Run as root (the hub starts each user's server as that user)::

    python deploy/hub/up.py                                  # foreground; Ctrl-C stops it all
    python deploy/hub/up.py --detach                         # returns once the hub answers
    python deploy/hub/up.py --state /srv/course --port 8000 --instructor teacher --learners alice,bob

It is idempotent: a second run (after a reboot, a crash, ``kill -9``) keeps the accounts, the
passwords, the course, the exchange, the gradebook and the hub's database, and only starts the hub.

What it sets up under ``--state`` (default ``/srv/distilbert-hub``)::

    hub/          root only: the hub's database, cookie secret, passwords.txt, jupyterhub.log
    exchange/     nbgrader's exchange (1777): outbound (released), inbound (submitted), feedback
    home/USER/    each account's home (0700); the instructor's holds course/, the nbgrader course
    config/       the nbgrader config each role's server loads (instructor: the course; learner: the exchange)
    lib/          a copy of sentiment_lib and course_grading, which kernels import (not the repository)

See docs/hub.md.
"""

from __future__ import annotations

import argparse
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

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
COURSE_ID = "distilbert-sentiment"
COURSE_FILES = ["nbgrader_config.py", "solutions", "exercises", "nbgrader_templates"]


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--state", type=Path, default=Path(os.environ.get("HUB_STATE", "/srv/distilbert-hub")),
                   help="folder for everything the hub keeps (default: $HUB_STATE or /srv/distilbert-hub)")
    p.add_argument("--port", type=int, default=int(os.environ.get("HUB_PORT", "8000")),
                   help="public port on 127.0.0.1 (the next two are the hub's and the proxy's APIs)")
    p.add_argument("--instructor", default="teacher", help="the instructor's account")
    p.add_argument("--learners", default="alice,bob,carol", help="learners' accounts, comma-separated")
    p.add_argument("--detach", action="store_true", help="return once the hub answers; stop it with kill PID")
    return p.parse_args(argv)


def run(*cmd: str, **kw) -> None:
    if "input" not in kw:
        kw["stdin"] = subprocess.DEVNULL
    subprocess.run(cmd, check=True, **kw)


def ensure_user(name: str, home: Path) -> None:
    """A real local account with its home under the state folder (0700, owned by the user)."""
    exists = subprocess.run(["id", "-u", name], capture_output=True).returncode == 0
    if not exists:
        run("useradd", "--home-dir", str(home), "--no-create-home", "--shell", "/bin/bash", name)
    else:
        run("usermod", "--home", str(home), name, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    home.mkdir(parents=True, exist_ok=True)
    shutil.chown(home, name, name)
    home.chmod(0o700)


def ensure_passwords(state: Path, users: list[str]) -> dict[str, str]:
    """Random passwords, set once with chpasswd and kept in hub/passwords.txt (root only)."""
    path = state / "hub" / "passwords.txt"
    known = dict(line.split(":", 1) for line in path.read_text().split()) if path.exists() else {}
    new = {u: secrets.token_urlsafe(9) for u in users if u not in known}
    if new:
        lines = "".join(f"{u}:{p}\n" for u, p in new.items())
        run("chpasswd", input=lines.encode())
        known.update(new)
        path.write_text("".join(f"{u}:{p}\n" for u, p in known.items()))
        path.chmod(0o600)
    return known


def world_runnable(path: Path) -> bool:
    """Whether every user may run PATH (each folder above it searchable by others)."""
    path = path.resolve()
    return path.is_file() and all(p.stat().st_mode & 0o001 for p in [path, *path.parents])


def base_python(state: Path) -> Path:
    """This Python's interpreter, at a path every user may run.

    A venv on an interpreter under /root (pyenv's) cannot be run by the users: then its
    installation is copied to STATE/python as hard links (no extra space, a few seconds, once),
    its interpreter as a real copy that finds its libpython beside it.
    Not Debian's python3 of the same version: 3.11.2's regular expressions break soupsieve, and
    with it nbconvert's HTML (the feedback and the formgrader's notebook views).
    """
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    own = Path(sys.base_prefix) / "bin" / version
    if world_runnable(own):
        return own
    copy = state / "python"
    if not (copy / "bin" / version).exists():
        shutil.rmtree(copy, ignore_errors=True)
        if subprocess.run(["cp", "-al", sys.base_prefix, str(copy)], capture_output=True).returncode != 0:
            shutil.rmtree(copy, ignore_errors=True)
            run("cp", "-a", sys.base_prefix, str(copy))  # another filesystem: a real copy
        relocate(copy / "bin" / version, f"{sys.base_prefix}/lib")
        run("chmod", "-R", "a+rX", str(copy))
    return copy / "bin" / version


def relocate(binary: Path, libdir: str) -> None:
    """Point BINARY's RUNPATH (LIBDIR, where it finds libpython) at ``$ORIGIN/../lib``.

    The copy is made a file of its own first (it was a hard link to the original). The new path is
    shorter, so it is written over the old one in the ELF string table and padded with NULs; no
    environment variable is needed, which matters in the grading sandbox (it clears the environment).
    """
    data = binary.read_bytes()
    old, new = libdir.encode() + b"\0", b"$ORIGIN/../lib\0"
    if old in data and len(new) <= len(old):
        data = data.replace(old, new.ljust(len(old), b"\0"), 1)
    mode = binary.stat().st_mode
    binary.unlink()
    binary.write_bytes(data)
    binary.chmod(mode)


def build_runtime(state: Path) -> Path:
    """The users' Python: a venv on this venv's interpreter, at a path they may run, reading its packages.

    The course's venv may sit on an interpreter only root can run (pyenv under /root); the users'
    servers and kernels run this one instead, with the same packages, a kernelspec and the venv's
    console scripts (nbgrader, jupyter) pointing at it.
    """
    runtime = state / "runtime"
    shutil.rmtree(runtime, ignore_errors=True)
    python = base_python(state)
    run(str(python), "-m", "venv", "--without-pip", str(runtime))
    site = next((runtime / "lib").glob("python3*/site-packages"))
    packages = next((Path(sys.prefix) / "lib").glob("python3*/site-packages"))
    (site / "course_venv.pth").write_text(f"import site; site.addsitedir({str(packages)!r})\n")
    python = runtime / "bin" / "python"
    for script in (Path(sys.prefix) / "bin").iterdir():  # console scripts, re-pointed at the runtime
        head = script.read_bytes()[:200] if script.is_file() and not script.is_symlink() else b""
        if head.startswith(f"#!{sys.prefix}/bin/python".encode()) and not (runtime / "bin" / script.name).exists():
            text = script.read_text().split("\n", 1)[1]
            (runtime / "bin" / script.name).write_text(f"#!{python}\n{text}")
            (runtime / "bin" / script.name).chmod(0o755)
    kernel = runtime / "share" / "jupyter" / "kernels" / "python3"
    kernel.mkdir(parents=True)
    (kernel / "kernel.json").write_text(json.dumps({
        "argv": [str(python), "-Xfrozen_modules=off", "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (ipykernel)", "language": "python"}, indent=1))
    run("chmod", "-R", "a+rX", str(runtime))
    return runtime


def write_configs(state: Path, instructor: str) -> None:
    """The nbgrader (and server) config that each role's server loads through JUPYTER_CONFIG_PATH."""
    course = state / "home" / instructor / "course"
    common = (f"c = get_config()  # noqa: F821\n"
              f"c.Exchange.root = {str(state / 'exchange')!r}\n"
              f"c.CourseDirectory.course_id = {COURSE_ID!r}\n")
    learner, teacher = state / "config" / "learner", state / "config" / "instructor"
    for folder in (learner, teacher):
        folder.mkdir(parents=True, exist_ok=True)
        folder.chmod(0o755)
    (learner / "nbgrader_config.py").write_text(common)
    # a learner's server has no formgrader (it would show an empty gradebook of their own)
    (learner / "jupyter_server_config.json").write_text(json.dumps(
        {"ServerApp": {"jpserver_extensions": {"nbgrader.server_extensions.formgrader": False}}}, indent=1))
    (teacher / "nbgrader_config.py").write_text(
        common
        + f"c.CourseDirectory.root = {str(course)!r}\n"
        + f"load_subconfig({str(course / 'nbgrader_config.py')!r})  # noqa: F821  the course's own settings\n"
        + "# late submissions (after the due date set in the formgrader) score zero\n"
        + "c.LateSubmissionPlugin.penalty_method = 'zero'\n")


def ensure_course(state: Path, instructor: str) -> Path:
    """The nbgrader course in the instructor's home, copied from the repository once."""
    course = state / "home" / instructor / "course"
    if not course.exists():
        course.mkdir()
        for name in COURSE_FILES:
            src = ROOT / name
            (shutil.copytree if src.is_dir() else shutil.copy2)(src, course / name)
        run("chown", "-R", f"{instructor}:{instructor}", str(course))
        course.chmod(0o700)
    return course


def prepare(args: argparse.Namespace) -> dict[str, str]:
    """Accounts, folders, exchange, configs and course; returns the passwords."""
    state, learners = args.state.resolve(), [u for u in args.learners.split(",") if u]
    for sub, mode in (("", 0o755), ("hub", 0o700), ("home", 0o755), ("config", 0o755)):
        (state / sub).mkdir(parents=True, exist_ok=True)
        (state / sub).chmod(mode)
    exchange = state / "exchange"
    exchange.mkdir(exist_ok=True)
    exchange.chmod(0o1777)  # nbgrader's own layout below it keeps learners out of each other's work
    for user in [args.instructor, *learners]:
        ensure_user(user, state / "home" / user)
    passwords = ensure_passwords(state, [args.instructor, *learners])
    lib = state / "lib"
    shutil.rmtree(lib, ignore_errors=True)
    for package in ("sentiment_lib", "course_grading"):  # sentiment_lib.grading re-exports course_grading's checks
        shutil.copytree(ROOT / package, lib / package, ignore=shutil.ignore_patterns("__pycache__", "tests"))
    run("chmod", "-R", "a+rX", str(lib))
    build_runtime(state)
    write_configs(state, args.instructor)
    ensure_course(state, args.instructor)
    return passwords


def hub_command(args: argparse.Namespace) -> tuple[list[str], dict[str, str]]:
    proxy = ROOT / "node_modules" / ".bin" / "configurable-http-proxy"
    if not proxy.exists():
        sys.exit("configurable-http-proxy is missing: run `npm ci` in the repository (package-lock.json pins it)")
    env = dict(os.environ, HUB_STATE=str(args.state.resolve()), HUB_PORT=str(args.port),
               HUB_INSTRUCTOR=args.instructor, HUB_LEARNERS=args.learners, HUB_VENV=sys.prefix,
               HUB_RUNTIME=str(args.state.resolve() / "runtime"),
               HUB_PROXY=str(proxy), PATH=f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}")
    cmd = [str(Path(sys.executable).with_name("jupyterhub")), "-f", str(HERE / "jupyterhub_config.py")]
    return cmd, env


def wait_until_up(port: int, proc: subprocess.Popen, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit(f"jupyterhub exited with status {proc.returncode}; see its log")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/hub/health", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.3)
    sys.exit(f"jupyterhub did not answer on port {port} within {timeout:.0f} s")


def main(argv=None) -> int:
    args = parse_args(argv)
    if os.geteuid() != 0:
        sys.exit("run as root: the hub creates the accounts and starts each user's server as that user")
    start = time.monotonic()
    passwords = prepare(args)
    cmd, env = hub_command(args)
    log_path = args.state.resolve() / "hub" / "jupyterhub.log"
    log = open(log_path, "a", encoding="utf-8")
    proc = subprocess.Popen(cmd, cwd=args.state / "hub", env=env, stdout=log, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL, start_new_session=True)
    wait_until_up(args.port, proc)
    users = ", ".join(f"{u} ({'instructor' if u == args.instructor else 'learner'})" for u in passwords)
    stop = f"kill {proc.pid}" if args.detach else "Ctrl-C"
    print(f"The course's JupyterHub is up after {time.monotonic() - start:.1f} s.\n"
          f"  Point a browser at http://127.0.0.1:{args.port}/  (formgrader: /user/{args.instructor}/formgrader)\n"
          f"  Accounts: {users}; passwords in {args.state.resolve() / 'hub' / 'passwords.txt'}\n"
          f"  Log: {log_path}\n  Hub process: {proc.pid}. Stop it with {stop}.", flush=True)
    if args.detach:
        return 0
    signal.signal(signal.SIGTERM, lambda *_: proc.terminate())
    try:
        return proc.wait()
    except KeyboardInterrupt:
        proc.terminate()
        return proc.wait()


if __name__ == "__main__":
    sys.exit(main())
