"""Integration: fine-tune the real pretrained encoder (offline) and check it really learns."""

import pytest

from sentiment_lib.inference import SentimentClassifier

pytestmark = pytest.mark.slow

CLEAR = {
    "This movie was wonderful, I loved every minute of it.": "positive",
    "A brilliant, moving film with superb acting.": "positive",
    "This movie was terrible and boring, a complete waste of time.": "negative",
    "Awful script, bad acting, I hated it.": "negative",
}


@pytest.fixture(scope="module")
def run(real_run):
    return real_run[0]   # tests/conftest.py: the encoder fine-tuned on 400 reviews, once per session


def test_real_encoder_learns_sentiment_from_400_reviews(run):
    test = run.metrics["test"]
    assert test["n"] == 500
    assert test["accuracy"] >= 0.70, test  # chance is 0.5
    assert run.metrics["validation"]["accuracy"] >= 0.70


def test_clearly_worded_sentences(run):
    clf = SentimentClassifier.from_pretrained(run.output_dir)
    assert {p.text: p.label for p in clf.predict(list(CLEAR))} == CLEAR
