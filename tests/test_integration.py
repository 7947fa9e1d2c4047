"""Integration: fine-tune the real pretrained encoder (offline) and check it really learns."""

import pytest

from sentiment_lib.data import prepare_splits
from sentiment_lib.inference import SentimentClassifier
from sentiment_lib.training import fine_tune, make_config

pytestmark = pytest.mark.slow

CLEAR = {
    "This movie was wonderful, I loved every minute of it.": "positive",
    "A brilliant, moving film with superb acting.": "positive",
    "This movie was terrible and boring, a complete waste of time.": "negative",
    "Awful script, bad acting, I hated it.": "negative",
}


@pytest.fixture(scope="module")
def run(tmp_path_factory, imdb_dir):
    splits = prepare_splits(imdb_dir, train_size=400, validation_size=200, test_size=400, seed=0)
    config = make_config(
        "quick", model="offline", output_dir=str(tmp_path_factory.mktemp("real") / "model"),
        max_length=128, epochs=2, batch_size=16, learning_rate=2e-4,
    )
    return fine_tune(config, splits=splits, progress=False)


def test_real_encoder_learns_sentiment_from_400_reviews(run):
    test = run.metrics["test"]
    assert test["n"] == 400
    assert test["accuracy"] >= 0.70, test  # chance is 0.5
    assert run.metrics["validation"]["accuracy"] >= 0.70


def test_clearly_worded_sentences(run):
    clf = SentimentClassifier.from_pretrained(run.output_dir)
    assert {p.text: p.label for p in clf.predict(list(CLEAR))} == CLEAR
