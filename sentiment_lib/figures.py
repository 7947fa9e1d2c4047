"""Figures that a screen reader can read and a colour-blind reader can tell apart.

:func:`show` displays a matplotlib figure as a PNG whose output metadata carries a text
alternative (``{"image/png": {"alt": ...}}``); the book's Sphinx extension ``_ext/figure_alt.py``
writes it into the ``alt`` of the ``<img>`` (README "Accessibility"). Build the text from the data
the figure plots, never type the numbers: :func:`listing` helps with the "name value" parts.

:data:`PALETTE` is the Okabe-Ito palette, safe for the common forms of colour blindness; a figure
that tells series apart by colour should also tell them apart by a label, marker, line style or
hatch.

Examples
--------
>>> import matplotlib
>>> matplotlib.use("Agg")
>>> import matplotlib.pyplot as plt
>>> scores = {"TF-IDF": 0.81, "fine-tuned": 0.86}
>>> fig, ax = plt.subplots()
>>> _ = ax.barh(list(scores), list(scores.values()), color=PALETTE[0])
>>> alt = f"Bar chart of test accuracy: {listing(scores)}."
>>> alt
'Bar chart of test accuracy: TF-IDF 0.81 and fine-tuned 0.86.'
>>> show(fig, alt=alt)  # in a notebook: the figure; here: its text form
<IPython.core.display.Image object>
>>> plt.fignum_exists(fig.number)  # closed: shown once, with its alt text
False
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping
from typing import Any

from .errors import SentimentLibError

#: Okabe-Ito colours: blue, orange, bluish green, reddish purple, sky blue, vermillion, yellow, black.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
#: Hatches to pair with the colours, so that bars differ by more than colour.
HATCHES = ["", "//", "..", "xx", "\\\\", "--"]


def listing(values: Mapping[Any, Any], fmt: str = "{:.2f}") -> str:
    """``{"a": 1.0, "b": 2.5}`` as ``"a 1.00 and b 2.50"``: the values of a figure in words.

    Parameters
    ----------
    values : mapping or pandas.Series
        Names and values (a Series's index holds the names), in the order to say them.
    fmt : str, default="{:.2f}"
        The format of each value.

    Returns
    -------
    str
        The pairs joined by commas and a final "and", for a figure's ``alt`` text.

    Examples
    --------
    >>> listing({"BERT": 109.48, "DistilBERT": 66.36, "tiny": 4.4}, "{:.1f}")
    'BERT 109.5, DistilBERT 66.4 and tiny 4.4'
    """
    parts = [f"{name} {fmt.format(value)}" for name, value in values.items()]
    return ", ".join(parts[:-1]) + (" and " if len(parts) > 1 else "") + (parts[-1] if parts else "")


def show(fig: Any, alt: str, *, dpi: float | None = None) -> None:
    """Display ``fig`` as a PNG with ``alt`` as its text alternative, then close it.

    Use it instead of ``plt.show()``. ``alt`` says what the figure shows, with numbers taken from
    the data it plots ("Histogram: ... median 230 words"); it lands in the output's metadata
    ``{"image/png": {"alt": alt}}``, which the book writes into the image's ``alt`` attribute.
    Returns nothing, so that the figure is not shown a second time as the cell's result.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
    alt : str
        The text alternative: what the figure shows, with its numbers. An empty one is an error.
    dpi : float, default=None
        Resolution of the PNG (``None``: matplotlib's setting).

    Examples
    --------
    >>> show(object(), alt="  ")
    Traceback (most recent call last):
    ...
    sentiment_lib.errors.SentimentLibError: A figure needs a text alternative (alt): got '  '. Pass alt=... with a sentence that says what the figure shows, with numbers from its data.
    """
    from IPython.display import Image, display

    text = alt.strip() if isinstance(alt, str) else ""
    if not text or re.fullmatch(r"[\w./\\-]*\.(png|svg|jpe?g|gif)", text, re.IGNORECASE):
        raise SentimentLibError(f"A figure needs a text alternative (alt): got {alt!r}.",
                                hint="Pass alt=... with a sentence that says what the figure shows, with numbers from its data.")
    if not hasattr(fig, "savefig"):
        raise SentimentLibError(f"show() needs a matplotlib Figure, got {type(fig).__name__}.",
                                hint="Pass the figure from `fig, ax = plt.subplots()` (or `ax.figure`).")
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", bbox_inches="tight", dpi=dpi or "figure")
    plt.close(fig)  # the notebook would otherwise show it a second time, without alt text
    display(Image(data=buffer.getvalue(), format="png", metadata={"alt": text}))


__all__ = ["PALETTE", "HATCHES", "listing", "show"]
