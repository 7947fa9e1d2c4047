"""What a chapter page needs around its lesson: one preamble, computed sentences, checked claims.

A chapter runs in three places: the book build, Jupyter (Binder, a laptop) and Colab (the notebook
alone, the library pip-installed). Every sentence that carries a number, a setting or a verdict of
*this run* is therefore **Markdown output of a code cell**: :func:`say` fills the sentence in from the
values the chapter computed and displays it. The built book removes that cell's code and shows the
sentence; Jupyter and Colab fold the code and show the same sentence, with the reader's own numbers.
Nothing is a placeholder anywhere.

* :func:`glue` keeps a value under a name; :func:`say` reads ``{name}`` or ``{name:.3f}`` fields
  (Python's format syntax: ``{{`` for a literal brace) from its keyword arguments, then the glued
  values, then the notebook's variables.
* :func:`holds` checks the judging part of a sentence. In the book build (``SENTIMENT_BOOK_BUILD=1``,
  set by ``scripts/build_book.py``) a false one raises :class:`ClaimError` and fails the build, so the
  published text never says what its numbers contradict. Anywhere else it prints one line under the
  cell, with the numbers, and the notebook goes on: another model, seed or machine gives other
  numbers, which is expected and worth seeing.
* :func:`general` declares a judging sentence textbook knowledge (a paper, a definition), not a
  result of this run.
* :func:`start_page` is the shared preamble: quiet progress bars, pandas' column width;
  :func:`book_root` is where the book's outputs (its model) go.

Examples
--------
>>> glue("accuracy", 0.8512)
>>> fill("The model scored {accuracy:.3f} on {n:,d} reviews.", n=1000)
'The model scored 0.851 on 1,000 reviews.'
>>> holds(0.91 > 0.90, "the fine-tuned model is ahead", fine_tuned=0.91, tfidf=0.90)
"""

from __future__ import annotations

import inspect
import os
import re
import string
from pathlib import Path
from typing import Any

#: Set to "1" by scripts/build_book.py: the book build, where a false claim fails the build.
BUILD_VARIABLE = "SENTIMENT_BOOK_BUILD"

_GLUED: dict[str, Any] = {}


class ClaimError(AssertionError):
    """A sentence of the book that its own numbers no longer support."""


def building_book() -> bool:
    """True while ``scripts/build_book.py`` builds the book (``SENTIMENT_BOOK_BUILD=1``).

    >>> import os; os.environ.pop(BUILD_VARIABLE, None) and None
    >>> building_book()
    False
    """
    return os.environ.get(BUILD_VARIABLE) == "1"


def book_root(start: str | os.PathLike | None = None) -> Path:
    """Where the book's outputs go: the repository root in a clone (the folder with ``_config.yml``), else the current folder.

    Chapter 3 trains the book's model into ``book_root() / "_build" / "models" / "book"``; in Colab
    or any folder outside a clone that is ``./_build/models/book``.

    Parameters
    ----------
    start : str or Path, default=None
        Where to start looking upwards for ``_config.yml`` (``None``: the current folder).

    Returns
    -------
    pathlib.Path
        The first folder with ``_config.yml`` at or above ``start``, else ``start`` itself.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> book_root(folder) == folder
    True
    """
    here = Path(start) if start is not None else Path.cwd()
    return next((p for p in [here, *here.parents] if (p / "_config.yml").is_file()), here)


