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


# ---------------------------------------------------------------------------------------
# Uncertainty, paired comparison, calibration
# ---------------------------------------------------------------------------------------


def test_wilson_interval_matches_the_formula():
    import math

    from sentiment_lib.evaluation import accuracy_interval

    n, k, z = 500, 430, 1.959963984540054
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    low, high = accuracy_interval([1] * n, [1] * k + [0] * (n - k))
    assert low == pytest.approx(centre - half, abs=1e-9) and high == pytest.approx(centre + half, abs=1e-9)


def test_mcnemar_counts_only_disagreements_and_gives_exact_p():
    from scipy.stats import binomtest

    from sentiment_lib.evaluation import compare_paired

    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 400)
    a = np.where(rng.random(400) < 0.9, y, 1 - y)
    b = np.where(rng.random(400) < 0.8, y, 1 - y)
    r = compare_paired(y, a, b)
    only_a = int(((a == y) & (b != y)).sum())
    only_b = int(((b == y) & (a != y)).sum())
    assert (r.only_a_right, r.only_b_right) == (only_a, only_b)
    assert r.p_value == pytest.approx(binomtest(only_a, only_a + only_b).pvalue)
    assert r.verdict("A", "B").startswith("A is more accurate than B by")
    same = compare_paired(y, a, a)
    assert same.p_value == 1.0 and "within noise" in same.verdict("A", "B")


def test_short_verdict_says_what_chapter_6_said_and_grades_as_verdict():
    """``short_verdict`` replaced chapter 6's own ``plainly``: the same sentence for the same numbers
    (around both thresholds, either leader, no difference), and a winner exactly when ``verdict`` names one."""
    from sentiment_lib.evaluation import PairedComparison

    def plainly(p, a, b):  # chapter 6's function, as it was
        ahead = a if p.difference > 0 else b
        if p.p_value >= 0.10 or p.difference == 0:
            return f"{a} and {b} are within noise of each other (p = {p.p_value:.2g})"
        if p.p_value >= 0.05:
            return f"neither clearly wins: {ahead} is ahead by {abs(100 * p.difference):.1f} points, on weak evidence (p = {p.p_value:.2g})"
        return f"{ahead} wins, by {abs(100 * p.difference):.1f} points (p = {p.p_value:.2g})"

    for acc_a, acc_b in [(0.86, 0.84), (0.84, 0.86), (0.85, 0.85), (0.9123, 0.8877)]:
        for p_value in [1e-30, 0.0049, 0.01, 0.049, 0.05, 0.0999, 0.10, 0.5, 1.0]:
            pair = PairedComparison(acc_a, acc_b, 30, 16, p_value, 1000)
            said = pair.short_verdict("fine-tuning", "TF-IDF")
            assert said == plainly(pair, "fine-tuning", "TF-IDF"), (acc_a, acc_b, p_value)
            assert (" wins, by " in said) == (" is more accurate than " in pair.verdict("fine-tuning", "TF-IDF"))
    assert PairedComparison(0.84, 0.86, 16, 30, 0.004, 1000).short_verdict() == "B wins, by 2.0 points (p = 0.004)"


def test_temperature_scaling_recovers_a_known_temperature():
    from sentiment_lib.evaluation import apply_temperature, expected_calibration_error, fit_temperature, softmax

    rng = np.random.default_rng(1)
    logits = rng.normal(0, 2, size=(4000, 2))
    true_probs = softmax(logits)
    y = (rng.random(4000) < true_probs[:, 1]).astype(int)
    overconfident = softmax(logits * 3)  # a model three times too sure
    t = fit_temperature(y, overconfident)
    assert t == pytest.approx(3.0, rel=0.15)
    fixed = apply_temperature(overconfident, t)
    assert (fixed.argmax(1) == overconfident.argmax(1)).all()  # the predicted class never changes
    assert expected_calibration_error(y, fixed[:, 1]) < expected_calibration_error(y, overconfident[:, 1]) / 2


