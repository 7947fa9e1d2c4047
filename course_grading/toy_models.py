"""Toy sentiment models with known faults, and the checks of the behavioural-testing tasks (exercise 5).

Assignment ``05_inference`` asks the learner for a minimum-functionality test (MFT) and an invariance
test (INV) of their own (chapter 5, *Where the model fails: behavioural tests*). A behavioural test is
good when it passes on a model without the fault and fails on a model with it. So the test cells run
the learner's test on small models whose faults are known and written down here, in plain Python:

==============================  =======================================================================
model                           how it reads a review
==============================  =======================================================================
:func:`healthy`                 the lexicon model below, without faults
:func:`ignores_negation`        (a) skips negators: "not good" is positive
:func:`first_clause_decides`    (b) reads contrast backwards: in "good, but awful" the first part decides
:func:`negation_reads_negative` (c) a negated word is always negative: "not bad" is negative
:func:`every_word_counts`       (d) leans on the words it should ignore (names, titles, numbers, "the"):
                                changing one moves P(positive)
:func:`typo_fragile`            (e) looks words up exactly: "wodnerful" is not "wonderful"
==============================  =======================================================================

**The healthy model.** Words are lower-cased. A sentiment word (:data:`POSITIVE`, :data:`NEGATIVE`:
the course vocabulary's adjectives and verbs, ``load_suites()["vocabulary"]``, and common others)
scores +1 or -1; an intensifier right before it ("very") doubles that, a diminisher ("slightly")
halves it. A negator (:data:`NEGATORS`: "not", "never", "no", "hardly", any "n't" ...) flips every
sentiment word after it up to the end of its clause (a punctuation mark, "and", or a contrast word).
Contrast: everything before "but" or "however" counts 0.3, and so does a clause that "although" or
"though" opens; the rest counts 1. A sentiment word with two neighbouring letters swapped (a typo) is
still read, unless the swap makes a word of its own ("great" to "greta", "best" to "bets", "care" to
"acre": :data:`TYPOS` holds the typos the models read). A rating is a number that carries a verdict
("two out of ten", "9/10", "4 stars"): r out of m adds 4 · (r / m - 0.5) to the score (-1.2 for
"two out of ten", +1.6 for "9/10"). Every other word (names, titles, other numbers, pronouns) is
ignored. The score is the sum, and P(positive) = sigmoid(k · score) with k = 1.5 by default: 0.82 for
one positive word, 0.5 for none.

The checks also use models no learner's test should pass: one that gets every case wrong (an MFT
must report all of its cases, not only the first), ones whose fault fails only a few of the learner's
own cases (an MFT must report every failure, however few), and one whose P(positive) moves with any
change of the text but never crosses 0.5 (an INV must compare probabilities, not labels, and has at
least :data:`MIN_PAIRS` pairs).

Every model is called like a fine-tuned classifier's ``predict_positive``: a list of texts in, a NumPy
array of P(positive) out. The checks (:func:`check_minimum_functionality_test`,
:func:`check_invariance_test` and the hidden ones) call the learner's test with such a model and judge
what it returns. Nothing here imports ``sentiment_lib``.

Examples
--------
>>> model = healthy()
>>> model(["The film was not good.", "The film was not bad.", "The cast is good, but the script is awful."]).round(2)
array([0.18, 0.82, 0.26])
>>> ignores_negation()(["The film was not good."]).round(2), first_clause_decides()(["The cast is good, but the script is awful."]).round(2)
(array([0.82]), array([0.74]))
>>> model(["Anna loved it.", "Ben loved it.", "Ben lvoed it."]).round(2), typo_fragile()(["Ben lvoed it."]).round(2)
(array([0.82, 0.82, 0.82]), array([0.5]))
"""

from __future__ import annotations

import math
import re
import zlib
from dataclasses import dataclass
from typing import Any, Callable, Iterable

import numpy as np

from .checks import CheckError

__all__ = [
    "NEGATIVE", "NEGATORS", "POSITIVE", "ToyModel", "check_invariance_test", "check_invariance_test_is_complete",
    "check_minimum_functionality_test", "check_minimum_functionality_test_is_complete", "every_word_counts",
    "first_clause_decides", "healthy", "ignores_negation", "negation_reads_negative", "typo_fragile",
]

# --------------------------------------------------------------------------------------
# The lexicon
# --------------------------------------------------------------------------------------

