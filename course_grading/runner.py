"""Run ``nbgrader autograde`` for many submissions at once, each in a process of its own.

The parent imports nbgrader once (about 2-3 s of imports that a fresh ``nbgrader`` command
would pay for every submission) and then *forks* one child per submission. The child sets the
resource limits, sends its output to the submission's log, and runs nbgrader's command-line
application in-process; the learner's kernel is started by that child and inherits the limits.
At most ``jobs`` children run at a time; a child that outlives its wall-clock limit is killed
with all its descendants. The parent stays single-threaded, so forking it is safe.

Example::

    pool = Pool(jobs=2)
    pool.submit(Job(key=("01_data", "alice"), argv=["autograde", "01_data", "--student", "alice"],
                    cwd=Path("."), log=Path("alice.log")))
    for job, returncode, reason, seconds in pool.drain():
        print(job.key, returncode)
"""

from __future__ import annotations

import ctypes
import os
import re
import resource
import signal
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator


@dataclass
class Limits:
    """Resource limits of one submission (0 or None: no limit)."""

    memory_bytes: int | None = None
    file_bytes: int | None = None
    wall_seconds: float = 1800.0


@dataclass
class Job:
    """One ``nbgrader`` invocation: ``argv`` without the program name, run in ``cwd``."""

    key: tuple[str, str]
    argv: list[str]
    cwd: Path
    log: Path
    env: dict[str, str] = field(default_factory=dict)
    slot: int = 0  # which of the caller's ``jobs`` slots it runs in (the sandbox's user id)
    private: Path | None = None  # the caller's scratch folder for this job (removed when it ends)
    started_at: str = ""  # when the job was made (ISO 8601, UTC)


def preload_nbgrader() -> None:
    """Import what ``nbgrader autograde`` needs, once, in the parent (children inherit it)."""
    import nbgrader.apps.autogradeapp  # noqa: F401
    import nbgrader.apps.nbgraderapp  # noqa: F401
    import nbgrader.preprocessors  # noqa: F401
    import nbclient  # noqa: F401
    import jupyter_client.manager  # noqa: F401


def error_reason(log: str) -> str:
    """The most telling lines of an nbgrader log that ended in failure."""
    lines = log.splitlines()
    reasons = [l.strip() for l in lines if re.search(r"(Error|Exception|died|not appear to be JSON):? ", l) and "WARNING" not in l]
    errors = [l.strip() for l in lines if "| ERROR]" in l]
    picked = list(dict.fromkeys(reasons[-3:] + errors[-3:]))
    return " / ".join(picked)[-800:] or (lines[-1] if lines else "no output")


def apply_limits(limits: Limits) -> None:
    if limits.memory_bytes:
        resource.setrlimit(resource.RLIMIT_AS, (limits.memory_bytes, limits.memory_bytes))
    if limits.file_bytes:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limits.file_bytes, limits.file_bytes))


def _die_with_parent() -> None:
    """Ask Linux to SIGKILL this child when the parent dies (a killed grader leaves no orphan)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # pragma: no cover - not Linux
        pass


def _child(job: Job, limits: Limits, parent: int) -> None:
    """Body of a forked child; never returns."""
    code = 1
    try:
        _die_with_parent()
        if os.getppid() != parent:  # the parent died before prctl took effect
            os._exit(1)
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        fd = os.open(job.log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        os.dup2(fd, 1)
        os.dup2(fd, 2)
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        sys.stdout = os.fdopen(1, "w", buffering=1, closefd=False)
        sys.stderr = os.fdopen(2, "w", buffering=1, closefd=False)
        os.umask(0o022)  # the graded copy must be readable by the sandboxed kernel's user
        os.chdir(job.cwd)
        os.environ.update(job.env)
        apply_limits(limits)
        from nbgrader.apps.nbgraderapp import NbGraderApp

        sys.argv = ["nbgrader", *job.argv]
        try:
            NbGraderApp.launch_instance(argv=job.argv)
            code = 0
        except SystemExit as stop:
            code = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
    except BaseException:  # noqa: BLE001 - report anything in the log, then exit
        import traceback

        traceback.print_exc()
        code = 1
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


def kill_tree(pid: int) -> None:
    """SIGKILL a process and all its descendants (kernels run in sessions of their own)."""
    import psutil

    try:
        parent = psutil.Process(pid)
        procs = parent.children(recursive=True) + [parent]
    except psutil.NoSuchProcess:
        return
    for proc in procs:
        try:
            proc.kill()
        except psutil.NoSuchProcess:
            pass
    psutil.wait_procs(procs, timeout=10)


class Pool:
    """At most ``jobs`` forked children at a time; :meth:`drain` yields each as it ends.

    ``drain`` yields ``(job, returncode, reason, seconds)``: ``reason`` is ``None`` unless the
    wall-clock limit stopped the job.
    """

    def __init__(self, jobs: int, limits: Limits | None = None):
        if jobs < 1:
            raise ValueError("jobs must be at least 1")
        self.jobs = jobs
        self.limits = limits or Limits()
        self.queue: list[Job] = []
        self.running: dict[int, tuple[Job, float]] = {}

    def submit(self, job: Job) -> None:
        self.queue.append(job)

    def _start(self, job: Job) -> None:
        job.log.parent.mkdir(parents=True, exist_ok=True)
        sys.stdout.flush()
        sys.stderr.flush()
        parent = os.getpid()
        pid = os.fork()
        if pid == 0:
            _child(job, self.limits, parent)
        self.running[pid] = (job, time.monotonic())

    def fill(self, take: Callable[[], Job | None] | None = None) -> None:
        """Start queued jobs (or jobs from ``take()``) until ``jobs`` run."""
        while len(self.running) < self.jobs:
            job = self.queue.pop(0) if self.queue else (take() if take else None)
            if job is None:
                return
            self._start(job)

    def wait_one(self, poll: float = 0.1) -> tuple[Job, int, str | None, float]:
        """Block until one running child ends (or is killed at its time limit)."""
        while True:
            for pid, (job, start) in list(self.running.items()):
                done, status = os.waitpid(pid, os.WNOHANG)
                reason = None
                if done == 0:
                    if time.monotonic() - start <= self.limits.wall_seconds:
                        continue
                    kill_tree(pid)
                    _, status = os.waitpid(pid, 0)
                    reason = f"grading took longer than {self.limits.wall_seconds:g} s and was stopped"
                del self.running[pid]
                code = os.waitstatus_to_exitcode(status)
                return job, code, reason, time.monotonic() - start
            time.sleep(poll)

    def drain(self, take: Callable[[], Job | None] | None = None) -> Iterator[tuple[Job, int, str | None, float]]:
        self.fill(take)
        while self.running:
            yield self.wait_one()
            self.fill(take)

    def kill_all(self) -> None:
        for pid in list(self.running):
            kill_tree(pid)
            try:
                os.waitpid(pid, 0)
            except ChildProcessError:
                pass
        self.running.clear()