def run_banner(config: Any = None) -> str:
    """One line that says what produced this page's numbers: encoder, pooling, precision, CPU, date.

    Parameters
    ----------
    config : TrainConfig, default=None
        The chapter's configuration (its model, pooling and precision); ``None``: the defaults.

    Returns
    -------
    str
        A Markdown line for :func:`say`.

    Examples
    --------
    >>> run_banner().startswith("**This run:** encoder ")
    True
    """
    import datetime
    import platform

    from .checkpoints import display_name
    from .hardware import cpu_flags, pick_device, resolve_precision
    from .modeling import encoder_pooling

    model = getattr(config, "model", None)
    pooling = getattr(config, "pooling", "auto")
    pooling = encoder_pooling(model) if pooling in (None, "auto") else pooling
    device = pick_device()
    precision = resolve_precision(getattr(config, "precision", "auto") or "auto", device)
    flags = sorted(cpu_flags() & {"avx2", "avx512f", "avx512_bf16", "avx512_vnni", "amx_bf16"})
    cpu = f"{platform.machine()} CPU ({', '.join(flags) or 'no AVX2'})"
    return (f"**This run:** encoder {display_name(model)}; {'[CLS]' if pooling == 'cls' else pooling} pooling; "
            f"{precision} on {device if device != 'cpu' else cpu}; {datetime.date.today().isoformat()}.")


def start_page(colwidth: int = 120) -> None:
    """The preamble every chapter shares: no progress bars on the page, wide pandas columns.

    Parameters
    ----------
    colwidth : int, default=120
        pandas' ``display.max_colwidth``: how much of a review a table shows.

    Examples
    --------
    >>> start_page()
    """
    import datasets
    import pandas as pd
    import transformers

    datasets.disable_progress_bars()
    transformers.logging.disable_progress_bar()
    pd.set_option("display.max_colwidth", colwidth)


def glue(name: str, value: Any, display: bool = False) -> None:
    """Keep ``value`` under ``name`` for the sentences :func:`say` writes later in the chapter.

    ``display`` is accepted for the signature of ``myst_nb.glue`` and ignored: the value reaches the
    page through :func:`say`, never on its own.

    Parameters
    ----------
    name : str
        The field name the sentences use, ``{name:format}``.
    value : object
        Any value; a sentence's format spec decides how it is written.
    display : bool, default=False
        Ignored (see above).

    Examples
    --------
    >>> glue("n_reviews", 1000)
    >>> fill("{n_reviews:,d} reviews")
    '1,000 reviews'
    """
    if not isinstance(name, str) or not name.isidentifier():
        raise ValueError(f"glue(): the name must be a Python identifier, got {name!r}")
    _GLUED[name] = value


