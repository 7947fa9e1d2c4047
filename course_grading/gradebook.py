"""The gradebook side of parallel and multi-machine grading.

nbgrader's own writes are left to nbgrader; this module only makes them safe to run side by side:

* **SQLite** (one machine): every ``nbgrader autograde`` child opens the gradebook with a long
  busy timeout, so a write waits for the other writers' short transactions instead of failing
  with "database is locked" (SQLite serialises the writes itself); and every student is
  registered *before* the children start, because two children creating the same student at
  once is the one write that would collide (a unique-key error, not a wait).
* **PostgreSQL** (several machines sharing one gradebook): the same registration (tolerating a
  worker on another machine doing it at the same moment), plus a session-level advisory lock per
  submission held while it is graded, so two workers never grade one submission at the same
  time, and a small table ``autograde_record`` that says which submission (by checksum) was
  graded by whom, so that a worker skips what another one already graded. A worker that dies
  loses its connection and with it its locks.

Both sit behind one interface, :class:`GradebookCoordinator`: :class:`SQLiteGradebook` and
:class:`PostgresGradebook`; :func:`open_gradebook` picks one by the URL.

Example::

    book = open_gradebook("sqlite:///gradebook.db", "distilbert-sentiment")
    book.register_students(["alice", "bob"])
    url_for_nbgrader = book.child_url
"""

from __future__ import annotations

import hashlib
import socket
from abc import ABC, abstractmethod
from pathlib import Path

SQLITE_BUSY_TIMEOUT_S = 300


def shard_of(student: str, count: int) -> int:
    """The shard (1..count) of a learner: stable across machines, runs and Python versions."""
    return int(hashlib.sha256(student.encode("utf-8")).hexdigest()[:12], 16) % count + 1


def parse_shard(text: str) -> tuple[int, int]:
    """``"2/3"`` -> ``(2, 3)``; raises ValueError with what was wrong."""
    try:
        index, count = (int(x) for x in text.split("/"))
    except ValueError:
        raise ValueError(f"--shard {text!r} is not I/N (for example 1/3)") from None
    if not 1 <= index <= count:
        raise ValueError(f"--shard {text!r}: I must be between 1 and N")
    return index, count


def lock_key(assignment: str, student: str) -> int:
    """A signed 64-bit advisory-lock key for one submission."""
    value = int(hashlib.sha256(f"autograde\0{assignment}\0{student}".encode()).hexdigest()[:16], 16)
    return value - (1 << 64) if value >= 1 << 63 else value


class GradebookCoordinator(ABC):
    """Registration, per-submission locks and shared records around nbgrader's gradebook."""

    def __init__(self, db_url: str, course_id: str):
        self.db_url = db_url
        self.course_id = course_id
        self.worker = f"{socket.gethostname()}:{Path.cwd()}"

    @property
    def child_url(self) -> str:
        """The URL the nbgrader children get."""
        return self.db_url

    def register_students(self, students: list[str]) -> None:
        """Create the students missing from the gradebook (before any child runs)."""
        from nbgrader.api import Gradebook, MissingEntry
        from sqlalchemy.exc import IntegrityError

        with Gradebook(self.child_url, self.course_id) as gb:
            try:
                known = {s.id for s in gb.students}
                for student in students:
                    if student in known:
                        continue
                    try:
                        gb.add_student(student)
                    except (IntegrityError, Exception) as error:  # another worker added it just now
                        gb.db.rollback()
                        try:
                            gb.find_student(student)
                        except MissingEntry:
                            raise error from None
            finally:
                gb.engine.dispose()  # no connection is inherited by the forked children

    @abstractmethod
    def try_lock(self, assignment: str, student: str) -> bool:
        """Take the submission's lock; False when another worker holds it."""

    @abstractmethod
    def unlock(self, assignment: str, student: str) -> None:
        """Release the submission's lock."""

    @abstractmethod
    def graded_elsewhere(self, assignment: str, student: str, digest: str) -> str | None:
        """The worker that already graded this very submission (same checksum), if any."""

    @abstractmethod
    def record(self, assignment: str, student: str, digest: str, seconds: float) -> None:
        """Say in the shared gradebook that this submission is graded (after nbgrader succeeded)."""

    @abstractmethod
    def forget(self, assignment: str, student: str) -> None:
        """Drop the shared record before regrading (a failed regrade must not look graded)."""

    def close(self) -> None:
        """Let go of the connections."""


