"""Shared fixtures. Tests never touch the network: the hub is switched off and the
IMDB parquet files come from ``../shared/data/imdb`` (or ``SENTIMENT_DATA_DIR``)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_IMDB = ROOT.parent / "shared" / "data" / "imdb"

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
if "SENTIMENT_DATA_DIR" not in os.environ and SHARED_IMDB.is_dir():
    os.environ["SENTIMENT_DATA_DIR"] = str(SHARED_IMDB)
os.environ.setdefault("MPLBACKEND", "Agg")


@pytest.fixture(scope="session")
def imdb_dir() -> Path:
    path = Path(os.environ.get("SENTIMENT_DATA_DIR", SHARED_IMDB))
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
def real_run(tmp_path_factory, imdb_dir):
    """The real pretrained encoder (offline), fine-tuned once per session on 400 IMDB reviews.

    Shared by the integration and export tests (each used to train its own): 400 training, 200
    validation and 500 test reviews, 2 epochs at 128 tokens. Returns ``(TrainResult, splits)``.
    """
    from sentiment_lib.data import prepare_splits
    from sentiment_lib.training import fine_tune, make_config

    splits = prepare_splits(imdb_dir, train_size=400, validation_size=200, test_size=500, seed=0)
    config = make_config("quick", model="offline", output_dir=str(tmp_path_factory.mktemp("real") / "model"),
                         max_length=128, epochs=2, batch_size=16, learning_rate=2e-4)
    return fine_tune(config, splits=splits, progress=False), splits
