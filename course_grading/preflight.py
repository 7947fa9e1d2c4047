"""Grades an instructor can trust: a pre-flight before any learner, and environment errors.

* **Pre-flight.** Before any learner is graded, the instructor's solution notebook and the
  released (blank) notebook of each assignment are graded in a scratch course,
  ``.autograde/preflight/`` (its own SQLite gradebook; the course's gradebook is not touched),
  by the same ``nbgrader autograde``, in the same sandbox, with the same limits, environment and
  nbgrader options as the learners. The solution must get full marks and the blank notebook
  zero (or the score given with ``--blank-score``), with no error in a cell the learner cannot
  edit; otherwise :func:`preflight` returns one line per problem, naming the assignment, the
  cell and the error, and the grader grades nothing.
* **Environment errors.** :func:`environment_errors` lists the errors a graded notebook shows
  in the cells a learner cannot edit: nbgrader's read-only (locked) cells that are neither an
  answer nor a test (setup, imports, data loading). Such an error says that the grading
  environment failed (a data folder the kernel cannot see, a missing package), not the
  learner: the grader records that submission as ``environment error`` instead of ``ok``.

Example::

    problems = preflight(root, ["01_data"], pool, make_job)
    errors = environment_errors(root / "autograded" / "alice" / "01_data")
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path
from typing import Callable

from .coursedir import course_db_url, course_folders
from .gradebook import open_gradebook
from .runner import Job, Pool, error_reason

PREFLIGHT_DIR = Path(".autograde") / "preflight"
SOLUTION, BLANK = "preflight-solution", "preflight-blank"  # the two pseudo-learners of the scratch course

# make_job(course, assignment, student, db_url, slot) -> the nbgrader autograde job, exactly as for a learner
MakeJob = Callable[[Path, str, str, str, int], Job]


def _error_text(cell) -> str | None:
    """``Name: message`` of the first error a code cell shows (first line, shortened), or None."""
    for output in cell.get("outputs", []):
        if output.get("output_type") == "error":
            message = (output.get("evalue") or "").strip().splitlines()
            text = f"{output.get('ename', 'Error')}: {message[0] if message else ''}".rstrip(": ")
            return text if len(text) <= 300 else text[:297] + "..."
    return None


def _cell_name(cell, index: int) -> str:
    return repr(cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") or f"cell {index + 1}")


def is_environment_cell(cell) -> bool:
    """A code cell the learner cannot edit and that is neither an answer nor a test (setup)."""
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return cell.get("cell_type") == "code" and bool(meta.get("locked")) and not meta.get("solution") and not meta.get("grade")


def _cell_errors(folder: Path, keep: Callable[[dict], bool]) -> list[str]:
    """``cell 'ID' raised Name: message`` for each cell of the notebooks in ``folder`` that ``keep``
    selects and that shows an error."""
    import nbformat

    found = []
    for path in sorted(folder.glob("*.ipynb")):
        try:
            nb = nbformat.read(path, as_version=4)
        except Exception as error:  # noqa: BLE001 - an unreadable graded notebook is reported as such
            found.append(f"{path.name} cannot be read: {error}")
            continue
        for index, cell in enumerate(nb.cells):
            error = _error_text(cell) if keep(cell) else None
            if error:
                found.append(f"cell {_cell_name(cell, index)} raised {error}")
    return found


def environment_errors(folder: Path) -> list[str]:
    """The errors in the cells a learner cannot edit, in the graded notebooks of ``folder``."""
    return _cell_errors(folder, is_environment_cell)


def test_errors(folder: Path) -> list[str]:
    """The errors in the test cells of the graded notebooks of ``folder``."""
    return _cell_errors(folder, lambda cell: bool(cell.get("metadata", {}).get("nbgrader", {}).get("grade")))


def _run_all(pool: Pool, jobs: list[Callable[[int], Job]]) -> dict[tuple[str, str], tuple[int, str | None, Path]]:
    """Run the jobs (each made from a free slot) in ``pool``: key -> (returncode, reason, log)."""
    pending, free, results = list(jobs), list(range(pool.jobs)), {}

    def take() -> Job | None:
        return pending.pop(0)(free.pop(0)) if pending else None

    for job, code, reason, _ in pool.drain(take):
        free.append(job.slot)
        if job.private is not None:
            shutil.rmtree(job.private, ignore_errors=True)
        results[job.key] = (code, reason, job.log)
    return results


def _generate_job(root: Path, scratch: Path, db_url: str, assignment: str) -> Callable[[int], Job]:
    """``nbgrader generate_assignment`` into the scratch course (its new gradebook included)."""
    argv = ["generate_assignment", assignment, "--force", f"--CourseDirectory.root={scratch}",
            f"--CourseDirectory.db_url={db_url}"]
    # nbgrader runs `alembic` to create a gradebook: the one beside this Python, venv activated or not
    env = {"PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])}
    return lambda slot: Job(key=(assignment, "generate"), argv=argv, cwd=root, env=env,
                            log=scratch / "logs" / f"{assignment}-generate.log", slot=slot)


def stage(root: Path, scratch: Path, assignments: list[str]) -> None:
    """A fresh scratch course: the instructor's notebooks as source, and as the submissions of
    ``SOLUTION`` and ``BLANK`` the solution folder and the released folder the learners got."""
    source, release = course_folders(root)
    shutil.rmtree(scratch, ignore_errors=True)
    (scratch / "logs").mkdir(parents=True)
    for a in assignments:
        shutil.copytree(root / source / a, scratch / source / a)
        shutil.copytree(root / source / a, scratch / "submitted" / SOLUTION / a)
        if (root / release / a).is_dir():
            shutil.copytree(root / release / a, scratch / "submitted" / BLANK / a)


def _score(db_url: str, course_id: str, assignment: str, student: str) -> tuple[float, float]:
    """(score, max_score) of a pre-flight submission in the scratch gradebook."""
    from nbgrader.api import Gradebook

    with Gradebook(db_url, course_id) as gb:
        try:
            sub = gb.find_submission(assignment, student)
            return float(sub.score), float(sub.max_score)
        finally:
            gb.db.close()
            gb.engine.dispose()  # no connection is inherited by the forked children


def judge(scratch: Path, db: tuple[str, str], assignment: str, student: str, outcome: tuple[int, str | None, Path],
          expected: float | None) -> str | None:
    """What is wrong with one pre-flight grading (None: it scored as it must).

    ``db`` is the scratch gradebook's ``(url, course_id)``; ``expected`` the score the notebook
    must get (None: full marks).
    """
    what = "the instructor's solution" if student == SOLUTION else "the released notebook"
    code, reason, log = outcome
    folder = scratch / "autograded" / student / assignment
    where = f"(log: {log}; graded copy: {folder})"
    if code != 0 or reason is not None:
        text = log.read_text(encoding="utf-8", errors="replace") if log.exists() else ""
        return f"{assignment}: {what} could not be graded: {reason or error_reason(text)} {where}"
    score, top = _score(*db, assignment, student)
    target = top if expected is None else expected
    setup = environment_errors(folder)
    if not setup and abs(score - target) < 1e-9:
        return None
    details = setup or (test_errors(folder) if expected is None else [])
    if not details and expected is not None:
        details = ["tests pass on it: set the score it should get with --blank-score"]
    shown = "; ".join(details[:3]) + (f"; and {len(details) - 3} more" if len(details) > 3 else "")
    scored = f" scored {score:g} of {top:g} instead of {target:g}" if abs(score - target) >= 1e-9 else ""
    return f"{assignment}: {what}{scored}: {shown} {where}"


def preflight(root: Path, assignments: list[str], pool: Pool, make_job: MakeJob,
              blank_scores: dict[str, float] | None = None) -> list[str]:
    """Grade each assignment's solution and released notebook; the problems found (empty: go)."""
    scratch = root / PREFLIGHT_DIR
    db_url = f"sqlite:///{scratch / 'gradebook.db'}?timeout=300"
    stage(root, scratch, assignments)
    made = _run_all(pool, [_generate_job(root, scratch, db_url, a) for a in assignments])
    problems = [f"{a}: nbgrader generate_assignment failed on the instructor's notebook: "
                f"{error_reason(log.read_text(encoding='utf-8', errors='replace'))} (log: {log})"
                for (a, _), (code, _, log) in made.items() if code != 0]
    if problems:
        return problems
    _, release = course_folders(root)
    for a in assignments:  # no released folder yet: the blank notebook as generate_assignment makes it
        if not (scratch / "submitted" / BLANK / a).is_dir():
            shutil.copytree(scratch / release / a, scratch / "submitted" / BLANK / a)
    course_id = course_db_url(root)[1]
    open_gradebook(db_url, course_id).register_students([SOLUTION, BLANK])
    pairs = [(a, s) for a in assignments for s in (SOLUTION, BLANK)]
    graded = _run_all(pool, [lambda slot, a=a, s=s: make_job(scratch, a, s, db_url, slot) for a, s in pairs])
    expected = {BLANK: lambda a: (blank_scores or {}).get(a, 0.0), SOLUTION: lambda a: None}
    found = (judge(scratch, (db_url, course_id), a, s, graded[(a, s)], expected[s](a)) for a, s in pairs)
    return [problem for problem in found if problem]
