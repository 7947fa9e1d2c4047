#!/usr/bin/env python
"""Autograde a class with nbgrader: in parallel, resumably, sandboxed, on one machine or several.

``nbgrader autograde ASSIGNMENT`` grades a whole class in one process, one notebook after the
other, with the grader's rights. This script grades each submission
(``submitted/STUDENT/ASSIGNMENT/``) in a process of its own (``nbgrader autograde ASSIGNMENT
--student STUDENT --force``), ``--jobs`` of them at a time (default: one per core), and:

* runs the learner's kernel in a bubblewrap sandbox (no network, nothing of the course but its
  own working folder, limits on processes, memory, file size, disk and CPU time; see
  ``autograde_sandbox.py``); without ``bwrap`` it refuses to grade unless ``--no-sandbox``;
* puts a memory (address-space) and a file-size limit on nbgrader and the kernel, and a
  wall-clock limit on each submission;
* first, always, grades the instructor's solution and the released notebook of each assignment in
  the same sandbox, limits and environment (``autograde_preflight.py``): unless they get full
  marks and zero, it says which assignment, cell and error, and grades nothing (exit status 2);
* records each outcome in ``.autograde/ASSIGNMENT/STUDENT.json`` (``ok``; ``error`` with the
  reason; ``environment error`` when a cell the learner cannot edit, such as the setup, failed;
  the duration, a checksum of the submission) with the log beside it; a re-run skips
  exactly the submissions recorded ``ok`` for an unchanged submission and grades the rest, so after
  a kill every learner ends with one grade; exit status 1 when any submission could not be
  graded or had an environment error, and the summary names them;
* shows a progress bar (done/total, submissions per minute, time left) and ends with a summary;
* ``--shard I/N`` grades only the learners of shard I (stable by learner id), so that N machines
  sharing one PostgreSQL gradebook (``--db-url postgresql+psycopg2://...``) grade a class together.

Run it from the course root (the folder with ``nbgrader_config.py``)::

    python scripts/autograde.py 01_data 02_tokenization      # every learner, one job per core
    python scripts/autograde.py 01_data --student alice      # one learner
    python scripts/autograde.py 01_data --jobs 4 --memory-gb 4 -- --ExecutePreprocessor.timeout=30
    python scripts/autograde.py 01_data --shard 2/3 --db-url postgresql+psycopg2://grader@db/course

See "Grading a large class" and "Grading safety" in the README.
"""

from __future__ import annotations

import argparse
import fcntl
import hashlib
import json
import os
import shutil
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # the autograde_* modules beside this file

from autograde_db import GradebookCoordinator, course_db_url, parse_shard, shard_of  # noqa: E402
from autograde_preflight import PREFLIGHT_DIR, MakeJob, environment_errors, preflight  # noqa: E402
from autograde_runner import Job, Limits, Pool, error_reason, preload_nbgrader  # noqa: E402

STATUS_DIR = ".autograde"
ENVIRONMENT_ERROR = "environment error"  # the status of a submission whose setup failed


def submission_digest(folder: Path) -> str:
    """SHA-256 over the relative paths and contents of every file of a submission."""
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(folder)).encode() + b"\0")
        digest.update(path.read_bytes())
    return digest.hexdigest()


def status_path(root: Path, assignment: str, student: str) -> Path:
    return root / STATUS_DIR / assignment / f"{student}.json"


def read_status(root: Path, assignment: str, student: str) -> dict | None:
    try:
        return json.loads(status_path(root, assignment, student).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def write_status(root: Path, assignment: str, student: str, status: dict) -> None:
    """Write atomically, so that a kill never leaves half a status file."""
    path = status_path(root, assignment, student)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(status, indent=2), encoding="utf-8")
    os.replace(tmp, path)


def students_of(root: Path, assignment: str) -> list[str]:
    return sorted(p.parent.name for p in (root / "submitted").glob(f"*/{assignment}") if p.is_dir())


def is_done(root: Path, assignment: str, student: str, digest: str) -> bool:
    """Recorded ``ok`` here for this very submission, and its graded folder is still there."""
    old = read_status(root, assignment, student)
    return (
        old is not None
        and old.get("status") == "ok"
        and old.get("submission_sha256") == digest
        and (root / "autograded" / student / assignment).is_dir()
    )


def fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 2


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog="Arguments after -- go to `nbgrader autograde` unchanged.",
    )
    parser.add_argument("assignments", nargs="+", help="assignment ids, e.g. 01_data")
    parser.add_argument("--student", action="append", help="grade only this student (repeatable)")
    parser.add_argument("--jobs", "-j", type=int, default=len(os.sched_getaffinity(0)),
                        help="submissions graded at the same time (default: the number of cores, here %(default)s)")
    parser.add_argument("--shard", help="grade only shard I of N (I/N, e.g. 2/3; stable by learner id)")
    parser.add_argument("--db-url", help="the gradebook (default: nbgrader's, e.g. sqlite:///gradebook.db); "
                        "for several machines a shared postgresql+psycopg2://user@host/dbname")
    parser.add_argument("--memory-gb", type=float, default=8.0, help="address-space limit of nbgrader and each kernel (GiB; 0 = none; default 8)")
    parser.add_argument("--file-gb", type=float, default=2.0, help="largest file the grading may write (GiB; 0 = none; default 2)")
    parser.add_argument("--student-timeout", type=float, default=1800, help="wall-clock seconds for one student's assignment (default 1800)")
    parser.add_argument("--no-sandbox", action="store_true", help="run the learners' kernels with your rights, without bubblewrap")
    parser.add_argument("--disk-gb", type=float, default=1.0, help="sandbox: space for the files a kernel writes (GiB, in memory; default 1)")
    parser.add_argument("--max-procs", type=int, default=256, help="sandbox: processes a kernel may run (default 256)")
    parser.add_argument("--cpu-seconds", type=int, default=1800, help="sandbox: CPU seconds a kernel may use (default 1800)")
    parser.add_argument("--blank-score", action="append", default=[], metavar="ASSIGNMENT=POINTS",
                        help="pre-flight: the score the released notebook of ASSIGNMENT must get (default 0; repeatable)")
    parser.add_argument("--regrade", action="store_true", help="grade every submission again, even those recorded as ok")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar (the per-submission lines stay)")
    argv = list(sys.argv[1:] if argv is None else argv)
    extra: list[str] = []
    if "--" in argv:
        cut = argv.index("--")
        argv, extra = argv[:cut], argv[cut + 1 :]
    args = parser.parse_args(argv)
    args.nbgrader_args = extra
    try:
        args.blank_scores = {a: float(points) for a, points in (item.split("=", 1) for item in args.blank_score)}
    except ValueError:
        parser.error(f"--blank-score {args.blank_score}: give ASSIGNMENT=POINTS, e.g. 01_data=0")
    return args


def make_sandbox(root: Path, args: argparse.Namespace):
    """The sandbox, or ``None`` with --no-sandbox; raises SandboxUnavailable with the fix."""
    if args.no_sandbox:
        print("warning: --no-sandbox: the learners' code runs with your rights and can read solutions/, "
              "the gradebook and your files (README: Grading safety)", file=sys.stderr, flush=True)
        return None
    from autograde_sandbox import Sandbox, find_bwrap, self_check

    bwrap = find_bwrap()
    self_check(bwrap)
    return Sandbox(course_root=root, disk_bytes=int(args.disk_gb * 2**30), tmp_bytes=int(args.disk_gb * 2**30),
                   max_procs=args.max_procs, cpu_seconds=args.cpu_seconds,
                   file_bytes=int(args.file_gb * 2**30) or None, bwrap=bwrap)


def plan(root: Path, args: argparse.Namespace, book: GradebookCoordinator) -> tuple[list[dict], list[dict]]:
    """``(to_grade, skipped)``: the selected submissions, split by what is already graded."""
    shard = parse_shard(args.shard) if args.shard else None
    todo, skipped = [], []
    for assignment in args.assignments:
        students = students_of(root, assignment)
        if args.student:
            students = [s for s in students if s in set(args.student)]
        if shard:
            students = [s for s in students if shard_of(s, shard[1]) == shard[0]]
        if not students:
            print(f"{assignment}: no submissions in submitted/*/{assignment}/" + (f" in shard {args.shard}" if shard else ""),
                  file=sys.stderr)
        for student in students:
            digest = submission_digest(root / "submitted" / student / assignment)
            item = {"assignment": assignment, "student": student, "digest": digest}
            if not args.regrade and is_done(root, assignment, student, digest):
                skipped.append(read_status(root, assignment, student) | {"skipped": "here"})
            elif not args.regrade and (who := book.graded_elsewhere(assignment, student, digest)):
                skipped.append({"assignment": assignment, "student": student, "status": "ok", "skipped": who})
            else:
                todo.append(item)
    return todo, skipped


