"""What the grader knows about each submission: the :class:`Submission` it plans, and the record
it writes when one is graded (``.autograde/ASSIGNMENT/STUDENT.json``, the log beside it).

A re-run reads the records to skip exactly the submissions graded ``ok`` for an unchanged
submission (:func:`is_done`); the class report reads them for the environment errors.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

STATUS_DIR = ".autograde"
ENVIRONMENT_ERROR = "environment error"  # the status of a submission whose setup failed


@dataclass
class Submission:
    """One learner's submission of one assignment (``submitted/STUDENT/ASSIGNMENT/``).

    ``digest`` is its :func:`submission_digest`.

    >>> Submission("01_data", "alice", "0" * 64).key
    ('01_data', 'alice')
    """

    assignment: str
    student: str
    digest: str

    @property
    def key(self) -> tuple[str, str]:
        """``(assignment, student)``: the key of its job in the pool."""
        return self.assignment, self.student


def submission_digest(folder: Path) -> str:
    """SHA-256 over the relative paths and contents of every file of a submission."""
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(folder)).encode() + b"\0")
        digest.update(path.read_bytes())
    return digest.hexdigest()


def status_path(root: Path, assignment: str, student: str) -> Path:
    return root / STATUS_DIR / assignment / f"{student}.json"


def read_status(root: Path, assignment: str, student: str) -> dict | None:
    """The record of one submission, or None when there is none (or it cannot be read)."""
    try:
        return json.loads(status_path(root, assignment, student).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def write_status(root: Path, assignment: str, student: str, status: dict) -> None:
    """Write atomically, so that a kill never leaves half a status file."""
    path = status_path(root, assignment, student)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(status, indent=2), encoding="utf-8")
    os.replace(tmp, path)


def students_of(root: Path, assignment: str) -> list[str]:
    """The learners with a submission of ``assignment``, sorted."""
    return sorted(p.parent.name for p in (root / "submitted").glob(f"*/{assignment}") if p.is_dir())


def is_done(root: Path, submission: Submission) -> bool:
    """Recorded ``ok`` here for this very submission, and its graded folder is still there."""
    old = read_status(root, submission.assignment, submission.student)
    return (
        old is not None
        and old.get("status") == "ok"
        and old.get("submission_sha256") == submission.digest
        and (root / "autograded" / submission.student / submission.assignment).is_dir()
    )
