"""The toy models of exercise 5's behavioural tests (``course_grading.toy_models``), and their checks.

Fast. The healthy model must pass every suite of the chapter (so a learner who models a test on the
chapter's suites gets ``[]`` on it), and each faulty model must show its fault on the suite that tests
it, and nowhere else it should not: that is what makes "your test passes on the healthy model and
fails on a faulty one" a fair judgement of the learner's test.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from course_grading import toy_models as toy
from sentiment_lib.behaviour import generate, load_suites, score

SUITES = load_suites()
VOCABULARY = SUITES["vocabulary"]


def _suite(name):
    return next(s for s in SUITES["suites"] if s["name"] == name)


def _failure_rate(model, name, n=200, seed=0):
    suite = _suite(name)
    cases = generate(suite, VOCABULARY, n=n, seed=seed)
    return score(suite, cases, lambda texts: np.stack([1 - model(texts), model(texts)], 1)).failure_rate


def test_the_lexicon_holds_the_course_vocabulary_and_nothing_neutral():
    assert set(VOCABULARY["pos_adj"] + VOCABULARY["pos_verb"]) <= toy.POSITIVE
    assert set(VOCABULARY["neg_adj"] + VOCABULARY["neg_verb"]) <= toy.NEGATIVE
    assert not toy.POSITIVE & toy.NEGATIVE
    for key in ("noun", "name", "title", "person", "number"):  # what the INV suites swap must carry no sentiment
        words = toy.tokens(" ".join(VOCABULARY[key]))
        assert not [w for w in words if toy.healthy().polarity(w)], key


@pytest.mark.parametrize("suite", [s["name"] for s in SUITES["suites"]])
def test_the_healthy_model_passes_every_suite_of_the_chapter(suite):
    assert _failure_rate(toy.healthy(), suite) == 0.0
    assert _failure_rate(toy.healthy(k=0.7), suite) == 0.0  # the hidden tests' less sure version too


@pytest.mark.parametrize("text, label", [
    ("The film was not good.", "negative"), ("The film was not bad.", "positive"), ("I didn't like it.", "negative"),
    ("It is never boring.", "positive"), ("I don't think the plot was clever.", "negative"),
    ("Nothing about it was good.", "negative"), ("I can't recommend it.", "negative"),
    ("The cast is good, but the script is awful.", "negative"), ("The cast is awful, but the script is good.", "positive"),
    ("The plot was terrible. However, the acting was great.", "positive"),
    ("Although the acting is superb, the story is a mess.", "negative"),
    ("The story is a mess, although the acting is superb.", "negative"),
    ("It was not very good.", "negative"), ("A slightly dull film.", "negative"), ("Not bad at all!", "positive"),
    ("It is hard to find anything bad about it.", "positive"), ("I loved it. A masterpiece.", "positive"),
])
def test_the_healthy_model_reads_negation_contrast_and_modifiers(text, label):
    p = toy.healthy()([text])[0]
    assert (p > 0.5) == (label == "positive") and abs(p - 0.5) > 0.05, (text, p)


def test_the_healthy_model_ignores_names_titles_numbers_and_typos():
    model = toy.healthy()
    texts = ["Anna thought the film was clever.", "Mohammed thought the movie was clever.", "Red River is clever.",
             "I saw it twelve times: clever.", "Greta thought the film was celver.", "She said it was clever!"]
    assert np.ptp(model(texts)) == 0 and model(texts)[0] > 0.8
    for typo, word in toy.TYPOS.items():  # every neighbouring-letter swap of a sentiment word reads as the word
        assert model.polarity(typo) == model.polarity(word), typo
    assert model(["Nothing to see: Anna, Ben, 2024."])[0] == 0.5


def test_each_fault_shows_on_its_own_suites():
    assert _failure_rate(toy.ignores_negation(), "negated positive") == 1.0
    assert _failure_rate(toy.ignores_negation(), "negated negative") > 0.3
    assert _failure_rate(toy.first_clause_decides(), "contrast: the second clause decides") > 0.5
    assert _failure_rate(toy.negation_reads_negative(), "negated negative") > 0.3
    assert _failure_rate(toy.negation_reads_negative(), "negated positive") == 0.0  # "not good" it gets right
    assert _failure_rate(toy.typo_fragile(), "add a typo") > 0.3
    for salt in ("visible", "hidden-1", "hidden-2", "hidden-3"):  # names, titles, numbers move it, whatever the salt
        rates = [_failure_rate(toy.every_word_counts(salt), suite)
                 for suite in ("change a name", "change a film title", "change a number", "change a person")]
        assert min(rates) > 0.4 and np.mean(rates) > 0.6, (salt, rates)  # most pairs; a learner's test needs one


def test_a_fault_changes_nothing_else():
    plain = [f"The {n} was {a}." for n in VOCABULARY["noun"] for a in VOCABULARY["pos_adj"] + VOCABULARY["neg_adj"]]
    expected = toy.healthy()(plain)
    for model in (toy.ignores_negation(), toy.first_clause_decides(), toy.negation_reads_negative(), toy.typo_fragile()):
        assert np.array_equal(model(plain), expected), model
    assert toy.ignores_negation()(["The film was not good."])[0] > 0.8
    assert toy.negation_reads_negative()(["The film was not bad."])[0] < 0.2
    assert toy.first_clause_decides()(["The cast is good, but the script is awful."])[0] > 0.7
    assert toy.typo_fragile()(["The film was wodnerful."])[0] == 0.5


def test_the_word_weights_are_the_same_in_every_process():
    code = ("from course_grading import toy_models as t; "
            "print(t.every_word_counts('hidden-1')(['Anna thought the film was clever.', 'Ben saw it twice.']).tolist())")
    runs = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                           env={"PYTHONHASHSEED": seed}, cwd=Path(toy.__file__).resolve().parents[1]).stdout
            for seed in ("1", "2")}
    assert len(runs) == 1
    assert eval(runs.pop()) == toy.every_word_counts("hidden-1")(["Anna thought the film was clever.", "Ben saw it twice."]).tolist()


def test_predict_positive_takes_a_list_of_strings():
    with pytest.raises(TypeError, match="not one string"):
        toy.healthy()("The film was good.")
    with pytest.raises(TypeError, match="list of strings"):
        toy.healthy()(["fine", 3])
    assert toy.healthy()(np.array(["good", "bad"])).shape == (2,)


# --------------------------------------------------------------------------------------
# The checks of a learner's tests (the mutation suite tries many more answers in the notebook)
# --------------------------------------------------------------------------------------


def negation_mft(predict_positive):
    cases = [(f"The {n} was not {a}.", "negative") for n in VOCABULARY["noun"] for a in VOCABULARY["pos_adj"]]
    p = predict_positive([t for t, _ in cases])
    return [(t, label) for (t, label), q in zip(cases, p) if q > 0.5]


def name_inv(predict_positive, tolerance=0.1):
    names = VOCABULARY["name"]
    pairs = [(f"{a} thought the film was {adj}.", f"{b} thought the film was {adj}.")
             for a, b in zip(names, names[1:]) for adj in ("clever", "dull")]
    p = predict_positive([t for pair in pairs for t in pair])
    return [pair for pair, x, y in zip(pairs, p[0::2], p[1::2]) if abs(y - x) > tolerance]


MFT_FAULTS = [toy.ignores_negation(), toy.first_clause_decides(), toy.negation_reads_negative()]
INV_FAULTS = [toy.every_word_counts(), toy.typo_fragile()]


def test_right_tests_pass_every_check():
    toy.check_minimum_functionality_test(negation_mft, MFT_FAULTS)
    toy.check_minimum_functionality_test(negation_mft, MFT_FAULTS, healthy_model=toy.healthy(0.7))
    toy.check_minimum_functionality_test_is_complete(negation_mft)
    toy.check_invariance_test(name_inv, INV_FAULTS)
    toy.check_invariance_test(name_inv, [toy.every_word_counts("hidden-1")], tolerance=0.25, must_catch=False)
    toy.check_invariance_test_is_complete(name_inv)


def test_wrong_tests_are_told_what_is_wrong():
    def lazy(predict_positive):
        return negation_mft(predict_positive)[:1]

    def few(predict_positive, tolerance=0.1):
        return name_inv(lambda texts: predict_positive(texts[:4]).tolist() + [0.5] * (len(texts) - 4), tolerance)

    def oracle(predict_positive):
        toy.healthy()(["The film was good."])
        return negation_mft(predict_positive)

    def labels_only(predict_positive, tolerance=0.1):
        return [pair for pair in name_inv(predict_positive, 0.0)
                if (predict_positive([pair[0]])[0] > 0.5) != (predict_positive([pair[1]])[0] > 0.5)]

    with pytest.raises(AssertionError, match="not only the first"):
        toy.check_minimum_functionality_test_is_complete(lazy)
    with pytest.raises(AssertionError, match="sent 4 distinct texts"):
        toy.check_invariance_test(few, INV_FAULTS)
    with pytest.raises(AssertionError, match="may use only the model it is given"):
        toy.check_minimum_functionality_test(oracle, MFT_FAULTS)
    with pytest.raises(AssertionError, match="catches no fault"):
        toy.check_minimum_functionality_test(negation_mft, [toy.first_clause_decides()])
    with pytest.raises(AssertionError, match="compare the size of the move"):
        toy.check_invariance_test_is_complete(labels_only)
