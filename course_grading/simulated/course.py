"""A temporary nbgrader course built from the repository, and ways to drive it.

Everything runs through the ``nbgrader`` command line in subprocesses (the way an instructor
runs it), with the offline environment, from the course root.
"""

from __future__ import annotations

import csv
import hashlib
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from sentiment_lib.environment import course_environment

# the repository (solutions/, nbgrader_config.py): this package's parent in a checkout or editable install
ROOT = Path(os.environ.get("COURSE_ROOT") or Path(__file__).resolve().parents[2])
ASSIGNMENTS = ["01_data", "02_tokenization", "03_fine_tuning", "04_evaluation", "05_inference", "06_baseline"]
if os.environ.get("COURSE_ASSIGNMENTS"):  # while writing a new assignment: COURSE_ASSIGNMENTS=01_data,02_tokenization
    ASSIGNMENTS = os.environ["COURSE_ASSIGNMENTS"].split(",")
NBGRADER = str(Path(sys.executable).with_name("nbgrader"))
if not Path(NBGRADER).exists():  # pragma: no cover - a venv always has it next to python
    NBGRADER = "nbgrader"


def course_env() -> dict[str, str]:
    # offline, enforced: grading never reaches the hub whatever the instructor's shell says; the data
    # (SENTIMENT_DATA_DIR, else ../shared/data/imdb) and the model (SENTIMENT_MODEL, else offline) stay theirs
    env = {**os.environ, **course_environment(offline=True, enforce=True, root=ROOT), "PYTHONUNBUFFERED": "1"}
    # the kernel must import the repository's sentiment_lib and course_grading even from a temporary directory
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    # the venv's scripts (jupyter, nbgrader) first, as when it is activated
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    return env


def make_course(dest: Path, assignments=ASSIGNMENTS) -> Path:
    """A course directory: the repository's ``nbgrader_config.py`` and ``solutions/<a>/``."""
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copy2(ROOT / "nbgrader_config.py", dest / "nbgrader_config.py")
    for a in assignments:
        shutil.copytree(ROOT / "solutions" / a, dest / "solutions" / a)
    shutil.copy2(ROOT / "solutions" / "points.json", dest / "solutions" / "points.json")
    return dest


def nbgrader(course: Path, *args: str, check: bool = True, timeout: float = 600) -> subprocess.CompletedProcess:
    """Run ``nbgrader ARGS`` in the course; stdout and stderr together in ``.stdout``."""
    start = time.monotonic()
    proc = subprocess.run(
        [NBGRADER, *args], cwd=course, env=course_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL, text=True, timeout=timeout,
    )
    proc.seconds = time.monotonic() - start
    if check and proc.returncode != 0:
        raise AssertionError(f"nbgrader {' '.join(args)} failed ({proc.returncode}):\n{proc.stdout[-6000:]}")
    return proc


def start_nbgrader(course: Path, *args: str, log: Path) -> subprocess.Popen:
    """Start ``nbgrader ARGS`` in the background, output to ``log``."""
    handle = open(log, "w", encoding="utf-8")
    return subprocess.Popen(
        [NBGRADER, *args], cwd=course, env=course_env(), stdout=handle, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
    )


def validation_results(output: str) -> dict[str, str]:
    """Split ``nbgrader validate`` output of several notebooks: path -> its report."""
    results: dict[str, str] = {}
    current = None
    for line in output.splitlines():
        if "Validating '" in line:
            current = line.split("Validating '", 1)[1].rsplit("'", 1)[0]
            results[current] = ""
        elif current is not None:
            results[current] += line + "\n"
    return results


def scores(course: Path) -> dict[tuple[str, str], dict]:
    """(assignment, student) -> {"score", "max_score", "grades": {grade_id: auto_score}}."""
    from nbgrader.api import Gradebook

    result = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        for assignment in gb.assignments:
            for sub in assignment.submissions:
                grades = {g.name: g.auto_score for nb in sub.notebooks for g in nb.grades}
                result[(assignment.name, sub.student.id)] = {
                    "score": sub.score,
                    "max_score": sub.max_score,
                    "grades": grades,
                    "n_grades": sum(len(nb.grades) for nb in sub.notebooks),
                }
    return result


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def checksums(paths) -> dict[str, str]:
    """sha256 of every file under the given files/folders."""
    result = {}
    for base in paths:
        base = Path(base)
        files = [base] if base.is_file() else sorted(p for p in base.rglob("*") if p.is_file())
        for f in files:
            result[str(f)] = hashlib.sha256(f.read_bytes()).hexdigest()
    return result