#: Words that score +1: the course vocabulary's ``pos_adj`` and ``pos_verb`` (and their base forms), then common others.
POSITIVE = frozenset("""
good great excellent wonderful brilliant enjoyable moving funny beautiful clever gripping charming
loved enjoyed liked admired adored appreciated love loves enjoy enjoys like likes admire admires adore adores appreciate
care recommend recommended amazing fantastic awesome superb perfect lovely nice fun entertaining touching impressive
outstanding memorable terrific delightful best masterpiece gem joy hooked entertained stunning powerful favourite favorite
""".split())
#: Words that score -1: the course vocabulary's ``neg_adj`` and ``neg_verb`` (and their base forms), then common others.
NEGATIVE = frozenset("""
bad awful terrible boring dull stupid dreadful pointless lazy tedious clumsy forgettable
hated disliked regretted despised resented hate hates dislike dislikes regret despise despises resent
horrible poor weak worst mediocre disappointing disappointed annoying painful bland silly predictable unwatchable
bored mess disaster waste wasted chore pain wooden ruins ruin ruined avoid lame
""".split())
INTENSIFIERS = frozenset(("very really extremely incredibly truly remarkably absolutely so highly totally utterly completely "
                          "complete").split())
DIMINISHERS = frozenset("somewhat slightly fairly mildly little rather bit moderately marginally partly".split())
#: Words that negate the sentiment words after them, up to the end of their clause (and any word ending in "n't",
#: and "hard" before "to": "hard to find anything bad").
NEGATORS = frozenset("not no never nothing none nobody neither nor hardly barely without cannot".split())
_NT = frozenset("dont didnt doesnt isnt wasnt arent werent cant couldnt wont wouldnt shouldnt aint".split())
#: Everything before one of these counts 0.3 ("X, but Y": Y decides).
CONTRAST_BEFORE = frozenset("but however nevertheless nonetheless".split())
#: The clause one of these opens counts 0.3 ("Although X, Y" and "Y, although X": Y decides).
CONTRAST_CLAUSE = frozenset("although though".split())
PUNCTUATION = frozenset(".,;:!?()\u2013\u2014-")
#: A last clause made only of these words, with a negator among them, negates what came before it:
#: "I thought it would be good, but it wasn't.", "Was it awful? No, not at all.", "Did I like it? No."
_ANSWER_WORDS = frozenset("it was is were did does do not no never wasn't isn't weren't didn't doesn't really at all "
                          "i it's that".split())
WEAK = 0.3
K = 1.5

# Neighbouring-letter swaps of a sentiment word that are real words (or names) in IMDB reviews: never read as typos.
_NOT_TYPOS = frozenset("greta bets acre".split())


def _swaps(word: str) -> Iterable[str]:
    for i in range(len(word) - 1):
        if word[i] != word[i + 1]:
            yield word[:i] + word[i + 1] + word[i] + word[i + 2:]


_KNOWN = POSITIVE | NEGATIVE | INTENSIFIERS | DIMINISHERS | NEGATORS | _NT | CONTRAST_BEFORE | CONTRAST_CLAUSE
#: typo -> the sentiment word it misspells (two neighbouring letters swapped)
TYPOS = {typo: word for word in sorted(POSITIVE | NEGATIVE) for typo in _swaps(word)
         if typo not in _KNOWN and typo not in _NOT_TYPOS}
_NUMBERS = {w: i for i, w in enumerate("zero one two three four five six seven eight nine ten".split())}
_NUMBER = r"(\d+(?:\.\d+)?|" + "|".join(_NUMBERS) + r")"
#: "two out of ten", "9/10", "4 out of 5", "4 stars": a number that carries a verdict.
RATING = re.compile(rf"\b{_NUMBER}\s*(?:/|out of)\s*(5|10|100|five|ten)\b|\b{_NUMBER}\s+stars?\b")


def _value(number: str) -> float:
    return float(_NUMBERS[number]) if number in _NUMBERS else float(number)


def rating(text: str) -> float:
    """The score of the ratings in ``text``: r out of m adds 4 · (r / m - 0.5) (stars are out of 5).

    >>> rating("Two out of ten."), rating("I give it 9/10, four stars."), rating("I saw it two times.")
    (-1.2, 2.8, 0.0)
    """
    total = 0.0
    for r, m, stars in RATING.findall(text.lower()):
        value, scale = (_value(r), _value(m)) if r else (_value(stars), 5.0)
        if 0 <= value <= scale:
            total += 4 * (value / scale - 0.5)
    return round(total, 6)


