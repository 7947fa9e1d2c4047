"""Chapter 1 — the IMDB data: loading, splitting, subsampling, cleaning, statistics.

Where the data comes from, in order:

1. the ``data_dir`` argument;
2. the ``SENTIMENT_DATA_DIR`` environment variable;
3. the Hugging Face hub dataset ``stanfordnlp/imdb``.

A data directory holds ``train.parquet`` and ``test.parquet`` (and optionally
``unsupervised.parquet``) with a ``text`` string column and a ``label`` column
(0 = negative, 1 = positive).

The test split is for the final report only: choose models and checkpoints on
the validation split that :func:`train_validation_split` carves out of train.
"""

from __future__ import annotations

import inspect
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .checkpoints import SETTINGS_FILE, resolve_model, saved_settings
from .errors import SentimentLibError

HUB_DATASET = "stanfordnlp/imdb"
DATA_ENV = "SENTIMENT_DATA_DIR"
LABEL_NAMES = ["neg", "pos"]
REQUIRED_COLUMNS = ("text", "label")
#: Validation reviews held out of train by default: the quick profile's (``training.PROFILES``; a test keeps them equal).
VALIDATION_SIZE = 1000

_BR = re.compile(r"<br\s*/?>", flags=re.IGNORECASE)
_SPACES = re.compile(r"[ \t]+")


def resolve_data_dir(data_dir: str | os.PathLike | None = None) -> Path | None:
    """Return the local data directory to use, or ``None`` for the hub.

    Examples
    --------
    >>> resolve_data_dir("~/imdb").name
    'imdb'
    """
    chosen = data_dir if data_dir is not None else os.environ.get(DATA_ENV) or None
    return Path(chosen).expanduser() if chosen else None


def _read_split(path: Path, split: str) -> Any:
    """Read one parquet split into a ``datasets.Dataset`` with a clear error on failure."""
    import datasets
    import pyarrow as pa
    import pyarrow.parquet as pq

    def broken(err: Exception) -> SentimentLibError:
        detail = str(err).splitlines()[0].rstrip(".") if str(err) else ""
        return SentimentLibError(
            f"Could not read the {split} split from {path}: {type(err).__name__}: {detail}.",
            hint="The file looks truncated or is not parquet; replace it with a good copy.",
        )

    try:
        rows = pq.read_metadata(path).num_rows  # the footer: a truncated file fails here, before any load
    except Exception as err:  # pyarrow raises many kinds of error for a broken file
        raise broken(err) from None
    if rows == 0:
        raise SentimentLibError(f"{path} has no rows.", hint="Replace it with the full split.")
    verbosity = datasets.logging.get_verbosity()
    datasets.logging.set_verbosity(datasets.logging.CRITICAL)  # the error below says it in one line
    try:
        ds = datasets.Dataset.from_parquet(str(path), split="train", keep_in_memory=True)
    except Exception as err:
        raise broken(err) from None
    finally:
        datasets.logging.set_verbosity(verbosity)
    missing = [c for c in REQUIRED_COLUMNS if c not in ds.column_names]
    if missing:
        raise SentimentLibError(
            f"{path} lacks the column(s) {missing}; it has {ds.column_names}.",
            hint=f"A data directory ({DATA_ENV}) needs parquet files with columns 'text' and 'label'.",
        )
    if len(ds) == 0:
        raise SentimentLibError(f"{path} has no rows.", hint="Replace it with the full split.")
    texts = ds.data.column("text")
    if texts.null_count:
        first = next(i for i, t in enumerate(texts.to_pylist()) if t is None)
        raise SentimentLibError(
            f"{path}: column 'text' has {texts.null_count} missing value(s), the first in row {first}.",
            hint="Drop or fill those rows before loading.",
        )
    if not (pa.types.is_string(texts.type) or pa.types.is_large_string(texts.type)):
        raise SentimentLibError(
            f"{path}: column 'text' holds {texts.type} values, not strings.",
            hint="Store the reviews as strings.",
        )
    labels = np.asarray(ds.data.column("label").to_numpy(zero_copy_only=False))
    allowed = {-1} if split == "unsupervised" else {0, 1}
    bad = ~np.isin(labels, list(allowed))
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise SentimentLibError(
            f"{path}: column 'label' holds {labels[row]!r} in row {row}; allowed values are {sorted(allowed)}.",
            hint="Labels must be 0 (negative) or 1 (positive).",
        )
    if split != "unsupervised":
        ds = ds.cast_column("label", datasets.ClassLabel(names=LABEL_NAMES))
    return ds


