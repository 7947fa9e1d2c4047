"""sentiment_lib.data on the real IMDB parquet files and on small in-memory datasets."""

import datasets
import numpy as np
import pandas as pd
import pytest

from sentiment_lib.data import (
    balanced_subset,
    clean_text,
    dataset_statistics,
    load_imdb,
    prepare_splits,
    train_validation_split,
)
from sentiment_lib.errors import SentimentLibError


def test_load_imdb_from_shared_dir(imdb_dir):
    imdb = load_imdb(imdb_dir)
    assert set(imdb) == {"train", "test"}
    assert len(imdb["train"]) == 25_000 and len(imdb["test"]) == 25_000
    assert imdb["train"].features["label"].names == ["neg", "pos"]
    assert np.bincount(imdb["train"]["label"]).tolist() == [12_500, 12_500]


def test_load_imdb_reads_environment(imdb_dir, monkeypatch):
    monkeypatch.setenv("SENTIMENT_DATA_DIR", str(imdb_dir))
    assert len(load_imdb()["test"]) == 25_000


def test_unsupervised_split_on_request(imdb_dir):
    imdb = load_imdb(imdb_dir, unsupervised=True)
    assert len(imdb["unsupervised"]) == 50_000
    assert set(imdb["unsupervised"].unique("label")) == {-1}


def test_missing_directory_names_the_variable(tmp_path):
    with pytest.raises(SentimentLibError, match="SENTIMENT_DATA_DIR"):
        load_imdb(tmp_path / "nope")


def test_missing_split_names_the_file(tmp_path, imdb_dir):
    (tmp_path / "train.parquet").symlink_to(imdb_dir / "train.parquet")
    with pytest.raises(SentimentLibError, match="test.parquet"):
        load_imdb(tmp_path)


def test_wrong_columns_are_reported(tmp_path):
    for split in ("train", "test"):
        pd.DataFrame({"review": ["x"], "label": [0]}).to_parquet(tmp_path / f"{split}.parquet")
    with pytest.raises(SentimentLibError, match="'text'"):
        load_imdb(tmp_path)


def test_labels_outside_binary_are_reported(tmp_path):
    for split in ("train", "test"):
        pd.DataFrame({"text": ["a", "b", "c"], "label": [0, 1, 3]}).to_parquet(tmp_path / f"{split}.parquet")
    with pytest.raises(SentimentLibError, match="row 2"):
        load_imdb(tmp_path)


def test_hub_failure_says_how_to_go_offline(monkeypatch):
    monkeypatch.delenv("SENTIMENT_DATA_DIR", raising=False)

    def unreachable(*args, **kwargs):
        raise ConnectionError("offline")

    monkeypatch.setattr(datasets, "load_dataset", unreachable)
    with pytest.raises(SentimentLibError, match="SENTIMENT_DATA_DIR"):
        load_imdb()


def _toy(n_neg=30, n_pos=30):
    return datasets.Dataset.from_dict(
        {"text": [f"review {i}" for i in range(n_neg + n_pos)], "label": [0] * n_neg + [1] * n_pos}
    )


@pytest.mark.parametrize("n", [1, 2, 7, 20])
def test_balanced_subset_is_balanced_shuffled_and_seeded(n):
    ds = _toy()
    sub = balanced_subset(ds, n, seed=3)
    counts = np.bincount(sub["label"], minlength=2)
    assert len(sub) == n and abs(counts[0] - counts[1]) <= 1
    assert sub["text"] == balanced_subset(ds, n, seed=3)["text"]
    if n >= 7:
        assert sub["text"] != balanced_subset(ds, n, seed=4)["text"]


def test_balanced_subset_never_takes_the_first_rows(imdb_dir):
    train = load_imdb(imdb_dir)["train"]  # ordered all-negative, then all-positive
    sub = balanced_subset(train, 100, seed=0)
    assert np.bincount(sub["label"]).tolist() == [50, 50]


def test_balanced_subset_too_large_is_a_clear_error():
    with pytest.raises(SentimentLibError, match="only 60"):
        balanced_subset(_toy(), 61)
    with pytest.raises(SentimentLibError, match="class"):
        balanced_subset(_toy(50, 10), 40)


def test_train_validation_split_is_stratified_disjoint_and_seeded():
    ds = _toy(40, 20)
    parts = train_validation_split(ds, 0.25, seed=1)
    assert len(parts["validation"]) == 15 and len(parts["train"]) == 45
    assert np.bincount(parts["validation"]["label"]).tolist() == [10, 5]
    assert not set(parts["train"]["text"]) & set(parts["validation"]["text"])
    assert parts["validation"]["text"] == train_validation_split(ds, 0.25, seed=1)["validation"]["text"]


@pytest.mark.parametrize("size", [0, 60, 1.0])
def test_train_validation_split_rejects_empty_parts(size):
    with pytest.raises(SentimentLibError):
        train_validation_split(_toy(), size)


def test_prepare_splits_holds_validation_out_of_train_only(imdb_dir):
    splits = prepare_splits(imdb_dir, train_size=100, validation_size=50, test_size=40, seed=0)
    assert {k: len(v) for k, v in splits.items()} == {"train": 100, "validation": 50, "test": 40}
    assert not set(splits["train"]["text"]) & set(splits["validation"]["text"])
    assert all("<br" not in t for t in splits["train"]["text"])
    # the validation reviews do not depend on the training subset size
    other = prepare_splits(imdb_dir, train_size=20, validation_size=50, test_size=40, seed=0)
    assert sorted(other["validation"]["text"]) == sorted(splits["validation"]["text"])