_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)*|[.,;:!?()\u2013\u2014]|(?<!\S)--?(?!\S)")


def tokens(text: str) -> list[str]:
    """Lower-cased words and punctuation marks.

    >>> tokens("I didn't like 'Red River' -- at all!")
    ['i', "didn't", 'like', 'red', 'river', '-', 'at', 'all', '!']
    """
    return [t[0] if t.startswith("-") else t for t in _TOKEN.findall(text.lower().replace("\u2019", "'"))]


def _unit(text: str, salt: str) -> float:
    """A number in [0, 1) from ``text``: the same in every process (crc32, not Python's salted ``hash``)."""
    return zlib.crc32(f"{salt}\0{text}".encode()) / 2**32


def _sigmoid(x: float) -> float:
    return 1 / (1 + math.exp(-x))


# --------------------------------------------------------------------------------------
# The models
# --------------------------------------------------------------------------------------

_WATCHERS: list[Callable[[Any], None]] = []  # see _run: which models a learner's test called


class Predictor:
    """``predict_positive``: a list of texts in, a NumPy array of P(positive) out."""

    name = "a model"

    def probability(self, text: str) -> float:
        raise NotImplementedError

    def __call__(self, texts: Any) -> np.ndarray:
        __tracebackhide__ = True
        if isinstance(texts, str):
            raise TypeError("predict_positive takes a list of texts, not one string: write predict_positive([text]).")
        for watch in _WATCHERS:
            watch(self)
        texts = list(texts)
        for text in texts:
            if not isinstance(text, str):
                raise TypeError(f"predict_positive takes a list of strings, but one of them is a {type(text).__name__}.")
        return np.array([self.probability(t) for t in texts], dtype=float)

    def __repr__(self) -> str:
        return f"<the toy model that {self.name}>"


@dataclass(frozen=True, repr=False)
class ToyModel(Predictor):
    """The lexicon model of the module's docstring; the keyword arguments switch one fault on.

    ``negation``: ``"flip"`` (right), ``"ignore"`` (a) or ``"negative"`` (c); ``contrast``: ``"second"``
    (right) or ``"first"`` (b); ``typos``: ``"robust"`` (right) or ``"exact"`` (e); ``leaning``:
    ``None`` (right) or a salt (d): the words the model should ignore, taken together, then add a
    number in [-``scale``, ``scale``] to the logit, drawn from a hash of them and the salt.
    ``k`` is the steepness of the sigmoid.

    >>> ToyModel("reads 'not' as nothing", negation="ignore").read("Not bad, James.")
    (-1.0, ['james'])
    """

    name: str
    negation: str = "flip"
    contrast: str = "second"
    typos: str = "robust"
    leaning: str | None = None
    scale: float = 2.5
    k: float = K

    def polarity(self, word: str) -> int:
        """+1, -1 or 0: the word's sentiment (typos read through unless ``typos="exact"``)."""
        if self.typos == "robust":
            word = TYPOS.get(word, word)
        return 1 if word in POSITIVE else -1 if word in NEGATIVE else 0

    def read(self, text: str) -> tuple[float, list[str]]:
        """The sentiment score of ``text``, and the words it ignored."""
        toks = tokens(text)
        n = len(toks)
        found: list[tuple[int, float]] = []  # (position, value) of every sentiment word
        discounted: list[tuple[int, int]] = []  # ranges [start, stop) of positions that count WEAK
        ignored: list[str] = []
        negated, times, clause_from = False, 1.0, None
        for i, tok in enumerate(toks):
            if tok in PUNCTUATION or tok == "and" or tok in CONTRAST_BEFORE or tok in CONTRAST_CLAUSE:
                negated, times = False, 1.0  # a negator's scope ends with its clause
                if clause_from is not None and tok != "and":  # the clause "although" opened ends here
                    discounted.append((clause_from, i) if self.contrast == "second" else (i, n))
                    clause_from = None
                if tok in CONTRAST_BEFORE:
                    discounted.append((0, i) if self.contrast == "second" else (i, n))
                elif tok in CONTRAST_CLAUSE:
                    clause_from = i
            elif tok in NEGATORS or tok in _NT or tok.endswith("n't") or (tok == "hard" and toks[i + 1:i + 2] == ["to"]):
                if self.negation != "ignore":
                    negated = not negated
            elif tok in INTENSIFIERS:
                times *= 2.0
            elif tok in DIMINISHERS:
                times *= 0.5
            elif self.polarity(tok):
                value = self.polarity(tok) * times
                if negated:
                    value = -abs(value) if self.negation == "negative" else -value
                found.append((i, value))
                times = 1.0
            else:
                times = 1.0
                ignored.append(tok)
        if clause_from is not None and self.contrast == "second":
            discounted.append((clause_from, n))
        flip_before = self._answered_no(toks)
        if flip_before is not None and self.negation != "ignore":  # "..., but it wasn't." / "...? No.": the rest is negated
            found = [(i, (-abs(v) if self.negation == "negative" else -v) if i < flip_before else v) for i, v in found]
            # the "but" that opens the answer ("good, but it wasn't") does not weaken what the answer negates
            discounted = [(a, b) for a, b in discounted if not (a == 0 and b == flip_before)]
        score = sum(value * WEAK ** sum(a <= i < b for a, b in discounted) for i, value in found)
        return score + rating(text), ignored

    @staticmethod
    def _answered_no(toks: list[str]) -> int | None:
        """Where a last clause that only says "no" ("but it wasn't", "? No.", "It was not.") begins, else None."""
        end = len(toks)
        while end and toks[end - 1] in PUNCTUATION:
            end -= 1
        start = max((i for i in range(end) if toks[i] in {",", ";", ".", "?", "!", "but"}), default=None)
        if start is None:
            return None
        tail = toks[start + 1:end]
        negating = any(t in NEGATORS or t in _NT or t.endswith("n't") for t in tail)
        return start if tail and negating and all(t in _ANSWER_WORDS for t in tail) else None

    def probability(self, text: str) -> float:
        score, ignored = self.read(text)
        lean = 0.0 if self.leaning is None else self.scale * (2 * _unit(" ".join(ignored), self.leaning) - 1)
        return _sigmoid(self.k * score + lean)


