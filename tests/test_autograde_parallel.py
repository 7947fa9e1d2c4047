"""Parallel, sharded and resumable grading with ``course-grade grade`` (docs/instructors.md, "Grading a large class").

A small class of ``ASSIGNMENT`` (the quickest notebook to grade) is graded

* once sequentially (``--jobs 1``) without the sandbox, into SQLite: the reference CSV;
* with ``--jobs 2`` in the sandbox, into SQLite: the same CSV, the same scores;
* by two workers in two course folders sharing a real PostgreSQL gradebook, on disjoint shards:
  the same CSV;
* by one worker on PostgreSQL killed (SIGKILL) after its first learner, then rerun: only the
  missing learners are graded, one grade per test cell;
* by two workers given the same shard by mistake, at the same time: each submission graded
  once, one grade per test cell.

The PostgreSQL server is Debian's (``postgresql`` package): the fixture runs ``initdb`` into a
temporary folder and ``pg_ctl start`` on a unix socket only (no TCP port), as the ``postgres``
user when the tests run as root, and stops it at the end. Without the server binaries the
PostgreSQL tests are skipped with the reason, except in CI (``CI=true``), where they fail.
"""

from __future__ import annotations

import glob
import json
import os
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from course_grading.simulated import course as C
from course_grading.simulated import students as S

pytestmark = pytest.mark.slow

ASSIGNMENT = "02_tokenization"
GRADE = [sys.executable, "-m", "course_grading", "grade"]  # course-grade grade
from course_grading.gradebook import shard_of  # noqa: E402


def _learners(per_shard: int = 2) -> list[str]:
    """Learner ids that split evenly over two shards (shards are a hash of the id)."""
    picked: dict[int, list[str]] = {1: [], 2: []}
    for i in range(100):
        name = f"learner{i:02d}"
        if len(picked[shard_of(name, 2)]) < per_shard:
            picked[shard_of(name, 2)].append(name)
    return sorted(picked[1] + picked[2])


LEARNERS = _learners()


def autograde(course: Path, *args: str, wait: bool = True, timeout: float = 600):
    cmd = [*GRADE, ASSIGNMENT, "--no-progress", *args]
    if not wait:
        return subprocess.Popen(cmd, cwd=course, env=C.course_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                text=True, start_new_session=True)
    return subprocess.run(cmd, cwd=course, env=C.course_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True, timeout=timeout)


