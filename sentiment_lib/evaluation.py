"""Chapter 4 — evaluation: metrics, confusion matrix, ROC curve, error analysis.

Metrics come from scikit-learn; "positive" (label 1) is the positive class for
precision, recall and F1.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Sequence

import numpy as np
import pandas as pd

from .errors import SentimentLibError
from .checkpoints import ID2LABEL
from .figures import PALETTE

LABELS = tuple(ID2LABEL[i] for i in sorted(ID2LABEL))  # the models' label names, defined once in checkpoints


def _one_per_label(y_true: Sequence[int], values: Sequence[Any], what: str = "prediction", dtype: Any = None) -> tuple[np.ndarray, np.ndarray]:
    """``y_true`` and ``values`` as arrays, or a clear error when there are none or their lengths differ."""
    y_true, values = np.asarray(y_true), np.asarray(values, dtype=dtype)
    if len(y_true) == 0:
        raise SentimentLibError("No examples to evaluate.", hint=f"Pass at least one label and one {what} per label.")
    if len(y_true) != len(values):
        plural = "probabilities" if what == "probability" else f"{what}s"
        raise SentimentLibError(f"{len(y_true)} labels but {len(values)} {plural}.", hint=f"Pass one {what} per label.")
    return y_true, values


@dataclass
class EvalResult:
    """Classification metrics of one model on one set of reviews.

    Examples
    --------
    >>> r = compute_metrics([0, 1, 1, 0], [0, 1, 0, 0])
    >>> r.accuracy, r.recall
    (0.75, 0.5)
    """

    accuracy: float
    precision: float
    recall: float
    f1: float
    roc_auc: float | None = None
    n: int = 0
    confusion: list[list[int]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def to_frame(self, name: str = "model") -> pd.DataFrame:
        """One row of metrics, indexed by ``name``."""
        row = {k: v for k, v in self.to_dict().items() if k != "confusion"}
        return pd.DataFrame([row], index=pd.Index([name], name="model"))


def compute_metrics(
    y_true: Sequence[int], y_pred: Sequence[int], y_prob: Sequence[float] | None = None
) -> EvalResult:
    """Accuracy, precision, recall, F1 (and ROC-AUC if positive-class probabilities are given).

    Parameters
    ----------
    y_true, y_pred : sequences of 0/1 labels
    y_prob : sequence of float, default=None
        Probability of the positive class, for ROC-AUC.

    Returns
    -------
    EvalResult
        ``accuracy``, ``precision``, ``recall``, ``f1``, ``roc_auc`` (``None`` without ``y_prob``),
        ``n`` and the confusion matrix.

    Examples
    --------
    >>> compute_metrics([0, 1], [0, 1], [0.2, 0.9]).roc_auc
    1.0
    """
    from sklearn.metrics import accuracy_score, confusion_matrix, precision_recall_fscore_support, roc_auc_score

    y_true, y_pred = _one_per_label(y_true, y_pred)
    precision, recall, f1, _ = precision_recall_fscore_support(
        y_true, y_pred, average="binary", pos_label=1, zero_division=0
    )
    auc = None
    if y_prob is not None and len(np.unique(y_true)) == 2:
        auc = float(roc_auc_score(y_true, np.asarray(y_prob)))
    return EvalResult(
        accuracy=float(accuracy_score(y_true, y_pred)),
        precision=float(precision),
        recall=float(recall),
        f1=float(f1),
        roc_auc=auc,
        n=int(len(y_true)),
        confusion=confusion_matrix(y_true, y_pred, labels=[0, 1]).tolist(),
    )


def classification_report(y_true: Sequence[int], y_pred: Sequence[int]) -> str:
    """scikit-learn's text report with the class names.

    Parameters
    ----------
    y_true : sequence of int
        The true labels, 0 (negative) or 1 (positive).
    y_pred : sequence of int
        The predicted labels.

    Returns
    -------
    str
        ``sklearn.metrics.classification_report`` with ``negative`` and ``positive`` as names.

    Examples
    --------
    >>> print(classification_report([0, 1, 1, 0], [0, 1, 0, 0]).splitlines()[2])
        negative      0.667     1.000     0.800         2
    """
    from sklearn.metrics import classification_report as report

    return report(y_true, y_pred, labels=[0, 1], target_names=list(LABELS), digits=3, zero_division=0)


def trainer_metrics(eval_pred: Any) -> dict[str, float]:
    """``compute_metrics`` callback for ``transformers.Trainer`` (logits → metrics)."""
    logits, labels = eval_pred
    logits = np.asarray(logits[0] if isinstance(logits, tuple) else logits)
    probs = softmax(logits)
    result = compute_metrics(labels, probs.argmax(-1), probs[:, 1])
    return {k: v for k, v in result.to_dict().items() if k not in ("confusion", "n") and v is not None}


def softmax(logits: Any) -> np.ndarray:
    """Row-wise softmax of a ``(n, classes)`` array, numerically stable.

    Examples
    --------
    >>> softmax([[0.0, 0.0]]).tolist()
    [[0.5, 0.5]]
    """
    z = np.asarray(logits, dtype=np.float64)
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def accuracy_interval(y_true: Sequence[int], y_pred: Sequence[int], confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for an accuracy measured on ``len(y_true)`` reviews.

    An accuracy on *n* reviews is a proportion, with a standard error of about
    ``sqrt(p (1 - p) / n)``: 1.3 points for p = 0.9 on 500 reviews. The Wilson
    interval (``scipy.stats.binomtest(...).proportion_ci``) stays inside [0, 1]
    and behaves well near 0 and 1.

    Parameters
    ----------
    y_true : sequence of int
        The true labels, 0 (negative) or 1 (positive).
    y_pred : sequence of int
        The predicted labels, one per review.
    confidence : float, default=0.95

    Returns
    -------
    tuple of float
        The interval's low and high ends.

    Examples
    --------
    >>> low, high = accuracy_interval([1] * 100, [1] * 90 + [0] * 10)
    >>> round(low, 3), round(high, 3)
    (0.826, 0.945)
    """
    y_true, y_pred = _one_per_label(y_true, y_pred)
    return proportion_interval(int((y_true == y_pred).sum()), len(y_true), confidence)


