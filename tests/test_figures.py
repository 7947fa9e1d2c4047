"""Figures with text alternatives (issue 16): sentiment_lib.figures.show, _ext/figure_alt.py, the chapters.

Fast: no book build. The built book's ``alt`` attributes are checked by
``tests/test_book.py::test_every_figure_has_a_text_alternative``.
"""

from __future__ import annotations

import ast
import importlib.util
import json
from pathlib import Path
from types import SimpleNamespace

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from sentiment_lib.errors import SentimentLibError  # noqa: E402
from sentiment_lib.figures import PALETTE, listing, show  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted((ROOT / "book").glob("*.ipynb"))


def _extension():
    spec = importlib.util.spec_from_file_location("figure_alt", ROOT / "_ext" / "figure_alt.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_show_displays_a_png_with_its_alt_and_closes_the_figure(monkeypatch):
    import IPython.display

    shown = []
    monkeypatch.setattr(IPython.display, "display", lambda obj: shown.append(obj))
    fig, ax = plt.subplots()
    ax.bar(["a", "b"], [1, 2])
    show(fig, alt="  Bar chart: a 1 and b 2 ")
    (image,) = shown
    from IPython.core.formatters import DisplayFormatter

    data, metadata = DisplayFormatter().format(image)   # what the notebook stores as the output
    assert "image/png" in data and metadata == {"image/png": {"alt": "Bar chart: a 1 and b 2"}}
    assert image.data.startswith(b"\x89PNG")
    assert not plt.fignum_exists(fig.number)


@pytest.mark.parametrize("alt", ["", "   ", None, "figure.png", "../_images/04a93af0.png"])
def test_show_refuses_a_missing_or_file_name_alt(alt):
    fig, _ = plt.subplots()
    with pytest.raises(SentimentLibError, match="text alternative"):
        show(fig, alt=alt)
    plt.close(fig)


def test_show_refuses_what_is_not_a_figure():
    with pytest.raises(SentimentLibError, match="matplotlib Figure"):
        show([1, 2], alt="Line chart: 1 to 2")


def test_listing_names_every_value():
    assert listing({"x": 0.5}) == "x 0.50"
    assert listing({"a": 1, "b": 2, "c": 3}, "{:d}") == "a 1, b 2 and c 3"
    assert PALETTE[:2] == ["#0072B2", "#E69F00"]  # Okabe-Ito


def test_extension_sets_the_image_alt_from_the_output_metadata():
    from docutils import nodes

    ext = _extension()

    def render_image(self, data):  # MyST-NB's renderer: the file name, no alt
        return [nodes.image(uri="_images/abc.png")]

    render = ext.with_alt(render_image)
    data = SimpleNamespace(mime_type="image/png", output_metadata={"image/png": {"alt": "Histogram: median 230"}})
    assert render(None, data)[0]["alt"] == "Histogram: median 230"
    bare = SimpleNamespace(mime_type="image/png", output_metadata={})
    assert "alt" not in render(None, bare)[0].attributes
    assert ext.with_alt(render_image).figure_alt


def test_extension_wraps_myst_nb_once():
    from myst_nb.core.render import NbElementRenderer

    ext = _extension()
    original = NbElementRenderer.render_image
    app = SimpleNamespace(setup_extension=lambda name: None)
    try:
        ext.setup(app)
        wrapped = NbElementRenderer.render_image
        ext.setup(app)
        assert wrapped.figure_alt and NbElementRenderer.render_image is wrapped
    finally:
        NbElementRenderer.render_image = original


def _code_cells(path: Path):
    for index, cell in enumerate(json.loads(path.read_text())["cells"]):
        if cell["cell_type"] == "code":
            code = "".join(cell["source"])
            clean = "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in code.splitlines())
            yield index, cell, ast.parse(clean)


def _calls(tree: ast.AST):
    return [node for node in ast.walk(tree) if isinstance(node, ast.Call)]


def _name(call: ast.Call) -> str:
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_every_chapter_figure_is_shown_with_an_alt_text(path):
    """A cell that makes a figure shows it with show(fig, alt=...), the alt built from data (not typed)."""
    figures = 0
    for index, cell, tree in _code_cells(path):
        calls = _calls(tree)
        makes_figure = any(_name(c) in {"subplots", "figure"} for c in calls)
        assert not any(_name(c) == "show" and isinstance(c.func, ast.Attribute) for c in calls), \
            f"{path.name} cell {index}: plt.show() shows a figure without a text alternative; use show(fig, alt=...)"
        shows = [c for c in calls if _name(c) == "show" and isinstance(c.func, ast.Name)]
        if makes_figure:
            assert shows, f"{path.name} cell {index} makes a figure but never calls show(fig, alt=...)"
        for call in shows:
            figures += 1
            alt = next((k.value for k in call.keywords if k.arg == "alt"), None)
            assert alt is not None, f"{path.name} cell {index}: show() without alt="
            assert not isinstance(alt, ast.Constant), f"{path.name} cell {index}: the alt text is typed, not built from the data"
            assert any(isinstance(n, ast.FormattedValue) or isinstance(n, ast.Call) for n in ast.walk(alt)), \
                f"{path.name} cell {index}: the alt text uses no value of the data"
    if figures:
        imports = [n for _, _, tree in _code_cells(path) for n in ast.walk(tree)
                   if isinstance(n, ast.ImportFrom) and n.module == "sentiment_lib.figures"]
        assert any(alias.name == "show" for n in imports for alias in n.names), \
            f"{path.name}: show is never imported from sentiment_lib.figures"


def test_the_book_has_its_figures():
    count = sum(1 for path in CHAPTERS for _, _, tree in _code_cells(path)
                for c in _calls(tree) if _name(c) == "show" and isinstance(c.func, ast.Name))
    assert count >= 14, f"only {count} figures are shown with show(fig, alt=...)"
