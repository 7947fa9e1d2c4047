"""Chapter 6 — baselines: is fine-tuning worth it?

Three models on the same test reviews:

* the pretrained encoder with its new, *untrained* head (what the seed notebook
  calls the non-fine-tuned baseline: expect chance, about 0.5);
* TF-IDF + logistic regression, a scikit-learn ``Pipeline`` that trains in
  seconds on a CPU;
* the fine-tuned model.
"""

from __future__ import annotations

import os
import time
from typing import Any, Sequence

import pandas as pd

from .checkpoints import saved_settings
from .errors import SentimentLibError
from .evaluation import EvalResult, compute_metrics
from .figures import HATCHES, PALETTE
from .inference import SentimentClassifier
from .modeling import build_model
from .tokenization import load_tokenizer
from .training import load_metrics


def tfidf_pipeline(ngram_range: tuple[int, int] = (1, 2), *, C: float = 4.0, min_df: int = 2) -> Any:
    """A TF-IDF + logistic-regression ``Pipeline`` (unfitted).

    Parameters
    ----------
    ngram_range : tuple of int, default=(1, 2)
        Word n-grams to count: ``(1, 1)`` unigrams, ``(1, 2)`` unigrams and bigrams.
    C : float, default=4.0
        Inverse regularisation strength of the logistic regression.
    min_df : int, default=2
        Ignore n-grams found in fewer training reviews.

    Returns
    -------
    sklearn.pipeline.Pipeline
        Steps ``tfidf`` (``TfidfVectorizer``) and ``clf`` (``LogisticRegression``).

    Examples
    --------
    >>> pipe = tfidf_pipeline((1, 1)).fit(["good good", "bad bad"] * 5, [1, 0] * 5)
    >>> pipe.predict(["good"]).tolist()
    [1]
    """
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline

    return Pipeline(
        [
            ("tfidf", TfidfVectorizer(ngram_range=ngram_range, min_df=min_df, sublinear_tf=True, strip_accents="unicode")),
            ("clf", LogisticRegression(C=C, max_iter=1000)),
        ]
    )


def _timed_predict(predict_proba: Any, texts: Sequence[str]) -> tuple[Any, float]:
    start = time.perf_counter()
    probs = predict_proba(list(texts))
    seconds = time.perf_counter() - start
    return probs, len(texts) / seconds if seconds > 0 else float("inf")


def tfidf_name(ngram_range: tuple[int, int]) -> str:
    """The row name of a TF-IDF model in the comparison table.

    Examples
    --------
    >>> tfidf_name((1, 2))
    'TF-IDF uni+bigrams + logistic regression'
    """
    return "TF-IDF " + {(1, 1): "unigrams", (1, 2): "uni+bigrams"}.get(tuple(ngram_range), str(ngram_range)) + " + logistic regression"


