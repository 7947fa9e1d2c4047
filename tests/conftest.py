"""Shared fixtures. Tests never touch the network: the course's offline environment
(``sentiment_lib.environment``, always offline here; variables already set win), so the hub is switched
off and the IMDB parquet files come from ``../shared/data/imdb`` (or ``SENTIMENT_DATA_DIR``)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from sentiment_lib.environment import SHARED_IMDB, course_environment

ROOT = Path(__file__).resolve().parents[1]

os.environ.update(course_environment(offline=True, root=ROOT))


@pytest.fixture(scope="session")
def imdb_dir() -> Path:
    path = Path(os.environ.get("SENTIMENT_DATA_DIR", ROOT.parent / SHARED_IMDB))
    if not (path / "train.parquet").is_file():
        pytest.fail(f"IMDB parquet files not found in {path}; set SENTIMENT_DATA_DIR.")
    return path


@pytest.fixture(scope="session")
def tiny_model() -> str:
    """Path of the tiny random DistilBERT (real uncased vocabulary)."""
    from sentiment_lib.checkpoints import tiny_model_dir

    return str(tiny_model_dir())


@pytest.fixture(scope="session")
def tokenizer():
    """The fast uncased WordPiece tokenizer of the offline encoder."""
    from sentiment_lib.tokenization import load_tokenizer

    return load_tokenizer("offline")


@pytest.fixture(scope="session")
def small_splits(imdb_dir):
    """Balanced train 64 / validation 32 / test 32 reviews of the real IMDB data."""
    from sentiment_lib.data import prepare_splits

    return prepare_splits(imdb_dir, train_size=64, validation_size=32, test_size=32, seed=0)


@pytest.fixture(scope="session")
def real_run(imdb_dir):
    """The book's model: the real pretrained encoder (offline) fine-tuned with ``PROFILES["book"]``.

    Shared by the integration and export tests and by the book build: ``scripts/build_book.py
    --train`` runs chapter 3's ``train_or_load`` into ``_build/models/book``, so the model is
    trained once per machine (after `make book`, or once tests/test_book.py has built the book,
    this only loads it). Returns ``(TrainResult, splits)``; the splits are the book's.
    """
    import json
    import subprocess
    import sys

    from sentiment_lib.data import saved_run
    from sentiment_lib.training import TrainResult

    done = subprocess.run([sys.executable, str(ROOT / "scripts" / "build_book.py"), "--train"], cwd=ROOT,
                          capture_output=True, text=True, timeout=3600)
    if done.returncode != 0:
        pytest.fail(f"training the book's model failed:\n{(done.stdout + done.stderr)[-4000:]}")
    model = ROOT / "_build" / "models" / "book"
    result = TrainResult(output_dir=str(model), metrics=json.loads((model / "metrics.json").read_text()),
                         log_history=json.loads((model / "log_history.json").read_text()))
    return result, saved_run(model).splits()


#: Which part of the course each test file checks (issue 38, item 4): `pytest -m library`, `-m book`,
#: `-m grader` or `-m deployment` (pyproject.toml registers the markers). Every test file must be listed;
#: the doctests are marked by their package (sentiment_lib: library, course_grading: grader, _ext: book).
AREAS = {
    "library": ["test_baseline", "test_behaviour", "test_benchmarks", "test_cli", "test_cli_fuzz", "test_data",
                "test_distributed", "test_docstrings", "test_domains", "test_evaluation", "test_export", "test_faults_data",
                "test_faults_training", "test_figures", "test_inference", "test_integration", "test_layers",
                "test_modeling", "test_package_layout", "test_pooling", "test_properties", "test_tokenization",
                "test_training", "test_vocabulary"],
    "book": ["test_accessibility", "test_book", "test_book_pages", "test_claims", "test_no_test_set_choices",
             "test_reader_runs"],
    "grader": ["test_autograde_parallel", "test_course_grading", "test_exercise_accessibility", "test_exercises",
               "test_feedback_accessibility", "test_feedback_messages", "test_grading_faults", "test_grading_report",
               "test_grading_trust", "test_mutations", "test_nbgrader", "test_sandbox", "test_toy_models"],
    "deployment": ["test_course_links", "test_environment", "test_hub", "test_image", "test_launch_paths", "test_workflows",
                   "test_z2jh"],
}
AREA_OF = {name: area for area, names in AREAS.items() for name in names}
AREA_OF_PACKAGE = {"sentiment_lib": "library", "course_grading": "grader", "_ext": "book",
                   "tests/mutations": "grader", "tests/hub_browser.py": "deployment", "tests/claims.py": "book"}


def area_of(path: Path) -> str | None:
    """The area of a collected file: its entry in AREAS (a test file) or its top folder (a doctest)."""
    if path.name.startswith("test_") and path.parent == ROOT / "tests":
        return AREA_OF.get(path.stem)
    parts = path.relative_to(ROOT).parts if path.is_relative_to(ROOT) else ()
    return next((AREA_OF_PACKAGE[key] for key in ("/".join(parts[:2]), parts[0] if parts else "")
                 if key in AREA_OF_PACKAGE), None)


def pytest_collection_modifyitems(config, items):
    unplaced = set()
    for item in items:
        area = area_of(Path(str(item.path)))
        if area is None:
            unplaced.add(str(item.path))
        else:
            item.add_marker(getattr(pytest.mark, area))
    if unplaced:
        raise pytest.UsageError(f"tests/conftest.py: give these files an area in AREAS: {sorted(unplaced)}")


def pytest_addoption(parser):
    parser.addoption("--durations-file", default=None, metavar="PATH",
                     help="also write the 50 slowest test phases to PATH (make test: .ci/reports/durations.txt)")


def pytest_terminal_summary(terminalreporter, config):
    """`--durations-file`: the slowest tests as a file CI keeps, beside `--durations`' table in the log."""
    path = config.getoption("--durations-file")
    if not path:
        return
    reports = [r for found in terminalreporter.stats.values() for r in found if getattr(r, "duration", None) is not None
               and hasattr(r, "when")]
    slowest = sorted(reports, key=lambda r: r.duration, reverse=True)[:50]
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text("".join(f"{r.duration:10.2f}s {r.when:<8} {r.nodeid}\n" for r in slowest))
