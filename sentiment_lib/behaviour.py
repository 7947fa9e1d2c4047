"""Where the model fails: behavioural tests of a sentiment model (CheckList).

Accuracy on IMDB says little about *how* a model fails. Behavioural testing (Ribeiro et al., "Beyond
Accuracy: Behavioral Testing of NLP Models with CheckList", ACL 2020) generates many small cases per
*capability* from templates and checks each with one of three test types:

* **MFT**, minimum functionality: every case has an expected label ("The film was not good." is
  negative);
* **INV**, invariance: changing a name, a title, a number, or adding a typo must not move
  P(positive) by more than a tolerance;
* **DIR**, directional: appending a clearly negative sentence must not *raise* P(positive) (and a
  positive one must not lower it) by more than a tolerance.

The suites are data (``behaviour_suites.json`` beside this file: templates and vocabularies), drawn
with a seed so that a run is reproducible. Any model with ``predict_proba(texts) -> (n, 2)`` can be
probed: a :class:`~sentiment_lib.inference.SentimentClassifier` (PyTorch or ONNX) or a scikit-learn
TF-IDF pipeline. From a terminal: ``sentiment-lib probe --model-dir DIR``.

Examples
--------
>>> suites = load_suites()
>>> cases = generate(suites["suites"][0], suites["vocabulary"], n=3, seed=0)
>>> [c.expected for c in cases]
['negative', 'negative', 'negative']
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np
import pandas as pd

from .errors import SentimentLibError
from .evaluation import proportion_interval
from .evaluation import LABELS

SUITES_FILE = Path(__file__).with_name("behaviour_suites.json")
_FIELD = re.compile(r"\{([a-z_]+?)(2?)\}")


@dataclass
class Case:
    """One generated test: a text, and what must hold for it."""

    text: str
    expected: str | None = None          # MFT: the label the text must get
    variant: str | None = None           # INV / DIR: the changed text, compared with ``text``


@dataclass
class SuiteResult:
    """How a model did on one suite: its failure rate with a Wilson interval, and its worst cases."""

    name: str
    capability: str
    kind: str
    n: int
    failures: int
    interval: tuple[float, float]
    worst: list[dict[str, Any]] = field(default_factory=list)

    @property
    def failure_rate(self) -> float:
        return self.failures / self.n if self.n else float("nan")


def load_suites(path: str | os.PathLike | None = None) -> dict[str, Any]:
    """The suites and their vocabulary, from ``behaviour_suites.json`` (or another file of that shape).

    Parameters
    ----------
    path : str or Path, default=None
        A JSON file with ``suites`` and ``vocabulary``; ``None`` reads the one packaged with the library.

    Returns
    -------
    dict
        ``{"suites": [...], "vocabulary": {...}, ...}`` as stored in the file.

    Examples
    --------
    >>> len(load_suites()["suites"]) >= 6
    True
    """
    source = Path(path) if path is not None else SUITES_FILE
    try:
        data = json.loads(source.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as err:
        raise SentimentLibError(f"Could not read behavioural suites from {source}: {err}.",
                                hint="Pass a JSON file with 'vocabulary' and 'suites'.") from None
    if not {"vocabulary", "suites"} <= set(data):
        raise SentimentLibError(f"{source} needs the keys 'vocabulary' and 'suites'.")
    return data


def _vocabulary(suite: dict[str, Any], vocabulary: dict[str, list[str]]) -> dict[str, list[str]]:
    """The suite's words: the shared vocabulary plus its derived lists ("capitalise X" or a list)."""
    words = dict(vocabulary)
    for name, rule in suite.get("derived", {}).items():
        if isinstance(rule, list):
            words[name] = rule
        elif isinstance(rule, str) and rule.startswith("capitalise "):
            words[name] = [w[:1].upper() + w[1:] for w in vocabulary[rule.split(" ", 1)[1]]]
        else:
            raise SentimentLibError(f"Suite {suite['name']!r}: unknown derived rule {rule!r}.")
    return words


