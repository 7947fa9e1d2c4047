"""Grades an instructor can trust (docs/grading-safety.md): the environment is not the learner.

* The data and the model cache under ``/tmp`` (the sandbox's own ``/tmp`` is private), in a
  dot folder, in the masked home folder: a correct and a partial submission of ``01_data`` get
  exactly their scores (before the sandbox ordered its mounts by depth, data under ``/tmp`` was
  hidden from the kernel: the correct submission got 3 of 8, the partial one 0, both ``ok``).
* Pre-flight: with a data folder the kernel cannot use, the instructor's solution does not get
  full marks, so ``course-grade grade`` stops before any learner with one message naming the
  assignment, the cell and the error, and grades nothing.
* A learner whose locked setup cell fails (here: an earlier cell of theirs points
  ``SENTIMENT_DATA_DIR`` elsewhere, as a lost mount would) is an ``environment error``, not ``ok``,
  and the run exits 1.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat
import pytest

from course_grading.simulated import course as C
from course_grading.simulated import students as S

from course_grading.preflight import environment_errors

ASSIGNMENT = "01_data"
GRADE = [sys.executable, "-m", "course_grading", "grade"]  # course-grade grade
BREAKS_SETUP = "import os\nos.environ['SENTIMENT_DATA_DIR'] = '/nonexistent/imdb'  # the setup cell below fails\n"


def _data_source() -> Path:
    env = C.course_env()
    if not env.get("SENTIMENT_DATA_DIR") or not Path(env["SENTIMENT_DATA_DIR"], "train.parquet").is_file():
        pytest.skip("needs the IMDB parquet files (SENTIMENT_DATA_DIR or ../shared/data/imdb)")
    return Path(env["SENTIMENT_DATA_DIR"])


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """01_data released, three learners: all correct, all but the last task, and one whose own
    first cell breaks the setup cell."""
    course = C.make_course(tmp_path_factory.mktemp("trust") / "main", [ASSIGNMENT])
    C.nbgrader(course, "generate_assignment", ASSIGNMENT, "--force")
    inst = S.read(course / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")
    rel = S.read(course / "exercises" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")
    sol, points = S.solution_ids(inst), S.load_points(course)[ASSIGNMENT]
    S.submit(course, "correct", ASSIGNMENT, S.answered(rel, inst))
    S.submit(course, "partial", ASSIGNMENT, S.answered(rel, inst, sol[:-1]))
    S.submit(course, "setup_broken", ASSIGNMENT, S.insert_first(S.answered(rel, inst), BREAKS_SETUP))
    expected = {"correct": S.expected_score(inst, sol, points), "partial": S.expected_score(inst, sol[:-1], points)}
    assert expected["correct"] == sum(points.values()) > expected["partial"] > 0
    return {"course": course, "expected": expected}


@pytest.fixture
def in_home():
    """A temporary folder in the real home folder (the one the sandbox masks), removed afterwards."""
    folder = Path(tempfile.mkdtemp(prefix=".autograde-test-", dir=Path.home()))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def _course(template: dict, dest: Path) -> Path:
    shutil.copytree(template["course"], dest, ignore=shutil.ignore_patterns("autograded", ".autograde"))
    return dest


def _plant_data(dest: Path) -> Path:
    """A copy of the IMDB train and test splits in ``dest``."""
    dest.mkdir(parents=True)
    for name in ("train.parquet", "test.parquet"):
        shutil.copy(_data_source() / name, dest / name)
    return dest


def _autograde(course: Path, data: Path, cache: Path) -> subprocess.CompletedProcess:
    env = C.course_env() | {"SENTIMENT_DATA_DIR": str(data), "SENTIMENT_CACHE": str(cache)}
    return subprocess.run([*GRADE, ASSIGNMENT, "--jobs", "2", "--no-progress"], cwd=course,
                          env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=900)


def _status(course: Path, student: str) -> dict | None:
    path = course / ".autograde" / ASSIGNMENT / f"{student}.json"
    return json.loads(path.read_text()) if path.is_file() else None


@pytest.mark.slow
@pytest.mark.parametrize("layout", ["beside", "hidden", "home"])
def test_data_under_tmp_or_hidden_folders_gets_exact_scores(template, tmp_path, in_home, layout):
    """The course under /tmp, and the data beside it (a fresh clone with ../shared), in a dot
    folder under /tmp, or in the masked home folder, with the model cache alike."""
    base = {"beside": tmp_path / "shared", "hidden": tmp_path / "x" / ".hidden", "home": in_home}[layout]
    data, cache = _plant_data(base / "data" / "imdb"), base / ".cache" / "sentiment_lib"
    cache.mkdir(parents=True)
    course = _course(template, tmp_path / "main")
    proc = _autograde(course, data, cache)
    out = proc.stdout
    assert "pre-flight: full marks and zero" in out, out
    scores = C.scores(course)
    for student, score in template["expected"].items():
        assert scores[(ASSIGNMENT, student)]["score"] == pytest.approx(score), (student, out)
        assert _status(course, student)["status"] == "ok"
    broken = _status(course, "setup_broken")
    assert broken["status"] == "environment error", broken
    assert "'setup'" in broken["reason"] and "/nonexistent/imdb" in broken["reason"], broken
    assert f"ENVIRONMENT ERROR: {ASSIGNMENT} setup_broken: cell 'setup' raised" in out, out
    assert "2 of 3 submissions graded" in out and "1 of them environment errors" in out, out
    assert proc.returncode == 1, out


@pytest.mark.slow
def test_preflight_stops_a_broken_environment_and_grades_nothing(template, tmp_path):
    """A data folder without the parquet files: the solution's setup cell fails in pre-flight."""
    empty = tmp_path / "shared" / "data" / "imdb"
    empty.mkdir(parents=True)
    course = _course(template, tmp_path / "main")
    proc = _autograde(course, empty, tmp_path / "cache")
    out = proc.stdout
    assert proc.returncode == 2, out
    assert out.count("error: pre-flight failed, nothing was graded") == 1, out
    assert f"{ASSIGNMENT}: the instructor's solution scored 3 of 8 instead of 8: cell 'setup' raised SentimentLibError" in out, out
    assert f"{ASSIGNMENT}: the released notebook: cell 'setup' raised SentimentLibError" in out, out
    assert "Traceback" not in out
    assert not (course / "autograded").exists() and not (course / ".autograde" / ASSIGNMENT).exists()
    assert C.scores(course) == {}  # no learner in the course's gradebook has a submission


def test_environment_errors_are_the_locked_setup_cells_only(tmp_path):
    """An error in a locked cell that is neither answer nor test counts; a learner's own cell, an
    answer or a test that fails do not (those are the learner's)."""
    def cell(source, error, **meta):
        code = nbformat.v4.new_code_cell(source, metadata={"nbgrader": meta} if meta else {})
        code.outputs = [nbformat.v4.new_output("error", ename="ValueError", evalue=f"{error}\nmore", traceback=[])]
        return code

    nb = nbformat.v4.new_notebook(cells=[
        cell("raise ValueError", "learner's own cell"),
        cell("setup()", "no data", grade_id="setup", locked=True, solution=False, grade=False),
        cell("def f(): ...", "answer", grade_id="f", solution=True, grade=False, locked=False),
        cell("assert f()", "test", grade_id="test_f", grade=True, solution=False, locked=True, points=1),
    ])
    nbformat.write(nb, tmp_path / "a.ipynb")
    assert environment_errors(tmp_path) == ["cell 'setup' raised ValueError: no data"]
