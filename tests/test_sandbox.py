"""Quick checks of the grading sandbox and of ``course-grade grade``'s refusals (no notebook is graded).

The real hostile submissions are graded in ``tests/test_grading_faults.py``; here the sandbox's
command line is run with a plain Python in place of the kernel, to check what it can see and
reach, and ``course-grade grade`` is checked to refuse clearly where it must.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from course_grading.simulated import course as C

from course_grading import gradebook as db
from course_grading import sandbox as sb

GRADE = [sys.executable, "-m", "course_grading", "grade"]  # course-grade grade
needs_bwrap = pytest.mark.skipif(shutil.which("bwrap") is None, reason="bubblewrap is not installed (apt-get install bubblewrap)")


def test_shards_are_stable_and_cover_everyone():
    names = [f"learner{i}" for i in range(200)]
    shards = [db.shard_of(n, 3) for n in names]
    assert set(shards) == {1, 2, 3}
    assert shards == [db.shard_of(n, 3) for n in names]
    assert db.shard_of("alice", 3) == db.shard_of("alice", 3) and 1 <= db.shard_of("alice", 1) <= 1
    for bad in ("0/2", "3/2", "two/3", "1"):
        with pytest.raises(ValueError, match="--shard"):
            db.parse_shard(bad)
    assert db.parse_shard("2/3") == (2, 3)


def _run(course: Path, *args: str, env=None) -> subprocess.CompletedProcess:
    return subprocess.run([*GRADE, *args], cwd=course, env=env or C.course_env(),
                          capture_output=True, text=True, timeout=120)


def test_missing_bwrap_refuses_with_the_install_command(tmp_path):
    course = C.make_course(tmp_path / "course", ["01_data"])
    env = C.course_env()
    env["PATH"] = str(tmp_path / "empty")  # no bwrap on PATH
    proc = _run(course, "01_data", env=env)
    assert proc.returncode == 2
    assert proc.stderr.startswith("error: ") and "apt-get install bubblewrap" in proc.stderr and "--no-sandbox" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (course / "autograded").exists()


def test_bad_options_get_one_line_errors(tmp_path):
    course = C.make_course(tmp_path / "course", ["01_data"])
    for args, words in [(["--shard", "4/3"], "--shard"), (["--jobs", "0"], "--jobs")]:
        proc = _run(course, "01_data", "--no-sandbox", *args)
        assert proc.returncode == 2 and words in proc.stderr and "Traceback" not in proc.stderr, proc.stderr


@needs_bwrap
def test_sandbox_hides_the_course_and_has_no_network(tmp_path, monkeypatch):
    monkeypatch.setenv("PGPASSWORD", "s3cret")  # the grader's secrets stay outside
    course = C.make_course(tmp_path / "course", ["01_data"])
    (course / "gradebook.db").write_bytes(b"secret")
    work = course / "autograded" / "alice" / "01_data"
    work.mkdir(parents=True)
    (work / "answer.txt").write_text("mine")
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    box = sb.Sandbox(course_root=course, disk_bytes=8 * 2**20, tmp_bytes=8 * 2**20, max_procs=64, cpu_seconds=60)
    private = tmp_path / "p"
    (private / "runtime").mkdir(parents=True)
    probe = f"""
import os, socket, sys
print("own", open("answer.txt").read())
for path in [{str(course / 'solutions')!r}, {str(course / 'gradebook.db')!r}, {str(course / 'submitted')!r},
             {str(Path.home() / '.bashrc')!r}, {str(C.ROOT / 'solutions')!r}]:
    print("sees" if os.path.exists(path) else "hidden", path)
try:
    socket.create_connection(("127.0.0.1", {port}), timeout=3)
    print("net open")
except OSError as e:
    print("net closed", type(e).__name__)
try:
    open("big", "wb").write(b"x" * 16 * 2**20)
    print("disk unlimited")
except OSError as e:
    print("disk full", e.errno)