def _fill(template: str, words: dict[str, list[str]], rng: np.random.Generator, fixed: dict[str, str] | None = None) -> tuple[str, dict[str, str]]:
    """Fill every ``{field}`` of a template; ``{field2}`` is a second, different word of the same list."""
    chosen = dict(fixed or {})

    def pick(match: re.Match) -> str:
        key = match.group(1) + match.group(2)
        if key not in chosen:
            pool = words[match.group(1)]
            others = [w for w in pool if w != chosen.get(match.group(1))] if match.group(2) else pool
            chosen[key] = others[rng.integers(len(others))]
        return chosen[key]

    return _FIELD.sub(pick, template), chosen


def _typo(text: str, rng: np.random.Generator) -> str:
    """Swap two neighbouring letters inside one word of four letters or more."""
    words = text.split(" ")
    candidates = [i for i, w in enumerate(words) if sum(c.isalpha() for c in w) >= 4]
    i = candidates[rng.integers(len(candidates))]
    word = words[i]
    j = int(rng.integers(1, len([c for c in word if c.isalpha()]) - 2))
    words[i] = word[:j] + word[j + 1] + word[j] + word[j + 2:]
    return " ".join(words)


def _one_case(suite: dict[str, Any], words: dict[str, list[str]], rng: np.random.Generator) -> Case:
    templates = suite["templates"]
    entry = templates[rng.integers(len(templates))]
    template, label = (entry, suite.get("label")) if isinstance(entry, str) else entry
    text, chosen = _fill(template, words, rng)
    if suite.get("preamble"):
        neutral = words["neutral"]
        order = rng.permutation(len(neutral))
        preamble = " ".join(neutral[k] for k in np.resize(order, suite["preamble"]))
        text = f"{preamble} {text}"
    if suite["type"] == "MFT":
        return Case(text, expected=label)
    if suite["type"] == "INV":
        if "swap" in suite:
            key = suite["swap"]
            others = [w for w in words[key] if w != chosen[key]]
            variant, _ = _fill(template, words, rng, {**chosen, key: others[rng.integers(len(others))]})
        else:
            variant = _typo(text, rng)
        return Case(text, variant=variant)
    appended = words[suite["append"]][rng.integers(len(words[suite["append"]]))]
    return Case(text, variant=f"{text} {appended}")


def generate(suite: dict[str, Any], vocabulary: dict[str, list[str]], *, n: int = 300, seed: int = 0) -> list[Case]:
    """Up to ``n`` distinct cases of one suite, drawn with ``seed`` (the same seed, the same cases).

    Examples
    --------
    >>> data = load_suites()
    >>> contrast = next(s for s in data["suites"] if s["capability"] == "contrast")
    >>> generate(contrast, data["vocabulary"], n=2, seed=1) == generate(contrast, data["vocabulary"], n=2, seed=1)
    True
    """
    if suite.get("type") not in ("MFT", "INV", "DIR"):
        raise SentimentLibError(f"Suite {suite.get('name')!r}: type must be MFT, INV or DIR, not {suite.get('type')!r}.")
    words = _vocabulary(suite, vocabulary)
    rng = np.random.default_rng(seed)
    cases: dict[str, Case] = {}
    for _ in range(20 * n):
        case = _one_case(suite, words, rng)
        cases.setdefault(case.text + "\0" + (case.variant or ""), case)
        if len(cases) == n:
            break
    return list(cases.values())


def _positive(predict_proba: Callable[[list[str]], Any], texts: list[str]) -> np.ndarray:
    probs = np.asarray(predict_proba(texts), dtype=float)
    if probs.ndim != 2 or probs.shape != (len(texts), 2):
        raise SentimentLibError(f"predict_proba must return one (P(negative), P(positive)) row per text; got shape {probs.shape}.")
    return probs[:, 1]


