"""The instructor's workflow, end to end, with the nbgrader command line.

A temporary course directory gets the repository's ``nbgrader_config.py`` and ``solutions/``.
In it: ``nbgrader validate`` passes on every instructor notebook, ``generate_assignment``
makes the student versions (equal to the committed ``exercises/``), every released notebook
fails validation as it stands, and a class of simulated students is autograded together:

=================  ==============================================================  ===========
student            submission                                                      assignments
=================  ==============================================================  ===========
``instructor``     the instructor notebook itself                                  all six
``untouched``      the released notebook, unchanged                                all six
``partial``        answers every task but the last                                 ``ODD``
``edits_tests``    as ``partial``, and rewrites the last task's tests to pass      ``ODD``
``deletes_tests``  as ``partial``, and deletes the first and the last test cells   ``ODD``
``endless_loop``   every answer right but the first, which loops forever           ``ODD``
``raises_first``   every answer right, and a first cell that raises                ``ODD``
=================  ==============================================================  ===========

Expected scores are exact and come from ``solutions/points.json`` and the instructor
notebook's cell order (a test cell checks the answer cell above it), never typed in. Then
``nbgrader export`` writes one CSV row per student and assignment, and ``generate_feedback``
writes HTML feedback for every submission.

The per-cell timeout while grading ``ODD`` is cut to ``LOOP_TIMEOUT`` seconds (the course's
own setting is in ``nbgrader_config.py``), so the endless loop costs seconds, not minutes.
Validation runs in a second process beside grading: the machine has two cores.
"""

from __future__ import annotations

import json
import time

import pytest

from grading import course as C
from grading import students as S

pytestmark = pytest.mark.slow

ODD = "01_data"
LOOP_TIMEOUT = 30
TIMINGS: dict[str, float] = {}


def _released(course, a):
    return S.read(course / "exercises" / a / f"{a}.ipynb")


def _instructor(course, a):
    return S.read(course / "solutions" / a / f"{a}.ipynb")


def _odd_students(course):
    """(name, notebook, ids of the answer cells graded as right) for the odd cases."""
    inst, rel = _instructor(course, ODD), _released(course, ODD)
    sol = S.solution_ids(inst)
    own = S.owners(inst)
    tests_of = {gid: [t for t, o in own.items() if o == gid] for gid in sol}
    partial = S.answered(rel, inst, sol[:-1])

    edits = partial
    for t in tests_of[sol[-1]]:
        edits = S.edit_cell(edits, t, "print('All tests passed.')  # the student's version of the tests")

    deletes = partial
    first_test, last_test = next(iter(own)), list(own)[-1]
    for t in dict.fromkeys([first_test, last_test]):
        deletes = S.delete_cell(deletes, t)

    loop = S.with_answer(S.answered(rel, inst), sol[0], "while True:  # an endless loop\n    pass")
    raises = S.insert_first(S.answered(rel, inst), "raise RuntimeError('this cell always fails')")
    return [
        ("partial", partial, sol[:-1]),
        ("edits_tests", edits, sol[:-1]),
        ("deletes_tests", deletes, sol[:-1]),
        ("endless_loop", loop, sol[1:]),
        ("raises_first", raises, sol),
    ]


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """Run the whole workflow once; the tests below check its parts."""
    t_start = time.monotonic()
    course = C.make_course(tmp_path_factory.mktemp("course"))
    points = S.load_points(course)

    # 1. validate the instructor notebooks, in the background
    validate_log = course / "validate.log"
    validating = C.start_nbgrader(course, "validate", *[f"solutions/{a}/{a}.ipynb" for a in C.ASSIGNMENTS], log=validate_log)

    # 2. release: generate the student versions
    t = time.monotonic()
    for a in C.ASSIGNMENTS:
        C.nbgrader(course, "generate_assignment", a, "--force")
    TIMINGS["generate_assignment (6)"] = time.monotonic() - t

    # 3. simulated students
    expected: dict[tuple[str, str], float] = {}
    for a in C.ASSIGNMENTS:
        S.submit(course, "instructor", a, _instructor(course, a))
        S.submit(course, "untouched", a, _released(course, a))
        expected[(a, "instructor")] = sum(points[a].values())
        expected[(a, "untouched")] = 0.0
    inst_odd = _instructor(course, ODD)
    for name, nb, right in _odd_students(course):
        S.submit(course, name, ODD, nb)
        expected[(ODD, name)] = S.expected_score(inst_odd, right, points[ODD])

    # 4. autograde each assignment (every student together); validation goes on beside it
    grade_seconds = {}
    for a in C.ASSIGNMENTS:
        extra = [f"--ExecutePreprocessor.timeout={LOOP_TIMEOUT}"] if a == ODD else []
        proc = C.nbgrader(course, "autograde", a, *extra, check=False, timeout=900)
        grade_seconds[a] = proc.seconds
        assert proc.returncode == 0, f"autograde {a} failed:\n{proc.stdout[-6000:]}"
    TIMINGS.update({f"autograde {a}": s for a, s in grade_seconds.items()})

    # 5. the validation of the instructor notebooks, then of the released ones
    t = time.monotonic()
    assert validating.wait(timeout=900) == 0, validate_log.read_text()
    TIMINGS["wait for validate (instructor)"] = time.monotonic() - t
    validate_out = validate_log.read_text()
    t = time.monotonic()
    invert = C.nbgrader(course, "validate", "--invert", *[f"exercises/{a}/{a}.ipynb" for a in C.ASSIGNMENTS], timeout=900)
    TIMINGS["validate --invert (6)"] = time.monotonic() - t

    # 6. export and feedback
    t = time.monotonic()
    C.nbgrader(course, "export", "--to", "grades.csv")
    for a in C.ASSIGNMENTS:
        C.nbgrader(course, "generate_feedback", a)
    TIMINGS["export + generate_feedback"] = time.monotonic() - t
    TIMINGS["total"] = time.monotonic() - t_start
    print("\nnbgrader workflow timings (s):", json.dumps({k: round(v, 1) for k, v in TIMINGS.items()}, indent=1))
    return {
        "course": course,
        "points": points,
        "expected": expected,
        "validate": C.validation_results(validate_out),
        "invert": C.validation_results(invert.stdout),
        "scores": C.scores(course),
    }