def evaluate_tfidf(
    train_texts: Sequence[str],
    train_labels: Sequence[int],
    test_texts: Sequence[str],
    test_labels: Sequence[int],
    *,
    ngram_range: tuple[int, int] = (1, 2),
    validation: tuple[Sequence[str], Sequence[int]] | None = None,
    predictions: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Fit TF-IDF + logistic regression and score it; returns a comparison row.

    With ``validation=(texts, labels)`` the row also holds the validation
    accuracy, the number to choose between baselines with. ``predictions``, if
    given, receives the test predictions under the row's name (for paired tests).
    """
    import numpy as np

    pipe = tfidf_pipeline(ngram_range)
    start = time.perf_counter()
    try:
        pipe.fit(list(train_texts), list(train_labels))
    except ValueError as err:  # too few reviews: no word in two of them, or one class only
        raise SentimentLibError(
            f"TF-IDF + logistic regression could not be fit on {len(train_texts)} training reviews: {err}.",
            hint="Use more training reviews (e.g. --train-size 200).",
        ) from None
    fit_seconds = time.perf_counter() - start
    probs, per_second = _timed_predict(pipe.predict_proba, test_texts)
    result = compute_metrics(test_labels, probs.argmax(-1), probs[:, 1])
    name = tfidf_name(ngram_range)
    if predictions is not None:
        predictions[name] = probs.argmax(-1)
    row = comparison_row(name, result, fit_seconds, per_second)
    if validation is not None:
        row["validation_accuracy"] = float((pipe.predict(list(validation[0])) == np.asarray(validation[1])).mean())
    return row


def evaluate_classifier(
    name: str, classifier: Any, test_texts: Sequence[str], test_labels: Sequence[int], *, train_seconds: float = 0.0,
    validation: tuple[Sequence[str], Sequence[int]] | None = None, predictions: dict[str, Any] | None = None,
    reuse: bool = False, timed: int = 64,
) -> dict[str, Any]:
    """Score a :class:`~sentiment_lib.inference.SentimentClassifier`; returns a comparison row (see :func:`evaluate_tfidf`).

    ``reuse=True`` reads the probabilities its model directory stores for these texts
    (``predict_proba(reuse=True)``) and times a fresh prediction of the first ``timed`` test
    texts for the speed column; otherwise the whole prediction is timed.

    Parameters
    ----------
    name : str
        The row's name in the comparison table.
    classifier : object
        Anything with ``predict_proba(texts)`` returning P(negative), P(positive) per text.
    test_texts, test_labels : sequences
        The reviews to score and their labels.
    train_seconds : float, default=0.0
        What training cost, for the table.
    validation : tuple of sequences, default=None
        ``(texts, labels)``: also report ``validation_accuracy``, the column to choose models by.
    predictions : dict, default=None
        Receives the test predictions under ``name`` (for :func:`~sentiment_lib.evaluation.compare_paired`).
    reuse : bool, default=False
    timed : int, default=64

    Returns
    -------
    dict
        One row: ``model``, the test metrics, ``train_seconds``, ``predictions_per_second``, ``n_test``.

    Examples
    --------
    >>> from sentiment_lib.vader import VaderClassifier
    >>> row = evaluate_classifier("VADER", VaderClassifier(), ["a wonderful film", "a dreadful film"], [1, 0])
    >>> row["model"], row["accuracy"], row["n_test"]
    ('VADER', 1.0, 2)
    """
    import numpy as np

    if reuse and classifier.source is not None:
        probs = classifier.predict_proba(list(test_texts), reuse=True)
        _, per_second = _timed_predict(classifier.predict_proba, list(test_texts)[:timed])
    else:
        probs, per_second = _timed_predict(classifier.predict_proba, test_texts)
    result = compute_metrics(test_labels, probs.argmax(-1), probs[:, 1])
    if predictions is not None:
        predictions[name] = probs.argmax(-1)
    row = comparison_row(name, result, train_seconds, per_second)
    if validation is not None:
        val_probs = classifier.predict_proba(list(validation[0]), reuse=reuse)
        row["validation_accuracy"] = float((val_probs.argmax(-1) == np.asarray(validation[1])).mean())
    return row


def untrained_classifier(model: str | os.PathLike | None = None, *, max_length: int = 256, seed: int = 42) -> Any:
    """The pretrained encoder with a fresh, untrained head (the non-fine-tuned baseline)."""
    return SentimentClassifier(build_model(model, seed=seed), load_tokenizer(model), max_length=max_length)


def comparison_row(name: str, result: EvalResult, train_seconds: float, predictions_per_second: float) -> dict[str, Any]:
    """One row of the comparison table."""
    return {
        "model": name,
        "accuracy": result.accuracy,
        "precision": result.precision,
        "recall": result.recall,
        "f1": result.f1,
        "roc_auc": result.roc_auc,
        "train_seconds": round(train_seconds, 2),
        "predictions_per_second": round(predictions_per_second, 1),
        "n_test": result.n,
    }


def compare_models(
    splits: Any,
    *,
    fine_tuned_dir: str | os.PathLike | None = None,
    pretrained: str | os.PathLike | None = None,
    tfidf_ngrams: Sequence[tuple[int, int]] = ((1, 1), (1, 2)),
    max_length: int = 256,
    predictions: dict[str, Any] | None = None,
    reuse: bool = False,
) -> pd.DataFrame:
    """The comparison table: untrained head, TF-IDF baselines, and the fine-tuned model.

    Every model is scored on ``splits["test"]``; the TF-IDF models train on
    ``splits["train"]``. ``pretrained`` defaults to the model the fine-tuned
    one started from. When ``splits`` has a ``validation`` split, every row but the
    untrained head's (never a candidate) also holds its ``validation_accuracy``:
    choose between models with that column, never with the test columns. ``predictions``, if given, receives each
    model's test predictions by name (for McNemar's test,
    :func:`~sentiment_lib.evaluation.compare_paired`). ``reuse=True`` reads the
    fine-tuned model's probabilities stored in its directory where there are some for
    these exact reviews (``predict_proba(reuse=True)``; the speed column then times 64 of them).

    Parameters
    ----------
    splits : datasets.DatasetDict
        ``train`` and ``test`` (and ``validation``), each with ``text`` and ``label``.
    fine_tuned_dir : str or Path, default=None
        A saved run to score (``None``: no fine-tuned row).
    pretrained : str or Path, default=None
        The encoder of the untrained-head row (``None``: the one ``fine_tuned_dir`` started from).
    tfidf_ngrams : sequence of tuple of int, default=((1, 1), (1, 2))
        One TF-IDF row per n-gram range.
    max_length : int, default=256
        Tokens per review for the untrained head.
    predictions : dict, default=None
        Receives each model's test predictions by name.
    reuse : bool, default=False

    Returns
    -------
    pandas.DataFrame
        One row per model: test ``accuracy``, ``precision``, ``recall``, ``f1``, ``roc_auc``,
        ``train_seconds``, ``predictions_per_second``, ``n_test`` (and ``validation_accuracy``).

    Examples
    --------
    >>> import datasets
    >>> texts, labels = ["a good film", "a great film", "a bad film", "an awful film"] * 5, [1, 1, 0, 0] * 5
    >>> splits = datasets.DatasetDict({name: datasets.Dataset.from_dict({"text": texts, "label": labels})
    ...                                for name in ("train", "test")})
    >>> table = compare_models(splits, pretrained="tiny", tfidf_ngrams=[(1, 1)])
    >>> table.index.tolist()
    ['pretrained, untrained head', 'TF-IDF unigrams + logistic regression']
    >>> float(table.loc["TF-IDF unigrams + logistic regression", "accuracy"])    # it learns four words
    1.0
    """
    texts, labels = splits["test"]["text"], splits["test"]["label"]
    validation = (splits["validation"]["text"], splits["validation"]["label"]) if "validation" in splits else None
    kw = dict(validation=validation, predictions=predictions)
    rows = []
    fine_tuned = None
    if fine_tuned_dir is not None:
        fine_tuned = SentimentClassifier.from_pretrained(fine_tuned_dir, precision="auto")
        if pretrained is None:
            pretrained = saved_settings(fine_tuned_dir).get("model_source")
        max_length = fine_tuned.max_length
    untrained = untrained_classifier(pretrained, max_length=max_length)
    # never a candidate (its head is random), so it is not scored on validation: one pass fewer
    rows.append(evaluate_classifier("pretrained, untrained head", untrained, texts, labels, predictions=predictions))
    for ngrams in tfidf_ngrams:
        rows.append(evaluate_tfidf(splits["train"]["text"], splits["train"]["label"], texts, labels, ngram_range=ngrams, **kw))
    if fine_tuned is not None:
        train_seconds = load_metrics(fine_tuned_dir).get("train_seconds", 0.0)
        rows.append(evaluate_classifier("fine-tuned", fine_tuned, texts, labels, train_seconds=train_seconds, reuse=reuse, **kw))
    return pd.DataFrame(rows).set_index("model")


def plot_comparison(table: pd.DataFrame, metrics: Sequence[str] = ("accuracy", "f1"), ax: Any = None) -> Any:
    """Grouped bar chart of the comparison table.

    The metrics differ by colour (Okabe-Ito, safe for colour-blind readers) and by hatch, and every
    bar carries its value, so the chart never relies on colour alone.

    Parameters
    ----------
    table : pandas.DataFrame
        What :func:`compare_models` returned (one row per model).
    metrics : sequence of str, default=("accuracy", "f1")
        The columns to draw, one bar per model each.
    ax : matplotlib.axes.Axes, default=None
        Where to draw (``None``: a new figure).

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import datasets
    >>> texts, labels = ["a good film", "a great film", "a bad film", "an awful film"] * 5, [1, 1, 0, 0] * 5
    >>> splits = datasets.DatasetDict({name: datasets.Dataset.from_dict({"text": texts, "label": labels})
    ...                                for name in ("train", "test")})
    >>> ax = plot_comparison(compare_models(splits, pretrained="tiny", tfidf_ngrams=[(1, 1)]))
    >>> [text.get_text() for text in ax.get_legend().get_texts()]
    ['accuracy', 'f1']
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(7, 3.5))
    table[list(metrics)].plot.barh(ax=ax, color=PALETTE[: len(metrics)], edgecolor="black", linewidth=0.5)
    for container, hatch in zip(ax.containers, HATCHES):
        for bar in container:
            bar.set_hatch(hatch)
        ax.bar_label(container, fmt="%.3f", padding=2, fontsize=7)
    ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.0, 1.0))  # beside the bars, never over them
    ax.set_xlim(0, 1.1)
    ax.axvline(0.5, color="grey", linestyle=":", linewidth=1)
    ax.set_xlabel("score on the test reviews")
    ax.set_ylabel("")
    ax.invert_yaxis()
    ax.set_title("Baselines versus the fine-tuned model")
    return ax
