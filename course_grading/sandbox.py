"""A bubblewrap sandbox for the learner's kernel; nbgrader itself stays outside.

For each submission the grader writes a private Jupyter kernel spec whose ``argv`` starts the
kernel inside ``bwrap`` (Debian package ``bubblewrap``), and tells nbgrader to use that spec
(``--Execute.kernel_name``, so a notebook cannot pick another kernel) over ``ipc`` transport
(``--KernelManager.transport=ipc``: ZeroMQ over unix sockets in a private runtime folder, because
the kernel has no network at all, not even the host's loopback). Inside the sandbox:

* the whole file system is read-only; the course folder (``solutions/``, ``source/``, the
  gradebook, ``submitted/``, ``autograded/``, every other learner), the user's home and the
  repository the course library comes from are replaced by empty folders; only the Python
  installation, the course library and grading package, the data and model cache are put back, read-only, wherever
  they are (under ``/tmp`` too): the mounts are applied shallowest first (``mount_plan``);
* the kernel's working folder is a size-limited in-memory copy of the submission's working
  folder, and ``/tmp`` is a private size-limited in-memory folder; nothing the kernel writes
  reaches the disk;
* no network (a network namespace with only a loopback of its own), no other processes
  visible (PID namespace), a clean environment (no tokens or passwords of the grader);
* limits: processes (``RLIMIT_NPROC``), memory (address space, inherited), largest file,
  CPU seconds; when run as root the kernel also runs as an unprivileged user id of its own.

Example::

    sandbox = Sandbox(course_root=Path("."), disk_bytes=2**30, max_procs=256, cpu_seconds=1800)
    env, nbgrader_args, private = sandbox.prepare(Path("autograded/alice/01_data"), slot=0)
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from sentiment_lib.environment import KEYS as COURSE_ENV

KERNEL_NAME = "autograde-sandbox"
# replaced by private in-memory folders in every sandbox (/dev/shm: POSIX semaphores, for joblib)
SANDBOX_TMPFS = (Path("/tmp"), Path("/dev/shm"))
SANDBOX_UID_BASE = 61000  # as root: slot i runs its kernel as uid/gid 61000 + i
INSTALL_HINT = (
    "the grading sandbox needs bubblewrap (`bwrap`): install it with `sudo apt-get install bubblewrap` "
    "(Fedora: `sudo dnf install bubblewrap`), or grade without a sandbox with --no-sandbox "
    "(the learners' code then runs with your rights; see docs/grading-safety.md)"
)
# environment variables the kernel may see (the course's run-time environment, sentiment_lib.environment.KEYS,
# and a few more); everything else (tokens, passwords, PG*) is dropped
KEEP_ENV = (
    "LANG", "LC_ALL", "LC_CTYPE", "TZ", "PYTHONPATH", "PYTHONHASHSEED", "PYTHONUNBUFFERED",
    "OMP_NUM_THREADS", "MKL_NUM_THREADS", *COURSE_ENV, "SENTIMENT_CACHE", "NBGRADER_EXECUTION",
)


class SandboxUnavailable(RuntimeError):
    """bwrap is missing or cannot create a sandbox on this machine."""


def find_bwrap() -> str:
    path = shutil.which("bwrap")
    if path is None:
        raise SandboxUnavailable(INSTALL_HINT)
    return path


LIBRARY_PACKAGES = ("sentiment_lib", "course_grading")  # the notebooks import both (sentiment_lib.grading re-exports course_grading)


def _library_paths() -> list[Path]:
    """The installed course library (first), the grading package its notebook checks come from, and
    the data, to put back read-only inside the sandbox."""
    import importlib.util

    paths = []
    for package in LIBRARY_PACKAGES:
        spec = importlib.util.find_spec(package)
        if spec and spec.origin:
            paths.append(Path(spec.origin).resolve().parent)
    for name in ("SENTIMENT_DATA_DIR", "SENTIMENT_CACHE"):
        if os.environ.get(name) and Path(os.environ[name]).exists():
            paths.append(Path(os.environ[name]).resolve())
    return paths


@dataclass
class Sandbox:
    """Builds the kernel spec, environment and nbgrader options of one sandboxed grading."""

    course_root: Path
    disk_bytes: int = 2 * 2**30
    tmp_bytes: int = 2**30
    max_procs: int = 256
    cpu_seconds: int = 1800
    file_bytes: int | None = None
    hide: list[Path] = field(default_factory=list)
    expose: list[Path] = field(default_factory=list)
    bwrap: str = field(default_factory=find_bwrap)
    cache_copy: Path | None = None

    def __post_init__(self) -> None:
        """A world-readable copy of the model cache (the library writes it private, mode 700),
        so that the kernel's unprivileged user can read it; shown read-only at the same path."""
        cache = self.model_cache()
        if os.geteuid() == 0 and cache is not None:
            import atexit

            self.cache_copy = Path(tempfile.mkdtemp(prefix="ag-cache-"))
            shutil.copytree(cache, self.cache_copy, dirs_exist_ok=True)
            for folder, dirs, files in os.walk(self.cache_copy):
                os.chmod(folder, 0o755)
                for name in files:
                    os.chmod(os.path.join(folder, name), 0o644)
            atexit.register(shutil.rmtree, self.cache_copy, True)

    @staticmethod
    def model_cache() -> Path | None:
        """The library's model cache (``$SENTIMENT_CACHE`` or ``~/.cache/sentiment_lib``), if any."""
        cache = Path(os.environ.get("SENTIMENT_CACHE") or Path.home() / ".cache" / "sentiment_lib")
        return cache.resolve() if cache.is_dir() else None

    def hidden_paths(self) -> list[Path]:
        """Folders replaced by empty ones: the course, the home folder, the library's repository."""
        paths = [self.course_root.resolve(), Path.home().resolve()]
        for lib in _library_paths()[:1]:
            repo = lib.parent
            if (repo / "solutions").exists() or (repo / ".git").exists():
                paths.append(repo)
        paths += [p.resolve() for p in self.hide]
        return sorted({p for p in paths if p != Path("/") and p.exists()}, key=lambda p: len(p.parts))

    def visible_paths(self) -> list[Path]:
        """What is put back read-only inside masked folders: Python and its packages (also a
        user's site-packages), the library, data, caches."""
        packages = [Path(p).resolve() for p in sys.path if p.endswith(("site-packages", "dist-packages")) and Path(p).is_dir()]
        paths = {Path(sys.prefix).resolve(), Path(sys.base_prefix).resolve(), *packages, *(_library_paths()), *self.expose}
        if self.model_cache() is not None:
            paths.add(self.model_cache())
        real = Path(os.path.realpath(sys.executable))
        paths.add(real.parent.parent)  # the interpreter's installation (a venv links to it)
        return sorted(paths, key=lambda p: len(p.parts))

    def kernel_argv(self, workdir: Path, private: Path, slot: int) -> list[str]:
        """``argv`` of the kernel spec: bwrap, then a short shell prelude, then ipykernel."""
        kernel = [sys.executable, "-m", "ipykernel_launcher", "-f", "/tmp/.kernel.json"]
        return self.command_argv(workdir, private, slot, kernel, connection_file="{connection_file}")

    def mount_plan(self) -> list[tuple[str, Path, Path | None]]:
        """The folders the sandbox masks and shows again, in the order bwrap must apply them.

        Each entry is ``("mask", path, None)`` (an empty in-memory folder over ``path``) or
        ``("show", path, source)`` (``source``, read-only, at ``path``). ``/tmp``, ``/dev/shm``
        and :meth:`hidden_paths` are masked; every path the kernel needs (:meth:`visible_paths`)
        that lies inside a masked folder is shown again, wherever it is: under ``/tmp``, in a
        hidden (dot) folder, in the masked home folder. Shallower paths go first, so a deeper
        mount always wins: a folder the kernel needs inside a masked one is seen, and the course
        stays masked even inside a folder that is shown (a data folder that holds the course).
        """
        masks = [*SANDBOX_TMPFS, *self.hidden_paths()]
        cache = self.model_cache()
        plan: list[tuple[str, Path, Path | None]] = [("mask", path, None) for path in masks]
        for path in self.visible_paths():
            if any(path == m or m in path.parents for m in masks):
                source = self.cache_copy if self.cache_copy is not None and path == cache else path
                plan.append(("show", path, source))
        return sorted(plan, key=lambda entry: (len(entry[1].parts), entry[0] != "mask", str(entry[1])))

    def mount_args(self, made: set[Path]) -> list[str]:
        """bwrap options of :meth:`mount_plan`, with traversable (0755) folders down to each path;
        ``made`` collects the folders that exist in the sandbox afterwards."""
        args: list[str] = []
        for kind, path, source in self.mount_plan():
            args += self.parents(path, made)
            made.add(path)
            if kind == "mask":
                size = self.tmp_bytes if path == Path("/tmp") else (64 * 2**20 if path == Path("/dev/shm") else None)
                args += ["--perms", "1777" if path in SANDBOX_TMPFS else "0755"]
                args += (["--size", str(size)] if size else []) + ["--tmpfs", str(path)]
            else:
                args += ["--ro-bind", str(source), str(path)]
        return args

    @staticmethod
    def parents(path: Path, made: set[Path]) -> list[str]:
        """Traversable (0755) folders down to ``path`` (bwrap would make them 0700)."""
        out = []
        for parent in reversed(path.parents):
            if parent not in made:
                made.add(parent)
                out += ["--perms", "0755", "--dir", str(parent)]
        return out

    def command_argv(self, workdir: Path, private: Path, slot: int, command: list[str],
                     connection_file: str | None = None) -> list[str]:
        """``command`` in the sandbox of the submission in ``workdir`` (its copy is the cwd)."""
        workdir = workdir.resolve()
        runtime = private / "runtime"
        # as root: no user namespace (it would map only uid 0), so that the kernel can become a
        # real unprivileged uid outside; as a user: a user namespace, which bwrap needs then
        unshare = (["--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try"]
                   if os.geteuid() == 0 else ["--unshare-all"])
        args = [self.bwrap, "--die-with-parent", "--new-session", *unshare, "--ro-bind", "/", "/",
                "--dev", "/dev", "--proc", "/proc"]
        made: set[Path] = {Path("/")}
        args += self.mount_args(made)
        parents = lambda path: self.parents(path, made)  # noqa: E731
        args += parents(runtime) + ["--bind", str(runtime), str(runtime), "--ro-bind", str(workdir), "/tmp/.submission"]
        args += parents(workdir) + ["--perms", "1777", "--size", str(self.disk_bytes), "--tmpfs", str(workdir),
                                    "--chdir", str(workdir), "--clearenv"]
        env = {k: os.environ[k] for k in KEEP_ENV if k in os.environ}
        # nbgrader sets NBGRADER_EXECUTION in its own environment while it runs the kernel (the
        # notebooks skip slow demonstration cells with it); this spec serves only autograde
        if self.model_cache() is not None:  # the same cache, even where it was found under $HOME
            env["SENTIMENT_CACHE"] = str(self.model_cache())
        data = env.get("SENTIMENT_DATA_DIR")
        if data and Path(data).exists():  # the folder shown, not a link or a relative path to it
            env["SENTIMENT_DATA_DIR"] = str(Path(data).resolve())
        env.update(NBGRADER_EXECUTION="autograde", HOME="/tmp", MPLCONFIGDIR="/tmp/.matplotlib", PATH=f"{Path(sys.executable).parent}:/usr/bin:/bin",
                   TMPDIR="/tmp", XDG_CACHE_HOME="/tmp/.cache")
        for key, value in sorted(env.items()):
            args += ["--setenv", key, value]
        limits = ["prlimit", f"--nproc={self.max_procs}", f"--cpu={self.cpu_seconds}"]
        if self.file_bytes:
            limits.append(f"--fsize={self.file_bytes}")
        if os.geteuid() != 0:
            # the user's own processes count towards RLIMIT_NPROC: allow that many more
            import psutil

            own = sum(1 for p in psutil.process_iter(["uids"]) if p.info["uids"] and p.info["uids"].real == os.getuid())
            limits[1] = f"--nproc={own + self.max_procs}"
        # a file the kernel's user cannot read is left out of its copy, not a reason to fail
        inner = f"cp -R /tmp/.submission/. . 2>/dev/null; exec {shlex.join(limits)} -- {shlex.join(command)}"
        if os.geteuid() == 0:
            uid = SANDBOX_UID_BASE + slot
            args += ["--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
            drop = ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "--inh-caps=-all",
                    "--bounding-set=-all", "--no-new-privs"]
            inner = f"exec {shlex.join(drop)} sh -c {shlex.quote(inner)}"
        if connection_file is None:
            return args + ["--", "/bin/sh", "-c", inner]
        # the connection file is the grader's (mode 600): a readable copy for the kernel's user
        prelude = f'cp "$1" /tmp/.kernel.json && chmod 644 /tmp/.kernel.json && {inner}'
        return args + ["--", "/bin/sh", "-c", prelude, "sh", connection_file]

    def prepare(self, workdir: Path, slot: int) -> tuple[dict[str, str], list[str], Path]:
        """Write a private kernel spec for one submission.

        Returns the environment and nbgrader options for its ``nbgrader autograde`` and the
        private folder (remove it when the grading ends).
        """
        private = Path(tempfile.mkdtemp(prefix="ag-"))  # short: unix socket paths must stay < 108 bytes
        os.chmod(private, 0o711)
        runtime = private / "runtime"
        runtime.mkdir()
        os.chmod(runtime, 0o777)
        spec = private / "kernels" / KERNEL_NAME
        spec.mkdir(parents=True)
        (spec / "kernel.json").write_text(json.dumps({
            "argv": self.kernel_argv(workdir, private, slot),
            "display_name": "Python 3 (autograde sandbox)",
            "language": "python",
            # bwrap does not pass SIGINT on: interrupt a cell that ran out of time by a message
            "interrupt_mode": "message",
        }, indent=1), encoding="utf-8")
        env = {
            "JUPYTER_PATH": os.pathsep.join(p for p in (str(private), os.environ.get("JUPYTER_PATH", "")) if p),
            "JUPYTER_RUNTIME_DIR": str(runtime),
        }
        # the connection file (and beside it the ipc sockets) in the folder the sandbox shares
        args = [f"--Execute.kernel_name={KERNEL_NAME}", "--KernelManager.transport=ipc",
                f"--KernelManager.connection_file={runtime / 'kernel.json'}"]
        return env, args, private


def self_check(bwrap: str) -> None:
    """Fail with the reason when bwrap cannot create a sandbox here (e.g. no user namespaces)."""
    import subprocess

    probe = subprocess.run([bwrap, "--die-with-parent", "--unshare-all", "--ro-bind", "/", "/", "--proc", "/proc",
                            "--dev", "/dev", "true"], capture_output=True, text=True, timeout=30)
    if probe.returncode != 0:
        raise SandboxUnavailable(
            f"bwrap cannot create a sandbox on this machine ({probe.stderr.strip() or probe.returncode}); "
            "allow unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1), run the grading "
            "in a container (docs/grading-safety.md), or use --no-sandbox"
        )
