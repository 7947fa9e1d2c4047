"""Sphinx extension: the folded code cells' toggles are named by their visible text.

MyST-NB writes ``<summary aria-label="Toggle hidden content">`` above a ``hide-input`` cell whose
visible text is "Show code cell source": a screen reader and a speech-input user get a different
name from the one on the screen (WCAG 2.5.3 Label in Name; axe rule
``label-content-name-mismatch``, serious). This extension writes the same HTML without the
``aria-label``, so the name is the visible text. Loaded from ``_config.yml``
(``sphinx.local_extensions``).

>>> from types import SimpleNamespace
>>> page = SimpleNamespace(body=[])
>>> visit_hidden_cell(page, {"classes": ["above-input"], "prompt_show": "Show code", "prompt_hide": "Hide code"})
>>> "aria-label" in "".join(page.body), "<summary>" in "".join(page.body)
(False, True)
"""

from __future__ import annotations

from html import escape
from typing import Any


def visit_hidden_cell(translator: Any, node: Any) -> None:
    """Open the toggle: ``<details>`` and a ``<summary>`` named by its two visible prompts."""
    classes = " ".join(node["classes"])
    translator.body.append(f'<details class="admonition hide {classes}">\n<summary>\n')
    translator.body.append(f'<p class="collapsed admonition-title">{escape(node["prompt_show"])}</p>\n')
    translator.body.append(f'<p class="expanded admonition-title">{escape(node["prompt_hide"])}</p>\n')
    translator.body.append("</summary>\n")


def depart_hidden_cell(translator: Any, node: Any) -> None:
    translator.body.append("</details>\n")


def setup(app: Any) -> dict:
    from myst_nb.sphinx_ import HideCodeCellNode

    app.setup_extension("myst_nb")  # its node first, then ours replaces the HTML writer
    app.add_node(HideCodeCellNode, override=True, html=(visit_hidden_cell, depart_hidden_cell))
    return {"parallel_read_safe": True, "parallel_write_safe": True}