def load_imdb(
    data_dir: str | os.PathLike | None = None,
    *,
    unsupervised: bool = False,
) -> Any:
    """Load IMDB as a ``datasets.DatasetDict`` with ``train`` and ``test`` splits.

    Parameters
    ----------
    data_dir : str or Path, default=None
        Directory with ``train.parquet`` and ``test.parquet``. ``None`` reads
        ``SENTIMENT_DATA_DIR`` and falls back to the hub dataset ``stanfordnlp/imdb``.
    unsupervised : bool, default=False
        Also load the 50,000 unlabelled reviews (``unsupervised.parquet``).

    Returns
    -------
    datasets.DatasetDict
        ``train`` and ``test`` (25,000 reviews each), plus ``unsupervised`` when asked for.

    Examples
    --------
    >>> imdb = load_imdb()          # SENTIMENT_DATA_DIR here; the hub elsewhere
    >>> imdb["train"].features["label"].names, imdb["test"].num_rows
    (['neg', 'pos'], 25000)
    """
    import datasets

    local = resolve_data_dir(data_dir)
    splits = ["train", "test"] + (["unsupervised"] if unsupervised else [])
    if local is None:
        return _load_from_hub(splits)
    if not local.is_dir():
        raise SentimentLibError(
            f"Data directory {local} does not exist.",
            hint=f"Pass an existing directory or set {DATA_ENV} to one holding train.parquet and test.parquet.",
        )
    result = {}
    for split in splits:
        path = local / f"{split}.parquet"
        if not path.is_file():
            raise SentimentLibError(
                f"Data directory {local} has no {path.name}.",
                hint=f"{DATA_ENV} (or --data-dir) must point at a directory with train.parquet and test.parquet"
                + (" and unsupervised.parquet." if split == "unsupervised" else "."),
            )
        result[split] = _read_split(path, split)
    return datasets.DatasetDict(result)


def _load_from_hub(splits: list[str]) -> Any:
    import datasets

    try:
        loaded = datasets.load_dataset(HUB_DATASET)
    except Exception as err:
        raise SentimentLibError(
            f"Could not load {HUB_DATASET} from the Hugging Face hub ({type(err).__name__}).",
            hint=f"Offline? Set {DATA_ENV} to a directory with train.parquet and test.parquet "
            "(for this course: ../shared/data/imdb) or pass --data-dir.",
        ) from None
    return datasets.DatasetDict({s: loaded[s] for s in splits})


def labels_of(dataset: Any) -> np.ndarray:
    """The ``label`` column as a numpy array (fast: read from Arrow, not row by row).

    Examples
    --------
    >>> import datasets
    >>> labels_of(datasets.Dataset.from_dict({"text": ["a", "b"], "label": [1, 0]})).tolist()
    [1, 0]
    """
    return dataset.with_format("arrow")["label"].to_numpy()


