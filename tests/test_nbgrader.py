"""The instructor's workflow, end to end, with the nbgrader command line.

A temporary course directory gets the repository's ``nbgrader_config.py`` and ``solutions/``.
In it: ``nbgrader validate`` passes on every instructor notebook, ``generate_assignment``
makes the student versions, every released notebook fails validation as it stands, and a class
of simulated students is autograded together. (That the regenerated student versions equal the
committed ``exercises/``, and that ``points.json`` matches the notebooks, is checked in
``tests/test_exercises.py``.)

=================  ==============================================================  ===========
student            submission                                                      assignments
=================  ==============================================================  ===========
``instructor``     the instructor notebook itself                                  all six
``untouched``      the released notebook, unchanged                                all six
``partial``        answers every task but the last                                 ``ODD``
``tampers_tests``  as ``partial``; rewrites the last task's tests to pass, and     ``ODD``
                   deletes the first test cell (of a task it solved)
``endless_loop``   every answer right but the first, which loops forever           ``ODD``
``raises_first``   every answer right, and a first cell that raises                ``ODD``
=================  ==============================================================  ===========

Expected scores are exact and come from ``solutions/points.json`` and the instructor
notebook's cell order (a test cell checks the answer cell above it), never typed in. Then
``nbgrader export`` writes one CSV row per student and assignment, and ``generate_feedback``
writes HTML feedback for every submission.

The per-cell timeout while grading ``ODD`` is cut to ``LOOP_TIMEOUT`` seconds (the course's
own setting is in ``nbgrader_config.py``), so the endless loop costs seconds, not minutes.
Validation runs in background processes beside grading: the machine has two cores.
"""

from __future__ import annotations

import json
import resource
import time

import pytest

from course_grading.simulated import course as C
from course_grading.simulated import students as S

pytestmark = pytest.mark.slow

ODD = "01_data"
LOOP_TIMEOUT = 30
TIMINGS: dict[str, float] = {}


def _children_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


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

    # rewrites the tests of the task it did not solve, deletes the first test cell (of a task it solved)
    tampers = partial
    for t in tests_of[sol[-1]]:
        tampers = S.edit_cell(tampers, t, "print('All tests passed.')  # the student's version of the tests")
    tampers = S.delete_cell(tampers, next(iter(own)))

    loop = S.with_answer(S.answered(rel, inst), sol[0], "while True:  # an endless loop\n    pass")
    raises = S.insert_first(S.answered(rel, inst), "raise RuntimeError('this cell always fails')")
    return [
        ("partial", partial, sol[:-1]),
        ("tampers_tests", tampers, sol[:-1]),
        ("endless_loop", loop, sol[1:]),
        ("raises_first", raises, sol),
    ]


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """Run the whole workflow once; the tests below check its parts."""
    t_start, cpu_start = time.monotonic(), _children_cpu()
    course = C.make_course(tmp_path_factory.mktemp("course"))
    points = S.load_points(course)

    # 1. validate the instructor notebooks, in the background
    validate_log = course / "validate.log"
    validating = C.start_nbgrader(course, "validate", *[f"solutions/{a}/{a}.ipynb" for a in C.ASSIGNMENTS], log=validate_log)

    # 2. release: generate the student versions (all six in one process), then validate those
    #    in the background too: as released, they must not pass
    t = time.monotonic()
    C.nbgrader(course, "generate_assignment", "*", "--force")
    TIMINGS["generate_assignment"] = time.monotonic() - t
    invert_log = course / "validate-invert.log"
    inverting = C.start_nbgrader(course, "validate", "--invert", *[f"exercises/{a}/{a}.ipynb" for a in C.ASSIGNMENTS], log=invert_log)

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

    # 4. autograde, every student together: first ODD with the short per-cell timeout, then
    #    the other assignments in one process (ODD's submissions are skipped as graded)
    t = time.monotonic()
    odd = C.nbgrader(course, "autograde", ODD, f"--ExecutePreprocessor.timeout={LOOP_TIMEOUT}", check=False, timeout=1200)
    assert odd.returncode == 0, f"autograde {ODD} failed:\n{odd.stdout[-6000:]}"
    TIMINGS[f"autograde {ODD} ({len(_odd_students(course)) + 2} students)"] = time.monotonic() - t
    t = time.monotonic()
    rest = C.nbgrader(course, "autograde", "*", check=False, timeout=1800)
    assert rest.returncode == 0, f"autograde failed:\n{rest.stdout[-6000:]}"
    TIMINGS[f"autograde the other {len(C.ASSIGNMENTS) - 1} (2 students each)"] = time.monotonic() - t

    # 5. the validations that ran beside grading
    t = time.monotonic()
    assert validating.wait(timeout=1200) == 0, validate_log.read_text()
    assert inverting.wait(timeout=1200) == 0, invert_log.read_text()
    TIMINGS["then waiting for validate"] = time.monotonic() - t

    # 6. export and feedback
    t = time.monotonic()
    C.nbgrader(course, "export", "--to", "grades.csv")
    C.nbgrader(course, "generate_feedback", "*")
    TIMINGS["export + generate_feedback"] = time.monotonic() - t
    TIMINGS["total"] = time.monotonic() - t_start
    TIMINGS["CPU seconds of all nbgrader processes and kernels"] = _children_cpu() - cpu_start
    print("\nnbgrader workflow timings (s):", json.dumps({k: round(v, 1) for k, v in TIMINGS.items()}, indent=1))
    return {
        "course": course,
        "points": points,
        "expected": expected,
        "validate": C.validation_results(validate_log.read_text()),
        "invert": C.validation_results(invert_log.read_text()),
        "scores": C.scores(course),
    }


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
    assert exp[(ODD, "tampers_tests")] == exp[(ODD, "partial")]
    assert len(S.solution_ids(_instructor(graded["course"], ODD))) >= 2
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
