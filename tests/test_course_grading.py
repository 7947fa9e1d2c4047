"""The grading package installs with the project and its ``course-grade`` command answers ``--help``."""

from __future__ import annotations

import importlib
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

import course_grading
from course_grading.cli import COMMANDS

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
MODULES = sorted(p.stem for p in Path(course_grading.__file__).parent.glob("*.py") if not p.stem.startswith("__"))


def test_the_console_script_points_at_a_callable():
    target = PYPROJECT["project"]["scripts"]["course-grade"]
    module, _, name = target.partition(":")
    assert callable(getattr(importlib.import_module(module), name)), target
    assert "course_grading*" in PYPROJECT["tool"]["setuptools"]["packages"]["find"]["include"]


@pytest.mark.parametrize("command", [[], *([name] for name in COMMANDS)], ids=lambda c: " ".join(c) or "course-grade")
def test_help(command):
    proc = subprocess.run([sys.executable, "-m", "course_grading", *command, "--help"], capture_output=True, text=True,
                          timeout=120, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith(f"usage: course-grade {command[0] if command else 'COMMAND'}"), proc.stdout


def test_an_unknown_command_is_refused():
    proc = subprocess.run([sys.executable, "-m", "course_grading", "grades"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and "unknown command 'grades'" in proc.stderr


def test_every_module_is_in_the_package_table():
    listed = {line.split("``")[1] for line in course_grading.__doc__.splitlines() if line.startswith("``")}
    assert set(MODULES) | {"simulated"} == listed


def test_the_notebooks_names_stay_in_sentiment_lib_grading():
    """What the exercises' cells use: ``grading.show`` is the checks' ``shorten``, the references are there."""
    from sentiment_lib import grading

    from course_grading import checks, references

    assert grading.show is checks.shorten and grading.call is checks.call
    assert grading.REFERENCE_HELPERS is references.REFERENCE_HELPERS
    assert all(hasattr(grading, name) for name in grading.__all__)


def test_the_sandbox_shows_the_grading_package_to_the_kernel():
    from course_grading import sandbox

    assert Path(course_grading.__file__).resolve().parent in sandbox._library_paths()
