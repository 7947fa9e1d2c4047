"""sentiment_lib.baseline: TF-IDF + logistic regression, the untrained head, the comparison table."""

import matplotlib

matplotlib.use("Agg")

from pathlib import Path

import numpy as np
import pytest

from sentiment_lib.baseline import compare_models, evaluate_tfidf, plot_comparison, tfidf_pipeline
from sentiment_lib.data import prepare_splits


@pytest.fixture(scope="module")
def splits(imdb_dir):
    return prepare_splits(imdb_dir, train_size=2000, validation_size=200, test_size=400, seed=0)


def test_tfidf_learns_sentiment(splits):
    row = evaluate_tfidf(splits["train"]["text"], splits["train"]["label"], splits["test"]["text"],
                         splits["test"]["label"], ngram_range=(1, 2))
    assert row["accuracy"] > 0.75  # real signal from 2,000 reviews; about 0.90 on all 25,000
    assert row["n_test"] == 400 and row["predictions_per_second"] > 0


def test_tfidf_pipeline_is_a_sklearn_pipeline():
    pipe = tfidf_pipeline((1, 1))
    assert [name for name, _ in pipe.steps] == ["tfidf", "clf"]
    assert pipe.named_steps["tfidf"].ngram_range == (1, 1)


def test_comparison_table_scores_every_model_on_the_same_reviews(splits, tiny_model, tmp_path):
    from sentiment_lib.training import fine_tune, make_config

    small = prepare_splits(train_size=64, validation_size=32, test_size=32, seed=1)
    run = fine_tune(make_config(model=tiny_model, output_dir=str(tmp_path / "m"), max_length=64), splits=small, progress=False)
    predictions = {}
    table = compare_models(splits, fine_tuned_dir=run.output_dir, predictions=predictions)
    assert list(predictions) == list(table.index)
    for name, predicted in predictions.items():  # the predictions are the ones the table scored
        assert (predicted == np.asarray(splits["test"]["label"])).mean() == pytest.approx(table.loc[name, "accuracy"])
    candidates = table["validation_accuracy"].drop("pretrained, untrained head")
    assert candidates.between(0, 1).all() and len(splits["validation"]) > 0
    assert np.isnan(table.loc["pretrained, untrained head", "validation_accuracy"])  # never a candidate: not scored
    assert list(table.index) == [
        "pretrained, untrained head",
        "TF-IDF unigrams + logistic regression",
        "TF-IDF uni+bigrams + logistic regression",
        "fine-tuned",
    ]
    assert (table["n_test"] == 400).all()
    assert table.loc["fine-tuned", "train_seconds"] == run.metrics["train_seconds"]
    ax = plot_comparison(table)
    assert len(ax.patches) == 2 * len(table)
    for _ in range(2):  # reuse: the first call computes and stores the fine-tuned model's probabilities, the second reads them
        reused = compare_models(splits, fine_tuned_dir=run.output_dir, tfidf_ngrams=(), reuse=True)
        for column in ("accuracy", "f1", "validation_accuracy"):
            assert reused.loc["fine-tuned", column] == pytest.approx(table.loc["fine-tuned", column])
        assert reused.loc["fine-tuned", "predictions_per_second"] > 0
    assert len(list((Path(run.output_dir) / "predictions").glob("*.npy"))) == 1 + 2  # fine_tune's test, then test and validation
