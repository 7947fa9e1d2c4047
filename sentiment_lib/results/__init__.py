"""Results the benchmarks recorded, shipped with the library so that every chapter can read them.

Each ``<name>.json`` here was written by ``benchmarks/bench_<...>.py`` (``benchmarks/_common.py``
``write_result``) with the machine that produced it. They are package data: a chapter opened in
Colab (the notebook alone, the library pip-installed) reads them the same as a clone does.

Examples
--------
>>> result = recorded("book_other_pooling")
>>> sorted(result)[:3]
['args', 'benchmark', 'created']
>>> recorded("no_such_result")
Traceback (most recent call last):
...
sentiment_lib.errors.SentimentLibError: No recorded result named 'no_such_result'. ...
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..errors import SentimentLibError

#: Where the recorded results live (inside the installed package).
RESULTS_DIR = Path(__file__).resolve().parent


def names() -> list[str]:
    """The recorded results there are.

    >>> "inference" in names()
    True
    """
    return sorted(p.stem for p in RESULTS_DIR.glob("*.json"))


def recorded(name: str) -> dict[str, Any]:
    """The recorded result ``name`` (``{"benchmark", "created", "machine", "results", ...}``).

    Parameters
    ----------
    name : str
        The file's name without ``.json``, e.g. ``"inference"``; :func:`names` lists them.

    Returns
    -------
    dict
        The JSON a benchmark script wrote: what ran, when, on which machine, and its results. An
        unknown name is a clear error that lists the recorded ones.

    Examples
    --------

    >>> recorded("inference")["benchmark"]
    'inference'
    """
    path = RESULTS_DIR / f"{name}.json"
    if not path.is_file():
        raise SentimentLibError(f"No recorded result named {name!r}.",
                                hint=f"These are recorded: {', '.join(names())}. Reinstall sentiment-lib if one is missing.")
    return json.loads(path.read_text(encoding="utf-8"))