def healthy(k: float = K) -> ToyModel:
    """The lexicon model without faults."""
    return ToyModel("has no known fault", k=k)


def ignores_negation(k: float = K) -> ToyModel:
    """(a) Skips negators: "The film was not good." is positive."""
    return ToyModel('ignores negation ("not good" is positive)', negation="ignore", k=k)


def first_clause_decides(k: float = K) -> ToyModel:
    """(b) Reads contrast backwards: in "X, but Y" (and "Although X, Y") X decides."""
    return ToyModel('lets the first clause decide a contrast ("good, but awful" is positive)', contrast="first", k=k)


def negation_reads_negative(k: float = K) -> ToyModel:
    """(c) A negated sentiment word is always negative: "not bad" is as negative as "not good"."""
    return ToyModel('reads every negation as negative ("not bad" is negative)', negation="negative", k=k)


def every_word_counts(salt: str = "visible", k: float = K, scale: float = 2.5) -> ToyModel:
    """(d) Leans on the words it should ignore: names, titles, numbers (all the words without sentiment).

    Those words, taken together, add a number in [-``scale``, ``scale``] to the logit, drawn from a
    hash of them and ``salt`` (the hidden tests use other salts). So changing a name, a title or a
    number moves P(positive), for most pairs by more than 0.1; a typo in such a word too.
    """
    return ToyModel("lets every word count (names, titles and numbers move it)", leaning=salt, scale=scale, k=k)


def typo_fragile(k: float = K) -> ToyModel:
    """(e) Looks sentiment words up exactly: a typo ("wodnerful") makes one unknown, so neutral."""
    return ToyModel('misreads typos ("wodnerful" is not "wonderful")', typos="exact", k=k)


class _Opposite(Predictor):
    """P(positive) = 1 - the healthy model's: every case of a correct MFT fails on it."""

    name = "gets every case wrong (1 - the healthy model's P(positive))"

    def __init__(self, k: float = K):
        self._healthy = healthy(k)

    def probability(self, text: str) -> float:
        return 1 - self._healthy.probability(text)


class _Partly(Predictor):
    """The healthy model, but ``fault``'s P(positive) on the texts ``chosen``: a fault that fails only some cases."""

    def __init__(self, fault: Predictor, chosen: set[str], of: int):
        self._fault, self._chosen, self._healthy = fault, set(chosen), healthy()
        self.name = f"gets only {len(chosen)} of your {of} cases wrong: it {fault.name}, but only there"

    def probability(self, text: str) -> float:
        return self._fault.probability(text) if text in self._chosen else self._healthy.probability(text)


