"""The mutation suite: plausible learner answers, graded as nbgrader would grade them.

For every graded task of the six assignments, ``tests/mutations/mNN_*.py`` holds
at least six *wrong* answers (mistakes the course teaches against: missing
edge cases, order and position, train mode, missing attention mask, return
types, timing, ...) and two *right* ones written differently from the
instructor's. Each answer replaces its cell in an in-process copy of the
instructor notebook (``tests/mutations/runner.py``), then every test cell
runs:

* a wrong answer must lose the points of its own task — with an
  ``AssertionError`` whose message a learner can act on (not a crash inside the
  test, not a model's repr) — and of no other task: the tests of the later
  tasks whose instructor answer calls it run too, and must pass (they use the
  reference versions of the helpers they build on). The other test cells never
  call the function, so they are not rerun;
* a right answer must pass its own and those dependent test cells.

The kill rate per assignment is printed (``pytest -s``) and kept in
``.pytest_cache/mutation-kill-rates.json``; any surviving mutant fails the test.
Run: ``pytest tests/test_mutations.py -s``.
"""

from __future__ import annotations

import importlib
import json
import time

import pytest

from mutations import runner

ASSIGNMENTS = ["01_data", "02_tokenization", "03_fine_tuning", "04_evaluation", "05_inference", "06_baseline"]
MIN_WRONG, MIN_RIGHT = 6, 2


REPORT = runner.ROOT / ".pytest_cache" / "mutation-kill-rates.json"  # ignored by git


def _record(assignment, summary):
    """Keep the latest figures per assignment in REPORT (also printed with ``pytest -s``)."""
    REPORT.parent.mkdir(exist_ok=True)
    data = json.loads(REPORT.read_text()) if REPORT.is_file() else {}
    data[assignment] = summary
    REPORT.write_text(json.dumps(data, indent=1, sort_keys=True))


def _answers(assignment):
    return importlib.import_module(f"mutations.m{assignment}").ANSWERS


@pytest.fixture()
def grading_env(monkeypatch, tmp_path):
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")  # skip the demonstrations meant for humans
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.chdir(tmp_path)
    import warnings

    import datasets
    import torch
    import transformers

    threads, verbosity, bars = torch.get_num_threads(), transformers.logging.get_verbosity(), datasets.is_progress_bar_enabled()
    model_bars = transformers.utils.logging.is_progress_bar_enabled()
    with warnings.catch_warnings():
        yield
    torch.set_num_threads(threads)
    transformers.logging.set_verbosity(verbosity)
    if bars:
        datasets.enable_progress_bars()
    if model_bars:
        transformers.utils.logging.enable_progress_bar()


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_every_task_has_enough_answers(assignment):
    import nbformat

    nb = nbformat.read(runner.ROOT / "solutions" / assignment / f"{assignment}.ipynb", as_version=4)
    tasks = [c.metadata["nbgrader"]["grade_id"] for c in nb.cells
             if c.metadata.get("nbgrader", {}).get("solution") and not c.metadata["nbgrader"].get("grade")]
    answers = _answers(assignment)
    for task in tasks:
        kinds = [kind for gid, kind, _, _ in answers if gid == task]
        assert kinds.count("wrong") >= MIN_WRONG and kinds.count("right") >= MIN_RIGHT, (task, kinds)
    assert {gid for gid, *_ in answers} <= set(tasks)
    labels = [(gid, label) for gid, _, label, _ in answers]
    assert len(labels) == len(set(labels)), "answer labels must be unique per task"


@pytest.mark.slow
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_wrong_answers_lose_their_own_task_only(assignment, grading_env):
    start = time.monotonic()
    notebook = runner.prepare(assignment)
    instructor = runner.grade(notebook)
    assert all(o.passed for o in instructor), [o for o in instructor if not o.passed]

    survivors, collateral, unfair, unclear = [], [], [], []
    killed = wrong = 0
    for task, kind, label, code in _answers(assignment):
        outcomes = runner.grade(notebook, task, code, runner.affected_tests(notebook, task))
        own = [o for o in outcomes if notebook.owner[o.test] == task]
        others = [o for o in outcomes if notebook.owner[o.test] != task]
        if kind == "right":
            unfair += [(task, label, o.test, o.how, o.message[:300]) for o in outcomes if not o.passed]
            continue
        wrong += 1
        if all(o.passed for o in own):
            survivors.append((task, label))
        else:
            killed += 1
        collateral += [(task, label, o.test, o.how, o.message[:300]) for o in others if not o.passed]
        for o in own:
            if not o.passed and (o.how != "assert" or len(o.message) > 1500 or "(distilbert):" in o.message or not o.message.strip()):
                unclear.append((task, label, o.how, o.message[:300]))
    rights = sum(1 for _, k, _, _ in _answers(assignment) if k == "right")
    print(f"\n{assignment}: {killed}/{wrong} wrong answers killed ({killed / wrong:.0%}), "
          f"{rights - len({(t, l) for t, l, *_ in unfair})}/{rights} right answers at full marks, {time.monotonic() - start:.1f} s")
    _record(assignment, {"wrong": wrong, "killed": killed, "kill_rate": round(killed / wrong, 4), "right": rights,
                         "right_full_marks": rights - len({(t, l) for t, l, *_ in unfair}), "survivors": survivors,
                         "seconds": round(time.monotonic() - start, 1)})
    assert not survivors, f"wrong answers that keep full marks: {survivors}"
    assert not collateral, f"wrong answers that cost points in another task: {collateral}"
    assert not unfair, f"right answers that lose points: {unfair}"
    assert not unclear, f"failures a learner cannot act on (a crash in the test, an empty or huge message): {unclear}"