def test_threshold_is_chosen_to_fix_lopsided_errors():
    from sentiment_lib.evaluation import choose_threshold

    rng = np.random.default_rng(2)
    y = rng.integers(0, 2, 2000)
    score = np.clip(0.25 + 0.5 * y + rng.normal(0, 0.15, 2000), 0, 1)  # positives over 0.5 is too lenient
    t = choose_threshold(y, score)
    assert 0.45 < t < 0.55
    shifted = np.clip(score + 0.15, 0, 1)  # every score too high: many false positives at 0.5
    assert choose_threshold(y, shifted) > 0.55
    assert ((shifted >= choose_threshold(y, shifted)) == y).mean() > ((shifted >= 0.5) == y).mean()


def test_reliability_table_bins_every_review_once():
    from sentiment_lib.evaluation import reliability_table

    rng = np.random.default_rng(3)
    y, p = rng.integers(0, 2, 300), rng.random(300)
    table = reliability_table(y, p, n_bins=5)
    assert table["n"].sum() == 300 and len(table) == 5


@pytest.mark.parametrize("y,p,n_bins,what", [
    ([], [], 10, "at least one"), ([0, 1], [0.2], 10, "2 labels but 1 probabilities"), ([0, 1], [0.2, 0.7], 0, "n_bins"),
    ([0, 1], [-1.3, 2.4], 10, "logits"), ([0, 1], [float("nan"), 0.4], 10, "[0, 1]"),
])
def test_calibration_refuses_bad_input_with_a_clear_error(y, p, n_bins, what):
    from sentiment_lib.errors import SentimentLibError
    from sentiment_lib.evaluation import expected_calibration_error

    with pytest.raises(SentimentLibError, match=None) as caught:
        expected_calibration_error(y, p, n_bins)
    assert what in str(caught.value) + " " + str(getattr(caught.value, "hint", ""))


@pytest.mark.parametrize("a,b", [(10.0, 3.0), (3.0, 10.0), (5.0, 5.2)])
def test_compare_values_never_contradicts_the_numbers(a, b):
    from sentiment_lib.evaluation import compare_values

    phrase = compare_values(a, b, spread_a=(a * 0.97, a * 1.03), spread_b=(b * 0.97, b * 1.03),
                            more="faster than", less="slower than", same="about as fast as")
    if abs(a - b) / max(a, b) < 0.06:
        assert phrase == "about as fast as"
    else:
        assert phrase.endswith("faster than" if a > b else "slower than")


def test_proportion_interval_matches_accuracy_interval_and_rejects_impossible_counts():
    from sentiment_lib.errors import SentimentLibError
    from sentiment_lib.evaluation import accuracy_interval, proportion_interval

    assert proportion_interval(430, 500) == accuracy_interval([1] * 500, [1] * 430 + [0] * 70)
    low, high = proportion_interval(0, 20)
    assert low == 0.0 and 0.1 < high < 0.2          # Wilson stays inside [0, 1] and is not degenerate at 0
    for bad in [(5, 4), (-1, 10), (0, 0)]:
        with pytest.raises(SentimentLibError, match="successes"):
            proportion_interval(*bad)


def test_compare_values_without_ratio_gives_only_the_words():
    from sentiment_lib.evaluation import compare_values

    words = dict(more="higher than", less="lower than", same="within noise of", ratio=False)
    assert compare_values(0.9, 0.8, spread_a=(0.88, 0.92), spread_b=(0.77, 0.83), **words) == "higher than"
    assert compare_values(0.8, 0.9, spread_a=(0.77, 0.83), spread_b=(0.88, 0.92), **words) == "lower than"
    assert compare_values(0.85, 0.84, spread_a=(0.82, 0.88), spread_b=(0.81, 0.87), **words) == "within noise of"


def test_a_confidence_on_an_edge_opens_its_bin():
    """0.5 + b*w is the first confidence of bin b, as exercise 04 states (issue 25): with 10 bins,
    0.6 is in 0.60–0.65, where floor division ((0.6 - 0.5) // 0.05 == 1.0) would put it one bin low."""
    from sentiment_lib.evaluation import expected_calibration_error, reliability_table

    table = reliability_table([1, 0], [0.6, 0.62], n_bins=10)
    assert table.loc["0.60–0.65", "n"] == 2
    assert expected_calibration_error([1, 0], [0.6, 0.62], 10) == pytest.approx(0.11)
    assert expected_calibration_error([0, 1, 0], [0.3, 0.28, 0.26], 10) == pytest.approx(0.16 / 3)