class _AnyChange(Predictor):
    """P(positive) from 0.55 to 0.95, a hash of the whole text: any change moves it, never across 0.5.

    ``mirrored``: 1.5 minus that, so every move has the same size and the other direction.
    """

    name = "moves P(positive) with any change of the text (from 0.55 to 0.95: never across 0.5)"

    def __init__(self, salt: str, mirrored: bool = False):
        self._salt, self._mirrored = salt, mirrored

    def probability(self, text: str) -> float:
        p = 0.55 + 0.4 * _unit(text, self._salt)
        return 1.5 - p if self._mirrored else p


# --------------------------------------------------------------------------------------
# The checks of the learner's tests
# --------------------------------------------------------------------------------------

MIN_TEXTS = 20
#: An INV needs at least this many distinct pairs (text, variant); counted on :class:`_AnyChange`, where every pair moves.
MIN_PAIRS = 20
#: On the models of the completeness checks nearly every case fails (MFT) or moves (INV): the returned ones must
#: cover at least this share of the texts the learner's test sent (the rest: cases without a known sentiment word,
#: texts sent for another reason).
COVERAGE = 0.8
LABELS = ("negative", "positive")
_MFT, _INV = "minimum_functionality_test", "invariance_test"


def _run(func: Callable, model: Predictor, *, forbid: Iterable[Any] = (), **kwargs: Any) -> tuple[list[tuple[str, str]], set[str], str]:
    """Call the learner's test with ``model`` as ``predict_positive``: (its pairs, the texts it sent, the call shown)."""
    __tracebackhide__ = True
    from .checks import call, shorten
    from .probes import check_type

    sent: set[str] = set()

    def predict_positive(texts):
        __tracebackhide__ = True
        texts = texts if isinstance(texts, str) else list(texts)
        probabilities = model(texts)
        sent.update(texts)
        return probabilities

    called: list[Predictor] = []
    _WATCHERS.append(called.append)
    try:
        result = call(func, predict_positive, forbid=forbid, **kwargs)
    finally:
        _WATCHERS.remove(called.append)
    name = getattr(func, "__name__", "your test")
    what = f"{name}(<the toy model that {model.name.split(' (')[0]}>{''.join(f', {k}={v}' for k, v in kwargs.items())})"
    others = [m for m in called if m is not model]
    if others:
        raise CheckError(
            f"{what} runs {others[0]!r} itself. A behavioural test may use only the model it is given "
            "(`predict_positive`): the expected labels and the variants are yours to write, not another model's.")
    check_type(result, (list, tuple, np.ndarray), f"{what} should return")
    pairs = []
    for item in result:
        if not (isinstance(item, (tuple, list, np.ndarray)) and len(item) == 2 and all(isinstance(x, str) for x in item)):
            shape = "(text, expected_label)" if name == _MFT else "(text, variant)"
            raise CheckError(f"{what} should return a list of {shape} pairs, two strings each; one item is {shorten(item, 80)}.")
        pairs.append((str(item[0]), str(item[1])))
    return pairs, sent, what


def _wrong_side(p: float, label: str) -> bool:
    """A case fails when P(positive) is on the wrong side of 0.5 (0.5 itself counts either way)."""
    return p <= 0.5 if label == "positive" else p >= 0.5


def _unknown(text: str) -> bool:
    return not any(healthy().polarity(t) for t in tokens(text))


def _enough(sent: set[str], what: str) -> None:
    __tracebackhide__ = True
    if len(sent) < MIN_TEXTS:
        raise CheckError(
            f"{what} sent {len(sent)} distinct text{'s' * (len(sent) != 1)} to predict_positive; a behavioural test needs "
            f"many cases: build at least {MIN_TEXTS} from templates and word lists (the tests count the distinct texts "
            "your test sends to the model).")


def _enough_pairs(func: Callable, forbid: Iterable[Any]) -> None:
    """The learner's INV has at least :data:`MIN_PAIRS` distinct pairs: on models where every change of a text moves
    P(positive), never across 0.5 (two of them, so that a pair that happens to move little on one counts on the other)."""
    __tracebackhide__ = True
    pairs: set[frozenset[str]] = set()
    for salt in ("pairs-1", "pairs-2"):
        returned, _, what = _run(func, _AnyChange(salt), forbid=forbid, tolerance=0.001)
        pairs |= {frozenset(pair) for pair in returned if pair[0] != pair[1]}
    if len(pairs) < MIN_PAIRS:
        raise CheckError(
            f"Your {_INV} has {len(pairs)} distinct pair{'s' * (len(pairs) != 1)} (text, variant); build at least {MIN_PAIRS}.\n"
            f"On a model that {_AnyChange.name}, nearly every pair moves by more than tolerance=0.001, yet your test "
            f"returned only {len(pairs)}. Make at least {MIN_PAIRS} pairs from templates and word lists, and return every "
            "pair that moves by more than `tolerance`.")


