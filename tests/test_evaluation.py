"""sentiment_lib.evaluation: metrics against scikit-learn on random and edge inputs."""

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest
from sklearn.metrics import f1_score, precision_score, recall_score

from sentiment_lib.errors import SentimentLibError
from sentiment_lib.evaluation import (
    classification_report,
    compute_metrics,
    most_confident_errors,
    plot_confusion_matrix,
    plot_roc_curve,
    softmax,
    trainer_metrics,
)


@pytest.mark.parametrize("seed", range(5))
def test_metrics_match_their_definitions(seed):
    rng = np.random.default_rng(seed)
    y, p = rng.integers(0, 2, 200), rng.integers(0, 2, 200)
    r = compute_metrics(y, p)
    tp, fp, fn = ((p == 1) & (y == 1)).sum(), ((p == 1) & (y == 0)).sum(), ((p == 0) & (y == 1)).sum()
    assert r.accuracy == pytest.approx((y == p).mean())
    assert r.precision == pytest.approx(tp / (tp + fp)) == pytest.approx(precision_score(y, p))
    assert r.recall == pytest.approx(tp / (tp + fn)) == pytest.approx(recall_score(y, p))
    assert r.f1 == pytest.approx(f1_score(y, p))
    assert np.array(r.confusion).sum() == 200 and r.confusion[1][1] == tp


def test_all_one_class_and_no_positive_predictions():
    r = compute_metrics([0, 0, 0], [0, 0, 0], [0.1, 0.2, 0.3])
    assert (r.accuracy, r.precision, r.recall, r.f1) == (1.0, 0.0, 0.0, 0.0)
    assert r.roc_auc is None  # undefined with one class
    assert r.confusion == [[3, 0], [0, 0]]


def test_roc_auc_from_probabilities():
    assert compute_metrics([0, 0, 1, 1], [0, 1, 0, 1], [0.1, 0.4, 0.35, 0.8]).roc_auc == pytest.approx(0.75)


def test_bad_inputs_are_clear_errors():
    with pytest.raises(SentimentLibError, match="No examples"):
        compute_metrics([], [])
    with pytest.raises(SentimentLibError, match="3 labels but 2"):
        compute_metrics([0, 1, 1], [0, 1])


def test_result_as_dict_and_frame():
    r = compute_metrics([0, 1], [0, 1])
    assert r.to_dict()["accuracy"] == 1.0
    frame = r.to_frame("perfect")
    assert frame.loc["perfect", "f1"] == 1.0 and "confusion" not in frame.columns


def test_softmax_is_stable_and_normalised():
    probs = softmax([[1000.0, 0.0], [0.0, 0.0], [-5.0, 5.0]])
    assert np.allclose(probs.sum(axis=1), 1.0) and np.isfinite(probs).all()
    assert probs[0, 0] == pytest.approx(1.0) and probs[1, 0] == pytest.approx(0.5)


def test_trainer_metrics_from_logits():
    logits = np.array([[2.0, -1.0], [-1.0, 2.0], [0.5, 0.0]])
    m = trainer_metrics((logits, np.array([0, 1, 1])))
    assert m["accuracy"] == pytest.approx(2 / 3) and m["roc_auc"] == 1.0


def test_report_and_figures():
    y, p = [0, 1, 1, 0], [0, 1, 0, 0]
    assert "positive" in classification_report(y, p)
    ax = plot_confusion_matrix(compute_metrics(y, p))
    assert ax.get_title() == "Confusion matrix"
    ax = plot_roc_curve(y, [0.2, 0.9, 0.4, 0.1])
    assert "AUC" in ax.get_legend().get_texts()[0].get_text()


def test_most_confident_errors_ranks_wrong_predictions_by_confidence():
    texts = ["a", "b", "c", "d"]
    errors = most_confident_errors(texts, [1, 0, 0, 1], [0.3, 0.95, 0.2, 0.01], k=3)
    assert errors["text"].tolist() == ["d", "b", "a"]
    assert errors["predicted"].tolist() == ["negative", "positive", "negative"]
    assert errors["confidence"].iloc[0] == pytest.approx(0.99)
    assert most_confident_errors(texts, [0, 0, 0, 0], [0.1] * 4).empty
