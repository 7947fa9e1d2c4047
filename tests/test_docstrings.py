"""The library functions a chapter names are documented the numpydoc way, with an example that runs.

A reader of chapter N who looks up ``prepare_splits`` or ``compute_metrics`` finds what each argument
means and what comes back (numpydoc ``Parameters`` and ``Returns`` sections) and an example. The
examples are doctests: pytest runs them (``--doctest-modules`` in pyproject.toml), so they are never
skipped here unless they cannot run offline on a CPU.
"""

from __future__ import annotations

import importlib
import inspect
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
IMPORT = re.compile(r"^\s*from sentiment_lib\.(\w+) import (\([^)]*\)|[^\n]+)", re.MULTILINE)

#: examples that cannot run in a test: they need a trained model folder, or write one
MAY_SKIP = {("inference", "SentimentClassifier"), ("export", "export_onnx"), ("training", "train_or_load")}


def chapter_names() -> list[tuple[str, str]]:
    """``(module, name)`` of every function or class that a chapter imports from ``sentiment_lib``."""
    found = set()
    for path in sorted((ROOT / "book").glob("*.ipynb")):
        for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
            if cell["cell_type"] != "code":
                continue
            for match in IMPORT.finditer("".join(cell["source"])):
                for name in re.split(r"[,\s()]+", match.group(2).split("#")[0]):
                    if name.isidentifier() and name != "as":
                        found.add((match.group(1), name))
    named = []
    for module, name in sorted(found):
        obj = getattr(importlib.import_module(f"sentiment_lib.{module}"), name, None)
        if inspect.isfunction(obj) or inspect.isclass(obj):
            named.append((module, name))
    return named


def missing_sections(obj) -> list[str]:
    """What the docstring of ``obj`` lacks: ``Parameters``, ``Returns``, an example."""
    doc = inspect.getdoc(obj) or ""
    signature = inspect.signature(obj)
    missing = []
    if [p for p in signature.parameters if p not in ("self", "cls")] and not re.search(r"^Parameters\n-+$", doc, re.M):
        missing.append("Parameters")
    returns = signature.return_annotation
    if inspect.isfunction(obj) and returns not in (None, "None", inspect.Signature.empty) and not re.search(
            r"^(Returns|Yields)\n-+$", doc, re.M):
        missing.append("Returns")
    if ">>>" not in doc:
        missing.append("an example")
    return missing


def test_the_chapters_name_library_functions():
    names = chapter_names()
    assert len(names) > 40, names  # the parser still finds the chapters' imports
    assert ("data", "prepare_splits") in names and ("evaluation", "compute_metrics") in names


@pytest.mark.parametrize("module, name", chapter_names(), ids=lambda x: x)
def test_numpydoc_sections_and_an_example(module, name):
    obj = getattr(importlib.import_module(f"sentiment_lib.{module}"), name)
    assert not missing_sections(obj), f"sentiment_lib.{module}.{name}: the docstring has no {missing_sections(obj)}"
    if (module, name) not in MAY_SKIP:
        assert "+SKIP" not in (inspect.getdoc(obj) or ""), f"sentiment_lib.{module}.{name}: an example is skipped"


def test_the_check_finds_what_is_missing():
    def undocumented(x: int) -> int:
        """Twice ``x``."""
        return 2 * x

    def documented(x: int) -> int:
        """Twice ``x``.

        Parameters
        ----------
        x : int

        Returns
        -------
        int

        Examples
        --------
        >>> documented(2)
        4
        """
        return 2 * x

    assert missing_sections(undocumented) == ["Parameters", "Returns", "an example"]
    assert missing_sections(documented) == []