def _not_a_change_that_must_not_matter(pairs: list[tuple[str, str]]) -> str:
    """Why a pair that moves the healthy model is no INV pair: a rating, or a swap that makes another word."""
    for x, y in pairs:
        if rating(x) != rating(y):
            return (f" {x!r} and {y!r} differ in a rating: a number that carries a verdict (\"two out of ten\", \"9/10\", "
                    "\"4 stars\") must matter. Change a number that says nothing about the film (times seen, minutes).")
        a, b = tokens(x), tokens(y)
        if len(a) == len(b):
            for u, v in zip(a, b):
                if u != v and v in _swaps(u) and healthy().polarity(u) and not healthy().polarity(v):
                    return (f" {v!r} is a word of its own, not a typo of {u!r}: swap two neighbouring letters so that the "
                            f"word is no longer a word (grading.toy_models.TYPOS lists the typos the toy models read).")
    return ""


def _mft_failures(model: Predictor, pairs: list[tuple[str, str]], what: str) -> None:
    """Every returned case must be a real failure of ``model``."""
    __tracebackhide__ = True
    for text, label in pairs:
        if label not in LABELS:
            raise CheckError(f"{what} returned ({text!r}, {label!r}): the expected label must be 'positive' or 'negative'.")
    probabilities = model([t for t, _ in pairs]) if pairs else []
    for (text, label), p in zip(pairs, probabilities):
        if not _wrong_side(p, label):
            raise CheckError(
                f"{what} returned ({text!r}, {label!r}), but that model gives it P(positive) = {p:.2f}, on the right side "
                "of 0.5: return only the cases the model gets wrong.")


def _inv_failures(model: Predictor, pairs: list[tuple[str, str]], tolerance: float, what: str) -> None:
    """Every returned pair must move P(positive) by more than ``tolerance`` on ``model``."""
    __tracebackhide__ = True
    for text, variant in pairs:
        a, b = model([text, variant])
        if not abs(b - a) > tolerance:
            raise CheckError(
                f"{what} returned ({text!r}, {variant!r}), but P(positive) moves by only {abs(b - a):.3f} there "
                f"({a:.2f} → {b:.2f}), not by more than tolerance={tolerance}: return only the pairs that move by more.")


def _show(pairs: list[tuple[str, str]], model: Predictor, kind: str, limit: int = 2) -> str:
    shown = []
    for x, y in pairs[:limit]:
        if kind == _MFT:
            shown.append(f"({x!r}, {y!r}) where P(positive) = {model([x])[0]:.2f}")
        else:
            a, b = model([x, y])
            shown.append(f"({x!r}, {y!r}) where P(positive) goes {a:.2f} → {b:.2f}")
    return "; ".join(shown)


def check_minimum_functionality_test(func: Callable, faults: list[Predictor], *, forbid: Iterable[Any] = (),
                                     healthy_model: Predictor | None = None) -> None:
    """The learner's MFT passes on ``healthy_model``, catches at least one of ``faults``, and returns only real failures.

    Also: it sends at least :data:`MIN_TEXTS` distinct texts to the model, and calls no other model.

    >>> def negation(predict_positive):
    ...     cases = [(f"The {n} was not {a}.", "negative") for n in ("film", "plot", "cast", "script") for a in ("good", "great", "funny", "clever", "moving")]
    ...     p = predict_positive([t for t, _ in cases])
    ...     return [(t, label) for (t, label), q in zip(cases, p) if q > 0.5]
    >>> check_minimum_functionality_test(negation, [ignores_negation(), first_clause_decides()])
    >>> check_minimum_functionality_test(negation, [first_clause_decides()])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    course_grading.checks.CheckError: Your minimum_functionality_test returns [] on every model with a fault: ... It catches no fault. ...
    """
    __tracebackhide__ = True
    model = healthy_model or healthy()
    pairs, sent, what = _run(func, model, forbid=forbid)
    _enough(sent, what)
    if pairs:
        neutral = [t for t, _ in pairs if _unknown(t)]
        raise CheckError(
            f"{what} should return [] (that model has no fault), but it returned {len(pairs)} case{'s' * (len(pairs) > 1)}, "
            f"e.g. {_show(pairs, model, _MFT)}. Check the expected labels, and return only the cases on the wrong side of 0.5."
            + (f" {neutral[0]!r} has no sentiment word the toy models know (grading.toy_models.POSITIVE and NEGATIVE), so its "
               "P(positive) is 0.5: use those words." if neutral else
               " (How the toy models read a text: help(grading.toy_models); leave out a case they cannot read.)"))
    caught = []
    for fault in faults:
        pairs, _, what = _run(func, fault, forbid=forbid)
        _mft_failures(fault, pairs, what)
        caught += [fault] if pairs else []
    if not caught:
        capable = [t for t in sent if any(w in NEGATORS or w in _NT or w.endswith("n't") or w in CONTRAST_BEFORE | CONTRAST_CLAUSE for w in tokens(t))]
        raise CheckError(
            f"Your {_MFT} returns [] on every model with a fault: on the model that "
            + " and on the one that ".join(f.name for f in faults)
            + ". It catches no fault. Test a capability these models get wrong: negation (\"The film was not good.\" is "
            "negative), negated negatives (\"The film was not bad.\" is positive) or contrast (\"The cast is good, but the "
            "script is awful.\" is negative)."
            + ("" if capable else f" None of the {len(sent)} texts your test sent has a negator or a contrast word."))


