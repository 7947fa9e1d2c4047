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

Example::

    book = GradebookCoordinator("sqlite:///gradebook.db", "distilbert-sentiment")
    book.register_students(["alice", "bob"])
    url_for_nbgrader = book.child_url
"""

from __future__ import annotations

import hashlib
import socket
from pathlib import Path

SQLITE_BUSY_TIMEOUT_S = 300


def course_db_url(root: Path) -> tuple[str, str]:
    """``(db_url, course_id)`` as nbgrader would use them in ``root`` (its nbgrader_config.py)."""
    from nbgrader.coursedir import CourseDirectory
    from traitlets.config import Config
    from traitlets.config.loader import PyFileConfigLoader

    config = Config()
    if (root / "nbgrader_config.py").is_file():
        config = PyFileConfigLoader("nbgrader_config.py", path=str(root)).load_config()
    coursedir = CourseDirectory(config=config, root=str(root))
    return coursedir.db_url, coursedir.course_id


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


class GradebookCoordinator:
    """Registration, per-submission locks and shared records around nbgrader's gradebook."""

    def __init__(self, db_url: str, course_id: str):
        from sqlalchemy import create_engine

        self.db_url = db_url
        self.course_id = course_id
        self.is_sqlite = db_url.startswith("sqlite")
        self.worker = f"{socket.gethostname()}:{Path.cwd()}"
        self._engine = None if self.is_sqlite else create_engine(db_url, future=True, pool_size=1)
        self._lock_conn = None
        if self._engine is not None:
            self._ensure_record_table()

    @property
    def child_url(self) -> str:
        """The URL the nbgrader children get: SQLite with a busy timeout, others unchanged."""
        if not self.is_sqlite or "timeout=" in self.db_url:
            return self.db_url
        return f"{self.db_url}{'&' if '?' in self.db_url else '?'}timeout={SQLITE_BUSY_TIMEOUT_S}"

    # -- students -----------------------------------------------------------------------------
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

    # -- PostgreSQL: locks and shared records --------------------------------------------------
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

    def _conn(self):
        if self._lock_conn is None:
            self._lock_conn = self._engine.connect()
        return self._lock_conn

    def try_lock(self, assignment: str, student: str) -> bool:
        """Take the submission's lock; False when another worker holds it. Always True on SQLite."""
        if self.is_sqlite:
            return True
        from sqlalchemy import text

        conn = self._conn()
        got = conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": lock_key(assignment, student)}).scalar()
        conn.commit()
        return bool(got)

    def unlock(self, assignment: str, student: str) -> None:
        if self.is_sqlite:
            return
        from sqlalchemy import text

        conn = self._conn()
        conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": lock_key(assignment, student)})
        conn.commit()

    def graded_elsewhere(self, assignment: str, student: str, digest: str) -> str | None:
        """The worker that already graded this very submission (same checksum), if any."""
        if self.is_sqlite:
            return None
        from sqlalchemy import text

        conn = self._conn()
        row = conn.execute(
            text("SELECT worker FROM autograde_record WHERE assignment=:a AND student=:s AND submission_sha256=:d"),
            {"a": assignment, "s": student, "d": digest},
        ).first()
        conn.commit()
        return row[0] if row else None

    def record(self, assignment: str, student: str, digest: str, seconds: float) -> None:
        """Say in the shared gradebook that this submission is graded (after nbgrader succeeded)."""
        if self.is_sqlite:
            return
        from sqlalchemy import text

        conn = self._conn()
        conn.execute(
            text(
                "INSERT INTO autograde_record (assignment, student, submission_sha256, worker, seconds)"
                " VALUES (:a, :s, :d, :w, :t) ON CONFLICT (assignment, student) DO UPDATE SET"
                " submission_sha256 = EXCLUDED.submission_sha256, worker = EXCLUDED.worker,"
                " seconds = EXCLUDED.seconds, finished_at = now()"
            ),
            {"a": assignment, "s": student, "d": digest, "w": self.worker, "t": seconds},
        )
        conn.commit()

    def forget(self, assignment: str, student: str) -> None:
        """Drop the shared record before regrading (a failed regrade must not look graded)."""
        if self.is_sqlite:
            return
        from sqlalchemy import text

        conn = self._conn()
        conn.execute(text("DELETE FROM autograde_record WHERE assignment=:a AND student=:s"), {"a": assignment, "s": student})
        conn.commit()

    def close(self) -> None:
        if self._lock_conn is not None:
            self._lock_conn.close()
            self._lock_conn = None
        if self._engine is not None:
            self._engine.dispose()
