"""Property-based tests (hypothesis) of the functions that take text from users.

Whatever text comes in — emoji, right-to-left scripts, control characters, markup, a megabyte of
review, nothing but whitespace — cleaning and tokenization keep their promises, and ``predict``
returns a label or raises a clear :class:`SentimentLibError`, never anything else.
Example counts are kept small so the file runs in seconds.
"""

from __future__ import annotations

import math
import re

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from sentiment_lib.data import clean_text
from sentiment_lib.errors import SentimentLibError
from sentiment_lib.inference import SentimentClassifier
from sentiment_lib.tokenization import tokenize

FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
SLOWER = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

BR = re.compile(r"<br\s*/?>", re.IGNORECASE)
# text that often contains markup and odd whitespace, mixed with any Unicode at all
MARKUP = st.text(alphabet=st.sampled_from(list("<bBrR/> \t\n\u00a0\u3000xé😀ש")), max_size=60)
ANY_TEXT = st.one_of(st.text(max_size=200), MARKUP)
SAMPLES = [
    "A wonderful film 😀🎬👍🏽",
    "فيلم رائع جدا",  # Arabic, right to left
    "סרט נהדר \u202eevil\u202c",  # Hebrew with a right-to-left override
    "tab\there\x00null\x07bell\x1bescape",
    "\u200b\u200d\ufeff zero-width",
    "Great.<br /><br />Awful.<BR>",
    "ｆｕｌｌｗｉｄｔｈ ＡＢＣ",
    "e\u0301\u0301\u0301 combining",
]


# --------------------------------------------------------------------------------------------
# clean_text
# --------------------------------------------------------------------------------------------


@FAST
@given(ANY_TEXT)
@example("<br <br>/>")  # removing the inner tag forms a new one
@example("a <BR/>\t\tb")
def test_clean_text_properties(text):
    cleaned = clean_text(text)
    assert not BR.search(cleaned)
    assert "\t" not in cleaned and "  " not in cleaned
    assert cleaned == cleaned.strip()
    assert clean_text(cleaned) == cleaned  # idempotent


@FAST
@given(st.lists(st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="<>"), max_size=30)))
def test_clean_text_keeps_words(words):
    """Without markup, cleaning only changes whitespace: the words survive in order."""
    text = " ".join(words)
    assert clean_text(text).split() == text.split()


@pytest.mark.parametrize("bad", [None, 3, b"bytes", ["list"]])
def test_clean_text_rejects_non_strings(bad):
    with pytest.raises(SentimentLibError, match="expects a string"):
        clean_text(bad)


# --------------------------------------------------------------------------------------------
# tokenize, both truncation strategies
# --------------------------------------------------------------------------------------------


@SLOWER
@given(texts=st.lists(ANY_TEXT | st.sampled_from(SAMPLES), min_size=1, max_size=4), max_length=st.integers(4, 40))
def test_tokenize_truncation_properties(tokenizer, texts, max_length):
    cls, sep = tokenizer.cls_token_id, tokenizer.sep_token_id
    full = tokenizer(texts, truncation=False)["input_ids"]
    head = tokenize(texts, tokenizer, max_length=max_length, strategy="head")["input_ids"]
    head_tail = tokenize(texts, tokenizer, max_length=max_length, strategy="head_tail")["input_ids"]
    for ids, h, ht in zip(full, head, head_tail):
        for seq in (h, ht):
            assert len(seq) <= max_length
            assert seq[0] == cls and seq[-1] == sep
            assert len(seq) == min(len(ids), max_length)
        assert h[:-1] == ids[: len(h) - 1]  # head: a prefix of the full sequence
        if len(ids) <= max_length:
            assert ht == ids  # nothing to cut
        else:
            assert ht[1] == ids[1] and ht[-2] == ids[-2]  # keeps the first and the last content token
            content = ids[1:-1]
            kept = ht[1:-1]
            k = next(i for i in range(len(kept) + 1) if i == len(kept) or kept[i] != content[i])
            assert kept[k:] == content[len(content) - (len(kept) - k) :]  # a head, then a tail


