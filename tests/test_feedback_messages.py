"""What a learner reads when a test fails: ``nbgrader validate`` on released notebooks.

The grading checks (``course_grading``, reached as ``sentiment_lib.grading``) show a failed check
as one message, its key sentence first and whole, then the test cell's lines and the learner's own
line, never a frame of the grading code (``course_grading.checks.learner_traceback``). Measured on
the six blank exercises (issue 37): 80 lines per failing cell before, 43 after, of which the
cell's own source, which nbgrader prints first, is about 38.

``nbgrader validate`` cuts every line after 87 characters (``Validator.width`` 90, less 3) and adds
``...``; the messages are wrapped to fit. About 15 s per notebook.
"""

from __future__ import annotations

import re
import shutil

import nbformat

from course_grading.simulated import course as C
from course_grading.simulated import students as S

BLANK = "02_tokenization"  # four failing cells, each a NotWrittenError
WRONG = "01_data"
MAX_LINES_PER_CELL = 45
CUT = 87  # nbgrader's Validator.width (90) less 3: a longer line ends in "..."


def _course(tmp_path, assignment):
    shutil.copy2(C.ROOT / "nbgrader_config.py", tmp_path / "nbgrader_config.py")
    shutil.copytree(C.ROOT / "exercises" / assignment, tmp_path / "exercises" / assignment)
    return tmp_path / "exercises" / assignment / f"{assignment}.ipynb"


def _validate(tmp_path, notebook) -> tuple[str, list[str]]:
    """The report of ``nbgrader validate`` and its "The error was:" parts, one per failing cell."""
    run = C.nbgrader(tmp_path, "validate", str(notebook.relative_to(tmp_path)), check=False, timeout=300)
    report = next(iter(C.validation_results(run.stdout).values()), run.stdout)
    errors = [block.split("The error was:", 1)[1] for block in report.split("=" * 90)[1:] if "The error was:" in block]
    return report, errors


def _no_grading_frames(text: str) -> None:
    for line in text.splitlines():
        assert "course_grading/" not in line and "sentiment_lib/grading" not in line, line
        assert not re.search(r"File .*site-packages", line), line


def test_blank_exercise_shows_one_short_message_per_failing_cell(tmp_path):
    notebook = _course(tmp_path, BLANK)
    report, errors = _validate(tmp_path, notebook)
    failed = int(re.search(r"VALIDATION FAILED ON (\d+) CELL", report).group(1))
    tasks = S.solution_ids(S.read(notebook))
    assert failed == len(errors) == len(tasks), report

    _no_grading_frames(report)
    assert len(report.splitlines()) / failed <= MAX_LINES_PER_CELL, report
    for error, task in zip(errors, tasks):
        lines = [line for line in error.strip("\n").splitlines() if line.strip()]
        # the key sentence first, whole; what to do next; the test's line; the learner's line
        assert lines[0] == f"    NotWrittenError: `{task}` is not written yet.", error
        assert lines[1].strip() == "Replace `raise NotImplementedError()` with your code, then run that cell again.", error
        assert any(line.strip().startswith("the test:") for line in lines), error
        assert lines[-1].strip().startswith("your code: raise NotImplementedError()  # Cell In["), error
        assert all(len(line) <= CUT for line in lines[:2]), error
        assert "Traceback (most recent call last)" not in error, error


def test_wrong_answers_show_what_came_back_without_grading_frames(tmp_path):
    """A wrong return type (a check), a missing function (a check) and a wrong value (the test cell's assert)."""
    notebook = _course(tmp_path, WRONG)
    nb = S.read(notebook)
    nb = S.with_answer(nb, "clean_review", "def clean_review(text):\n    return text.split()\n")
    nb = S.with_answer(nb, "stratified_split", "def stratified_splits(labels, validation_size, seed=0):\n    return [], []\n")
    nb = S.with_answer(nb, "balanced_subsample", "def balanced_subsample(labels, n, seed=0):\n    return np.arange(n)\n")
    nbformat.write(nb, str(notebook))
    report, errors = _validate(tmp_path, notebook)
    assert len(errors) == 3, report
    _no_grading_frames(report)

    def message(error):  # the message's lines (nbgrader indents them by 4; the notebook's lines below it by 6)
        lines = [line for line in error.strip("\n").splitlines() if line.strip()]
        shown = [line.strip() for line in lines if not line.startswith(" " * 6)]
        assert all(not line.endswith("...") for line in shown), error  # nothing of the message is cut
        return " ".join(shown)

    wrong_type, missing, wrong_value = (message(e) for e in errors)
    assert wrong_type.startswith("CheckError: clean_review(") and "should return a str, but it returned a list." in wrong_type
    assert missing.startswith("CheckError: I couldn't find a function called `stratified_split`.")
    assert wrong_value.startswith("AssertionError: balanced_subsample(<100 labels>, 10, seed=0): class counts")
    assert "are not balanced." in wrong_value
    assert "check_subsample(sorted_labels, 10, seed=0)  # Cell In[" in errors[2]  # the test cell's call
    assert all("Traceback (most recent call last)" not in e for e in errors)
