"""Integration: the real pretrained encoder (offline) fine-tuned as the book does, and what it learned."""

import pytest

from sentiment_lib.inference import SentimentClassifier
from sentiment_lib.training import PROFILES

pytestmark = pytest.mark.slow

CLEAR = {
    "This movie was wonderful, I loved every minute of it.": "positive",
    "A brilliant, moving film with superb acting.": "positive",
    "This movie was terrible and boring, a complete waste of time.": "negative",
    "Awful script, bad acting, I hated it.": "negative",
}


@pytest.fixture(scope="module")
def run(real_run):
    return real_run[0]   # tests/conftest.py: the book's model (PROFILES["book"]), trained once per machine


def test_real_encoder_learns_sentiment_with_the_books_settings(run):
    test = run.metrics["test"]
    assert test["n"] == PROFILES["book"]["test_size"] and run.metrics["train_samples"] == PROFILES["book"]["train_size"]
    assert test["accuracy"] >= 0.75, test  # chance is 0.5; the book reports about 0.84 at 96 tokens
    assert run.metrics["validation"]["accuracy"] >= 0.75


def test_clearly_worded_sentences(run):
    clf = SentimentClassifier.from_pretrained(run.output_dir)
    assert {p.text: p.label for p in clf.predict(list(CLEAR))} == CLEAR
