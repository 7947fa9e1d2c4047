"""Faults in the data: broken parquet files and bad values give clear errors, never a half-loaded split.

Each test writes a small data directory (``train.parquet`` + ``test.parquet``) with one fault and
checks that :func:`sentiment_lib.data.load_imdb` raises a :class:`SentimentLibError` whose message
names the file and the row or column. The CLI test checks the same error reaches the user as one
line on stderr with exit status 2.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from sentiment_lib.data import load_imdb, prepare_splits
from sentiment_lib.environment import offline_environment
from sentiment_lib.errors import SentimentLibError

GOOD = {"text": [f"review number {i}" for i in range(8)], "label": [0, 1] * 4}


def write(path: Path, columns: dict, schema: pa.Schema | None = None) -> Path:
    pq.write_table(pa.table(columns, schema=schema), path)
    return path


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A small, valid data directory; each test breaks one thing in it."""
    write(tmp_path / "train.parquet", GOOD)
    write(tmp_path / "test.parquet", GOOD)
    return tmp_path


def load_error(data_dir: Path) -> str:
    with pytest.raises(SentimentLibError) as info:
        load_imdb(data_dir)
    return str(info.value)


def test_good_directory_loads(data_dir):
    imdb = load_imdb(data_dir)
    assert {k: len(v) for k, v in imdb.items()} == {"train": 8, "test": 8}


@pytest.mark.parametrize("keep", [0.5, 0.9, 0.0])
def test_truncated_parquet(data_dir, keep):
    path = data_dir / "train.parquet"
    load_imdb(data_dir)  # read once while good: a cached copy must not hide the broken file
    blob = path.read_bytes()
    path.write_bytes(blob[: int(len(blob) * keep)])
    message = load_error(data_dir)
    assert str(path) in message and "train" in message


def test_corrupted_parquet_body(data_dir):
    """Bytes flipped in the middle (a bad disk or download), header and footer intact."""
    path = data_dir / "test.parquet"
    blob = bytearray(path.read_bytes())
    middle = len(blob) // 2
    blob[middle - 40 : middle + 40] = b"\xff" * 80
    path.write_bytes(bytes(blob))
    try:
        imdb = load_imdb(data_dir)
    except SentimentLibError as err:
        assert str(path) in str(err)
    else:  # parquet without checksums may decode flipped bytes as other values: then they are still valid rows
        assert len(imdb["test"]) == 8 and set(imdb["test"]["label"]) <= {0, 1}
        assert all(isinstance(t, str) for t in imdb["test"]["text"])


def test_not_parquet_at_all(data_dir):
    path = data_dir / "train.parquet"
    path.write_text("text,label\ngreat,1\n")  # a CSV under a parquet name
    assert str(path) in load_error(data_dir)


def test_split_with_no_rows(data_dir):
    path = write(data_dir / "test.parquet", {"text": pa.array([], pa.string()), "label": pa.array([], pa.int64())})
    message = load_error(data_dir)
    assert str(path) in message and "no rows" in message


@pytest.mark.parametrize("bad_label", [2, -1, 7])
def test_label_outside_0_1(data_dir, bad_label):
    labels = list(GOOD["label"])
    labels[5] = bad_label
    path = write(data_dir / "train.parquet", {"text": GOOD["text"], "label": labels})
    message = load_error(data_dir)
    assert str(path) in message and "'label'" in message and "row 5" in message and str(bad_label) in message


def test_label_missing_value(data_dir):
    labels = list(GOOD["label"])
    labels[3] = None
    path = write(data_dir / "train.parquet", {"text": GOOD["text"], "label": pa.array(labels, pa.int64())})
    message = load_error(data_dir)
    assert str(path) in message and "'label'" in message and "row 3" in message


def test_text_with_nulls(data_dir):
    texts = list(GOOD["text"])
    texts[2] = texts[6] = None
    path = write(data_dir / "test.parquet", {"text": texts, "label": GOOD["label"]})
    message = load_error(data_dir)
    assert str(path) in message and "'text'" in message and "row 2" in message and "2 missing" in message


def test_text_not_strings(data_dir):
    path = write(data_dir / "train.parquet", {"text": list(range(8)), "label": GOOD["label"]})
    message = load_error(data_dir)
    assert str(path) in message and "'text'" in message


@pytest.mark.parametrize("columns", [{"review": GOOD["text"], "label": GOOD["label"]}, {"text": GOOD["text"]}])
def test_wrong_columns(data_dir, columns):
    path = write(data_dir / "train.parquet", columns)
    message = load_error(data_dir)
    assert str(path) in message and "lacks the column" in message


def test_missing_split(data_dir):
    (data_dir / "test.parquet").unlink()
    message = load_error(data_dir)
    assert str(data_dir) in message and "test.parquet" in message


def test_missing_directory(tmp_path):
    message = load_error(tmp_path / "nowhere")
    assert "nowhere" in message and "does not exist" in message


def test_nothing_half_loaded(data_dir):
    """A good train split and a broken test split: the call fails as a whole, nothing is returned."""
    write(data_dir / "test.parquet", {"text": GOOD["text"], "label": [0, 1, 0, 1, 0, 1, 0, 9]})
    result = None
    with pytest.raises(SentimentLibError, match="row 7"):
        result = prepare_splits(data_dir, train_size=4, validation_size=2, test_size=4)
    assert result is None


def test_cli_reports_broken_data_in_one_line(data_dir, tiny_model):
    """The CLI turns a data fault into one ``error:`` line on stderr and exit status 2 (no traceback)."""
    path = data_dir / "train.parquet"
    path.write_bytes(path.read_bytes()[:100])
    env = {**os.environ, **offline_environment(data_dir)}
    proc = subprocess.run(
        [sys.executable, "-m", "sentiment_lib", "train", "--model", "tiny", "--output-dir", str(data_dir / "out"),
         "--train-size", "4", "--validation-size", "2", "--test-size", "2"],
        capture_output=True, text=True, env=env, timeout=300,
    )
    assert proc.returncode == 2, proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:") and str(path) in lines[0], proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (data_dir / "out").exists() and not (data_dir / "out.partial").exists()
