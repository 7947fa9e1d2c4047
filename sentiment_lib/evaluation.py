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

LABELS = ("negative", "positive")


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

    Examples
    --------
    >>> compute_metrics([0, 1], [0, 1], [0.2, 0.9]).roc_auc
    1.0
    """
    from sklearn.metrics import accuracy_score, confusion_matrix, precision_recall_fscore_support, roc_auc_score

    y_true = np.asarray(y_true)
    y_pred = np.asarray(y_pred)
    if len(y_true) == 0:
        raise SentimentLibError("No examples to evaluate.", hint="Pass at least one label and prediction.")
    if len(y_true) != len(y_pred):
        raise SentimentLibError(f"{len(y_true)} labels but {len(y_pred)} predictions.", hint="Pass one prediction per label.")
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
    """scikit-learn's text report with the class names."""
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

    Examples
    --------
    >>> low, high = accuracy_interval([1] * 100, [1] * 90 + [0] * 10)
    >>> round(low, 3), round(high, 3)
    (0.826, 0.945)
    """
    from scipy.stats import binomtest

    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if len(y_true) == 0 or len(y_true) != len(y_pred):
        raise SentimentLibError(f"Need one prediction per label, got {len(y_true)} labels and {len(y_pred)} predictions.")
    ci = binomtest(int((y_true == y_pred).sum()), len(y_true)).proportion_ci(confidence, method="wilson")
    return float(ci.low), float(ci.high)


@dataclass
class PairedComparison:
    """Two models scored on the same reviews: accuracies, the reviews they disagree on, McNemar's test."""

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

    def verdict(self, name_a: str = "A", name_b: str = "B", alpha: float = 0.05) -> str:
        """A sentence that says only what the numbers support.

        Examples
        --------
        >>> compare_paired([1, 1, 0, 0], [1, 1, 0, 0], [1, 1, 0, 1]).verdict("fine-tuning", "TF-IDF")
        'fine-tuning and TF-IDF are within noise of each other (accuracy 1.000 vs 0.750 on 4 reviews; McNemar p = 1.00)'
        """
        stats = (f"accuracy {self.accuracy_a:.3f} vs {self.accuracy_b:.3f} on {self.n:,} reviews; "
                 f"McNemar p = {self.p_value:.2g}" if self.p_value < 0.01 else
                 f"accuracy {self.accuracy_a:.3f} vs {self.accuracy_b:.3f} on {self.n:,} reviews; McNemar p = {self.p_value:.2f}")
        if self.p_value >= alpha:
            return f"{name_a} and {name_b} are within noise of each other ({stats})"
        better, worse = (name_a, name_b) if self.difference > 0 else (name_b, name_a)
        return f"{better} is more accurate than {worse} by {abs(self.difference) * 100:.1f} points ({stats})"


def compare_paired(y_true: Sequence[int], pred_a: Sequence[int], pred_b: Sequence[int]) -> PairedComparison:
    """McNemar's exact test for two models scored on the same reviews.

    Only the reviews on which the two disagree carry information: if the models
    were equally accurate, each such review would be won by A or by B with
    probability 1/2 (a binomial test on the disagreements).

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


def plot_confusion_matrix(result: EvalResult, ax: Any = None, title: str = "Confusion matrix") -> Any:
    """Draw the confusion matrix with counts; returns the matplotlib Axes."""
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
    """Draw the ROC curve with its AUC; returns the matplotlib Axes."""
    import matplotlib.pyplot as plt
    from sklearn.metrics import RocCurveDisplay

    if ax is None:
        _, ax = plt.subplots(figsize=(4.5, 4))
    RocCurveDisplay.from_predictions(y_true, y_prob, ax=ax, name=name, plot_chance_level=True)
    ax.set_title("ROC curve")
    return ax


def most_confident_errors(
    texts: Sequence[str], y_true: Sequence[int], y_prob: Sequence[float], k: int = 5
) -> pd.DataFrame:
    """The ``k`` misclassified reviews the model was most sure about.

    ``y_prob`` is the probability of the positive class.

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