import sentiment_lib
print("library ok")
print("env", os.environ.get("NBGRADER_EXECUTION"), os.environ.get("PGPASSWORD"))
cache = os.environ.get("SENTIMENT_CACHE")
if cache and os.path.isdir(cache):  # the model cache is written private (700): the kernel's user must read it
    for folder, _, files in os.walk(cache):
        for name in files:
            open(os.path.join(folder, name), "rb").read(1)
    print("cache readable")
"""
    argv = box.command_argv(work, private, 7, [sys.executable, "-c", probe])
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=60)
    listener.close()
    out = proc.stdout
    assert proc.returncode == 0, proc.stderr
    assert "own mine" in out and "library ok" in out
    assert "env autograde None" in out  # the notebooks' autograde switch is on, the password gone
    if sb.Sandbox.model_cache() is not None:
        assert "cache readable" in out, proc.stderr
    assert "sees" not in out, out
    assert "net closed" in out and "disk full 28" in out, out  # ENOSPC
    assert not (work / "big").exists() and (course / "gradebook.db").read_bytes() == b"secret"


def _layout(tmp_path: Path, name: str, home: Path) -> tuple[Path, Path, Path]:
    """``(course, data, cache)`` for a layout: under /tmp (pytest's tmp_path), or ``home``, a
    folder in the home folder, which the sandbox masks."""
    places = {
        "beside": (tmp_path / "main", tmp_path / "shared" / "data" / "imdb", tmp_path / "main" / ".cache" / "sentiment_lib"),
        "hidden": (tmp_path / "course", tmp_path / "x" / ".hidden" / "imdb", tmp_path / "y" / ".hidden" / "cache"),
        "home": (tmp_path / "course", home / "data" / "imdb", home / ".cache" / "sentiment_lib"),
        "course_in_data": (tmp_path / "data" / "course", tmp_path / "data", tmp_path / "cache"),
    }
    course, data, cache = places[name]
    for folder in (course / "solutions", data, cache):
        folder.mkdir(parents=True, exist_ok=True)
    (course / "solutions" / "secret.txt").write_text("hidden tests")
    (data / "train.parquet").write_text("reviews")
    (cache / "model.bin").write_text("weights")
    return course, data, cache


@pytest.fixture
def in_home():
    """A temporary folder in the real home folder (the one the sandbox masks), removed afterwards."""
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix=".autograde-test-", dir=Path.home()))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@needs_bwrap
@pytest.mark.parametrize("layout", ["beside", "hidden", "home", "course_in_data"])
def test_the_kernel_sees_data_and_cache_wherever_they_are(tmp_path, monkeypatch, in_home, layout):
    """The data and the model cache under /tmp (the sandbox's /tmp is private), in a dot folder,
    in the masked home folder: each is readable in the sandbox, and the course stays hidden, even
    inside the data folder. (Before the mounts were ordered by depth, /tmp hid them.)"""
    course, data, cache = _layout(tmp_path, layout, in_home)
    monkeypatch.setenv("SENTIMENT_DATA_DIR", str(data))
    monkeypatch.setenv("SENTIMENT_CACHE", str(cache))
    work = course / "autograded" / "alice" / "01_data"
    work.mkdir(parents=True)
    box = sb.Sandbox(course_root=course, disk_bytes=8 * 2**20, tmp_bytes=8 * 2**20, max_procs=64, cpu_seconds=60)
    (tmp_path / "p" / "runtime").mkdir(parents=True)
    probe = f"""
import os
print("data", open(os.path.join(os.environ["SENTIMENT_DATA_DIR"], "train.parquet")).read())
print("cache", open(os.path.join(os.environ["SENTIMENT_CACHE"], "model.bin")).read())
print("course", "seen" if os.path.exists({str(course / 'solutions' / 'secret.txt')!r}) else "hidden")
import sentiment_lib
print("library ok")
"""
    argv = box.command_argv(work, tmp_path / "p", 3, [sys.executable, "-c", probe])
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split("\n")[:4] == ["data reviews", "cache weights", "course hidden", "library ok"], proc.stdout