@SLOWER
@given(texts=st.lists(ANY_TEXT, min_size=1, max_size=3), max_length=st.integers(4, 24),
       strategy=st.sampled_from(["head", "head_tail"]))
def test_tokenize_uniform_padding(tokenizer, texts, max_length, strategy):
    enc = tokenize(texts, tokenizer, max_length=max_length, strategy=strategy, pad_to_max_length=True)
    unpadded = tokenize(texts, tokenizer, max_length=max_length, strategy=strategy)
    for ids, mask, plain in zip(enc["input_ids"], enc["attention_mask"], unpadded["input_ids"]):
        assert len(ids) == len(mask) == max_length
        assert sum(mask) == len(plain) and ids[: len(plain)] == plain


def test_tokenize_unknown_strategy(tokenizer):
    with pytest.raises(SentimentLibError, match="Unknown truncation strategy"):
        tokenize(["x"], tokenizer, strategy="middle")


# --------------------------------------------------------------------------------------------
# predict: a label or a clear error, never a crash
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def classifier(tiny_model):
    return SentimentClassifier.from_pretrained(tiny_model, max_length=64, strategy="head_tail", device="cpu")


def check_prediction(classifier, texts):
    """The contract of ``predict``: one valid prediction per text, or a SentimentLibError."""
    try:
        predictions = classifier.predict(texts, batch_size=3)
    except SentimentLibError as err:
        message = str(err)
        blank = [i for i, t in enumerate(texts) if not t.strip()]
        if blank:
            assert f"Text {blank[0]} is blank" in message
        else:
            assert "not valid Unicode" in message
        return None
    assert len(predictions) == len(texts)
    for text, p in zip(texts, predictions):
        assert p.text == text
        assert p.label in ("negative", "positive")
        assert 0.5 <= p.score <= 1.0 and math.isfinite(p.score)
        assert math.isclose(sum(p.probabilities.values()), 1.0, abs_tol=1e-5)
        assert p.probabilities[p.label] == p.score
    return predictions


@SLOWER
@given(st.lists(ANY_TEXT | st.sampled_from(SAMPLES), min_size=1, max_size=5))
def test_predict_arbitrary_unicode(classifier, texts):
    check_prediction(classifier, texts)


@pytest.mark.parametrize("text", SAMPLES)
def test_predict_samples(classifier, text):
    assert check_prediction(classifier, [text]) is not None


@pytest.mark.parametrize("text", ["", " ", "\n\t \r", "\u3000\u00a0\u2003", "\x1c\x1d\x1e\x1f\x85"])
def test_predict_only_whitespace_is_a_clear_error(classifier, text):
    with pytest.raises(SentimentLibError, match="Text 1 is blank"):
        classifier.predict(["fine", text])


def test_predict_lone_surrogate_is_a_clear_error(classifier):
    with pytest.raises(SentimentLibError, match="Text 0 is not valid Unicode"):
        classifier.predict(["bad \ud800 bytes"])


@pytest.mark.parametrize("bad", [None, [], [None], [3, "x"], [b"bytes"]])
def test_predict_non_text_is_a_clear_error(classifier, bad):
    with pytest.raises(SentimentLibError):
        classifier.predict(bad)


@pytest.mark.parametrize("strategy", ["head", "head_tail"])
def test_predict_one_megabyte(classifier, strategy):
    """A 1 MB review is truncated, not fed whole to the model; the result matches its truncated form."""
    big = "An honest, moving, beautifully acted film. " * 24_000 + "The ending ruined it."
    assert len(big.encode()) > 1_000_000
    clf = SentimentClassifier(classifier.model, classifier.tokenizer, max_length=64, strategy=strategy, device="cpu")
    (p,) = check_prediction(clf, [big])
    ids = tokenize([big], clf.tokenizer, max_length=64, strategy=strategy)["input_ids"][0]
    assert len(ids) == 64
    (q,) = clf.predict([clf.tokenizer.decode(ids[1:-1])])
    assert p.label == q.label and math.isclose(p.score, q.score, abs_tol=1e-4)