def test_points_json_matches_the_notebooks(graded):
    """points.json (what the tests expect) and the notebooks' own points agree."""
    course = graded["course"]
    assert set(C.ASSIGNMENTS) <= set(graded["points"])
    for a in C.ASSIGNMENTS:
        assert S.test_points(_instructor(course, a)) == {k: float(v) for k, v in graded["points"][a].items()}, a
        assert len(S.solution_ids(_instructor(course, a))) >= 3, f"{a} should have at least three graded tasks"


def test_instructor_notebooks_validate(graded):
    results = graded["validate"]
    assert len(results) == len(C.ASSIGNMENTS), results
    for path, report in results.items():
        assert "Success! Your notebook passes all the tests." in report, f"{path}:\n{report}"


def test_released_notebooks_fail_validation(graded):
    results = graded["invert"]
    assert len(results) == len(C.ASSIGNMENTS), results
    for path, report in results.items():
        assert "Success! The notebook does not pass any tests." in report, f"{path}:\n{report}"


def test_released_notebooks_hide_solutions_and_hidden_tests(graded):
    course = graded["course"]
    for a in C.ASSIGNMENTS:
        text = (course / "exercises" / a / f"{a}.ipynb").read_text(encoding="utf-8")
        for marker in ("BEGIN SOLUTION", "BEGIN HIDDEN TESTS"):
            assert marker not in text, f"{a}: '{marker}' left in the student version"
        assert "raise NotImplementedError()" in text


def test_every_student_gets_exactly_the_expected_score(graded):
    scores, expected = graded["scores"], graded["expected"]
    got = {key: scores[key]["score"] for key in expected}
    assert got == pytest.approx(expected), {k: (got[k], expected[k]) for k in expected if got[k] != expected[k]}
    for key in expected:
        a = key[0]
        assert scores[key]["max_score"] == sum(graded["points"][a].values())
        # every test cell graded (a deleted one was put back): no empty grade
        assert set(scores[key]["grades"]) == set(graded["points"][a]), key
        assert None not in scores[key]["grades"].values(), (key, scores[key]["grades"])


def test_odd_cases_are_really_odd(graded):
    """The odd submissions lose points where they should, and keep the rest."""
    exp = graded["expected"]
    full = sum(graded["points"][ODD].values())
    assert exp[(ODD, "raises_first")] == full
    assert 0 < exp[(ODD, "partial")] < full
    assert exp[(ODD, "edits_tests")] == exp[(ODD, "deletes_tests")] == exp[(ODD, "partial")]
    assert 0 < exp[(ODD, "endless_loop")] < full
    autograded = graded["course"] / "autograded" / "endless_loop" / ODD / f"{ODD}.ipynb"
    assert "CellTimeoutError" in autograded.read_text(encoding="utf-8") or "KeyboardInterrupt" in autograded.read_text(encoding="utf-8")


def test_export_has_one_row_per_student_and_assignment(graded):
    rows = C.read_csv(graded["course"] / "grades.csv")
    students = {s for (_, s) in graded["expected"]}
    keys = [(r["assignment"], r["student_id"]) for r in rows]
    assert len(keys) == len(set(keys)) == len(students) * len(C.ASSIGNMENTS)
    for (a, s), score in graded["expected"].items():
        row = rows[keys.index((a, s))]
        assert float(row["score"]) == pytest.approx(score), (a, s, row)
        assert float(row["max_score"]) == sum(graded["points"][a].values())
    # students who did not submit an assignment are listed with no score
    for (a, s) in set(keys) - set(graded["expected"]):
        assert float(rows[keys.index((a, s))]["score"]) == 0.0


def test_feedback_for_every_submission(graded):
    course = graded["course"]
    for (a, s) in graded["expected"]:
        html = course / "feedback" / s / a / f"{a}.html"
        assert html.is_file(), html
        text = html.read_text(encoding="utf-8")
        assert "Score:" in text or "score" in text.lower()


def test_committed_exercises_are_the_generated_student_versions(graded):
    """``exercises/`` in the repository is exactly what ``generate_assignment`` makes now."""
    course = graded["course"]
    for a in C.ASSIGNMENTS:
        committed = C.ROOT / "exercises" / a / f"{a}.ipynb"
        assert committed.is_file(), f"{committed} is missing: run `nbgrader generate_assignment {a} --force` and commit it"
        made = json.loads((course / "exercises" / a / f"{a}.ipynb").read_text(encoding="utf-8"))
        assert json.loads(committed.read_text(encoding="utf-8")) == made, (
            f"exercises/{a} differs from what solutions/{a} generates: run `nbgrader generate_assignment {a} --force`"
        )
