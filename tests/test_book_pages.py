"""Book pages that read well: the code that is the lesson is shown, the plumbing is behind a toggle.

The rule, per chapter notebook (``book/*.ipynb``):

* a **lesson cell** is a code cell that imports from, or calls a function it (or an earlier cell)
  imported from, the libraries the course teaches: ``sentiment_lib``, ``transformers``, ``torch``,
  ``sklearn`` and ``datasets`` (``import torch`` … ``torch.log(…)`` counts, a method of an object
  they returned does not). Lesson cells are shown: no ``hide-input``, ``hide-cell``,
  ``remove-input`` or ``remove-cell`` tag. Two cells are set-up, not lessons, and exempt: the Colab
  install cell (removed from the page) and the imports-and-``start_page`` cell (folded, ``hide-cell``).
* a **values cell** only keeps values for the sentences (``glue``) or checks them: folded (``hide-cell``).
* a **sentence cell** only calls ``say("...")``: its output is a sentence of the text with this run's
  numbers (``sentiment_lib.book``). Its code is removed from the page (``remove-input``) and folded in
  Jupyter and Colab; the sentence stays.
* a **presentation cell** only builds a table or a figure from what the lesson cells computed
  (pandas, matplotlib, ``glue`` calls, machine descriptions): no lesson import or call, and it calls
  ``glue`` or draws or ends in a table. Its input is folded with ``hide-input`` (the output stays on
  the page; a click shows the code). Where a presentation cell teaches something by its code, it may
  stay visible — the test requires only that the lesson is never hidden and that nothing is removed
  without a toggle. ``sentiment_lib.figures`` (``show(fig, alt=...)``, the palette) is presentation,
  not a lesson: it only displays a figure with its text alternative.
* every chapter shows at least two lesson cells; chapter 7 one (it reads the committed benchmark
  results; its lesson is the scripts in ``benchmarks/`` and the commands in its text).
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from claims import _plumbing, said

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted((ROOT / "book").glob("*.ipynb"))
LESSON_MODULES = {"sentiment_lib", "transformers", "torch", "sklearn", "datasets"}
PRESENTATION_MODULES = {"sentiment_lib.figures", "sentiment_lib.book", "sentiment_lib.results"}  # figures, sentences, recorded results: not a lesson
HIDING = {"hide-input", "hide-cell", "remove-input", "remove-cell"}
MIN_LESSONS = {"07_going_faster": 1}  # every other chapter: 2


def _source(cell: dict) -> str:
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def _parse(code: str) -> ast.Module:
    return ast.parse("\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in code.splitlines()))


def _root(node: ast.AST) -> str | None:
    while isinstance(node, ast.Attribute):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def is_install_cell(code: str) -> bool:
    return 'if "google.colab" in sys.modules:' in code


def is_setup_cell(code: str) -> bool:
    return "%matplotlib" in code and "start_page(" in code


def classify(cells: list[dict]) -> list[tuple[int, str]]:
    """(index, kind) of every code cell: kind is 'install', 'setup', 'lesson', 'presentation' or 'other'."""
    lesson_names: set[str] = set()
    kinds = []
    for index, cell in enumerate(cells):
        if cell["cell_type"] != "code":
            continue
        code = _source(cell)
        if is_install_cell(code):
            kinds.append((index, "install"))
            continue
        if said(code) is not None:
            kinds.append((index, "sentence"))
            continue
        if all(_plumbing(statement) for statement in _parse(code).body):
            kinds.append((index, "values"))   # only keeps values for the sentences (glue) or checks them: plumbing
            continue
        tree = _parse(code)
        imports_lesson = False
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.split(".")[0] in LESSON_MODULES:
                        imports_lesson = True
                        lesson_names.add((alias.asname or alias.name).split(".")[0])
            elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] in LESSON_MODULES \
                    and node.module not in PRESENTATION_MODULES:
                imports_lesson = True
                lesson_names |= {alias.asname or alias.name for alias in node.names}
        if is_setup_cell(code):
            kinds.append((index, "setup"))
            continue
        calls = [node for node in ast.walk(tree) if isinstance(node, ast.Call)]
        if any((getattr(call.func, "id", None) or getattr(call.func, "attr", None)) in CLAIM_CHECKS for call in calls):
            kinds.append((index, "check"))   # a hidden check of the text's claims (tests/claims.py): plumbing
            continue
        calls_lesson = any(_root(call.func) in lesson_names for call in calls)
        if imports_lesson or calls_lesson:
            kinds.append((index, "lesson"))
            continue
        draws = any(_root(call.func) in {"plt", "ax", "axes", "fig", "show"} or getattr(call.func, "attr", "") == "plot"
                    for call in calls)
        glues = any(isinstance(call.func, ast.Name) and call.func.id == "glue" for call in calls)
        table = bool(tree.body) and isinstance(tree.body[-1], ast.Expr)
        kinds.append((index, "presentation" if draws or glues or table else "other"))
    return kinds


#: Calls that make a cell a check of the book's claims (hidden on purpose), not a lesson.
CLAIM_CHECKS = {"holds", "general"}


def _tags(cell: dict) -> set[str]:
    return set(cell.get("metadata", {}).get("tags", []))


def _cells(path: Path) -> list[dict]:
    return json.loads(path.read_text())["cells"]


def test_chapters_are_found():
    assert len(CHAPTERS) >= 7


def test_the_rule_sorts_known_cells():
    cells = [{"cell_type": "code", "metadata": {}, "source": s} for s in [
        "from sentiment_lib.data import load_imdb\nimdb = load_imdb()",
        "import torch\n",
        "x = torch.ones(2)",                                   # calls an imported lesson module
        "fig, ax = plt.subplots()\nax.bar([1], [2])\nplt.show()",
        "glue('n', 3, display=False)",
        "stats.round(2)",
        "model.eval()\nvalue = 1",                             # a method of a returned object: not counted
        "from sentiment_lib.figures import show\nshow(fig, alt=f'{n}')",  # displays a figure: presentation
    ]]
    assert [kind for _, kind in classify(cells)] == [
        "lesson", "lesson", "lesson", "presentation", "values", "presentation", "other", "presentation"]


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_lesson_cells_are_shown(path):
    cells = _cells(path)
    kinds = classify(cells)
    hidden = [i for i, kind in kinds if kind == "lesson" and _tags(cells[i]) & HIDING]
    assert not hidden, f"{path.name}: lesson cells {hidden} are hidden ({[sorted(_tags(cells[i])) for i in hidden]})"
    shown = [i for i, kind in kinds if kind == "lesson"]
    assert len(shown) >= MIN_LESSONS.get(path.stem, 2), f"{path.name}: only {len(shown)} lesson cells are shown"


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_only_setup_is_removed_and_plumbing_is_behind_a_toggle(path):
    cells = _cells(path)
    for index, kind in classify(cells):
        tags = _tags(cells[index])
        if kind == "install":
            assert "remove-cell" in tags, f"{path.name} cell {index}: the Colab install cell should not be on the page"
        elif kind == "sentence":
            assert "remove-input" in tags and cells[index]["metadata"].get("jupyter", {}).get("source_hidden") \
                and cells[index]["metadata"].get("cellView") == "form", \
                f"{path.name} cell {index}: a sentence cell shows its sentence, not its code (remove-input, folded)"
        elif kind in ("setup", "check", "values"):
            assert "hide-cell" in tags, f"{path.name} cell {index}: the {kind} cell should be folded (hide-cell)"
        else:
            assert not tags & {"remove-input", "remove-cell"}, \
                f"{path.name} cell {index}: code removed without a toggle; use hide-input"


def test_presentation_cells_are_folded_somewhere():
    """The tags are in place: across the book, most presentation cells are folded."""
    folded = total = 0
    for path in CHAPTERS:
        cells = _cells(path)
        for index, kind in classify(cells):
            if kind == "presentation":
                total += 1
                folded += bool(_tags(cells[index]) & {"hide-input", "hide-cell"})
    assert total and folded / total >= 0.5, f"only {folded} of {total} presentation cells are folded (hide-input)"
