"""The course as nbgrader sees it from its root folder: gradebook URL, course id, folder names."""

from __future__ import annotations

from pathlib import Path


def course_directory(root: Path):
    """nbgrader's ``CourseDirectory`` for ``root``, configured by its ``nbgrader_config.py`` (if any)."""
    from nbgrader.coursedir import CourseDirectory
    from traitlets.config import Config
    from traitlets.config.loader import PyFileConfigLoader

    config = Config()
    if (root / "nbgrader_config.py").is_file():
        config = PyFileConfigLoader("nbgrader_config.py", path=str(root)).load_config()
    return CourseDirectory(config=config, root=str(root))


def course_db_url(root: Path) -> tuple[str, str]:
    """``(db_url, course_id)`` as nbgrader would use them in ``root``."""
    folders = course_directory(root)
    return folders.db_url, folders.course_id


def course_folders(root: Path) -> tuple[str, str]:
    """``(source, release)``: the course's folder names for instructor and released notebooks."""
    folders = course_directory(root)
    return folders.source_directory, folders.release_directory
