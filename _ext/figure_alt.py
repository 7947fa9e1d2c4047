"""Sphinx extension: a figure's text alternative comes from its notebook output's metadata.

``sentiment_lib.figures.show(fig, alt=...)`` displays a figure with the output metadata
``{"image/png": {"alt": "..."}}``, the text built from the data it plots. MyST-NB's image renderer
copies only ``width`` and ``height`` from that metadata, so without this extension the ``<img>``
gets the file name (``alt="../_images/04a93af0….png"``) as its alternative, which a screen reader
reads out (WCAG 1.1.1 Non-text Content). This extension wraps
:meth:`myst_nb.core.render.NbElementRenderer.render_image` to set the image node's ``alt`` from
the metadata. Loaded from ``_config.yml`` (``sphinx.local_extensions``).

>>> from types import SimpleNamespace
>>> data = SimpleNamespace(mime_type="image/png", output_metadata={"image/png": {"alt": " Bar chart: 0.86 "}})
>>> alt_from_metadata(data)
'Bar chart: 0.86'
>>> alt_from_metadata(SimpleNamespace(mime_type="image/png", output_metadata={})) is None
True
"""

from __future__ import annotations

import functools
from typing import Any


def alt_from_metadata(data: Any) -> str | None:
    """The ``alt`` text in an output's metadata for its MIME type, or None."""
    metadata = (data.output_metadata or {}).get(data.mime_type) or {}
    alt = metadata.get("alt") if isinstance(metadata, dict) else None
    return alt.strip() or None if isinstance(alt, str) else None


def with_alt(render_image: Any) -> Any:
    """Wrap a MyST-NB ``render_image`` so that the image nodes it returns get the metadata's alt."""

    @functools.wraps(render_image)
    def render(self: Any, data: Any) -> list:
        nodes = render_image(self, data)
        alt = alt_from_metadata(data)
        if alt:
            for node in nodes:
                if node.tagname == "image":
                    node["alt"] = alt
        return nodes

    render.figure_alt = True
    return render


def setup(app: Any) -> dict:
    from myst_nb.core.render import NbElementRenderer

    app.setup_extension("myst_nb")
    if not getattr(NbElementRenderer.render_image, "figure_alt", False):  # once, even if set up twice
        NbElementRenderer.render_image = with_alt(NbElementRenderer.render_image)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
