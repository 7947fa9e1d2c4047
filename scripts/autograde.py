#!/usr/bin/env python
"""Autograde submissions one student at a time, with resource limits, resumably.

``nbgrader autograde ASSIGNMENT`` grades a whole class in one process. That is fine until
something goes wrong, and in a class something always does:

* a learner's answer that allocates memory without bound takes the whole machine with it
  (nbgrader sets no memory limit);
* a run killed halfway (a reboot, a lost SSH session, ``kill``) leaves the student it was
  grading with a half-written ``autograded/`` folder that a plain re-run skips as "existing",
  so that student keeps an empty grade;
* a submission that cannot be graded at all (a notebook that is not JSON, a kernel that died)
  is only reported in the middle of a long log, and the student shows up in the export with a
  score of zero as if graded.

This script runs ``nbgrader autograde ASSIGNMENT --student ID --force`` for each submission in
``submitted/*/ASSIGNMENT/`` in its own process, under a memory (address-space) limit and a
file-size limit that the grading kernel inherits, and a wall-clock limit per student. After
each student it records the outcome in ``.autograde/ASSIGNMENT/STUDENT.json`` (``ok`` or
``error`` with the reason) together with a checksum of the submission. A re-run skips
exactly the students recorded ``ok`` for an unchanged submission and grades the rest again;
so after an interruption every student ends with one grade. The exit status is 1 when any
submission could not be graded, and the summary lists them.

Run it from the course root (the folder with ``nbgrader_config.py``)::

    python scripts/autograde.py 01_data 02_tokenization      # every student
    python scripts/autograde.py 01_data --student alice      # one student
    python scripts/autograde.py 01_data --memory-gb 4 -- --ExecutePreprocessor.timeout=30

This limits *resources*; it does not *isolate* the learner's code, which still runs with your
rights. See "Grading safety" in the README.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import resource
import subprocess
import sys
import time
from pathlib import Path

STATUS_DIR = ".autograde"


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


def limit_resources(memory_bytes: int | None, file_bytes: int | None):
    """A ``preexec_fn`` setting limits that nbgrader and the kernels it starts inherit."""

    def apply() -> None:
        if memory_bytes:
            resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
        if file_bytes:
            resource.setrlimit(resource.RLIMIT_FSIZE, (file_bytes, file_bytes))

    return apply


def kill_tree(pid: int) -> None:
    """SIGKILL a process and all its descendants (kernels run in sessions of their own)."""
    try:
        import psutil
    except ImportError:  # pragma: no cover - psutil comes with jupyter
        os.kill(pid, 9)
        return
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


def error_reason(log: str) -> str:
    """The most telling lines of an nbgrader log that ended in failure."""
    lines = log.splitlines()
    reasons = [l.strip() for l in lines if re.search(r"(Error|Exception|died|not appear to be JSON):? ", l) and "WARNING" not in l]
    errors = [l.strip() for l in lines if "| ERROR]" in l]
    picked = list(dict.fromkeys(reasons[-3:] + errors[-3:]))
    return " / ".join(picked)[-800:] or (lines[-1] if lines else "no output")


def grade_one(root: Path, assignment: str, student: str, args: argparse.Namespace) -> dict:
    folder = root / "submitted" / student / assignment
    digest = submission_digest(folder)
    log_path = status_path(root, assignment, student).with_suffix(".log")
    log_path.parent.mkdir(parents=True, exist_ok=True)
    cmd = [args.nbgrader, "autograde", assignment, "--student", student, "--force", *args.nbgrader_args]
    start = time.monotonic()
    with open(log_path, "w", encoding="utf-8") as log:
        proc = subprocess.Popen(
            cmd,
            cwd=root,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            preexec_fn=limit_resources(int(args.memory_gb * 2**30) or None, int(args.file_gb * 2**30) or None),
        )
        try:
            returncode = proc.wait(timeout=args.student_timeout)
            reason = None
        except subprocess.TimeoutExpired:
            kill_tree(proc.pid)
            returncode = proc.wait()
            reason = f"grading took longer than {args.student_timeout} s and was stopped"
    seconds = round(time.monotonic() - start, 1)
    text = log_path.read_text(encoding="utf-8", errors="replace")
    ok = returncode == 0 and reason is None
    if not ok and reason is None:
        reason = error_reason(text)
    return {
        "assignment": assignment,
        "student": student,
        "status": "ok" if ok else "error",
        "returncode": returncode,
        "reason": reason,
        "seconds": seconds,
        "submission_sha256": digest,
        "log": str(log_path.relative_to(root)),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog="Arguments after -- go to `nbgrader autograde` unchanged.",
    )
    parser.add_argument("assignments", nargs="+", help="assignment ids, e.g. 01_data")
    parser.add_argument("--student", action="append", help="grade only this student (repeatable)")
    parser.add_argument("--memory-gb", type=float, default=8.0, help="address-space limit of nbgrader and each kernel (GiB; 0 = none; default 8)")
    parser.add_argument("--file-gb", type=float, default=2.0, help="largest file the grading may write (GiB; 0 = none; default 2)")
    parser.add_argument("--student-timeout", type=float, default=1800, help="wall-clock seconds for one student's assignment (default 1800)")
    parser.add_argument("--regrade", action="store_true", help="grade every submission again, even those recorded as ok")
    parser.add_argument("--nbgrader", default=str(Path(sys.executable).with_name("nbgrader")), help="the nbgrader command")
    argv = list(sys.argv[1:] if argv is None else argv)
    extra: list[str] = []
    if "--" in argv:
        cut = argv.index("--")
        argv, extra = argv[:cut], argv[cut + 1 :]
    args = parser.parse_args(argv)
    args.nbgrader_args = extra
    if not Path(args.nbgrader).exists():
        args.nbgrader = "nbgrader"
    root = Path.cwd()

    results = []
    for assignment in args.assignments:
        students = students_of(root, assignment)
        if args.student:
            students = [s for s in students if s in set(args.student)]
        if not students:
            print(f"{assignment}: no submissions in submitted/*/{assignment}/", file=sys.stderr)
        for student in students:
            old = read_status(root, assignment, student)
            done = (
                not args.regrade
                and old is not None
                and old.get("status") == "ok"
                and old.get("submission_sha256") == submission_digest(root / "submitted" / student / assignment)
                and (root / "autograded" / student / assignment).is_dir()
            )
            if done:
                print(f"{assignment} {student}: already graded, skipped", flush=True)
                results.append(old)
                continue
            status = grade_one(root, assignment, student, args)
            write_status(root, assignment, student, status)
            results.append(status)
            tail = "" if status["status"] == "ok" else f" -- {status['reason']} (log: {status['log']})"
            print(f"{assignment} {student}: {status['status']} in {status['seconds']} s{tail}", flush=True)

    failed = [r for r in results if r["status"] != "ok"]
    print(f"{len(results) - len(failed)} of {len(results)} submissions graded.", flush=True)
    for r in failed:
        print(f"NOT GRADED: {r['assignment']} {r['student']}: {r['reason']} (log: {r['log']})", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