def proportion_interval(successes: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for ``successes`` out of ``n`` (an accuracy known only as a count or a share).

    Use it when only the accuracy and the number of reviews are known, e.g.
    ``proportion_interval(round(0.86 * 500), 500)`` for an accuracy of 0.86 logged by the Trainer.

    Parameters
    ----------
    successes : int
        Reviews labelled right.
    n : int
        Reviews in all.
    confidence : float, default=0.95

    Returns
    -------
    tuple of float
        The interval's low and high ends.

    Examples
    --------
    >>> low, high = proportion_interval(90, 100)
    >>> round(low, 3), round(high, 3)
    (0.826, 0.945)
    """
    from scipy.stats import binomtest

    if n < 1 or not 0 <= successes <= n:
        raise SentimentLibError(f"Need 0 <= successes <= n and n >= 1, got {successes} of {n}.")
    ci = binomtest(int(successes), int(n)).proportion_ci(confidence, method="wilson")
    return float(ci.low), float(ci.high)


@dataclass
class PairedComparison:
    """Two models scored on the same reviews: accuracies, the reviews they disagree on, McNemar's test.

    Made by :func:`compare_paired`.

    Parameters
    ----------
    accuracy_a, accuracy_b : float
        The two models' accuracies on the same ``n`` reviews.
    only_a_right, only_b_right : int
        Reviews that only model A (only model B) labels right: the disagreements McNemar's test reads.
    p_value : float
        McNemar's exact two-sided p-value.
    n : int
        The number of reviews.

    Examples
    --------
    >>> r = compare_paired([1, 1, 1, 1, 0, 0], [1, 1, 1, 1, 0, 1], [0, 0, 0, 1, 0, 1])
    >>> r.only_a_right, r.only_b_right, round(r.difference, 3), r.n
    (3, 0, 0.5, 6)
    """

    accuracy_a: float
    accuracy_b: float
    only_a_right: int
    only_b_right: int
    p_value: float
    n: int

    @property
    def difference(self) -> float:
        """Accuracy of A minus accuracy of B."""
        return self.accuracy_a - self.accuracy_b

    def verdict(self, name_a: str = "A", name_b: str = "B") -> str:
        """A sentence that says only what the numbers support, graded by the strength of the evidence.

        No single p-value is a cliff: below 0.01 the evidence is strong, below 0.05 moderate, below
        0.10 weak (the difference is named, but not called established), above that the two are
        within noise of each other.

        Examples
        --------
        >>> compare_paired([1, 1, 0, 0], [1, 1, 0, 0], [1, 1, 0, 1]).verdict("fine-tuning", "TF-IDF")
        'fine-tuning and TF-IDF are within noise of each other (accuracy 1.000 vs 0.750 on 4 reviews; McNemar p = 1.00)'
        >>> PairedComparison(0.86, 0.84, 30, 16, 0.054, 1000).verdict("A", "B")
        'A is ahead of B by 2.0 points, but the evidence is weak (accuracy 0.860 vs 0.840 on 1,000 reviews; McNemar p = 0.05): not established'
        """
        stats = (f"accuracy {self.accuracy_a:.3f} vs {self.accuracy_b:.3f} on {self.n:,} reviews; "
                 f"McNemar p = {self.p_value:.2g}" if self.p_value < 0.01 else
                 f"accuracy {self.accuracy_a:.3f} vs {self.accuracy_b:.3f} on {self.n:,} reviews; McNemar p = {self.p_value:.2f}")
        if self.p_value >= 0.10 or self.difference == 0:
            return f"{name_a} and {name_b} are within noise of each other ({stats})"
        better, worse = (name_a, name_b) if self.difference > 0 else (name_b, name_a)
        points = f"{abs(self.difference) * 100:.1f} points"
        if self.p_value >= 0.05:
            return f"{better} is ahead of {worse} by {points}, but the evidence is weak ({stats}): not established"
        strength = "strong" if self.p_value < 0.01 else "moderate"
        return f"{better} is more accurate than {worse} by {points} ({strength} evidence: {stats})"

    @property
    def evidence(self) -> str:
        """``"strong"``, ``"moderate"``, ``"weak"`` or ``"none"``: how far McNemar's p-value supports a difference.

        Examples
        --------
        >>> PairedComparison(0.9, 0.8, 100, 0, 1e-30, 1000).evidence
        'strong'
        """
        if self.p_value >= 0.10 or self.difference == 0:
            return "none"
        return "weak" if self.p_value >= 0.05 else "moderate" if self.p_value >= 0.01 else "strong"

    def short_verdict(self, name_a: str = "A", name_b: str = "B") -> str:
        """:meth:`verdict` in a few words, for a sentence that gives the answer (chapter 6).

        Graded as :meth:`verdict` grades it (by :attr:`evidence`): within noise at McNemar p >= 0.10
        or no difference, a leader that does not clearly win below 0.10, a winner only below 0.05;
        only the p-value is quoted.

        Examples
        --------
        >>> PairedComparison(0.86, 0.84, 30, 16, 0.054, 1000).short_verdict("fine-tuning", "TF-IDF")
        'neither clearly wins: fine-tuning is ahead by 2.0 points, on weak evidence (p = 0.054)'
        >>> PairedComparison(0.84, 0.86, 16, 30, 0.004, 1000).short_verdict("fine-tuning", "TF-IDF")
        'TF-IDF wins, by 2.0 points (p = 0.004)'
        """
        ahead = name_a if self.difference > 0 else name_b
        p, points = f"p = {self.p_value:.2g}", f"{abs(100 * self.difference):.1f} points"
        if self.evidence == "none":
            return f"{name_a} and {name_b} are within noise of each other ({p})"
        if self.evidence == "weak":
            return f"neither clearly wins: {ahead} is ahead by {points}, on weak evidence ({p})"
        return f"{ahead} wins, by {points} ({p})"


def compare_paired(y_true: Sequence[int], pred_a: Sequence[int], pred_b: Sequence[int]) -> PairedComparison:
    """McNemar's exact test for two models scored on the same reviews.

    Only the reviews on which the two disagree carry information: if the models
    were equally accurate, each such review would be won by A or by B with
    probability 1/2 (a binomial test on the disagreements).

    Parameters
    ----------
    y_true : sequence of int
        The true labels, 0 (negative) or 1 (positive).
    pred_a, pred_b : sequence of int
        The two models' labels for the same reviews, in the same order.

    Returns
    -------
    PairedComparison
        Accuracies, disagreements, the p-value and :meth:`PairedComparison.verdict`.

    Examples
    --------
    >>> r = compare_paired([1, 0, 1, 0], [1, 0, 1, 1], [0, 0, 1, 0])
    >>> r.only_a_right, r.only_b_right, r.difference
    (1, 1, 0.0)
    """
    from scipy.stats import binomtest

    y_true, a, b = (np.asarray(v) for v in (y_true, pred_a, pred_b))
    if not (len(y_true) == len(a) == len(b)) or len(y_true) == 0:
        raise SentimentLibError(
            f"Need the same reviews for both models: {len(y_true)} labels, {len(a)} and {len(b)} predictions."
        )
    right_a, right_b = a == y_true, b == y_true
    only_a, only_b = int((right_a & ~right_b).sum()), int((right_b & ~right_a).sum())
    p = 1.0 if only_a + only_b == 0 else float(binomtest(only_a, only_a + only_b, 0.5).pvalue)
    return PairedComparison(float(right_a.mean()), float(right_b.mean()), only_a, only_b, p, len(y_true))


# --------------------------------------------------------------------------------------
# Calibration: does a probability of 0.9 mean "right 9 times out of 10"?
# --------------------------------------------------------------------------------------


def reliability_table(y_true: Sequence[int], y_prob: Sequence[float], n_bins: int = 10) -> pd.DataFrame:
    """Reviews grouped by the model's confidence: how sure it was, and how often it was right.

    ``y_prob`` is the probability of the positive class. Each review's
    *confidence* is the probability of the class it predicted (0.5 to 1); bins
    of equal width over [0.5, 1] hold ``n`` reviews each, their mean confidence
    and their accuracy. A calibrated model has accuracy ≈ confidence in every bin.

    Examples
    --------
    >>> reliability_table([1, 0, 1, 0], [0.9, 0.2, 0.6, 0.55], n_bins=2)[["n", "accuracy"]].values.tolist()
    [[2.0, 0.5], [2.0, 1.0]]
    """
    y_true, y_prob = _one_per_label(y_true, y_prob, "probability", dtype=float)
    if int(n_bins) < 1:
        raise SentimentLibError(f"n_bins must be at least 1, got {n_bins}.")
    if np.isnan(y_prob).any() or y_prob.min() < 0 or y_prob.max() > 1:
        raise SentimentLibError("Probabilities must lie in [0, 1].",
                                hint="Pass probabilities (a softmax output), not logits.")
    pred = (y_prob >= 0.5).astype(int)
    confidence = np.where(pred == 1, y_prob, 1 - y_prob)
    edges = np.linspace(0.5, 1.0, n_bins + 1)
    which = np.clip(np.digitize(confidence, edges[1:-1]), 0, n_bins - 1)
    rows = []
    for b in range(n_bins):
        inside = which == b
        rows.append({
            "bin": f"{edges[b]:.2f}–{edges[b + 1]:.2f}",
            "n": float(inside.sum()),
            "confidence": float(confidence[inside].mean()) if inside.any() else np.nan,
            "accuracy": float((pred[inside] == y_true[inside]).mean()) if inside.any() else np.nan,
        })
    return pd.DataFrame(rows).set_index("bin")


def expected_calibration_error(y_true: Sequence[int], y_prob: Sequence[float], n_bins: int = 10) -> float:
    """ECE: the gap |accuracy − confidence| of each bin of :func:`reliability_table`, weighted by its size.

    Parameters
    ----------
    y_true : sequence of int
        The true labels, 0 (negative) or 1 (positive).
    y_prob : sequence of float
        P(positive) of each review.
    n_bins : int, default=10
        Equal-width bins of confidence between 0.5 and 1.

    Returns
    -------
    float
        0 for a perfectly calibrated model.

    Examples
    --------
    >>> round(expected_calibration_error([1, 1, 0, 0], [0.9, 0.9, 0.1, 0.1]), 3)
    0.1
    """
    table = reliability_table(y_true, y_prob, n_bins).dropna()
    return float((table["n"] * (table["accuracy"] - table["confidence"]).abs()).sum() / table["n"].sum())


def brier_score(y_true: Sequence[int], y_prob: Sequence[float]) -> float:
    """Mean squared error of the positive-class probability (``sklearn.metrics.brier_score_loss``); 0 is perfect, 0.25 is a coin.

    Parameters
    ----------
    y_true : sequence of int
        The true labels, 0 (negative) or 1 (positive).
    y_prob : sequence of float
        P(positive) of each review.

    Returns
    -------
    float

    Examples
    --------
    >>> brier_score([1, 0], [0.5, 0.5])
    0.25
    """
    from sklearn.metrics import brier_score_loss

    return float(brier_score_loss(np.asarray(y_true), np.asarray(y_prob, dtype=float)))


def bootstrap_interval(
    statistic: Any, y_true: Sequence[int], *probabilities: Sequence[float],
    n_resamples: int = 1000, confidence: float = 0.95, seed: int = 0,
) -> tuple[float, float]:
    """A percentile bootstrap interval (``scipy.stats.bootstrap``) for a score of the reviews, resampled together.

    ``statistic(y_true, *probabilities)`` is any score of the reviews: an ECE, a Brier score, or the
    difference of two scores on the same reviews (then the interval of the difference is paired).

    Parameters
    ----------
    statistic : callable
        ``statistic(y_true, *probabilities) -> float``.
    y_true : sequence of int
        The true labels, 0 (negative) or 1 (positive).
    *probabilities : sequence of float
        One value per review for each extra argument of ``statistic`` (probabilities, or labels).
    n_resamples : int, default=1000
    confidence : float, default=0.95
    seed : int, default=0
        The same seed gives the same interval.

    Returns
    -------
    tuple of float
        The percentile interval's low and high ends.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> y = rng.integers(0, 2, 400)
    >>> p = np.clip(y * 0.7 + rng.normal(0.15, 0.1, 400), 0, 1)
    >>> low, high = bootstrap_interval(brier_score, y, p, n_resamples=200)
    >>> low < brier_score(y, p) < high
    True
    """
    from scipy.stats import bootstrap

    y = np.asarray(y_true)
    probs = [np.asarray(p, dtype=float) for p in probabilities]
    if any(len(p) != len(y) for p in probs) or len(y) < 2:
        raise SentimentLibError(
            f"Need at least 2 reviews and one probability per review: {len(y)} labels, {[len(p) for p in probs]} probabilities.")
    result = bootstrap((np.arange(len(y)),), lambda idx: statistic(y[idx], *(p[idx] for p in probs)), vectorized=False,
                       n_resamples=n_resamples, confidence_level=confidence, method="percentile", random_state=seed)
    return float(result.confidence_interval.low), float(result.confidence_interval.high)


def fit_temperature(y_true: Sequence[int], probabilities: Any) -> float:
    """Temperature scaling: the ``T`` that makes ``softmax(logits / T)`` fit ``y_true`` best (log-likelihood).

    Fit it on **validation** reviews, then apply it with :func:`apply_temperature`
    anywhere. ``T > 1`` softens an over-confident model, ``T < 1`` sharpens an
    under-confident one; the predicted class never changes. ``probabilities`` is
    the ``(n, 2)`` output of ``predict_proba`` (its logarithm differs from the
    logits by a constant per row, which softmax ignores).

    Parameters
    ----------
    y_true : sequence of int
        The true labels, 0 (negative) or 1 (positive).
    probabilities : array-like of shape (n, 2)

    Returns
    -------
    float
        The temperature ``T``.

    Examples
    --------
    >>> probs = np.array([[0.02, 0.98], [0.97, 0.03], [0.9, 0.1], [0.05, 0.95]])
    >>> fit_temperature([1, 0, 1, 1], probs) > 1       # confidently wrong once: soften
    True
    """
    from scipy.optimize import minimize_scalar

    y = np.asarray(y_true)
    log_p = np.log(np.clip(np.asarray(probabilities, dtype=np.float64), 1e-12, 1.0))

    def nll(log_t: float) -> float:
        scaled = np.log(np.clip(softmax(log_p / np.exp(log_t)), 1e-12, 1.0))
        return float(-scaled[np.arange(len(y)), y].mean())

    return float(np.exp(minimize_scalar(nll, bounds=(-3.0, 3.0), method="bounded").x))


def apply_temperature(probabilities: Any, temperature: float) -> np.ndarray:
    """Probabilities after temperature scaling (see :func:`fit_temperature`).

    Parameters
    ----------
    probabilities : array-like of shape (n, 2)
        ``predict_proba``'s output.
    temperature : float
        ``T`` from :func:`fit_temperature`; 1 changes nothing.

    Returns
    -------
    numpy.ndarray of shape (n, 2)
        ``softmax(log(probabilities) / T)``: the same predicted classes, other confidences.

    Examples
    --------
    >>> apply_temperature([[0.2, 0.8]], 1.0).round(3).tolist()
    [[0.2, 0.8]]
    """
    log_p = np.log(np.clip(np.asarray(probabilities, dtype=np.float64), 1e-12, 1.0))
    return softmax(log_p / temperature)


def choose_threshold(y_true: Sequence[int], y_prob: Sequence[float]) -> float:
    """The decision threshold on P(positive) with the best accuracy, to be chosen on **validation** reviews.

    Candidates are the midpoints between consecutive distinct probabilities (and
    0.5); ties go to the candidate nearest 0.5, so a threshold moves only when it
    pays.

    Parameters
    ----------
    y_true : sequence of int
        The true labels, 0 (negative) or 1 (positive).
    y_prob : sequence of float
        P(positive) of each review.

    Returns
    -------
    float
        The threshold: predict positive when P(positive) is at or above it.

    Examples
    --------
    >>> round(choose_threshold([0, 0, 1, 1], [0.1, 0.6, 0.7, 0.9]), 3)
    0.65
    """
    y_true, y_prob = np.asarray(y_true), np.asarray(y_prob, dtype=float)
    values = np.unique(y_prob)
    candidates = np.unique(np.append((values[1:] + values[:-1]) / 2, 0.5))
    accuracy = np.array([((y_prob >= t).astype(int) == y_true).mean() for t in candidates])
    best = np.flatnonzero(accuracy == accuracy.max())
    return float(candidates[best[np.argmin(np.abs(candidates[best] - 0.5))]])


def plot_reliability_diagram(curves: dict[str, tuple[Sequence[int], Sequence[float]]], ax: Any = None, n_bins: int = 10) -> Any:
    """Accuracy against confidence for one or more sets of probabilities; the diagonal is perfect calibration.

    ``curves`` maps a label to ``(y_true, y_prob)``. Each curve has its own
    marker and line style (and an Okabe-Ito colour), so it reads without colour.

    Parameters
    ----------
    curves : dict
        ``{label: (y_true, y_prob)}``.
    ax : matplotlib.axes.Axes, default=None
        Where to draw (``None``: a new figure).
    n_bins : int, default=10

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> ax = plot_reliability_diagram({"model": ([1, 0, 1, 0], [0.9, 0.2, 0.6, 0.4])})
    >>> ax.get_xlabel(), ax.get_ylabel()
    ('confidence (probability of the predicted class)', 'accuracy')
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(4.5, 4))
    ax.plot([0.5, 1], [0.5, 1], ":", color="grey", label="perfectly calibrated")
    for (name, (y_true, y_prob)), style, colour in zip(curves.items(), ["o-", "s--", "^-.", "d:"], PALETTE):
        table = reliability_table(y_true, y_prob, n_bins).dropna()
        ece = expected_calibration_error(y_true, y_prob, n_bins)
        ax.plot(table["confidence"], table["accuracy"], style, color=colour, label=f"{name} (ECE {ece:.3f})")
    ax.set_xlabel("confidence (probability of the predicted class)")
    ax.set_ylabel("accuracy")
    ax.set_xlim(0.5, 1.0)
    ax.set_title("Reliability diagram")
    ax.legend(loc="upper left", fontsize="small")
    return ax