def status(course: Path, learner: str) -> dict | None:
    path = course / ".autograde" / ASSIGNMENT / f"{learner}.json"
    return json.loads(path.read_text()) if path.is_file() else None


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """A course with the assignment released and four submissions: full, two partial, none."""
    course = C.make_course(tmp_path_factory.mktemp("template"), [ASSIGNMENT])
    C.nbgrader(course, "generate_assignment", ASSIGNMENT, "--force")
    inst = S.read(course / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")
    rel = S.read(course / "exercises" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")
    points = S.load_points(course)[ASSIGNMENT]
    sol = S.solution_ids(inst)
    answers = [sol, sol[:-1], sol[:1], []]
    expected = {}
    for learner, ids in zip(LEARNERS, answers):
        S.submit(course, learner, ASSIGNMENT, S.answered(rel, inst, ids))
        expected[learner] = S.expected_score(inst, ids, points)
    assert len(set(expected.values())) == len(expected)  # every learner a different score
    return {"course": course, "expected": expected, "n_cells": len(points)}


def copy_course(template: dict, dest: Path, gradebook: bool = True, learners=LEARNERS) -> Path:
    src = template["course"]
    dest.mkdir(parents=True)
    for name in ["nbgrader_config.py", "solutions", "exercises"] + (["gradebook.db"] if gradebook else []):
        (shutil.copytree if (src / name).is_dir() else shutil.copy2)(src / name, dest / name)
    for learner in learners:
        shutil.copytree(src / "submitted" / learner, dest / "submitted" / learner)
    return dest


def export(course: Path, *args: str) -> list[dict[str, str]]:
    C.nbgrader(course, "export", "--to", "grades.csv", *args)
    return sorted(C.read_csv(course / "grades.csv"), key=lambda r: r["student_id"])


@pytest.fixture(scope="module")
def sequential(template, tmp_path_factory):
    """The reference: one job, no sandbox, SQLite."""
    course = copy_course(template, tmp_path_factory.mktemp("seq") / "course")
    proc = autograde(course, "--jobs", "1", "--no-sandbox")
    assert proc.returncode == 0, proc.stdout
    return {"course": course, "csv": export(course), "scores": C.scores(course), "out": proc.stdout}


def test_sequential_reference_scores(sequential, template):
    got = {s: v["score"] for (a, s), v in sequential["scores"].items()}
    assert got == pytest.approx(template["expected"])
    assert "--no-sandbox" in sequential["out"]  # the warning, once
    assert sequential["out"].count("warning: --no-sandbox") == 1


def test_parallel_sandboxed_grades_equal_sequential(sequential, template, tmp_path):
    course = copy_course(template, tmp_path / "course")
    proc = autograde(course, "--jobs", "2")
    assert proc.returncode == 0, proc.stdout
    assert export(course) == sequential["csv"]
    scores = C.scores(course)
    assert {k: v["grades"] for k, v in scores.items()} == {k: v["grades"] for k, v in sequential["scores"].items()}
    assert f"{len(LEARNERS)} of {len(LEARNERS)} submissions graded" in proc.stdout
    assert "slowest: " in proc.stdout and "per hour with --jobs 2" in proc.stdout
    for learner in LEARNERS:
        record = status(course, learner)
        assert record["status"] == "ok" and record["seconds"] > 0 and record["sandbox"] is True, record
    # a rerun grades nothing again
    rerun = autograde(course, "--jobs", "2")
    assert rerun.returncode == 0 and rerun.stdout.count("already graded, skipped") == len(LEARNERS), rerun.stdout


# -- PostgreSQL ------------------------------------------------------------------------------

def _pg_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if os.environ.get("PG_BIN"):
        found.append(str(Path(os.environ["PG_BIN"]) / "initdb"))
    return Path(found[-1]).parent if found else None


@pytest.fixture(scope="module")
def postgres():
    """A throw-away PostgreSQL server on a unix socket; yields a function making a database URL."""
    pg_bin = _pg_bin()
    if pg_bin is None:
        if os.environ.get("CI") == "true":
            pytest.fail("PostgreSQL server binaries not found (/usr/lib/postgresql/*/bin): apt-get install postgresql")
        pytest.skip("PostgreSQL server binaries not found (/usr/lib/postgresql/*/bin): apt-get install postgresql")
    pytest.importorskip("psycopg2", reason="pip install psycopg2-binary (in the dev extras)")
    base = Path(tempfile.mkdtemp(prefix="pg-", dir="/tmp"))  # short: a unix socket path
    prefix: list[str] = []
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            subprocess.run(["useradd", "--system", "--no-create-home", "postgres"], check=True)
        shutil.chown(base, "postgres")
        prefix = ["runuser", "-u", "postgres", "--"]
    data = base / "data"

    def pg(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(prefix + list(args), capture_output=True, text=True, timeout=120, check=True)

    pg(str(pg_bin / "initdb"), "-D", str(data), "-A", "trust", "-U", "grader", "-E", "UTF8", "--no-sync")
    options = f"-k {base} -c listen_addresses='' -c fsync=off -c max_connections=50"
    pg(str(pg_bin / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(base / "log"), "-w", "start")
    import psycopg2

    count = iter(range(1000))

    def new_db() -> str:
        name = f"gradebook{next(count)}"
        conn = psycopg2.connect(host=str(base), user="grader", dbname="postgres")
        conn.autocommit = True
        conn.cursor().execute(f"CREATE DATABASE {name}")
        conn.close()
        return f"postgresql+psycopg2://grader@/{name}?host={base}"

    try:
        yield new_db
    finally:
        subprocess.run(prefix + [str(pg_bin / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
                       capture_output=True, timeout=60)
        shutil.rmtree(base, ignore_errors=True)


def pg_workers(template, tmp_path, url, n, learners=LEARNERS) -> list[Path]:
    """``n`` course folders (standing for machines) sharing the PostgreSQL gradebook ``url``."""
    folders = [copy_course(template, tmp_path / f"worker{i + 1}", gradebook=False, learners=learners) for i in range(n)]
    C.nbgrader(folders[0], "generate_assignment", ASSIGNMENT, "--force", f"--CourseDirectory.db_url={url}")
    return folders


def pg_grades(url: str) -> dict[tuple[str, str], list[float | None]]:
    """(learner, test cell) -> every grade row the gradebook holds for it."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT st.id, gc.name, g.auto_score FROM grade g"
            " JOIN submitted_notebook sn ON g.notebook_id = sn.id"
            " JOIN submitted_assignment sa ON sn.assignment_id = sa.id"
            " JOIN student st ON sa.student_id = st.id JOIN base_cell gc ON g.cell_id = gc.id"
        )).all()
    engine.dispose()
    result: dict = {}
    for learner, cell, score in rows:
        result.setdefault((learner, cell), []).append(score)
    return result


def check_one_grade_per_cell(url, template, learners):
    grades = pg_grades(url)
    assert {k[0] for k in grades} == set(learners)
    assert all(len(v) == 1 and v[0] is not None for v in grades.values()), grades
    for learner in learners:
        cells = [v[0] for k, v in grades.items() if k[0] == learner]
        assert len(cells) == template["n_cells"]
        assert sum(cells) == pytest.approx(template["expected"][learner])


def test_postgres_disjoint_shards_export_the_sequential_csv(postgres, template, sequential, tmp_path):
    url = postgres()
    w1, w2 = pg_workers(template, tmp_path, url, 2)
    procs = [autograde(w, "--jobs", "1", "--shard", f"{i}/2", "--db-url", url, wait=False) for i, w in ((1, w1), (2, w2))]
    outs = [p.communicate(timeout=600)[0] for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    for shard, (w, out) in enumerate(zip((w1, w2), outs), start=1):
        mine = [s for s in LEARNERS if shard_of(s, 2) == shard]
        assert f"{len(mine)} of {len(mine)} submissions graded" in out, out
        assert sorted(p.stem for p in (w / ".autograde" / ASSIGNMENT).glob("*.json")) == mine
    assert export(w1, f"--CourseDirectory.db_url={url}") == sequential["csv"]
    check_one_grade_per_cell(url, template, LEARNERS)


def test_postgres_worker_killed_then_rerun_grades_only_what_is_missing(postgres, template, tmp_path):
    url = postgres()
    learners = LEARNERS[:3]
    (worker,) = pg_workers(template, tmp_path, url, 1, learners)
    proc = autograde(worker, "--jobs", "1", "--db-url", url, wait=False)
    deadline = time.monotonic() + 300
    while (status(worker, learners[0]) or {}).get("status") != "ok":
        assert proc.poll() is None, proc.stdout.read()
        assert time.monotonic() < deadline, "the first learner took too long"
        time.sleep(0.2)
    import psutil

    family = psutil.Process(proc.pid).children(recursive=True)
    os.killpg(proc.pid, signal.SIGKILL)
    for p in family:
        try:
            p.kill()
        except psutil.NoSuchProcess:
            pass
    proc.wait()
    assert status(worker, learners[1]) is None  # it was being graded
    rerun = autograde(worker, "--jobs", "1", "--db-url", url)
    assert rerun.returncode == 0, rerun.stdout
    assert f"{ASSIGNMENT} {learners[0]}: already graded, skipped" in rerun.stdout
    assert "2 graded now" in rerun.stdout, rerun.stdout
    check_one_grade_per_cell(url, template, learners)


def test_postgres_two_workers_on_the_same_shard_grade_each_submission_once(postgres, template, tmp_path):
    url = postgres()
    w1, w2 = pg_workers(template, tmp_path, url, 2)
    procs = [autograde(w, "--jobs", "1", "--shard", "1/1", "--db-url", url, wait=False) for w in (w1, w2)]
    outs = [p.communicate(timeout=600)[0] for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    graded = [sorted(p.stem for p in (w / ".autograde" / ASSIGNMENT).glob("*.json")) for w in (w1, w2)]
    assert sorted(graded[0] + graded[1]) == LEARNERS, (graded, outs)  # each graded exactly once
    assert sum(o.count("already graded by ") for o in outs) == len(LEARNERS), outs
    check_one_grade_per_cell(url, template, LEARNERS)
