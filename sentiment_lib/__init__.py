"""sentiment_lib — fine-tune DistilBERT (or any encoder) for IMDB sentiment analysis.

One module per chapter of the course:

==================  ============================================================
``data``            ch. 1: load IMDB, drop copies across splits, stratified validation split, cleaning
``tokenization``    ch. 2: fast tokenizers, head / head+tail truncation, dynamic padding
``checkpoints``     shared: where a model comes from (names, paths, the cache, the tiny and offline models)
``hardware``        shared: the device, the CPU's flags, which arithmetic (fp32, bf16, fp16)
``modeling``        ch. 3: pretrained encoder + new head, its pooling; loading a classifier
``pooling``         ch. 3: the mean-pooling sequence classifier (saved with models that use it)
``runs``            ch. 3: run directories, checkpoints, several processes (torchrun)
``training``        ch. 3: a hand-written loop, then ``Trainer`` (``fine_tune``); the profiles
``evaluation``      ch. 4: accuracy, precision, recall, F1, ROC-AUC, intervals, McNemar, calibration
``inference``       ch. 5: ``SentimentClassifier``: predict new reviews (PyTorch or ONNX Runtime)
``quantization``    ch. 5/7: int8 dynamic quantization of the linear layers
``export``          ch. 5: ONNX export (fp32 and int8) for ONNX Runtime and the browser
``baseline``        ch. 6: untrained head, TF-IDF + logistic regression, comparison table
``behaviour``       ch. 5: behavioural tests (CheckList): negation, contrast, invariance, ... per capability
``vader``           ch. 5/6: VADER, rules and a human-rated lexicon: what no training at all gives
``book``            the chapters' pages: computed sentences (``say``), checked claims (``holds``), the preamble
``results``         the benchmarks' recorded results, shipped as package data
``domains``         what each setting and flag accepts, checked once with one message
``figures``         colour-blind-safe palette, figures shown with their alt text
``grading``         the exercises' test-cell checks, re-exported from ``course_grading`` (nbgrader)
``cli``             the ``sentiment-lib`` command line (``__main__``: ``python -m sentiment_lib``)
``errors``          ``SentimentLibError``: a message and a hint, never a deep traceback
``environment``     the run-time environment, defined once: offline (local IMDB data, packaged encoder, no hub)
==================  ============================================================
"""

__version__ = "0.1.0"

from .errors import SentimentLibError  # noqa: E402

__all__ = ["SentimentLibError", "__version__"]