def compare_values(
    a: float, b: float, *, spread_a: tuple[float, float], spread_b: tuple[float, float],
    more: str, less: str, same: str, ratio: bool = True,
) -> str:
    """Turn two measurements and their spreads into a phrase that the numbers support.

    ``spread_a``/``spread_b`` are intervals (a confidence interval, or the range
    of repeated timings). Overlapping intervals give ``same``; otherwise ``more``
    or ``less``, with the ratio in front unless ``ratio=False`` (for accuracies,
    where "higher than" reads better than a ratio). A rebuild on another machine
    can therefore never print "faster" where its own numbers say "slower".

    Parameters
    ----------
    a, b : float
        The two measurements.
    spread_a, spread_b : tuple of float
        Their intervals ``(low, high)``.
    more, less, same : str
        The phrases for a above b, a below b, and overlapping intervals.
    ratio : bool, default=True
        Put the ratio (or, under 1.1×, the percentage) in front of ``more``/``less``.

    Returns
    -------
    str
        The phrase, e.g. ``"4.0× faster than"``.

    Examples
    --------
    >>> compare_values(40.0, 10.0, spread_a=(38, 42), spread_b=(9, 11), more="faster than", less="slower than", same="as fast as")
    '4.0× faster than'
    >>> compare_values(10.0, 10.3, spread_a=(9.9, 10.1), spread_b=(10.2, 10.4), more="faster than", less="slower than", same="as fast as")
    '3% slower than'
    >>> compare_values(10.0, 10.5, spread_a=(9, 11), spread_b=(10, 11), more="faster than", less="slower than", same="about as fast as")
    'about as fast as'
    >>> compare_values(0.86, 0.80, spread_a=(0.83, 0.89), spread_b=(0.76, 0.83), more="higher than", less="lower than", same="within noise of")
    'within noise of'
    >>> compare_values(0.90, 0.80, spread_a=(0.88, 0.92), spread_b=(0.77, 0.83), more="higher than", less="lower than", same="within noise of", ratio=False)
    'higher than'
    """
    overlap = spread_a[0] <= spread_b[1] and spread_b[0] <= spread_a[1]
    if overlap:
        return same
    if not ratio:
        return more if a > b else less
    if (a > b and b <= 0) or (a < b and a <= 0):
        return more if a > b else less
    factor = a / b if a > b else b / a
    # below 1.1× a ratio reads "1.0× slower": say the difference in percent instead
    size = f"{factor:.1f}×" if factor >= 1.095 else f"{factor - 1:.0%}"
    return f"{size} {more if a > b else less}"