@pytest.mark.parametrize(
    "raw, clean",
    [
        ("Good.<br /><br />Bad.", "Good. Bad."),
        ("a<br/>b<BR>c", "a b c"),
        ("  no markup  ", "no markup"),
        ("", ""),
    ],
)
def test_clean_text(raw, clean):
    assert clean_text(raw) == clean


def test_clean_text_rejects_non_strings():
    with pytest.raises(SentimentLibError, match="string"):
        clean_text(None)


def test_dataset_statistics_counts_words_and_tokens(tokenizer):
    ds = datasets.Dataset.from_dict({"text": ["good film", "bad", "so so so"], "label": [1, 0, 0]})
    stats = dataset_statistics(ds, tokenizer)
    assert stats.loc["neg", "reviews"] == 2 and stats.loc["all", "reviews"] == 3
    assert stats.loc["pos", "mean_words"] == 2
    assert stats.loc["pos", "mean_tokens"] == 4  # [CLS] good film [SEP]


def _leaky_dir(tmp_path):
    """A data directory whose train split repeats rows and copies test reviews."""
    train = pd.DataFrame({"text": [f"train review {i}" for i in range(40)] + ["shared a", "shared b", "train review 3"],
                          "label": [i % 2 for i in range(40)] + [0, 1, 1]})
    test = pd.DataFrame({"text": ["shared a", "shared b"] + [f"test review {i}" for i in range(20)] + ["test review 0"],
                         "label": [0, 1] + [i % 2 for i in range(20)] + [0]})
    train.to_parquet(tmp_path / "train.parquet")
    test.to_parquet(tmp_path / "test.parquet")
    return tmp_path


def test_duplicates_are_counted_and_train_copies_dropped(tmp_path):
    from sentiment_lib.data import drop_leaked_duplicates, duplicate_counts

    imdb = load_imdb(_leaky_dir(tmp_path))
    assert duplicate_counts(imdb["train"], imdb["test"]) == {"train_rows_in_test": 2, "train_repeats": 1, "test_repeats": 1}
    kept = drop_leaked_duplicates(imdb["train"], imdb["test"])
    assert len(kept) == 40 and duplicate_counts(kept, imdb["test"])["train_rows_in_test"] == 0


def test_no_text_is_on_two_sides_of_the_splits(tmp_path):
    splits = prepare_splits(_leaky_dir(tmp_path), train_size=None, validation_size=10, clean=False, seed=0)
    sides = {name: set(split["text"]) for name, split in splits.items()}
    assert not sides["train"] & sides["validation"]
    assert not sides["train"] & sides["test"] and not sides["validation"] & sides["test"]
    assert len(splits["train"]) + len(splits["validation"]) == 40          # 3 rows dropped from 43
    assert len(splits["test"]) == 23                                        # the test split stays as published


@pytest.mark.slow
def test_real_imdb_has_no_text_on_two_sides(imdb_dir):
    from sentiment_lib.data import duplicate_counts

    imdb = load_imdb(imdb_dir)
    counts = duplicate_counts(imdb["train"], imdb["test"])
    assert counts == {"train_rows_in_test": 123, "train_repeats": 96, "test_repeats": 199}
    splits = prepare_splits(imdb_dir, train_size=None, validation_size=1000, test_size=None, clean=False)
    train, val, test = (set(splits[k]["text"]) for k in ("train", "validation", "test"))
    assert not train & val and not train & test and not val & test
    assert len(splits["train"]) + len(splits["validation"]) == 25_000 - 123 - 96


def test_the_hub_path_runs_after_load_dataset(monkeypatch, imdb_dir):
    """The published book reads stanfordnlp/imdb from the hub; no machine here reaches it, so
    `load_dataset` is stood in by a local DatasetDict in the hub's layout (train/test/unsupervised,
    `label` a ClassLabel neg/pos) and everything after it runs: copies dropped, splits, cleaning."""
    features = datasets.Features({"text": datasets.Value("string"), "label": datasets.ClassLabel(names=["neg", "pos"])})
    local = load_imdb(imdb_dir)
    hub_layout = datasets.DatasetDict({
        "train": datasets.Dataset.from_dict(local["train"].select(range(0, 25_000, 50)).select_columns(["text", "label"]).to_dict(), features=features),
        "test": datasets.Dataset.from_dict(local["test"].select(range(0, 25_000, 50)).select_columns(["text", "label"]).to_dict(), features=features),
        "unsupervised": datasets.Dataset.from_dict({"text": ["x"], "label": [-1]}),
    })
    hub_layout["train"] = datasets.concatenate_datasets([hub_layout["train"], hub_layout["test"].select(range(3))])
    calls = []

    def fake_load_dataset(name, *args, **kwargs):
        calls.append(name)
        return hub_layout

    monkeypatch.delenv("SENTIMENT_DATA_DIR", raising=False)
    monkeypatch.setattr(datasets, "load_dataset", fake_load_dataset)
    splits = prepare_splits(train_size=100, validation_size=50, test_size=100, seed=0)
    assert calls == ["stanfordnlp/imdb"]
    assert {k: len(v) for k, v in splits.items()} == {"train": 100, "validation": 50, "test": 100}
    assert splits["train"].features["label"].names == ["neg", "pos"]
    sides = {k: set(v["text"]) for k, v in splits.items()}
    assert not sides["train"] & sides["test"] and not sides["validation"] & sides["test"]
    assert not any("<br" in t for t in sides["train"])
