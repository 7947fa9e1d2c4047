"""Behavioural tests (CheckList): the suites, their generation, and that they catch known faults."""

from __future__ import annotations

import numpy as np
import pytest

from sentiment_lib.behaviour import by_capability, failure_table, generate, load_suites, probe
from sentiment_lib.errors import SentimentLibError

DATA = load_suites()
POSITIVE = set(DATA["vocabulary"]["pos_adj"]) | {"loved", "enjoyed", "liked", "admired", "adored", "appreciated",
                                                  "masterpiece", "recommended", "best", "superb", "joy", "wonderful", "perfect"}
NEGATIVE = set(DATA["vocabulary"]["neg_adj"]) | {"hated", "disliked", "regretted", "despised", "resented",
                                                  "disaster", "avoid", "worst", "waste", "wooden", "mess", "ruins", "chore", "bored"}


class Keywords:
    """A bag-of-words model: counts positive and negative words, blind to negation and order."""

    def predict_proba(self, texts):
        p = []
        for t in texts:
            words = [w.strip(".,;:!").lower() for w in t.split()]
            pos, neg = sum(w in POSITIVE for w in words), sum(w in NEGATIVE for w in words)
            p.append(0.5 if pos == neg else (0.9 if pos > neg else 0.1))
        p = np.array(p)
        return np.column_stack([1 - p, p])


class NameBiased(Keywords):
    """Keywords, but any review that mentions one of the names is pushed towards negative."""

    def predict_proba(self, texts):
        probs = super().predict_proba(texts)
        biased = np.array([any(n in t for n in ("Anna", "Priya", "Chen", "Kwame")) for t in texts])
        probs[biased, 1] = np.clip(probs[biased, 1] - 0.3, 0, 1)
        probs[:, 0] = 1 - probs[:, 1]
        return probs


def test_at_least_six_capabilities_with_two_hundred_cases_each():
    results = probe(Keywords(), n=300, seed=0)
    table = by_capability(results)
    assert len(table) >= 6
    assert (table["cases"] >= 200).all(), table["cases"]
    assert {"MFT", "INV", "DIR"} == set(failure_table(results)["type"])


def test_cases_are_reproducible_from_the_seed():
    suite = DATA["suites"][0]
    first, again = generate(suite, DATA["vocabulary"], n=50, seed=3), generate(suite, DATA["vocabulary"], n=50, seed=3)
    other = generate(suite, DATA["vocabulary"], n=50, seed=4)
    assert [c.text for c in first] == [c.text for c in again] and [c.text for c in first] != [c.text for c in other]
    assert len({c.text for c in first}) == 50


def test_a_model_blind_to_negation_fails_the_negation_suite_and_passes_invariance():
    table = failure_table(probe(Keywords(), n=200, seed=0))
    assert table.loc["negated positive", "failure rate"] > 0.9
    assert table.loc["change a name", "failure rate"] == 0
    assert table.loc["change a film title", "failure rate"] == 0


def test_a_model_biased_by_names_fails_the_name_invariance():
    results = {r.name: r for r in probe(NameBiased(), n=200, seed=0)}
    assert results["change a name"].failure_rate > 0.2
    low, high = results["change a name"].interval
    assert low <= results["change a name"].failure_rate <= high
    worst = results["change a name"].worst[0]
    assert abs(worst["p_positive"] - worst["p_positive_variant"]) > 0.1


def test_directional_suites_catch_a_model_biased_by_length():
    class LongerIsBetter:
        """P(positive) grows with the number of words, whatever they say."""

        def predict_proba(self, texts):
            p = np.clip(np.array([0.2 + 0.04 * len(t.split()) for t in texts]), 0, 1)
            return np.column_stack([1 - p, p])

    table = failure_table(probe(LongerIsBetter(), n=200, seed=0))
    assert table.loc["append a clearly negative sentence", "failure rate"] > 0.9
    assert table.loc["append a clearly positive sentence", "failure rate"] == 0
    assert failure_table(probe(Keywords(), n=200, seed=0)).loc["append a clearly negative sentence", "failure rate"] < 0.5


def test_a_tfidf_pipeline_and_a_plain_function_can_be_probed():
    from sentiment_lib.baseline import tfidf_pipeline

    texts = ["a great film", "an awful film", "I loved it", "I hated it"] * 5
    model = tfidf_pipeline((1, 2), min_df=1).fit(texts, [1, 0, 1, 0] * 5)
    assert len(probe(model, n=20)) == len(DATA["suites"])
    assert len(probe(Keywords().predict_proba, n=20)) == len(DATA["suites"])


def test_bad_suites_and_bad_models_give_clear_errors(tmp_path):
    with pytest.raises(SentimentLibError, match="type must be MFT, INV or DIR"):
        generate({"name": "x", "type": "XYZ", "templates": ["a"]}, DATA["vocabulary"])
    with pytest.raises(SentimentLibError, match="one \\(P\\(negative\\), P\\(positive\\)\\) row per text"):
        probe(lambda texts: np.zeros(len(texts)), n=5)
    (tmp_path / "bad.json").write_text("{}")
    with pytest.raises(SentimentLibError, match="'vocabulary' and 'suites'"):
        load_suites(tmp_path / "bad.json")


def test_the_tiny_model_runs_through_every_suite(tiny_model):
    from sentiment_lib.inference import SentimentClassifier
    from sentiment_lib.modeling import build_model
    from sentiment_lib.tokenization import load_tokenizer

    clf = SentimentClassifier(build_model(tiny_model, seed=0), load_tokenizer(tiny_model), max_length=64)
    results = probe(clf, n=20, seed=0)
    assert all(0 <= r.failure_rate <= 1 and r.n > 0 for r in results)


def test_the_suite_example_in_docs_behaviour_md_loads_and_catches_an_age_biased_model(tmp_path):
    """docs/behaviour.md shows how to add a suite: its JSON block must load and do what the page says."""
    import re
    from pathlib import Path

    page = (Path(__file__).resolve().parents[1] / "docs" / "behaviour.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```json\n(.*?)```", page, flags=re.S)
    assert len(blocks) == 1, "docs/behaviour.md should hold exactly one ```json suite example"
    (tmp_path / "suites.json").write_text(blocks[0], encoding="utf-8")
    suites = load_suites(tmp_path / "suites.json")
    ages = suites["vocabulary"]["age"]

    class AgeBiased(Keywords):
        def predict_proba(self, texts):
            probs = super().predict_proba(texts)
            old = np.array([ages[-1] in t for t in texts])
            probs[old, 1] = np.clip(probs[old, 1] - 0.3, 0, 1)
            probs[:, 0] = 1 - probs[:, 1]
            return probs

    fair = {r.name: r for r in probe(Keywords(), n=40, seed=0, suites=suites)}
    biased = {r.name: r for r in probe(AgeBiased(), n=40, seed=0, suites=suites)}
    assert fair["change an age"].failures == 0 and fair["change an age"].n >= 20
    assert biased["change an age"].failures > 0
