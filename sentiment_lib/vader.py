"""Chapters 5 and 6 — a no-training baseline: VADER's rules and human-rated lexicon.

VADER (Hutto and Gilbert, 2014) scores a text with about 7,500 words and emoticons whose polarity
people rated, plus rules for negation ("not good"), intensifiers ("very good"), "but" and
punctuation. It needs no labelled data and no training: what it gets right is what no training at
all gives, beside TF-IDF (trained on the reviews) and fine-tuning (pretrained, then trained).

:class:`VaderClassifier` has the interface the course's other models have (``predict_proba`` with
one row of ``[P(negative), P(positive)]`` per text), so the behavioural probe of chapter 5 and the
comparison table of chapter 6 run it unchanged. P(positive) is VADER's compound score in [-1, 1]
mapped linearly onto [0, 1]; 0.5 (a compound of 0) is the boundary.

Examples
--------
>>> vader = VaderClassifier()
>>> probs = vader.predict_proba(["A wonderful, moving film.", "A dull, pointless mess."])
>>> probs.shape, bool(probs[0, 1] > 0.5 > probs[1, 1])
((2, 2), True)
>>> vader.predict(["I loved it.", "I hated it."]).tolist()
[1, 0]
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from .errors import SentimentLibError


class VaderClassifier:
    """VADER as a sentiment classifier: no training, ``predict_proba`` from its compound score.

    ``fit`` exists for the scikit-learn habit and does nothing: there is nothing to learn.

    Examples
    --------
    >>> vader = VaderClassifier()
    >>> vader.predict_proba(["A wonderful, moving film.", "Dull and far too long."]).round(2).tolist()
    [[0.21, 0.79], [0.7, 0.3]]
    """

    name = "VADER (rules and lexicon, no training)"

    def __init__(self) -> None:
        try:
            from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer
        except ImportError:  # pragma: no cover - a dependency of the package
            raise SentimentLibError("VADER is not installed.", hint="pip install vaderSentiment") from None
        self.analyzer = SentimentIntensityAnalyzer()

    def fit(self, texts: Any = None, labels: Any = None) -> VaderClassifier:
        """Nothing to fit: VADER's lexicon and rules are fixed. Returns ``self``.

        >>> VaderClassifier().fit(["any"], [1]).name
        'VADER (rules and lexicon, no training)'
        """
        return self

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """``[[P(negative), P(positive)], ...]``: the compound score mapped from [-1, 1] to [0, 1].

        >>> VaderClassifier().predict_proba(["fine"]).round(2).tolist()
        [[0.4, 0.6]]
        """
        if isinstance(texts, str):
            raise SentimentLibError("predict_proba takes a list of texts, not one string.", hint="Wrap it: [text].")
        positive = np.array([(self.analyzer.polarity_scores(str(t))["compound"] + 1) / 2 for t in texts], dtype=float)
        return np.column_stack([1 - positive, positive]) if len(positive) else np.zeros((0, 2))

    def predict(self, texts: Sequence[str]) -> np.ndarray:
        """The label of each text: 1 (positive) where P(positive) > 0.5, else 0.

        >>> VaderClassifier().predict(["A great film.", "An awful film."]).tolist()
        [1, 0]
        """
        return (self.predict_proba(texts)[:, 1] > 0.5).astype(int)