def check_invariance_test(func: Callable, faults: list[Predictor], *, tolerance: float | None = None,
                          forbid: Iterable[Any] = (), healthy_model: Predictor | None = None, must_catch: bool = True) -> None:
    """The learner's INV passes on ``healthy_model``, catches at least one of ``faults``, and returns only real failures.

    ``tolerance=None`` calls it without the argument (its default, 0.1, is the one checked). Also: it
    sends at least :data:`MIN_TEXTS` distinct texts, and calls no other model.

    >>> def names(predict_positive, tolerance=0.1):
    ...     pairs = [(f"{a} thought the film was {adj}.", f"{b} thought the film was {adj}.")
    ...              for a, b in [("Anna", "Ben"), ("Chen", "Olga"), ("Priya", "James"), ("Sofia", "Kwame"), ("Lucia", "Hiroshi")]
    ...              for adj in ("good", "dull", "clever", "awful")]
    ...     p = predict_positive([t for pair in pairs for t in pair])
    ...     return [pair for pair, a, b in zip(pairs, p[0::2], p[1::2]) if abs(b - a) > tolerance]
    >>> check_invariance_test(names, [every_word_counts(), typo_fragile()])
    >>> check_invariance_test(names, [typo_fragile()])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    course_grading.checks.CheckError: Your invariance_test returns [] on every model with a fault: ... It catches no fault. ...
    """
    __tracebackhide__ = True
    model = healthy_model or healthy()
    kwargs = {} if tolerance is None else {"tolerance": tolerance}
    limit = 0.1 if tolerance is None else tolerance
    pairs, sent, what = _run(func, model, forbid=forbid, **kwargs)
    _enough(sent, what)
    if pairs:
        changed = [w for x, y in pairs for w in set(tokens(x)) ^ set(tokens(y)) if model.polarity(w)] if isinstance(model, ToyModel) else []
        raise CheckError(
            f"{what} should return [] (that model has no fault: names, titles, numbers and typos do not move it), but it "
            f"returned {len(pairs)} pair{'s' * (len(pairs) > 1)}, e.g. {_show(pairs, model, _INV)}. A variant must change only "
            "what should not matter (a name, a title, a number, a typo), never the sentiment; and return only the pairs that "
            "move by more than `tolerance`."
            + (_not_a_change_that_must_not_matter(pairs) or
               (f" {changed[0]!r} is a sentiment word for the toy models (grading.toy_models.POSITIVE and NEGATIVE)." if changed else "")))
    caught = []
    for fault in faults:
        pairs, _, what = _run(func, fault, forbid=forbid, **kwargs)
        _inv_failures(fault, pairs, limit, what)
        caught += [fault] if pairs else []
    if must_catch and not caught:
        raise CheckError(
            f"Your {_INV} returns [] on every model with a fault: on the model that "
            + " and on the one that ".join(f.name for f in faults)
            + ". It catches no fault. Make variants that change only what must not matter (a name, a title, a number, or "
            "a typo in a sentiment word), and return the pairs whose P(positive) moves by more than `tolerance`.")
    _enough_pairs(func, forbid)