def plot_confusion_matrix(result: EvalResult, ax: Any = None, title: str = "Confusion matrix") -> Any:
    """Draw the confusion matrix with counts; returns the matplotlib Axes.

    The shade only repeats what the printed count in every cell says (colour is never the only cue).

    Parameters
    ----------
    result : EvalResult
        What :func:`compute_metrics` returned.
    ax : matplotlib.axes.Axes, default=None
        Where to draw (``None``: a new figure).
    title : str, default="Confusion matrix"

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> ax = plot_confusion_matrix(compute_metrics([0, 1, 1], [0, 1, 0]))
    >>> [t.get_text() for t in ax.texts]
    ['1', '0', '1', '1']
    """
    import matplotlib.pyplot as plt
    from sklearn.metrics import ConfusionMatrixDisplay

    if ax is None:
        _, ax = plt.subplots(figsize=(4, 4))
    ConfusionMatrixDisplay(np.array(result.confusion), display_labels=list(LABELS)).plot(
        ax=ax, colorbar=False, cmap="Blues", values_format="d"
    )
    ax.set_title(title)
    return ax


def plot_roc_curve(y_true: Sequence[int], y_prob: Sequence[float], ax: Any = None, name: str = "model") -> Any:
    """Draw the ROC curve with its AUC; returns the matplotlib Axes.

    Parameters
    ----------
    y_true : sequence of int
        The true labels, 0 (negative) or 1 (positive).
    y_prob : sequence of float
        P(positive) of each review.
    ax : matplotlib.axes.Axes, default=None
        Where to draw (``None``: a new figure).
    name : str, default="model"
        The curve's label in the legend, beside its AUC.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> ax = plot_roc_curve([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    >>> ax.get_legend().get_texts()[0].get_text()
    'model (AUC = 0.75)'
    """
    import matplotlib.pyplot as plt
    from sklearn.metrics import RocCurveDisplay

    if ax is None:
        _, ax = plt.subplots(figsize=(4.5, 4))
    # one curve, solid and Okabe-Ito blue; the chance level is dashed and named in the legend
    display = RocCurveDisplay.from_predictions(y_true, y_prob, ax=ax, name=name, plot_chance_level=True)
    display.line_.set_color(PALETTE[0])
    ax.legend(loc="lower right")  # again, so that the legend shows the new colour
    ax.set_title("ROC curve")
    return ax


