"""The behavioural suites' words are validated by a human-rated lexicon, so the probe measures the model.

A capability such as "intensifiers and diminishers" measures the vocabulary as much as the model when
its words are badly chosen ("rather" is no diminisher to most raters; "moving" is rated by nobody).
Every word list of ``sentiment_lib/behaviour_suites.json`` is checked against VADER's lexicon
(Hutto and Gilbert, 2014: about 7,500 entries rated by ten people each, shipped with the PyPI package
``vaderSentiment``):

* positive and negative words (adjectives, verbs, the derived verb lists) have a lexicon rating of the
  right sign; clauses and sentences get a VADER compound score of the right sign (beyond ±0.05);
* intensifiers are VADER's booster words that raise intensity, diminishers the ones that lower it;
* neutral sentences, names, titles, nouns, people and numbers contain no rated word at all.

A failure names the list and the word that breaks it.
"""

from __future__ import annotations

import re

import pytest
from vaderSentiment.vaderSentiment import BOOSTER_DICT, SentimentIntensityAnalyzer

from sentiment_lib.behaviour import load_suites

VADER = SentimentIntensityAnalyzer()
LEXICON = VADER.lexicon
VOCABULARY = load_suites()["vocabulary"]
#: Lists whose words carry a polarity, with its sign.
POLAR = {"pos_adj": 1, "neg_adj": -1, "pos_verb": 1, "neg_verb": -1}
#: Lists of longer texts, judged by VADER's compound score.
TEXTS = {"pos_clause": 1, "neg_clause": -1, "pos_sentence": 1, "neg_sentence": -1}
#: Lists that must carry no sentiment at all.
NEUTRAL = ("neutral", "name", "title", "noun", "person", "number", "identity")


def _rating(word: str) -> float:
    """The lexicon's rating of a word, or VADER's compound score (scaled to the lexicon's ±4) for a phrase."""
    return LEXICON.get(word.lower(), 4 * VADER.polarity_scores(word)["compound"] if " " in word else 0.0)


def _derived_polar_lists() -> dict[str, tuple[int, list[str]]]:
    found = {}
    for suite in load_suites()["suites"]:
        for name, values in (suite.get("derived") or {}).items():
            if isinstance(values, list) and name.startswith(("pos_", "neg_")):
                found[f"{suite['name']}: {name}"] = (1 if name.startswith("pos_") else -1, values)
    return found


def test_the_vocabulary_has_the_lists_this_test_reads():
    assert set(POLAR) | set(TEXTS) | set(NEUTRAL) | {"intensifier", "diminisher"} <= set(VOCABULARY)


@pytest.mark.parametrize("name", sorted(POLAR))
def test_sentiment_words_have_the_right_polarity_in_the_lexicon(name):
    sign = POLAR[name]
    wrong = {w: LEXICON.get(w.lower()) for w in VOCABULARY[name] if _rating(w) * sign <= 0}
    assert not wrong, f"{name}: these words are not rated {'positive' if sign > 0 else 'negative'} by VADER's lexicon: {wrong}"


@pytest.mark.parametrize("name", sorted(_derived_polar_lists()))
def test_derived_sentiment_words_have_the_right_polarity(name):
    sign, words = _derived_polar_lists()[name]
    wrong = [w for w in words if _rating(w) * sign <= 0]
    assert not wrong, f"{name}: not rated {'positive' if sign > 0 else 'negative'} by VADER: {wrong}"


@pytest.mark.parametrize("name", sorted(TEXTS))
def test_clauses_and_sentences_score_the_right_way(name):
    sign = TEXTS[name]
    wrong = {t: VADER.polarity_scores(t)["compound"] for t in VOCABULARY[name] if VADER.polarity_scores(t)["compound"] * sign <= 0.05}
    assert not wrong, f"{name}: VADER's compound score has the wrong sign (or is near 0) for {wrong}"


@pytest.mark.parametrize("name, sign", [("intensifier", 1), ("diminisher", -1)])
def test_intensifiers_and_diminishers_come_from_the_booster_list(name, sign):
    wrong = [w for w in VOCABULARY[name] if BOOSTER_DICT.get(w.lower(), 0) * sign <= 0]
    kind = "raise" if sign > 0 else "lower"
    assert not wrong, f"{name}: not among VADER's booster words that {kind} intensity: {wrong}"


@pytest.mark.parametrize("name", NEUTRAL)
def test_neutral_lists_hold_no_rated_word(name):
    rated = {text: [t for t in re.findall(r"[a-z']+", str(text).lower()) if t in LEXICON] for text in VOCABULARY[name]}
    rated = {text: words for text, words in rated.items() if words}
    assert not rated, f"{name}: these entries hold words VADER's raters gave a polarity: {rated}"


def test_a_wrong_word_is_named(monkeypatch):
    """The check catches what it is for: a planted word of the wrong polarity is named in the message."""
    monkeypatch.setitem(VOCABULARY, "pos_adj", [*VOCABULARY["pos_adj"], "boring"])
    with pytest.raises(AssertionError, match="boring"):
        test_sentiment_words_have_the_right_polarity_in_the_lexicon("pos_adj")