class Progress:
    """Done/total, submissions per minute and time left: a tqdm bar on a terminal, else text.

    In a log (not a terminal) each submission's line ends with ``[done/total, N/min, M:SS left]``.
    """

    def __init__(self, total: int, enabled: bool):
        self.bar = None
        self.total = total
        self.done = 0
        self.start = time.monotonic()
        if enabled and total and sys.stderr.isatty():
            import tqdm

            tqdm.tqdm.monitor_interval = 0  # no monitor thread: the grader forks
            self.bar = tqdm.tqdm(total=total, unit="sub", dynamic_ncols=True, file=sys.stderr,
                                 bar_format="{l_bar}{bar}| {n}/{total} [{elapsed}<{remaining}] {postfix}")

    def rate(self) -> str:
        minutes = (time.monotonic() - self.start) / 60
        per_minute = self.done / minutes if minutes > 0 else 0.0
        left = (self.total - self.done) / per_minute * 60 if per_minute else 0
        return f"{per_minute:.1f}/min, {int(left) // 60}:{int(left) % 60:02d} left"

    def line(self, text: str, counted: bool = True) -> None:
        if counted:
            self.done += 1
        if self.bar is not None:
            self.bar.write(text, file=sys.stdout)
            if counted:
                self.bar.set_postfix_str(self.rate().split(",")[0], refresh=False)
                self.bar.update(1)
        else:
            print(f"{text}  [{self.done}/{self.total}, {self.rate()}]" if counted and self.total else text, flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def job_maker(root: Path, args: argparse.Namespace, sandbox) -> MakeJob:
    """``make_job(course, assignment, student, db_url, slot)``: the ``nbgrader autograde`` job of
    one submission, in its sandbox, with the limits and options of this run. The same for a
    learner (``course`` is the course root) and for the pre-flight (a scratch course)."""

    def make_job(course: Path, assignment: str, student: str, db_url: str, slot: int) -> Job:
        scratch = course != root
        log = course / "logs" / f"{assignment}-{student}.log" if scratch else status_path(root, assignment, student).with_suffix(".log")
        # the outputs are in by the time the kernel is shut down: stop it at once instead of
        # waiting for a graceful exit
        argv = ["autograde", assignment, "--student", student, "--force", f"--CourseDirectory.db_url={db_url}",
                "--Execute.shutdown_kernel=immediate"] + ([f"--CourseDirectory.root={course}"] if scratch else [])
        env: dict[str, str] = {}
        data = {"slot": slot, "private": None, "started_at": datetime.now(timezone.utc).isoformat(timespec="seconds")}
        if sandbox is not None:
            sandbox_env, sandbox_args, data["private"] = sandbox.prepare(course / "autograded" / student / assignment, slot)
            env.update(sandbox_env)
            argv += sandbox_args
        return Job(key=(assignment, student), argv=argv + list(args.nbgrader_args), cwd=root, log=log, env=env, data=data)

    return make_job


def run_preflight(root: Path, args: argparse.Namespace, todo: list[dict], pool: Pool, make_job: MakeJob) -> int | None:
    """Grade the solution and released notebook of every assignment to grade; 2 when one did not
    score full marks and zero (the message says which, where and why), else None."""
    assignments = [a for a in args.assignments if any(t["assignment"] == a for t in todo)]
    print(f"pre-flight: grading the instructor's solution and the released notebook of {', '.join(assignments)} "
          f"(in {PREFLIGHT_DIR}/)", flush=True)
    start = time.monotonic()
    problems = preflight(root, assignments, pool, make_job, args.blank_scores)
    if not problems:
        print(f"pre-flight: full marks and zero, as they must be ({time.monotonic() - start:.0f} s)", flush=True)
        return None
    print("error: pre-flight failed, nothing was graded. In the same sandbox, limits and environment as the "
          "learners, the instructor's solution must get full marks and the released notebook zero:\n"
          + "\n".join(f"  {problem}" for problem in problems)
          + "\nFix the environment (or the notebook), then run the same command again.", file=sys.stderr, flush=True)
    return 2


def outcome(root: Path, job: Job, code: int, reason: str | None) -> tuple[str, str | None]:
    """``(status, reason)`` of a finished job: ``ok``; ``error`` (not graded: nbgrader failed or
    the wall-clock limit stopped it); or ``environment error`` (graded, but a cell the learner
    cannot edit failed, so the grade says nothing about the learner)."""
    if code != 0 or reason is not None:
        text = job.log.read_text(encoding="utf-8", errors="replace") if job.log.exists() else ""
        return "error", reason or error_reason(text)
    assignment, student = job.key
    setup = environment_errors(root / "autograded" / student / assignment)
    if setup:
        return ENVIRONMENT_ERROR, ("; ".join(setup[:3]) + ": a cell the learner cannot edit failed, so the grade "
                                   "is not the learner's; fix the environment and run again")
    return "ok", None


def finish(root: Path, args: argparse.Namespace, book: GradebookCoordinator, sandbox, job: Job, code: int,
           reason: str | None, seconds: float) -> dict:
    """Record a finished submission (status file, shared record, lock) and return its status."""
    item = job.data
    if item["private"] is not None:
        shutil.rmtree(item["private"], ignore_errors=True)
    state, why = outcome(root, job, code, reason)
    status = {
        "assignment": item["assignment"], "student": item["student"], "status": state,
        "returncode": code, "reason": why, "seconds": round(seconds, 1), "started_at": item["started_at"],
        "finished_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "worker": book.worker, "jobs": args.jobs, "sandbox": sandbox is not None,
        "submission_sha256": item["digest"], "log": str(job.log.relative_to(root)),
    }
    write_status(root, item["assignment"], item["student"], status)
    if state == "ok":
        book.record(item["assignment"], item["student"], item["digest"], seconds)
    book.unlock(item["assignment"], item["student"])
    return status


def summarize(results: list[dict], graded: list[dict], skipped: list[dict], elapsed: float, jobs: int) -> None:
    """The closing lines: how many were graded, the slowest, and every submission not ``ok``."""
    failed = [r for r in results if r["status"] != "ok"]
    environment = [r for r in failed if r["status"] == ENVIRONMENT_ERROR]
    print(f"{len(results) - len(failed)} of {len(results)} submissions graded "
          f"({len(skipped)} already graded before; {len(graded)} graded now in {elapsed:.0f} s"
          + (f", {len(graded) / elapsed * 3600:.0f} per hour with --jobs {jobs}" if graded and elapsed > 0 else "")
          + f"; {len(failed)} errors" + (f", {len(environment)} of them environment errors" if environment else "")
          + ").", flush=True)
    slowest = sorted(graded, key=lambda r: -r["seconds"])[:3]
    if slowest:
        print("slowest: " + ", ".join(f"{r['assignment']} {r['student']} {r['seconds']} s" for r in slowest), flush=True)
    for r in failed:
        label = "ENVIRONMENT ERROR" if r["status"] == ENVIRONMENT_ERROR else "NOT GRADED"
        print(f"{label}: {r['assignment']} {r['student']}: {r['reason']} (log: {r['log']})", flush=True)


def run(root: Path, args: argparse.Namespace) -> int:
    from autograde_sandbox import SandboxUnavailable

    if args.jobs < 1:
        return fail(f"--jobs {args.jobs}: give at least 1")
    try:
        sandbox = make_sandbox(root, args)
    except SandboxUnavailable as error:
        return fail(str(error))
    try:
        db_url, course_id = course_db_url(root)
    except Exception as error:  # noqa: BLE001 - a broken nbgrader_config.py
        return fail(f"cannot read nbgrader_config.py in {root}: {error}")
    db_url = args.db_url or db_url
    try:
        book = GradebookCoordinator(db_url, course_id)
        todo, skipped = plan(root, args, book)
    except ValueError as error:
        return fail(str(error))
    except Exception as error:  # noqa: BLE001 - the database cannot be reached
        return fail(f"cannot open the gradebook {db_url.split('@')[-1]}: {str(error).splitlines()[0]}")
    for old in skipped:
        where = "" if old["skipped"] == "here" else f" by {old['skipped']}"
        print(f"{old['assignment']} {old['student']}: already graded{where}, skipped", flush=True)
    preload_nbgrader()
    limits = Limits(int(args.memory_gb * 2**30) or None, int(args.file_gb * 2**30) or None, args.student_timeout)
    pool = Pool(args.jobs, limits)
    make_job = job_maker(root, args, sandbox)
    if todo and (stop := run_preflight(root, args, todo, pool, make_job)) is not None:
        book.close()
        return stop
    try:
        if todo:
            book.register_students(sorted({t["student"] for t in todo}))
    except Exception as error:  # noqa: BLE001 - the database refused the writes
        return fail(f"cannot register the learners in the gradebook {db_url.split('@')[-1]}: {str(error).splitlines()[0]}")
    return grade(root, args, book, sandbox, pool, make_job, todo, skipped)


def grade(root: Path, args: argparse.Namespace, book: GradebookCoordinator, sandbox, pool: Pool, make_job: MakeJob,
          todo: list[dict], skipped: list[dict]) -> int:
    """Grade the submissions of ``todo``, ``--jobs`` at a time; the exit status."""
    pending = list(todo)
    free_slots = list(range(args.jobs))

    def take() -> Job | None:
        """The next submission whose lock this worker gets (another machine may hold some)."""
        for i, item in enumerate(pending):
            if book.graded_elsewhere(item["assignment"], item["student"], item["digest"]) and not args.regrade:
                pending.pop(i)
                item["skip"] = True
                return take()
            if book.try_lock(item["assignment"], item["student"]):
                pending.pop(i)
                if not args.regrade and book.graded_elsewhere(item["assignment"], item["student"], item["digest"]):
                    book.unlock(item["assignment"], item["student"])
                    item["skip"] = True
                    return take()
                book.forget(item["assignment"], item["student"])
                job = make_job(root, item["assignment"], item["student"], book.child_url, free_slots.pop(0))
                job.data = item | job.data
                return job
        return None

    progress = Progress(len(todo), not args.no_progress)
    results = list(skipped)
    graded: list[dict] = []
    interrupted = False
    try:
        while True:
            for job, code, reason, seconds in pool.drain(take):
                free_slots.append(job.data["slot"])
                status = finish(root, args, book, sandbox, job, code, reason, seconds)
                graded.append(status)
                results.append(status)
                tail = "" if status["status"] == "ok" else f" -- {status['reason']} (log: {status['log']})"
                progress.line(f"{status['assignment']} {status['student']}: {status['status']} in {status['seconds']} s{tail}")
            for item in [t for t in todo if t.get("skip") and not t.get("reported")]:
                item["reported"] = True
                progress.line(f"{item['assignment']} {item['student']}: already graded by another worker, skipped")
                results.append({"assignment": item["assignment"], "student": item["student"], "status": "ok"})
            if not pending:
                break
            time.sleep(1.0)  # every remaining submission is locked by another worker: wait, then look again
    except KeyboardInterrupt:
        interrupted = True
        pool.kill_all()
    finally:
        progress.close()
        book.close()
    summarize(results, graded, skipped, time.monotonic() - progress.start, args.jobs)
    if interrupted:
        print("interrupted: run the same command again to grade what is left", flush=True)
        return 130
    return 1 if any(r["status"] != "ok" for r in results) else 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    root = Path.cwd()
    (root / STATUS_DIR).mkdir(exist_ok=True)
    with open(root / STATUS_DIR / "lock", "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return fail(f"another autograde.py is grading in {root} (it holds {STATUS_DIR}/lock); "
                        "wait for it, or give each worker a course folder of its own")
        return run(root, args)


if __name__ == "__main__":
    sys.exit(main())
