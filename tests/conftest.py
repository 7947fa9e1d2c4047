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
    from sentiment_lib.modeling import tiny_model_dir

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

    from sentiment_lib.data import prepare_splits
    from sentiment_lib.training import TrainResult

    done = subprocess.run([sys.executable, str(ROOT / "scripts" / "build_book.py"), "--train"], cwd=ROOT,
                          capture_output=True, text=True, timeout=3600)
    if done.returncode != 0:
        pytest.fail(f"training the book's model failed:\n{(done.stdout + done.stderr)[-4000:]}")
    model = ROOT / "_build" / "models" / "book"
    config = json.loads((model / "training_config.json").read_text())
    result = TrainResult(output_dir=str(model), metrics=json.loads((model / "metrics.json").read_text()),
                         log_history=json.loads((model / "log_history.json").read_text()))
    splits = prepare_splits(config["data_dir"], train_size=config["train_size"], validation_size=config["validation_size"],
                            test_size=config["test_size"], clean=config["clean"], seed=config["seed"])
    return result, splits
