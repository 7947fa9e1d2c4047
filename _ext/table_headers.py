"""Sphinx extension: no empty header cells in the book's tables (axe rule ``empty-table-header``).

pandas writes the top-left corner of a table, and the cells beside an index's name, as header
cells with no text (``<th></th>``, or ``<th class="blank">&nbsp;</th>`` from a ``Styler``). A
screen reader announces such a cell as a header and reads nothing: it labels no row and no column.
An empty corner is not a header, so this extension turns every ``<th>`` whose text is empty into a
``<td>`` (keeping its attributes) in each page's body. Headers with text are untouched, so row and
column headers keep working. Loaded from ``_config.yml`` (``sphinx.local_extensions``).

>>> empty_headers_to_cells('<tr><th></th><th>accuracy</th></tr><tr><th class="blank">&nbsp;</th><th>x</th></tr>')
'<tr><td></td><th>accuracy</th></tr><tr><td class="blank">&nbsp;</td><th>x</th></tr>'
>>> empty_headers_to_cells('<th><span class="a"></span></th><th><b>n</b></th>')
'<td><span class="a"></span></td><th><b>n</b></th>'
"""

from __future__ import annotations

import html
import re
from typing import Any

_HEADER = re.compile(r"<th(\s[^>]*)?>(.*?)</th>", re.DOTALL | re.IGNORECASE)
_TAG = re.compile(r"<[^>]+>")


def _is_empty(content: str) -> bool:
    return not html.unescape(_TAG.sub("", content)).replace("\xa0", " ").strip()


def empty_headers_to_cells(body: str) -> str:
    """Replace each ``<th>`` without text by a ``<td>`` with the same attributes and content."""

    def fix(match: re.Match) -> str:
        attributes, content = match.group(1) or "", match.group(2)
        return f"<td{attributes}>{content}</td>" if _is_empty(content) else match.group(0)

    return _HEADER.sub(fix, body)


def _page_context(app: Any, pagename: str, templatename: str, context: dict, doctree: Any) -> None:
    if isinstance(context.get("body"), str):
        context["body"] = empty_headers_to_cells(context["body"])


def setup(app: Any) -> dict:
    app.connect("html-page-context", _page_context)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