class _Missing:
    """A field with no value outside the book build: "(no value: name)", whatever its format."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __format__(self, spec: str) -> str:
        return f"(no value: {self.name})"

    def __getattr__(self, attr: str) -> _Missing:
        return self

    def __getitem__(self, key: Any) -> _Missing:
        return self


class _Values(dict):
    def __init__(self, values: dict[str, Any], namespace: dict[str, Any]) -> None:
        super().__init__(values)
        self.namespace = namespace

    def __missing__(self, name: str) -> Any:
        if name in _GLUED:
            return _GLUED[name]
        if name in self.namespace:
            return self.namespace[name]
        if building_book():
            raise ClaimError(f"say(): no value named {name!r}; glue(\"{name}\", ...) it in a cell above.")
        return _Missing(name)


def fields(template: str) -> list[str]:
    """The names a :func:`say` template reads, in order.

    >>> fields("{a:.3f} and {b} of {{braces}}")
    ['a', 'b']
    """
    names = []
    for _, field, _, _ in string.Formatter().parse(template):
        if field is not None:
            names.append(re.split(r"[.\[]", field, maxsplit=1)[0])
    return names


def fill(template: str, /, **values: Any) -> str:
    """``template`` with its ``{name:format}`` fields filled in (keyword arguments, glued values, the caller's variables).

    >>> fill("{share:.0%} of the reviews; {{literal}}", share=0.25)
    '25% of the reviews; {literal}'
    """
    return _filled(template, values, _caller_globals())


def _caller_globals() -> dict[str, Any]:
    """The variables of the first frame outside this module (the notebook's, in a chapter)."""
    frame = inspect.currentframe()
    caller = frame.f_back if frame is not None else None
    while caller is not None and caller.f_globals.get("__name__") == __name__:
        caller = caller.f_back
    return dict(caller.f_globals) if caller is not None else {}


def _filled(template: str, values: dict[str, Any], namespace: dict[str, Any]) -> str:
    return string.Formatter().vformat(template, (), _Values(values, namespace))


_ADMONITION = re.compile(r"^```\{admonition\}[ \t]*(?P<title>[^\n]*)\n(?::[a-z-]+:[^\n]*\n)*(?P<body>.*?)^```[ \t]*$",
                         re.MULTILINE | re.DOTALL)
_ROLE = re.compile(r"\{[a-z-]+\}`([^`]*)`")


def plain_markdown(text: str) -> str:
    """MyST-only syntax as plain Markdown, for Jupyter and Colab: an admonition becomes a quote.

    >>> print(plain_markdown("```{admonition} What to notice\\n:class: tip\\n- One.\\n```"))
    > **What to notice**
    >
    > - One.
    """
    def quote(match: re.Match) -> str:
        body = match.group("body").rstrip("\n").splitlines()
        lines = [f"**{match.group('title').strip()}**", "", *body]
        return "\n".join(("> " + line).rstrip() for line in lines)

    return _ROLE.sub(r"\1", _ADMONITION.sub(quote, text))


def say(template: str, /, **values: Any) -> None:
    """Display a sentence of the chapter, its ``{name:format}`` fields filled in, as Markdown output.

    In the book build the output is MyST (admonitions, roles); elsewhere plain Markdown that Jupyter
    and Colab render. The values come from the keyword arguments, :func:`glue` and the notebook's
    variables; a missing one fails the book build and reads "(no value: name)" elsewhere.

    Parameters
    ----------
    template : str
        Markdown with ``{name:format}`` fields (``str.format`` syntax).
    **values
        Values for the fields; they win over glued values and the notebook's variables.

    Examples
    --------
    >>> say("Accuracy {accuracy:.2f}.", accuracy=0.8512)  # in a notebook: the rendered sentence
    <IPython.core.display.Markdown object>
    """
    from IPython.display import Markdown, display

    text = _filled(template, values, _caller_globals()).strip()
    display(Markdown(text if building_book() else plain_markdown(text)))


def holds(condition: Any, sentence: str, **numbers: Any) -> None:
    """Check the judging part of a sentence: fail the book build when it is false, else say so in a line.

    ``sentence`` is the judging part of a sentence above, copied word for word (markdown emphasis and
    inline code may be left out); the test suite checks that it is there.

    Parameters
    ----------
    condition : bool
        Whether this run's numbers support the sentence.
    sentence : str
        The judging words, as on the page.
    **numbers
        The numbers the condition was computed from, quoted when it fails.

    Examples
    --------
    >>> holds(3.2 > 1.5, "dynamic padding computes fewer positions", uniform=3.2, dynamic=1.5)
    >>> holds(1.2 > 1.5, "dynamic padding computes fewer positions", uniform=1.2, dynamic=1.5)
    On this run the text's "dynamic padding computes fewer positions" does not hold: uniform=1.2, dynamic=1.5.
    """
    if bool(condition):
        return
    shown = ", ".join(f"{k}={_short(v)}" for k, v in numbers.items())
    if building_book():
        raise ClaimError(f'The book says "{sentence}", but the numbers do not support it'
                         + (f": {shown}." if shown else "."))
    print(f'On this run the text\'s "{sentence}" does not hold' + (f": {shown}." if shown else "."))


def general(sentence: str, source: str) -> None:
    """Declare a judging sentence textbook knowledge, not a result of this build: ``source`` says whose.

    Parameters
    ----------
    sentence : str
        The judging part of a sentence on the page, word for word.
    source : str
        A paper, a definition, or why the sentence is not a result; empty is an error.

    Examples
    --------
    >>> general("keeping 97% of its language-understanding performance", source="Sanh et al. (2019)")
    >>> general("anything", source="")
    Traceback (most recent call last):
    ...
    sentiment_lib.book.ClaimError: general("anything") needs a source: a paper, a definition, or why it is not a result.
    """
    if not source.strip():
        raise ClaimError(f'general("{sentence}") needs a source: a paper, a definition, or why it is not a result.')


def _short(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."
