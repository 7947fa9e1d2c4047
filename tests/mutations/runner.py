"""Grade one learner answer in-process, the way nbgrader would, but fast.

:func:`prepare` runs an instructor notebook once (setup, answers,
demonstrations, tests). :func:`grade` then, for one answer, starts from that
namespace, redefines every answer cell (so later answers see the new function
through the namespace, as in a learner's kernel), runs the given answer code
and every test cell in order, and reports per test cell whether it passed, or
lost its points and how: an ``AssertionError`` (a message for the learner), any
other exception (a test that crashed) or output on stderr (nbgrader gives such
a cell zero points).
"""

from __future__ import annotations

import contextlib
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[2]


def _meta(cell) -> dict:
    return cell.metadata.get("nbgrader", {})


@dataclass
class Notebook:
    assignment: str
    namespace: dict
    answers: dict[str, str]  # answer grade_id -> source
    tests: dict[str, str]  # test grade_id -> source, in notebook order
    owner: dict[str, str]  # test grade_id -> the answer grade_id above it
    points: dict[str, float] = field(default_factory=dict)


@dataclass
class Outcome:
    test: str
    passed: bool
    how: str = ""  # "assert", "crash" or "stderr"
    message: str = ""


def prepare(assignment: str) -> Notebook:
    """Run the instructor notebook ``assignment`` top to bottom in this process."""
    nb = nbformat.read(ROOT / "solutions" / assignment / f"{assignment}.ipynb", as_version=4)
    namespace: dict = {"__name__": "__main__"}
    answers, tests, owner, points, current = {}, {}, {}, {}, None
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        meta = _meta(cell)
        with contextlib.redirect_stdout(io.StringIO()):
            exec(compile(cell.source, f"<{assignment}:{meta.get('grade_id', 'cell')}>", "exec"), namespace)
        if meta.get("solution") and not meta.get("grade"):
            answers[meta["grade_id"]] = cell.source
            current = meta["grade_id"]
        elif meta.get("grade"):
            tests[meta["grade_id"]] = cell.source
            owner[meta["grade_id"]] = current
            points[meta["grade_id"]] = meta["points"]
    return Notebook(assignment, namespace, answers, tests, owner, points)


def dependents(notebook: Notebook, answer_id: str) -> set[str]:
    """Answer cells whose instructor answer calls the function of ``answer_id`` (same name)."""
    return {gid for gid, source in notebook.answers.items() if gid != answer_id and re.search(rf"\b{answer_id}\(", source)}


def affected_tests(notebook: Notebook, answer_id: str) -> list[str]:
    """The test cells an answer of ``answer_id`` can change: its own and those of the tasks built on it.

    The other test cells never call this function, so their outcome cannot change."""
    tasks = {answer_id} | dependents(notebook, answer_id)
    return [t for t, owner in notebook.owner.items() if owner in tasks]


def grade(notebook: Notebook, answer_id: str | None = None, code: str | None = None, tests: list[str] | None = None) -> list[Outcome]:
    """Outcome of the test cells ``tests`` (all by default) with ``code`` as the answer of cell ``answer_id``."""
    scope = dict(notebook.namespace)
    if "grading" in scope:  # every answer starts as in a fresh kernel: no reads of a watched split yet
        scope["grading"].forget_reads(scope)
    for gid, source in notebook.answers.items():
        exec(compile(source, f"<{gid}>", "exec"), scope)
    if code is not None:
        exec(compile(code, f"<{answer_id}:answer>", "exec"), scope)
    outcomes = []
    for gid, source in notebook.tests.items():
        if tests is not None and gid not in tests:
            continue
        err = io.StringIO()
        try:
            with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
                exec(compile(source, f"<{gid}>", "exec"), scope)
        except AssertionError as exc:
            outcomes.append(Outcome(gid, False, "assert", str(exc)))
            continue
        except Exception as exc:  # noqa: BLE001 - any error costs the cell
            outcomes.append(Outcome(gid, False, "crash", f"{type(exc).__name__}: {exc}"))
            continue
        if err.getvalue():
            outcomes.append(Outcome(gid, False, "stderr", err.getvalue()[-300:]))
        else:
            outcomes.append(Outcome(gid, True))
    return outcomes