class SQLiteGradebook(GradebookCoordinator):
    """One machine: nbgrader's children wait for each other's writes; no locks or records needed
    (the grader's own lock file keeps a second grader out of the course folder).

    >>> book = SQLiteGradebook("sqlite:///gradebook.db", "course")
    >>> book.child_url, book.try_lock("01_data", "alice"), book.graded_elsewhere("01_data", "alice", "0" * 64)
    ('sqlite:///gradebook.db?timeout=300', True, None)
    """

    @property
    def child_url(self) -> str:
        """SQLite with a busy timeout, so that a write waits for the others instead of failing."""
        if "timeout=" in self.db_url:
            return self.db_url
        return f"{self.db_url}{'&' if '?' in self.db_url else '?'}timeout={SQLITE_BUSY_TIMEOUT_S}"

    def try_lock(self, assignment: str, student: str) -> bool:
        return True

    def unlock(self, assignment: str, student: str) -> None:
        pass

    def graded_elsewhere(self, assignment: str, student: str, digest: str) -> str | None:
        return None

    def record(self, assignment: str, student: str, digest: str, seconds: float) -> None:
        pass

    def forget(self, assignment: str, student: str) -> None:
        pass


class PostgresGradebook(GradebookCoordinator):
    """Several machines sharing one gradebook: advisory locks and the ``autograde_record`` table."""

    def __init__(self, db_url: str, course_id: str):
        from sqlalchemy import create_engine

        super().__init__(db_url, course_id)
        self._engine = create_engine(db_url, future=True, pool_size=1)
        self._lock_conn = None
        self._ensure_record_table()

    def _ensure_record_table(self) -> None:
        from sqlalchemy import text

        with self._engine.begin() as conn:
            conn.execute(text("SELECT pg_advisory_xact_lock(7201713)"))  # one creator at a time
            conn.execute(text(
                "CREATE TABLE IF NOT EXISTS autograde_record ("
                " assignment VARCHAR(128) NOT NULL, student VARCHAR(128) NOT NULL,"
                " submission_sha256 CHAR(64) NOT NULL, worker TEXT NOT NULL, seconds REAL,"
                " finished_at TIMESTAMP NOT NULL DEFAULT now(), PRIMARY KEY (assignment, student))"
            ))

    def _execute(self, sql: str, **params):
        """Run one statement on the lock connection (kept open: it holds the locks) and commit."""
        from sqlalchemy import text

        if self._lock_conn is None:
            self._lock_conn = self._engine.connect()
        result = self._lock_conn.execute(text(sql), params)
        rows = result.all() if result.returns_rows else []
        self._lock_conn.commit()
        return rows

    def try_lock(self, assignment: str, student: str) -> bool:
        return bool(self._execute("SELECT pg_try_advisory_lock(:k)", k=lock_key(assignment, student))[0][0])

    def unlock(self, assignment: str, student: str) -> None:
        self._execute("SELECT pg_advisory_unlock(:k)", k=lock_key(assignment, student))

    def graded_elsewhere(self, assignment: str, student: str, digest: str) -> str | None:
        rows = self._execute("SELECT worker FROM autograde_record WHERE assignment=:a AND student=:s AND submission_sha256=:d",
                             a=assignment, s=student, d=digest)
        return rows[0][0] if rows else None

    def record(self, assignment: str, student: str, digest: str, seconds: float) -> None:
        self._execute(
            "INSERT INTO autograde_record (assignment, student, submission_sha256, worker, seconds)"
            " VALUES (:a, :s, :d, :w, :t) ON CONFLICT (assignment, student) DO UPDATE SET"
            " submission_sha256 = EXCLUDED.submission_sha256, worker = EXCLUDED.worker,"
            " seconds = EXCLUDED.seconds, finished_at = now()",
            a=assignment, s=student, d=digest, w=self.worker, t=seconds,
        )

    def forget(self, assignment: str, student: str) -> None:
        self._execute("DELETE FROM autograde_record WHERE assignment=:a AND student=:s", a=assignment, s=student)

    def close(self) -> None:
        if self._lock_conn is not None:
            self._lock_conn.close()
            self._lock_conn = None
        self._engine.dispose()


def open_gradebook(db_url: str, course_id: str) -> GradebookCoordinator:
    """The coordinator for ``db_url``: :class:`SQLiteGradebook` for ``sqlite:``, else :class:`PostgresGradebook`.

    >>> type(open_gradebook("sqlite:///gradebook.db", "course")).__name__
    'SQLiteGradebook'
    """
    return (SQLiteGradebook if db_url.startswith("sqlite") else PostgresGradebook)(db_url, course_id)