def check_minimum_functionality_test_is_complete(func: Callable, *, forbid: Iterable[Any] = ()) -> None:
    """On a model that gets every case wrong, the learner's MFT returns (nearly) every case, not just one.

    "Every case": the texts it sends to the healthy model (where nothing fails, so a test that stops at
    the first failure still sends them all), or to this one if more.
    """
    __tracebackhide__ = True
    _, every, _ = _run(func, healthy(), forbid=forbid)
    model = _Opposite()
    pairs, sent, what = _run(func, model, forbid=forbid)
    _mft_failures(model, pairs, what)
    returned = {t for t, _ in pairs}
    sent = sent if len(sent) > len(every) else every
    if len(returned) < COVERAGE * len(sent):
        neutral = [t for t in sent if _unknown(t)]
        raise CheckError(
            f"On a model that {model.name}, your {_MFT} returned {len(returned)} failing case{'s' * (len(returned) != 1)} "
            f"of its {len(sent)} cases: return every case the model gets wrong, not only the first."
            + (f" ({len(neutral)} of the texts, e.g. {neutral[0]!r}, have no sentiment word the toy models know, so P(positive) "
               "is 0.5 on every model: such cases test nothing.)" if neutral else ""))
    _finds_every_failure(func, every, forbid)


def _side(p: float) -> int:
    return 1 if p > 0.5 else -1 if p < 0.5 else 0


def _finds_every_failure(func: Callable, every: set[str], forbid: Iterable[Any]) -> None:
    """On models whose fault fails only some of the learner's cases (one; about a third), the MFT returns each of them.

    The cases a fault gets wrong are those of the learner's texts (``every``: all right on the healthy model) where the
    faulty model and the healthy one are on different sides of 0.5. A test that reports failures only when many
    cases fail (a share, a count) misses them.
    """
    __tracebackhide__ = True
    model = healthy()
    for fault in (ignores_negation(), first_clause_decides(), negation_reads_negative()):
        wrong = [t for t in every if _side(fault.probability(t)) * _side(model.probability(t)) == -1]
        wrong.sort(key=lambda t: _unit(t, "partly"))
        for chosen in ({*wrong[:1]}, {*wrong[: len(wrong) // 3]} if len(wrong) >= 6 else set()):
            if not chosen:
                continue
            partly = _Partly(fault, chosen, len(every))
            pairs, _, what = _run(func, partly, forbid=forbid)
            _mft_failures(partly, pairs, what)
            missed = sorted(chosen - {t for t, _ in pairs})
            if missed:
                raise CheckError(
                    f"On a model that gets only {len(chosen)} of your {len(every)} cases wrong, your {_MFT} returned "
                    f"{len(pairs)} of them; return every case the model gets wrong, however few.\n"
                    f"It missed {missed[0]!r} (P(positive) = {partly([missed[0]])[0]:.2f}). A fault that fails a few cases "
                    "is still a fault: do not wait for a share or a count of failures.")


def check_invariance_test_is_complete(func: Callable, *, salt: str = "complete", forbid: Iterable[Any] = ()) -> None:
    """On a model that any change of a text moves (but never across 0.5), the learner's INV flags (nearly) every pair.

    Called with ``tolerance=0.001`` (almost every pair moves more) and ``tolerance=0.3`` (the returned
    pairs must move more than that: an answer that ignores ``tolerance`` returns smaller moves), on the
    model and on its mirror image (the same moves, the other way: an answer that flags only moves up
    misses half of them on one of the two).
    """
    __tracebackhide__ = True
    _, every, _ = _run(func, healthy(), forbid=forbid, tolerance=0.001)  # nothing moves: every text is sent
    for model in (_AnyChange(salt), _AnyChange(salt, mirrored=True)):
        pairs, sent, what = _run(func, model, forbid=forbid, tolerance=0.001)
        _inv_failures(model, pairs, 0.001, what)
        covered = {t for pair in pairs for t in pair}
        sent = sent if len(sent) > len(every) else every
        if len(covered) < COVERAGE * len(sent):
            raise CheckError(
                f"On a model that {model.name}, {what} returned {len(pairs)} pair{'s' * (len(pairs) != 1)}, with "
                f"{len(covered)} of the {len(sent)} texts of its pairs; nearly every pair moves by more than 0.001 there. Return "
                "every pair whose P(positive) moves by more than `tolerance`, up or down: compare the size of the move, "
                "abs(p_variant - p_text), not labels, and do not stop at the first.")
        pairs, _, what = _run(func, model, forbid=forbid, tolerance=0.3)
        _inv_failures(model, pairs, 0.3, what)