def _balanced_indices(labels: np.ndarray, n: int, rng: np.random.Generator, what: str) -> np.ndarray:
    """Pick ``n`` shuffled indices with the classes as equal as possible."""
    classes = np.unique(labels)
    if n > len(labels):
        raise SentimentLibError(
            f"Asked for {n} {what} examples but only {len(labels)} are available.",
            hint=f"Ask for at most {len(labels)}.",
        )
    per_class = {c: n // len(classes) for c in classes}
    for c in rng.permutation(classes)[: n % len(classes)]:
        per_class[c] += 1
    picks = []
    for c in classes:
        pool = np.flatnonzero(labels == c)
        if per_class[c] > len(pool):
            raise SentimentLibError(
                f"Asked for {n} balanced {what} examples but class {c} has only {len(pool)}.",
                hint=f"Ask for at most {len(pool) * len(classes)}.",
            )
        picks.append(rng.choice(pool, size=per_class[c], replace=False))
    return rng.permutation(np.concatenate(picks))


def balanced_subset(dataset: Any, n: int | None, *, seed: int = 42, what: str = "") -> Any:
    """Return ``n`` shuffled examples with the two labels balanced.

    The shared IMDB files are ordered all-negative then all-positive, so the
    first ``n`` rows would be one class; this never takes the first ``n``.
    ``n=None`` returns the whole split, shuffled.

    Examples
    --------
    >>> import datasets
    >>> ds = datasets.Dataset.from_dict({"text": list("abcdefgh"), "label": [0] * 4 + [1] * 4})
    >>> sorted(balanced_subset(ds, 4, seed=0)["label"])
    [0, 0, 1, 1]
    """
    if n is not None and n <= 0:
        raise SentimentLibError(f"Subset size must be positive, got {n}.", hint="Pass a size of 1 or more.")
    rng = np.random.default_rng(seed)
    if n is None:
        return dataset.select(rng.permutation(len(dataset)))
    labels = labels_of(dataset)
    return dataset.select(_balanced_indices(labels, n, rng, what or "requested"))


def train_validation_split(dataset: Any, validation_size: int | float = 0.1, *, seed: int = 42) -> Any:
    """Split ``dataset`` into stratified ``train`` and ``validation`` parts.

    Parameters
    ----------
    dataset : datasets.Dataset
        Usually ``load_imdb()["train"]``; never the test split.
    validation_size : int or float, default=0.1
        Number of validation examples, or a fraction of the dataset.
    seed : int, default=42

    Examples
    --------
    >>> import datasets
    >>> ds = datasets.Dataset.from_dict({"text": list("abcdefghij"), "label": [0] * 5 + [1] * 5})
    >>> parts = train_validation_split(ds, 4, seed=0)
    >>> len(parts["train"]), sorted(parts["validation"]["label"])
    (6, [0, 0, 1, 1])
    """
    import datasets
    from sklearn.model_selection import train_test_split

    n = len(dataset)
    size = validation_size if isinstance(validation_size, int) else int(round(validation_size * n))
    if not 0 < size < n:
        raise SentimentLibError(
            f"Validation size {validation_size} leaves no training or no validation examples out of {n}.",
            hint="Use a size between 1 and the number of examples minus 1 (or a fraction between 0 and 1).",
        )
    labels = labels_of(dataset)
    classes = len(np.unique(labels))
    if min(size, n - size) < classes:  # a stratified split needs one example per label on each side
        raise SentimentLibError(
            f"Validation size {validation_size} cannot hold every label on both sides of a stratified split of {n}.",
            hint=f"Use a size between {classes} and {n - classes}.",
        )
    train_idx, val_idx = train_test_split(
        np.arange(n), test_size=size, stratify=labels, random_state=seed
    )
    return datasets.DatasetDict(
        {"train": dataset.select(np.sort(train_idx)), "validation": dataset.select(np.sort(val_idx))}
    )


def clean_text(text: str) -> str:
    """Replace the ``<br />`` line breaks left in IMDB reviews by spaces.

    Parameters
    ----------
    text : str
        One review as IMDB stores it.

    Returns
    -------
    str
        The review with every ``<br />`` tag (any case, with or without the slash) replaced by a
        space, runs of spaces made one, and the ends stripped; newlines stay.

    Examples
    --------
    >>> clean_text("Great film.<br /><br />Loved it.")
    'Great film. Loved it.'
    """
    if not isinstance(text, str):
        raise SentimentLibError(f"clean_text expects a string, got {type(text).__name__}.")
    while True:  # removing one tag can join its neighbours into a new one: "<br <br>/>"
        replaced = _BR.sub(" ", text)
        if replaced == text:
            break
        text = replaced
    return _SPACES.sub(" ", text).strip()


def clean_dataset(dataset: Any) -> Any:
    """Apply :func:`clean_text` to the ``text`` column of a dataset or DatasetDict."""
    return dataset.map(lambda batch: {"text": [clean_text(t) for t in batch["text"]]}, batched=True)


def duplicate_counts(train: Any, test: Any) -> dict[str, int]:
    """Count exact copies of reviews: within each split, and between train and test.

    IMDB has them: 123 test reviews have a copy in train, 96 train rows and 199 test
    rows repeat another row of their own split. A review on both sides of a split
    inflates the score measured on the other side.

    Parameters
    ----------
    train, test : datasets.Dataset
        The two splits, each with a ``text`` column.

    Returns
    -------
    dict of str to int
        ``train_rows_in_test`` (train rows whose text is also in test), ``train_repeats`` and
        ``test_repeats`` (rows that repeat an earlier row of their own split).

    Examples
    --------
    >>> import datasets
    >>> train = datasets.Dataset.from_dict({"text": ["a", "b", "b", "c"], "label": [0, 1, 1, 0]})
    >>> test = datasets.Dataset.from_dict({"text": ["c", "d", "d"], "label": [0, 1, 1]})
    >>> duplicate_counts(train, test)
    {'train_rows_in_test': 1, 'train_repeats': 1, 'test_repeats': 1}
    """
    train_texts = pd.Series(train["text"])
    test_texts = pd.Series(test["text"])
    return {
        "train_rows_in_test": int(train_texts.isin(set(test_texts)).sum()),
        "train_repeats": int(train_texts.duplicated().sum()),
        "test_repeats": int(test_texts.duplicated().sum()),
    }


def drop_leaked_duplicates(train: Any, test: Any) -> Any:
    """Drop train rows that copy a test review, and repeats within train (first copy kept).

    Run before the validation split, so that no text lands on two sides of any
    split. The test split is left as published (its own repeats are only reported
    by :func:`duplicate_counts`).

    Examples
    --------
    >>> import datasets
    >>> train = datasets.Dataset.from_dict({"text": ["a", "b", "b", "c"], "label": [0, 1, 1, 0]})
    >>> test = datasets.Dataset.from_dict({"text": ["c"], "label": [0]})
    >>> list(drop_leaked_duplicates(train, test)["text"])
    ['a', 'b']
    """
    texts = pd.Series(train["text"])
    keep = ~(texts.isin(set(test["text"])) | texts.duplicated())
    return train if keep.all() else train.select(np.flatnonzero(keep.to_numpy()))


def prepare_splits(
    data_dir: str | os.PathLike | None = None,
    *,
    train_size: int | None = None,
    validation_size: int = VALIDATION_SIZE,
    test_size: int | None = None,
    clean: bool = True,
    seed: int = 42,
) -> Any:
    """Load IMDB and return balanced ``train``, ``validation`` and ``test`` splits.

    Train rows that copy a test review, and repeats within train, are dropped first
    (:func:`drop_leaked_duplicates`), so no text is on two sides. Validation is then
    carved out of train (stratified) before any subsampling, so the same reviews are
    held out whatever ``train_size`` is. ``None`` sizes keep everything (shuffled).

    Parameters
    ----------
    data_dir : str or Path, default=None
        As in :func:`load_imdb`.
    train_size : int, default=None
        Balanced training reviews to keep (``None``: all that remain after validation).
    validation_size : int, default=1000
        Reviews held out of train, stratified by label.
    test_size : int, default=None
        Balanced test reviews to keep (``None``: all 25,000).
    clean : bool, default=True
        Apply :func:`clean_text` to every review.
    seed : int, default=42
        Seed of every shuffle and sample: the same seed gives the same reviews.

    Returns
    -------
    datasets.DatasetDict
        ``train``, ``validation`` and ``test``, each with ``text`` and ``label``.

    Examples
    --------
    >>> splits = prepare_splits(train_size=200, validation_size=100, test_size=100)
    >>> {k: len(v) for k, v in splits.items()}
    {'train': 200, 'validation': 100, 'test': 100}
    >>> sum(splits["train"]["label"])        # balanced
    100
    """
    import datasets

    imdb = load_imdb(data_dir)
    parts = train_validation_split(drop_leaked_duplicates(imdb["train"], imdb["test"]), validation_size, seed=seed)
    splits = datasets.DatasetDict(
        {
            "train": balanced_subset(parts["train"], train_size, seed=seed, what="training"),
            "validation": balanced_subset(parts["validation"], None, seed=seed),
            "test": balanced_subset(imdb["test"], test_size, seed=seed, what="test"),
        }
    )
    return clean_dataset(splits) if clean else splits


#: The arguments of :func:`prepare_splits` that every training run saves (they are ``TrainConfig`` fields).
SPLIT_SETTINGS = ("data_dir", "train_size", "validation_size", "test_size", "clean", "seed")


def splits_digest(splits: Any) -> str:
    """A fingerprint of the reviews and labels of every split, in order: equal digests, equal splits.

    A training run saves it beside its split settings, so that :meth:`SavedRun.splits` can tell
    when the settings no longer rebuild what the run was trained and scored on (splits handed to
    ``fine_tune`` by code, or IMDB files that changed).

    Parameters
    ----------
    splits : datasets.DatasetDict or dict of datasets.Dataset
        Splits with ``text`` and ``label`` columns.

    Returns
    -------
    str
        A SHA-256 hex digest.

    Examples
    --------
    >>> import datasets
    >>> a = {"train": datasets.Dataset.from_dict({"text": ["good", "bad"], "label": [1, 0]})}
    >>> b = {"train": datasets.Dataset.from_dict({"text": ["good", "bad"], "label": [0, 1]})}
    >>> splits_digest(a) == splits_digest(a), splits_digest(a) == splits_digest(b)
    (True, False)
    """
    import hashlib

    digest = hashlib.sha256()
    for name in sorted(splits):
        digest.update(f"\0split:{name}\0".encode())
        for text, label in zip(splits[name]["text"], splits[name]["label"]):
            digest.update(f"{label}\0{text}\0".encode())
    return digest.hexdigest()

_LIBRARY_DEFAULT = object()


@dataclass(frozen=True)
class SavedRun:
    """A model directory written by training, with the settings it was trained with.

    Build it with :func:`saved_run`; ``SavedRun()`` (no directory, no settings) stands for the
    library's defaults. Every place that needs the reviews a saved model was trained, validated
    or tested on gets them from :meth:`splits`, never from the settings file by hand.

    Attributes
    ----------
    model_dir : Path or None
        The model directory (``None``: no saved run).
    settings : dict
        The saved settings (:data:`~sentiment_lib.checkpoints.SETTINGS_FILE`): every ``TrainConfig``
        field, ``model_source`` and ``sentiment_lib_version``; empty for a model saved without them.

    Examples
    --------
    >>> SavedRun(settings={"validation_size": 500, "seed": 3}).split_settings()
    {'data_dir': None, 'train_size': None, 'validation_size': 500, 'test_size': None, 'clean': True, 'seed': 3}
    """

    model_dir: Path | None = None
    settings: dict[str, Any] = field(default_factory=dict)

    def setting(self, name: str, default: Any = _LIBRARY_DEFAULT) -> Any:
        """A saved setting; for one the file lacks, ``default``, else :func:`prepare_splits`' default.

        Parameters
        ----------
        name : str
            A ``TrainConfig`` field (``"seed"``, ``"clean"``, ``"max_length"``, ...).
        default : optional
            What to return when the run did not save ``name``; without it, a split setting
            (:data:`SPLIT_SETTINGS`) falls back to :func:`prepare_splits`' default (the quick
            profile's validation size, :data:`VALIDATION_SIZE`; cleaned; seed 42; every review).

        Returns
        -------
        Any
            The value the run was trained with.

        Examples
        --------
        >>> run = SavedRun(settings={"seed": 3})
        >>> run.setting("seed"), run.setting("clean"), run.setting("max_length", 512)
        (3, True, 512)
        """
        if name in self.settings:
            return self.settings[name]
        if default is not _LIBRARY_DEFAULT:
            return default
        defaults = {k: p.default for k, p in inspect.signature(prepare_splits).parameters.items()}
        if name not in defaults:
            raise KeyError(f"{self.model_dir or 'this run'} saved no {name!r} and the library has no default for it")
        return defaults[name]

    def split_settings(self) -> dict[str, Any]:
        """The arguments of :func:`prepare_splits` exactly as the run was trained (see :meth:`setting`).

        Returns
        -------
        dict
            ``data_dir``, ``train_size``, ``validation_size``, ``test_size``, ``clean`` and ``seed``.
        """
        return {name: self.setting(name) for name in SPLIT_SETTINGS}

    def splits(self, data_dir: str | os.PathLike | None = None, **overrides: Any) -> Any:
        """The run's ``train``, ``validation`` and ``test`` splits, prepared as the run prepared them.

        Parameters
        ----------
        data_dir : str or Path, default=None
            Where to read IMDB; ``None``: where the run read it (its saved ``data_dir``; ``None`` there
            means ``$SENTIMENT_DATA_DIR``, else the hub).
        **overrides
            Other arguments of :func:`prepare_splits` to change: ``train_size`` and ``test_size``
            (the validation reviews, and so the training reviews left, stay the run's), or
            ``clean=False`` to clean only what is scored (:func:`clean_dataset` afterwards,
            when ``setting("clean")``).

        Returns
        -------
        datasets.DatasetDict
            ``train``, ``validation`` and ``test``.

        Raises
        ------
        SentimentLibError
            The run's saved data directory is not on this machine (pass ``data_dir``), or the
            settings no longer rebuild the reviews the run was trained and scored on (its saved
            ``splits_digest`` differs: the run was given its splits by code, or the data changed).

        Examples
        --------
        >>> splits = SavedRun(settings={"train_size": 50, "validation_size": 20, "test_size": 30}).splits()
        >>> {k: len(v) for k, v in splits.items()}
        {'train': 50, 'validation': 20, 'test': 30}
        """
        settings = {**self.split_settings(), **overrides}
        if data_dir is not None:
            settings["data_dir"] = data_dir
        elif settings["data_dir"] is not None and not Path(settings["data_dir"]).expanduser().is_dir():
            raise SentimentLibError(
                f"The run in {self.model_dir} read its reviews from {settings['data_dir']}, which does not exist here.",
                hint="Pass the data directory to use (--data-dir DIR, or data_dir=DIR).",
            )
        splits = prepare_splits(**settings)
        saved = self.settings.get("splits_digest")
        if saved and not overrides and splits_digest(splits) != saved:
            raise SentimentLibError(
                f"The run in {self.model_dir} was trained on other reviews than its settings rebuild from "
                f"{settings['data_dir'] or 'the default data'}: it was given its splits by code, or the IMDB files changed.",
                hint="Pass the same splits the run was trained with, or train the model again.",
            )
        return splits


def saved_run(model_dir: str | os.PathLike, *, required: bool = True) -> SavedRun:
    """The training run saved in a model directory: its settings, and its splits on demand.

    Parameters
    ----------
    model_dir : str or Path
        A directory written by :func:`~sentiment_lib.training.fine_tune` (``sentiment-lib train``);
        names are resolved as every command resolves them (:func:`~sentiment_lib.checkpoints.resolve_model`).
    required : bool, default=True
        Raise when the model has no saved settings (a hub id, the tiny model, a model saved by other
        code); with ``False``, such a model gives a run with empty settings (the library's defaults).

    Returns
    -------
    SavedRun
        ``model_dir`` and its ``settings``; :meth:`SavedRun.splits` rebuilds its reviews.

    Raises
    ------
    SentimentLibError
        The directory does not exist, holds no model, or has an unreadable settings file; or
        (``required``) it has no settings file.

    Examples
    --------
    >>> run = saved_run("runs/quick")                            # doctest: +SKIP
    >>> run.settings["validation_size"], run.setting("clean")    # doctest: +SKIP
    (1000, True)
    >>> test = run.splits(test_size=500)["test"]                 # doctest: +SKIP
    >>> saved_run("distilbert-base-uncased", required=False).settings
    {}
    >>> saved_run("distilbert-base-uncased")
    Traceback (most recent call last):
    ...
    sentiment_lib.errors.SentimentLibError: distilbert-base-uncased is not a local model directory, so it has no saved training run. Pass a directory written by `sentiment-lib train --output-dir DIR`.
    """
    path = Path(resolve_model(model_dir)).expanduser()
    hint = "Pass a directory written by `sentiment-lib train --output-dir DIR`."
    if not path.is_dir():
        if required:
            raise SentimentLibError(f"{model_dir} is not a local model directory, so it has no saved training run.",
                                    hint=hint)
        return SavedRun()
    settings = saved_settings(path)  # checks that the directory holds a model; a broken file is a clear error
    if required and not (path / SETTINGS_FILE).is_file():
        raise SentimentLibError(f"{path} has no {SETTINGS_FILE}: it holds a model but no saved training run.",
                                hint=hint + " It saves the settings the model was trained with.")
    return SavedRun(path, settings)


def dataset_statistics(dataset: Any, tokenizer: Any | None = None) -> pd.DataFrame:
    """Label balance and review lengths (words, and tokens if a tokenizer is given).

    Parameters
    ----------
    dataset : datasets.Dataset
        Rows with a ``text`` and a ``label`` column (0 = ``neg``, 1 = ``pos``).
    tokenizer : tokenizer, optional
        A fast tokenizer; when given, token lengths are reported beside word lengths.

    Returns
    -------
    pandas.DataFrame
        One row per label plus an ``all`` row: ``reviews``, ``share``, word (and token)
        length statistics.

    Examples
    --------
    >>> import datasets
    >>> ds = datasets.Dataset.from_dict({"text": ["good fun", "bad"], "label": [1, 0]})
    >>> dataset_statistics(ds)[["reviews", "share", "mean_words"]].to_dict("index")
    {'neg': {'reviews': 1, 'share': 0.5, 'mean_words': 1.0}, 'pos': {'reviews': 1, 'share': 0.5, 'mean_words': 2.0}, 'all': {'reviews': 2, 'share': 1.0, 'mean_words': 1.5}}
    """
    frame = dataset.select_columns(["text", "label"]).to_pandas()
    frame["words"] = frame["text"].str.split().str.len()
    if tokenizer is not None:
        frame["tokens"] = [len(ids) for ids in tokenizer(list(frame["text"]), truncation=False, verbose=False)["input_ids"]]
    names = {0: "neg", 1: "pos"}
    rows = {}
    for key, group in [*((names.get(k, k), g) for k, g in frame.groupby("label")), ("all", frame)]:
        row = {
            "reviews": len(group),
            "share": len(group) / len(frame),
            "mean_words": group["words"].mean(),
            "median_words": group["words"].median(),
            "max_words": group["words"].max(),
        }
        if tokenizer is not None:
            row.update(mean_tokens=group["tokens"].mean(), median_tokens=group["tokens"].median())
        rows[key] = row
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("label")
