"""sentiment_lib — fine-tune DistilBERT (or any encoder) for IMDB sentiment analysis.

One module per chapter of the course:

==================  ============================================================
``data``            load IMDB, stratified validation split, balanced subsets, cleaning
``tokenization``    fast tokenizers, head / head+tail truncation, dynamic padding
``modeling``        pretrained encoder + new head; offline and tiny models
``training``        a hand-written loop, then ``Trainer`` (``fine_tune``)
``evaluation``      accuracy, precision, recall, F1, ROC-AUC, figures, errors
``inference``       ``SentimentClassifier``: predict new reviews
``baseline``        untrained head, TF-IDF + logistic regression, comparison table
==================  ============================================================
"""

__version__ = "0.1.0"

from .errors import SentimentLibError  # noqa: E402

__all__ = ["SentimentLibError", "__version__"]