def score(suite: dict[str, Any], cases: Sequence[Case], predict_proba: Callable[[list[str]], Any], *, worst: int = 3) -> SuiteResult:
    """Run one suite's cases through a model: which fail, the failure rate's Wilson interval, the worst cases."""
    p = _positive(predict_proba, [c.text for c in cases])
    tolerance = float(suite.get("tolerance", 0.0))
    if suite["type"] == "MFT":
        want = np.array([LABELS.index(c.expected) for c in cases])
        badness = np.where(want == 1, 0.5 - p, p - 0.5)       # > 0: on the wrong side of 0.5
        failed = badness > 0
        rows = [{"text": c.text, "expected": c.expected, "p_positive": float(q)} for c, q in zip(cases, p)]
    else:
        q = _positive(predict_proba, [c.variant for c in cases])
        move = q - p
        if suite["type"] == "INV":
            badness = np.abs(move) - tolerance
        else:
            badness = (move if suite["direction"] == "not up" else -move) - tolerance
        failed = badness > 0
        rows = [{"text": c.text, "variant": c.variant, "p_positive": float(a), "p_positive_variant": float(b)}
                for c, a, b in zip(cases, p, q)]
    order = np.argsort(-badness)[:worst]
    n, k = len(cases), int(failed.sum())
    return SuiteResult(suite["name"], suite["capability"], suite["type"], n, k, proportion_interval(k, n),
                       [rows[i] for i in order if failed[i]])


def probe(model: Any, *, n: int = 300, seed: int = 0, suites: dict[str, Any] | None = None) -> list[SuiteResult]:
    """Run every suite on ``model`` (anything with ``predict_proba(texts)``, or such a function).

    Parameters
    ----------
    model : object or callable
        Returns an ``(n, 2)`` array of P(negative), P(positive) for a list of texts.
    n : int, default=300
        Cases generated per suite (fewer where a suite's templates have fewer combinations).
    seed : int, default=0
        Seed of the case generator: the same seed gives the same cases to every model.
    suites : dict, default=None
        What :func:`load_suites` returns; ``None`` loads the packaged suites.

    Returns
    -------
    list of SuiteResult
        One per suite: its name, capability, test type (MFT, INV or DIR), cases, failures and
        the 95% Wilson interval of the failure rate.

    Examples
    --------
    >>> class Coin:                                    # a model that always says 0.5
    ...     def predict_proba(self, texts):
    ...         return np.full((len(texts), 2), 0.5)
    >>> results = probe(Coin(), n=20)
    >>> {r.kind for r in results} == {"MFT", "INV", "DIR"}
    True
    """
    data = suites or load_suites()
    predict_proba = model.predict_proba if hasattr(model, "predict_proba") else model
    return [score(s, generate(s, data["vocabulary"], n=n, seed=seed), lambda t: predict_proba(list(t)))
            for s in data["suites"]]


def failure_table(results: Sequence[SuiteResult]) -> pd.DataFrame:
    """One row per suite: capability, test type, cases, failure rate and its 95% Wilson interval.

    Parameters
    ----------
    results : sequence of SuiteResult
        What :func:`probe` returned.

    Returns
    -------
    pandas.DataFrame
        Indexed by suite name.

    Examples
    --------
    >>> r = SuiteResult("negated positive", "negation", "MFT", 200, 50, (0.19, 0.31))
    >>> float(failure_table([r]).loc["negated positive", "failure rate"])
    0.25
    """
    return pd.DataFrame([{"suite": r.name, "capability": r.capability, "type": r.kind, "cases": r.n,
                          "failure rate": r.failure_rate, "95% low": r.interval[0], "95% high": r.interval[1]}
                         for r in results]).set_index("suite")


def by_capability(results: Sequence[SuiteResult]) -> pd.DataFrame:
    """Failures pooled per capability (all its suites), with a Wilson interval, worst first.

    Parameters
    ----------
    results : sequence of SuiteResult
        What :func:`probe` returned.

    Returns
    -------
    pandas.DataFrame
        Indexed by capability: cases, failures, ``failure rate`` and its 95% interval.

    Examples
    --------
    >>> rs = [SuiteResult("a", "negation", "MFT", 100, 40, (0, 1)), SuiteResult("b", "negation", "MFT", 100, 20, (0, 1))]
    >>> float(by_capability(rs).loc["negation", "failure rate"])
    0.3
    """
    rows = {}
    for r in results:
        n, k = rows.get(r.capability, (0, 0))
        rows[r.capability] = (n + r.n, k + r.failures)
    table = pd.DataFrame([{"capability": c, "cases": n, "failures": k, "failure rate": k / n,
                           "95% low": proportion_interval(k, n)[0], "95% high": proportion_interval(k, n)[1]}
                          for c, (n, k) in rows.items()]).set_index("capability")
    return table.sort_values("failure rate", ascending=False)