def most_confident_errors(
    texts: Sequence[str], y_true: Sequence[int], y_prob: Sequence[float], k: int = 5
) -> pd.DataFrame:
    """The ``k`` misclassified reviews the model was most sure about.

    Parameters
    ----------
    texts : sequence of str
    y_true : sequence of int
        The true labels, 0 (negative) or 1 (positive).
    y_prob : sequence of float
        The probability of the positive class.
    k : int, default=5

    Returns
    -------
    pandas.DataFrame
        ``text``, ``true``, ``predicted`` and ``confidence`` of at most ``k`` errors, most confident first.

    Examples
    --------
    >>> most_confident_errors(["a", "b", "c"], [1, 0, 0], [0.1, 0.6, 0.2], k=1)["text"].tolist()
    ['a']
    """
    y_true = np.asarray(y_true)
    y_prob = np.asarray(y_prob, dtype=float)
    y_pred = (y_prob >= 0.5).astype(int)
    confidence = np.where(y_pred == 1, y_prob, 1 - y_prob)
    wrong = np.flatnonzero(y_pred != y_true)
    order = wrong[np.argsort(-confidence[wrong], kind="stable")][:k]
    return pd.DataFrame(
        {
            "text": [texts[i] for i in order],
            "true": [LABELS[y_true[i]] for i in order],
            "predicted": [LABELS[y_pred[i]] for i in order],
            "confidence": confidence[order],
        }
    )
