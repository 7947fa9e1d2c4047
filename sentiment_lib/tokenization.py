"""Chapter 2 — tokenization: WordPiece ids, truncation strategies, padding.

Two truncation strategies:

* ``head`` keeps the first ``max_length`` tokens (the seed notebook's way);
* ``head_tail`` keeps the first ``k`` and the last ``max_length - k`` tokens.
  Sun et al. (2019), "How to Fine-Tune BERT for Text Classification?", report
  that head+tail truncation (128 + 382 tokens) works best on IMDB, because
  reviews often end with their verdict.

Two padding strategies:

* uniform: every sequence padded to ``max_length`` (the seed's way);
* dynamic: each batch padded to its own longest sequence by
  ``transformers.DataCollatorWithPadding`` — far fewer wasted ``[PAD]`` tokens.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable, Sequence

import numpy as np
import pandas as pd

from .checkpoints import resolve_model
from .errors import SentimentLibError

STRATEGIES = ("head", "head_tail")
HEAD_SHARE = 0.25  # Sun et al. keep 128 of 510 content tokens from the head
TOKENIZER_FILES = ("tokenizer.json", "vocab.txt", "vocab.json", "tokenizer.model", "spiece.model")


def load_tokenizer(name_or_path: str | None = None) -> Any:
    """Load the fast (Rust-backed) tokenizer of a model.

    Parameters
    ----------
    name_or_path : str or Path, default=None
        A hub id, a local model folder, or a name such as ``"offline"`` or ``"tiny"``; ``None``
        resolves the model the same way as :func:`sentiment_lib.checkpoints.resolve_model`.

    Returns
    -------
    transformers.PreTrainedTokenizerFast
        The model's fast tokenizer. A model without one is a clear error.

    Examples
    --------
    >>> tok = load_tokenizer("offline")
    >>> tok("A great film!")["input_ids"]       # [CLS] a great film ! [SEP]
    [101, 1037, 2307, 2143, 999, 102]
    """
    path = resolve_model(name_or_path)
    hint = (
        "Point at a model directory that holds tokenizer.json / vocab.txt, "
        "or use SENTIMENT_MODEL=offline when there is no network."
    )
    local = Path(path).expanduser()
    if local.is_dir() and not any((local / f).is_file() for f in TOKENIZER_FILES):
        # without this check transformers builds a tokenizer with no vocabulary and predicts garbage
        raise SentimentLibError(
            f"{local} has no tokenizer: none of {', '.join(TOKENIZER_FILES)} is there.",
            hint="Copy the tokenizer files of the model back, or re-train (train saves them with the model).",
        )
    try:
        return _tokenizer_class(local).from_pretrained(path)
    except Exception as err:  # OSError when missing; JSON or Rust errors when a file is corrupted
        detail = str(err).splitlines()[0][:200] if str(err) else ""
        names = [str(local / f) for f in TOKENIZER_FILES if (local / f).is_file()] if local.is_dir() else []
        raise SentimentLibError(
            f"Could not load a tokenizer from {', '.join(names) or repr(path)} ({err.__class__.__name__}: {detail}).",
            hint="The file may be truncated or corrupted. " + hint,
        ) from None


def _tokenizer_class(local: Path) -> Any:
    """The class named in a local ``tokenizer_config.json``, else ``AutoTokenizer``.

    ``AutoTokenizer`` reads the model's configuration to find the class, and that
    imports torch (several seconds): a tokenizer alone does not need it. The class
    named by the directory itself gives the same tokenizer without the detour.
    """
    import json

    import transformers

    try:
        name = json.loads((local / "tokenizer_config.json").read_text()).get("tokenizer_class")
    except (OSError, ValueError, AttributeError):
        name = None
    cls = getattr(transformers, name, None) if isinstance(name, str) and name.isidentifier() else None
    return cls if cls is not None and hasattr(cls, "from_pretrained") else transformers.AutoTokenizer


def check_strategy(strategy: str) -> str:
    """Return ``strategy`` if it is known, else raise a clear error."""
    if strategy not in STRATEGIES:
        raise SentimentLibError(
            f"Unknown truncation strategy {strategy!r}.", hint=f"Choose one of {', '.join(STRATEGIES)}."
        )
    return strategy


def head_tail_ids(ids: Sequence[int], budget: int, head: int | None = None) -> list[int]:
    """Keep the first ``head`` and the last ``budget - head`` ids of a long sequence.

    ``budget`` counts content tokens (special tokens excluded). Sequences that
    fit are returned unchanged.

    Examples
    --------
    >>> head_tail_ids(list(range(10)), budget=4, head=1)
    [0, 7, 8, 9]
    >>> head_tail_ids([1, 2], budget=4)
    [1, 2]
    """
    if budget < 1:
        raise SentimentLibError(f"max_length leaves {budget} content tokens.", hint="Use a max_length of 3 or more.")
    ids = list(ids)
    if len(ids) <= budget:
        return ids
    if head is None:
        head = max(1, int(round(HEAD_SHARE * budget)))
    head = min(head, budget)
    tail = budget - head
    return ids[:head] + (ids[-tail:] if tail else [])


def tokenize(
    texts: Sequence[str],
    tokenizer: Any,
    *,
    max_length: int = 256,
    strategy: str = "head",
    pad_to_max_length: bool = False,
    return_tensors: str | None = None,
) -> dict[str, Any]:
    """Tokenize a batch of texts with truncation (``head`` or ``head_tail``).

    Parameters
    ----------
    texts : list of str
    tokenizer : a fast tokenizer with ``[CLS]``/``[SEP]`` special tokens
    max_length : int, default=256
        Length including the special tokens.
    strategy : {"head", "head_tail"}, default="head"
    pad_to_max_length : bool, default=False
        Pad every sequence to ``max_length`` (the seed's way). Otherwise leave the
        sequences unpadded for :func:`make_collator` to pad per batch (or, with
        ``return_tensors``, pad to the longest sequence of this batch).
    return_tensors : {"pt", None}, default=None

    Returns
    -------
    dict
        ``input_ids`` and ``attention_mask`` (and ``token_type_ids`` where the tokenizer makes
        them): lists of lists, or tensors with ``return_tensors="pt"``.

    Examples
    --------
    >>> tok = load_tokenizer("offline")     # the packaged encoder's uncased WordPiece vocabulary
    >>> enc = tokenize(["a good film", "bad"], tok, max_length=8, pad_to_max_length=True)
    >>> enc["attention_mask"]
    [[1, 1, 1, 1, 1, 0, 0, 0], [1, 1, 1, 0, 0, 0, 0, 0]]
    """
    check_strategy(strategy)
    texts = list(texts)
    # tensors must be rectangular: without uniform padding, pad to the longest in the batch
    padding = "max_length" if pad_to_max_length else ("longest" if return_tensors else False)
    if strategy == "head":
        return dict(
            tokenizer(texts, truncation=True, max_length=max_length, padding=padding, return_tensors=return_tensors)
        )
    if tokenizer.cls_token_id is None or tokenizer.sep_token_id is None:
        raise SentimentLibError(
            "head_tail truncation needs a tokenizer with [CLS] and [SEP] tokens (BERT family).",
            hint="Use strategy='head' with this tokenizer.",
        )
    budget = max_length - 2
    raw = tokenizer(texts, add_special_tokens=False, truncation=False, verbose=False)["input_ids"] if texts else []
    ids = [[tokenizer.cls_token_id, *head_tail_ids(seq, budget), tokenizer.sep_token_id] for seq in raw]
    features = [{"input_ids": seq, "attention_mask": [1] * len(seq)} for seq in ids]
    padded = tokenizer.pad(
        {"input_ids": [f["input_ids"] for f in features], "attention_mask": [f["attention_mask"] for f in features]},
        padding=padding,
        max_length=max_length if pad_to_max_length else None,
        return_tensors=return_tensors,
    )
    return dict(padded)


def tokenize_dataset(
    dataset: Any,
    tokenizer: Any,
    *,
    max_length: int = 256,
    strategy: str = "head",
    pad_to_max_length: bool = False,
) -> Any:
    """Add ``input_ids`` and ``attention_mask`` columns to a dataset (or DatasetDict).

    The ``text`` column is kept (error analysis needs it); the Trainer drops it
    by itself because the model does not take it.

    Parameters
    ----------
    dataset : datasets.Dataset or datasets.DatasetDict
        Rows with a ``text`` column.
    tokenizer : transformers.PreTrainedTokenizerFast
    max_length, strategy, pad_to_max_length
        As in :func:`tokenize`.

    Returns
    -------
    datasets.Dataset or datasets.DatasetDict
        The same rows with the tokenizer's columns added (``Dataset.map(batched=True)``).

    Examples
    --------
    >>> import datasets
    >>> tok = load_tokenizer("offline")     # the packaged encoder's uncased WordPiece vocabulary
    >>> ds = datasets.Dataset.from_dict({"text": ["a good film", "bad"], "label": [1, 0]})
    >>> out = tokenize_dataset(ds, tok, max_length=8)
    >>> out.column_names, out[0]["input_ids"]
    (['text', 'label', 'input_ids', 'attention_mask'], [101, 1037, 2204, 2143, 102])
    """
    check_strategy(strategy)

    def encode(batch: dict[str, list]) -> dict[str, list]:
        enc = tokenize(
            batch["text"], tokenizer, max_length=max_length, strategy=strategy, pad_to_max_length=pad_to_max_length
        )
        return {"input_ids": enc["input_ids"], "attention_mask": enc["attention_mask"]}

    return dataset.map(encode, batched=True, desc="Tokenizing")


def make_collator(tokenizer: Any, *, pad_to_max_length: bool = False, max_length: int | None = None) -> Any:
    """A ``DataCollatorWithPadding``: dynamic padding, or uniform with ``pad_to_max_length``.

    Parameters
    ----------
    tokenizer : transformers.PreTrainedTokenizerFast
    pad_to_max_length : bool, default=False
        Pad every batch to ``max_length`` (the seed's way) instead of to its longest review.
    max_length : int, default=None
        The length to pad to when ``pad_to_max_length`` is set.

    Returns
    -------
    transformers.DataCollatorWithPadding
        A callable that turns a list of tokenized rows into a batch of tensors.

    Examples
    --------
    >>> tok = load_tokenizer("offline")     # the packaged encoder's uncased WordPiece vocabulary
    >>> rows = [tok("a good film"), tok("bad")]
    >>> make_collator(tok)(rows)["attention_mask"].tolist()                      # to the longest
    [[1, 1, 1, 1, 1], [1, 1, 1, 0, 0]]
    >>> make_collator(tok, pad_to_max_length=True, max_length=8)(rows)["input_ids"].shape[1]
    8
    """
    from transformers import DataCollatorWithPadding

    if pad_to_max_length:
        return DataCollatorWithPadding(tokenizer, padding="max_length", max_length=max_length)
    return DataCollatorWithPadding(tokenizer)


def token_lengths(texts: Iterable[str], tokenizer: Any) -> np.ndarray:
    """Number of tokens of each text, special tokens included, without truncation.

    Parameters
    ----------
    texts : iterable of str
    tokenizer : transformers.PreTrainedTokenizerFast

    Returns
    -------
    numpy.ndarray
        One integer per text (an empty array for no texts).

    Examples
    --------
    >>> tok = load_tokenizer("offline")     # the packaged encoder's uncased WordPiece vocabulary
    >>> token_lengths(["a good film", "bad"], tok).tolist()
    [5, 3]
    """
    texts = list(texts)
    if not texts:
        return np.zeros(0, dtype=int)
    return np.array([len(ids) for ids in tokenizer(texts, truncation=False, verbose=False)["input_ids"]])


def token_length_stats(
    texts: Iterable[str], tokenizer: Any, thresholds: Sequence[int] = (128, 256, 512)
) -> pd.DataFrame:
    """Share of texts longer than each threshold (i.e. that truncation would cut).

    Parameters
    ----------
    texts : iterable of str
    tokenizer : transformers.PreTrainedTokenizerFast
    thresholds : sequence of int, default=(128, 256, 512)
        The ``max_length`` values to test, special tokens included.

    Returns
    -------
    pandas.DataFrame
        One row per threshold: ``max_length``, ``longer`` (texts over it) and ``share_truncated``.

    Examples
    --------
    >>> tok = load_tokenizer("offline")     # the packaged encoder's uncased WordPiece vocabulary
    >>> token_length_stats(["a b c", "a"], tok, thresholds=(4,))
       max_length  longer  share_truncated
    0           4       1              0.5
    """
    lengths = token_lengths(texts, tokenizer)
    n = max(len(lengths), 1)
    return pd.DataFrame(
        [{"max_length": t, "longer": int((lengths > t).sum()), "share_truncated": (lengths > t).sum() / n} for t in thresholds]
    )


def padding_stats(lengths: Sequence[int], *, batch_size: int, max_length: int, sort_by_length: bool = False) -> dict:
    """Count tokens computed for uniform versus dynamic padding of the same batches.

    Parameters
    ----------
    lengths : sequence of int
        The sequence lengths (longer ones are cut to ``max_length``).
    batch_size : int
    max_length : int
        The length that uniform padding pads every sequence to.
    sort_by_length : bool, default=False
        Sort the sequences before batching them, as length grouping does.

    Returns
    -------
    dict
        ``real_tokens``, and the token positions computed with ``uniform`` and with ``dynamic``
        (per-batch) padding.

    Examples
    --------
    >>> padding_stats([2, 4, 3, 1], batch_size=2, max_length=4)
    {'real_tokens': 10, 'uniform_tokens': 16, 'dynamic_tokens': 14}
    """
    lengths = np.minimum(np.asarray(lengths, dtype=int), max_length)
    if sort_by_length:
        lengths = np.sort(lengths)
    batches = [lengths[i : i + batch_size] for i in range(0, len(lengths), batch_size)]
    return {
        "real_tokens": int(lengths.sum()),
        "uniform_tokens": int(len(lengths) * max_length),
        "dynamic_tokens": int(sum(len(b) * b.max() for b in batches)),
    }
