"""The class report (``course-grade report``) on a simulated class with planted patterns.

One assignment (``04_evaluation``, the quickest to grade) and six learners, graded by
``course-grade grade``:

* ``ann`` the instructor's answers, ``ben`` and ``cat`` other correct answers (from the mutation
  suite), so no two of them look alike;
* all five working learners fail ``confident_errors`` with the same message (each returns a NumPy
  array, in code of their own): the report must show one message failed by everyone and mark the
  task "check the statement";
* ``dan`` submits ``ann``'s notebook (identical), ``eve`` ``ben``'s with comments and one extra
  line (near-identical): exactly these two pairs are listed;
* ``fay``'s own first cell breaks the locked setup cell: an environment error, listed and left out
  of the statistics.

The same report is then made from a PostgreSQL gradebook (nbgrader's, through its SQLAlchemy URL).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from course_grading.simulated import course as C
from course_grading.simulated import students as S
from mutations import m04_evaluation
from test_autograde_parallel import postgres  # noqa: F401 - the throw-away PostgreSQL server fixture

ASSIGNMENT = "04_evaluation"
GRADE = [sys.executable, "-m", "course_grading", "grade"]  # course-grade grade
REPORT = [sys.executable, "-m", "course_grading", "report"]  # course-grade report
SAME_FAILURE = "test_confident_errors"
AS_ARRAY = ("\n_answer = confident_errors\n\n\ndef confident_errors(y_true, prob_positive, k):\n"
            "    return np.asarray(_answer(y_true, prob_positive, k))\n")
BREAKS_SETUP = "import sys\nsys.modules['numpy'] = None  # the locked setup cell below cannot import NumPy\n"


def _right_answers(n: int) -> dict[str, str]:
    """Task -> the n-th correct answer of the mutation suite (n = 0, 1)."""
    rights: dict[str, list[str]] = {}
    for task, kind, _, code in m04_evaluation.ANSWERS:
        if kind == "right":
            rights.setdefault(task, []).append(code)
    return {task: codes[n] for task, codes in rights.items()}


def _class(course: Path) -> None:
    """Submit the six learners described in the module docstring."""
    inst = S.read(course / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")
    rel = S.read(course / "exercises" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")
    ann = S.append_to_answer(S.answered(rel, inst), "confident_errors", AS_ARRAY)
    others = []
    for n in (0, 1):
        nb = S.answered(rel, inst)
        for task, code in _right_answers(n).items():
            nb = S.with_answer(nb, task, code + (AS_ARRAY if task == "confident_errors" else ""))
        others.append(nb)
    ben, cat = others
    eve = ben
    for task in S.solution_ids(inst):
        eve = S.append_to_answer(eve, task, "# checked against the examples in the statement")
    eve = S.append_to_answer(eve, "binary_metrics", "METRIC_NAMES = ['accuracy', 'precision', 'recall', 'f1']")
    for name, nb in {"ann": ann, "ben": ben, "cat": cat, "dan": ann, "eve": eve, "fay": S.insert_first(rel, BREAKS_SETUP)}.items():
        S.submit(course, name, ASSIGNMENT, nb)


def _autograde(course: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*GRADE, ASSIGNMENT, "--jobs", "2", "--no-progress", "--no-sandbox", *args],
                          cwd=course, env=C.course_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=600)


def _report(course: Path, out: Path, *args: str) -> dict[str, list[dict[str, str]]]:
    proc = subprocess.run([*REPORT, "--course", str(course), "--output", str(out), *args],
                          cwd=course, env=C.course_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout
    return {name: C.read_csv(out / f"{name}.csv") for name in ("tasks", "failures", "similar", "environment")}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """The simulated class, released and graded on SQLite; its report."""
    course = C.make_course(tmp_path_factory.mktemp("report") / "course", [ASSIGNMENT])
    C.nbgrader(course, "generate_assignment", ASSIGNMENT, "--force")
    _class(course)
    proc = _autograde(course)
    assert proc.returncode == 1 and "fay" in proc.stdout, proc.stdout  # fay's environment error is reported
    out = course / "report"
    return {"course": course, "out": out, "tables": _report(course, out)}


@pytest.mark.slow
def test_tasks_show_the_task_everyone_fails_the_same_way(graded):
    tasks = {row["task"]: row for row in graded["tables"]["tasks"]}
    assert len(tasks) == 5 and all(row["submissions"] == "5" for row in tasks.values())  # fay left out
    same = tasks.pop(SAME_FAILURE)
    assert (same["full_marks_share"], same["zero_share"], same["same_failure_share"], same["check_statement"]) == ("0.0", "1.0", "1.0", "yes")
    assert all(row["full_marks_share"] == "1.0" and row["check_statement"] == "no" for row in tasks.values()), tasks
    failures = [row for row in graded["tables"]["failures"] if row["task"] == SAME_FAILURE]
    assert len(failures) == 1 and failures[0]["learners"] == "5" and "numpy.ndarray" in failures[0]["message"], failures
    assert {row["task"] for row in graded["tables"]["failures"]} == {SAME_FAILURE}


@pytest.mark.slow
def test_similar_pairs_and_environment_errors(graded):
    pairs = {(row["student_a"], row["student_b"]): row["kind"] for row in graded["tables"]["similar"]}
    assert pairs == {("ann", "dan"): "identical", ("ben", "eve"): "near-identical"}, graded["tables"]["similar"]
    environment = graded["tables"]["environment"]
    assert [(row["student"], row["status"]) for row in environment] == [("fay", "environment error")]
    assert "numpy" in environment[0]["reason"].lower()


@pytest.mark.slow
def test_html_is_well_formed_and_accessible(graded):
    text = (graded["out"] / "report.html").read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>")
    root = ET.fromstring(text.split("\n", 1)[1])  # well formed: every element closed, every entity escaped
    assert root.get("lang") == "en" and root.find("./head/title") is not None
    tables = root.findall(".//table")
    assert len(tables) == 4 - sum(not rows for rows in graded["tables"].values())
    assert all(table.find("caption") is not None for table in tables)
    headers = root.findall(".//th")
    assert headers and all(th.get("scope") in ("col", "row") for th in headers)
    rows = {"".join(tr.itertext()) for tr in root.findall(".//tbody/tr")}
    assert any("fay" in row and "environment error" in row for row in rows)
    assert any("ann" in row and "dan" in row and "identical" in row for row in rows)
    assert any(SAME_FAILURE in row and "yes" in row for row in rows)  # "check statement" in words, not colour


@pytest.mark.slow
def test_report_from_a_postgresql_gradebook(graded, postgres, tmp_path):
    """The same class graded into a PostgreSQL gradebook gives the same report (read through --db-url)."""
    url = postgres()
    course = tmp_path / "course"
    shutil.copytree(graded["course"], course, ignore=shutil.ignore_patterns("gradebook.db", "autograded", ".autograde", "report"))
    C.nbgrader(course, "generate_assignment", ASSIGNMENT, "--force", f"--CourseDirectory.db_url={url}")
    proc = _autograde(course, "--db-url", url)
    assert proc.returncode == 1, proc.stdout
    assert _report(course, tmp_path / "report", "--db-url", url) == graded["tables"]
