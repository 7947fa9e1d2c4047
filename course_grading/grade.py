"""Autograde a class with nbgrader: in parallel, resumably, sandboxed, on one machine or several.

``nbgrader autograde ASSIGNMENT`` grades a whole class in one process, one notebook after the
other, with the grader's rights. This command grades each submission
(``submitted/STUDENT/ASSIGNMENT/``) in a process of its own (``nbgrader autograde ASSIGNMENT
--student STUDENT --force``), ``--jobs`` of them at a time (default: one per core), and:

* runs the learner's kernel in a bubblewrap sandbox (no network, nothing of the course but its
  own working folder, limits on processes, memory, file size, disk and CPU time; see
  :mod:`course_grading.sandbox`); without ``bwrap`` it refuses to grade unless ``--no-sandbox``;
* puts a memory (address-space) and a file-size limit on nbgrader and the kernel, and a
  wall-clock limit on each submission;
* first, always, grades the instructor's solution and the released notebook of each assignment in
  the same sandbox, limits and environment (:mod:`course_grading.preflight`): unless they get full
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

    course-grade grade 01_data 02_tokenization      # every learner, one job per core
    course-grade grade 01_data --student alice      # one learner
    course-grade grade 01_data --jobs 4 --memory-gb 4 -- --ExecutePreprocessor.timeout=30
    course-grade grade 01_data --shard 2/3 --db-url postgresql+psycopg2://grader@db/course

See docs/instructors.md (grading a large class) and docs/grading-safety.md.
"""

from __future__ import annotations

import argparse
import fcntl
import os
import shutil
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from .coursedir import course_db_url
from .gradebook import GradebookCoordinator, open_gradebook, parse_shard, shard_of
from .preflight import PREFLIGHT_DIR, MakeJob, environment_errors, preflight
from .progress import Progress, summarize
from .records import (ENVIRONMENT_ERROR, STATUS_DIR, Submission, is_done, read_status, status_path,
                      students_of, submission_digest, write_status)
from .runner import Job, Limits, Pool, error_reason, preload_nbgrader
from .sandbox import Sandbox, SandboxUnavailable, find_bwrap, self_check


def fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 2


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``course-grade grade`` (the arguments after ``--`` are split off before)."""
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


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="course-grade grade", description=__doc__.split("\n\n")[0],
                                     epilog="Arguments after -- go to `nbgrader autograde` unchanged.")
    add_arguments(parser)
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


def make_sandbox(root: Path, args: argparse.Namespace) -> Sandbox | None:
    """The sandbox, or ``None`` with --no-sandbox; raises SandboxUnavailable with the fix."""
    if args.no_sandbox:
        print("warning: --no-sandbox: the learners' code runs with your rights and can read solutions/, "
              "the gradebook and your files (docs/grading-safety.md)", file=sys.stderr, flush=True)
        return None
    bwrap = find_bwrap()
    self_check(bwrap)
    return Sandbox(course_root=root, disk_bytes=int(args.disk_gb * 2**30), tmp_bytes=int(args.disk_gb * 2**30),
                   max_procs=args.max_procs, cpu_seconds=args.cpu_seconds,
                   file_bytes=int(args.file_gb * 2**30) or None, bwrap=bwrap)


def selected_students(root: Path, args: argparse.Namespace, assignment: str) -> list[str]:
    """The learners of ``assignment`` that this run grades: ``--student``, then ``--shard``."""
    shard = parse_shard(args.shard) if args.shard else None
    students = students_of(root, assignment)
    if args.student:
        students = [s for s in students if s in set(args.student)]
    if shard:
        students = [s for s in students if shard_of(s, shard[1]) == shard[0]]
    if not students:
        print(f"{assignment}: no submissions in submitted/*/{assignment}/" + (f" in shard {args.shard}" if shard else ""),
              file=sys.stderr)
    return students


def plan(root: Path, args: argparse.Namespace, book: GradebookCoordinator) -> tuple[list[Submission], list[dict]]:
    """``(to_grade, skipped)``: the selected submissions, and the records of those already graded."""
    todo, skipped = [], []
    for assignment in args.assignments:
        for student in selected_students(root, args, assignment):
            submission = Submission(assignment, student, submission_digest(root / "submitted" / student / assignment))
            if not args.regrade and is_done(root, submission):
                skipped.append(read_status(root, assignment, student) | {"skipped": "here"})
            elif not args.regrade and (who := book.graded_elsewhere(assignment, student, submission.digest)):
                skipped.append({"assignment": assignment, "student": student, "status": "ok", "skipped": who})
            else:
                todo.append(submission)
    return todo, skipped


def job_maker(root: Path, args: argparse.Namespace, sandbox: Sandbox | None) -> MakeJob:
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
        job = Job(key=(assignment, student), argv=argv, cwd=root, log=log, slot=slot,
                  started_at=datetime.now(timezone.utc).isoformat(timespec="seconds"))
        if sandbox is not None:
            sandbox_env, sandbox_args, job.private = sandbox.prepare(course / "autograded" / student / assignment, slot)
            job.env.update(sandbox_env)
            job.argv += sandbox_args
        job.argv += list(args.nbgrader_args)
        return job

    return make_job


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


@dataclass
class Scheduler:
    """Hands the pool the next submission to grade, with a free slot, as long as there is one.

    A submission is taken only when this worker gets its lock (another machine may hold some) and
    no worker graded this very submission already (then it goes to :meth:`newly_skipped`).
    """

    book: GradebookCoordinator
    make_job: MakeJob
    root: Path
    regrade: bool
    pending: list[Submission]
    free_slots: list[int]
    running: dict[tuple[str, str], Submission] = field(default_factory=dict)
    skipped: list[Submission] = field(default_factory=list)

    def _graded_elsewhere(self, submission: Submission) -> bool:
        return not self.regrade and bool(self.book.graded_elsewhere(*submission.key, submission.digest))

    def take(self) -> Job | None:
        """The job of the next submission this worker may grade, or None for now."""
        for submission in list(self.pending):
            if self._graded_elsewhere(submission):
                self.pending.remove(submission)
                self.skipped.append(submission)
            elif self.book.try_lock(*submission.key):
                self.pending.remove(submission)
                if self._graded_elsewhere(submission):  # graded between the first look and the lock
                    self.book.unlock(*submission.key)
                    self.skipped.append(submission)
                    continue
                self.book.forget(*submission.key)
                job = self.make_job(self.root, *submission.key, self.book.child_url, self.free_slots.pop(0))
                self.running[job.key] = submission
                return job
        return None

    def release(self, job: Job) -> Submission:
        """The submission of a finished job; its slot is free again."""
        self.free_slots.append(job.slot)
        return self.running.pop(job.key)

    def newly_skipped(self) -> list[Submission]:
        """The submissions found graded by another worker since the last call."""
        found, self.skipped = self.skipped, []
        return found


@dataclass
class Grader:
    """One run of ``course-grade grade``: where, how, and what it grades with."""

    root: Path
    args: argparse.Namespace
    book: GradebookCoordinator
    sandbox: Sandbox | None
    pool: Pool
    make_job: MakeJob

    def preflight(self, todo: list[Submission]) -> int | None:
        """Grade the solution and released notebook of every assignment to grade; 2 when one did not
        score full marks and zero (the message says which, where and why), else None."""
        assignments = [a for a in self.args.assignments if any(t.assignment == a for t in todo)]
        print(f"pre-flight: grading the instructor's solution and the released notebook of {', '.join(assignments)} "
              f"(in {PREFLIGHT_DIR}/)", flush=True)
        start = time.monotonic()
        problems = preflight(self.root, assignments, self.pool, self.make_job, self.args.blank_scores)
        if not problems:
            print(f"pre-flight: full marks and zero, as they must be ({time.monotonic() - start:.0f} s)", flush=True)
            return None
        print("error: pre-flight failed, nothing was graded. In the same sandbox, limits and environment as the "
              "learners, the instructor's solution must get full marks and the released notebook zero:\n"
              + "\n".join(f"  {problem}" for problem in problems)
              + "\nFix the environment (or the notebook), then run the same command again.", file=sys.stderr, flush=True)
        return 2

    def finish(self, job: Job, submission: Submission, code: int, reason: str | None, seconds: float) -> dict:
        """Record a finished submission (status file, shared record, lock) and return its status."""
        if job.private is not None:
            shutil.rmtree(job.private, ignore_errors=True)
        state, why = outcome(self.root, job, code, reason)
        status = {
            "assignment": submission.assignment, "student": submission.student, "status": state,
            "returncode": code, "reason": why, "seconds": round(seconds, 1), "started_at": job.started_at,
            "finished_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "worker": self.book.worker, "jobs": self.args.jobs, "sandbox": self.sandbox is not None,
            "submission_sha256": submission.digest, "log": str(job.log.relative_to(self.root)),
        }
        write_status(self.root, submission.assignment, submission.student, status)
        if state == "ok":
            self.book.record(*submission.key, submission.digest, seconds)
        self.book.unlock(*submission.key)
        return status

    def grade(self, todo: list[Submission], skipped: list[dict]) -> int:
        """Grade the submissions of ``todo``, ``--jobs`` at a time; the exit status."""
        scheduler = Scheduler(self.book, self.make_job, self.root, self.args.regrade, list(todo), list(range(self.args.jobs)))
        progress = Progress(len(todo), not self.args.no_progress)
        results, graded = list(skipped), []
        interrupted = False
        try:
            while True:
                for job, code, reason, seconds in self.pool.drain(scheduler.take):
                    status = self.finish(job, scheduler.release(job), code, reason, seconds)
                    graded.append(status)
                    results.append(status)
                    tail = "" if status["status"] == "ok" else f" -- {status['reason']} (log: {status['log']})"
                    progress.line(f"{status['assignment']} {status['student']}: {status['status']} in {status['seconds']} s{tail}")
                for submission in scheduler.newly_skipped():
                    progress.line(f"{submission.assignment} {submission.student}: already graded by another worker, skipped")
                    results.append({"assignment": submission.assignment, "student": submission.student, "status": "ok"})
                if not scheduler.pending:
                    break
                time.sleep(1.0)  # every remaining submission is locked by another worker: wait, then look again
        except KeyboardInterrupt:
            interrupted = True
            self.pool.kill_all()
        finally:
            progress.close()
            self.book.close()
        summarize(results, graded, skipped, time.monotonic() - progress.start, self.args.jobs)
        if interrupted:
            print("interrupted: run the same command again to grade what is left", flush=True)
            return 130
        return 1 if any(r["status"] != "ok" for r in results) else 0


def run(root: Path, args: argparse.Namespace) -> int:
    """Plan, pre-flight, then grade; the exit status (2: nothing graded, see the message)."""
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
        book = open_gradebook(db_url, course_id)
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
    grader = Grader(root, args, book, sandbox, Pool(args.jobs, limits), job_maker(root, args, sandbox))
    if todo and (stop := grader.preflight(todo)) is not None:
        book.close()
        return stop
    try:
        if todo:
            book.register_students(sorted({t.student for t in todo}))
    except Exception as error:  # noqa: BLE001 - the database refused the writes
        return fail(f"cannot register the learners in the gradebook {db_url.split('@')[-1]}: {str(error).splitlines()[0]}")
    return grader.grade(todo, skipped)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    root = Path.cwd()
    (root / STATUS_DIR).mkdir(exist_ok=True)
    with open(root / STATUS_DIR / "lock", "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return fail(f"another `course-grade grade` is grading in {root} (it holds {STATUS_DIR}/lock); "
                        "wait for it, or give each worker a course folder of its own")
        return run(root, args)
