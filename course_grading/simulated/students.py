"""Simulated students: submissions built from the instructor and released notebooks.

Each builder takes notebooks (``nbformat.NotebookNode``) and returns a new one; nothing is
written until :func:`submit` puts a notebook into ``submitted/<student>/<assignment>/``.

The *expected* score of a submission is computed from ``solutions/points.json`` and the
cell order of the instructor notebook, never typed in: see :func:`owners` and
:func:`expected_score`.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import nbformat


def nbgrader_meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def grade_id(cell) -> str | None:
    return nbgrader_meta(cell).get("grade_id")


def solution_ids(nb) -> list[str]:
    """grade_ids of the autograded answer cells (solution, not grade), in notebook order."""
    return [grade_id(c) for c in nb.cells if nbgrader_meta(c).get("solution") and not nbgrader_meta(c).get("grade")]


def test_points(nb) -> dict[str, float]:
    """grade_id -> points of the graded test cells, in notebook order."""
    return {grade_id(c): float(nbgrader_meta(c)["points"]) for c in nb.cells if nbgrader_meta(c).get("grade")}


def owners(nb) -> dict[str, str]:
    """Test cell grade_id -> the answer cell it checks: the last answer cell above it."""
    result, current = {}, None
    for cell in nb.cells:
        meta = nbgrader_meta(cell)
        if meta.get("solution") and not meta.get("grade"):
            current = grade_id(cell)
        elif meta.get("grade"):
            result[grade_id(cell)] = current
    return result


def cell_index(nb, gid: str) -> int:
    for i, cell in enumerate(nb.cells):
        if grade_id(cell) == gid:
            return i
    raise KeyError(f"no cell with grade_id {gid!r}")


def answered(released, instructor, ids=None):
    """The released notebook with the instructor's answers pasted into the cells ``ids``
    (all answer cells when ``None``) -- what a student who solved those tasks submits."""
    nb = copy.deepcopy(released)
    ids = solution_ids(instructor) if ids is None else list(ids)
    for gid in ids:
        nb.cells[cell_index(nb, gid)].source = instructor.cells[cell_index(instructor, gid)].source
    return nb


def with_answer(nb, gid: str, source: str):
    """Replace the source of answer cell ``gid``."""
    nb = copy.deepcopy(nb)
    nb.cells[cell_index(nb, gid)].source = source
    return nb


def append_to_answer(nb, gid: str, source: str):
    """Add ``source`` at the end of answer cell ``gid`` (after a correct answer, say)."""
    nb = copy.deepcopy(nb)
    cell = nb.cells[cell_index(nb, gid)]
    cell.source = cell.source.rstrip("\n") + "\n\n" + source
    return nb


def edit_cell(nb, gid: str, source: str):
    """Overwrite a (locked) test cell, as a student with a text editor can."""
    return with_answer(nb, gid, source)


def delete_cell(nb, gid: str):
    nb = copy.deepcopy(nb)
    del nb.cells[cell_index(nb, gid)]
    return nb


def insert_first(nb, source: str):
    """A code cell before everything else (no nbgrader metadata: an ordinary student cell)."""
    nb = copy.deepcopy(nb)
    nb.cells.insert(0, nbformat.v4.new_code_cell(source))
    return nb


def expected_score(instructor, correct_ids, points: dict[str, float]) -> float:
    """Points of the test cells whose answer cell is among ``correct_ids``."""
    own = owners(instructor)
    return sum(p for gid, p in points.items() if own[gid] in set(correct_ids))


def submit(course: Path, student: str, assignment: str, nb=None, *, raw: str | None = None) -> Path:
    """Write a submission (a notebook, or ``raw`` text for a broken file) with a timestamp."""
    folder = course / "submitted" / student / assignment
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{assignment}.ipynb"
    if raw is not None:
        path.write_text(raw, encoding="utf-8")
    else:
        nbformat.write(nb, str(path))
    (folder / "timestamp.txt").write_text("2026-01-15 12:00:00.000000 UTC\n", encoding="utf-8")
    return path


def read(path: Path):
    return nbformat.read(str(path), as_version=4)


def load_points(root: Path) -> dict[str, dict[str, float]]:
    return json.loads((root / "solutions" / "points.json").read_text(encoding="utf-8"))
