"""Claims are code: every sentence of the book that judges a result is computed or checked.

Prose drifts from the numbers printed beside it, so the book never states a verdict on its own
results (better, faster, within noise, converged, "N times", a "yes" or a "no") in plain text.
A sentence that judges a result is either

* **glued**: the judging words come from a verdict function (``evaluation.compare_values``,
  ``PairedComparison.verdict``, ...) through a field of a ``say`` sentence, so they are whatever the
  numbers say;
* **guarded**: a hidden cell after it calls :func:`sentiment_lib.book.holds` with the condition the
  sentence rests on. When a rebuild (another machine, other data) stops supporting it, the book build
  fails and names the sentence and the numbers;
* **general**: not about this build at all but textbook knowledge (a paper's figure, a definition);
  :func:`sentiment_lib.book.general` says so, with the source.

:func:`unsupported_sentences` finds the sentences of a notebook that judge something with none of
the three; the test suite runs it on every chapter. A code cell that only calls ``say("...")`` is
read as the markdown it displays (:func:`said`).

This linter lives with the tests (``tests/claims.py``, imported as ``claims``), not in the
``sentiment_lib`` package: only the test suite reads the notebooks this way, while the book's pages
need just :mod:`sentiment_lib.book` at run time.

Examples
--------
>>> said('say("The model is {verdict} TF-IDF.")')
'The model is {glue:text}`verdict` TF-IDF.'
>>> judging_words("It is faster than TF-IDF.")
['faster']
"""

from __future__ import annotations

import ast
import json
import os
import re
import string
from dataclasses import dataclass
from typing import Any

from sentiment_lib.book import ClaimError  # noqa: F401  (raised for a guard that quotes too little)

#: Words and phrases that judge a result. A sentence holding one (outside glued values, inline code
#: and links) needs a verdict function, a guard or a source.
EVALUATIVE = (
    r"better", r"worse", r"best", r"worst", r"faster", r"fastest", r"slower", r"slowest", r"cheaper", r"cheapest",
    r"higher", r"lower", r"more accurate", r"less accurate", r"ahead", r"behind", r"beats?", r"outperforms?",
    r"within noise", r"than (?:the )?noise", r"point noise", r"converged", r"overfitting", r"underfitting", r"at chance", r"chance level",
    r"most", r"harder", r"easier", r"much (?:more|less|larger|smaller|faster|slower|better|worse)",
    r"far (?:more|less|larger|smaller|faster|slower|better|worse)", r"twice", r"half as",
    r"\d[\d.,]*\s*×(?!\s*\d)", r"\d[\d.,]*\s+times", r"times as (?:fast|many|much|large)", r"improves?",
    r"improved", r"helps?", r"worth it", r"wins?",
)
#: Fixed terms that contain such a word but judge nothing; removed before the search.
TERMS = (
    "at most", "best checkpoint", "best model", "best_model", "lower-cased", "most confident", "left behind",
    "model behind", "best validation accuracy", "at its best", "at their best", "slowest and fastest",
    "fastest batch size", "the fastest of which", "worst cases",
)
_EVALUATIVE = re.compile(r"(?<!\w)(?:" + "|".join(EVALUATIVE) + r")(?!\w)|^(?:yes|no)\b\s*[.:,!]", re.IGNORECASE)
_GLUE = re.compile(r"\{glue(?::[a-z]+)?\}`[^`]*`")
_CODE = re.compile(r"`[^`]*`")
_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_MATH = re.compile(r"\$[^$]+\$")
_ABBREVIATIONS = ("e.g.", "i.e.", "et al.", "vs.", "cf.", "approx.")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z*(\[{“\"'_⟨])")
_GUARDS = {"holds": 1, "general": 0}  # function name -> position of its sentence argument


# --------------------------------------------------------------------------------------
# Finding sentences that judge without support
# --------------------------------------------------------------------------------------


@dataclass
class Sentence:
    """One sentence of a markdown cell that judges something, and where it is."""

    notebook: str
    cell: int
    text: str
    words: list[str]

    def __str__(self) -> str:
        return f"{os.path.basename(self.notebook)}, cell {self.cell}: {', '.join(self.words)!s} in \"{self.text}\""


def normalise(text: str) -> str:
    """Text as compared with a guard: no emphasis, no inline-code ticks, single spaces.

    Examples
    --------
    >>> normalise("**Dynamic** padding  `saves`\\nwork")
    'Dynamic padding saves work'
    """
    text = re.sub(r"[*_]{1,3}(?=\w)|(?<=[\w.,;:!?)])[*_]{1,3}", "", text)
    return " ".join(text.replace("`", "").split())


def prose_of(markdown: str, keep_breaks: bool = False) -> list[str]:
    """The prose of a markdown cell as lines: code blocks, directive options and HTML dropped.

    Admonitions (```` ```{admonition} ````) keep their text; fenced code (```` ```python ````) does not.
    ``keep_breaks=True`` keeps an empty string where a paragraph ends.

    Examples
    --------
    >>> prose_of("Text.\\n```python\\nx = 1\\n```\\n```{admonition} Note\\n:class: tip\\n- Faster.\\n```")
    ['Text.', '- Faster.']
    """
    lines, fences = [], []  # open fences, innermost last: "directive" or "code"
    for line in markdown.splitlines():
        stripped = line.strip()
        if stripped.startswith("```"):
            if stripped == "```" and fences:
                fences.pop()
            else:
                fences.append("directive" if stripped.startswith("```{") else "code")
            continue
        if "code" in fences or re.match(r"^:[a-z-]+:", stripped) or stripped.startswith("<") or stripped.startswith("%"):
            continue
        if stripped:
            lines.append(stripped)
        elif lines and lines[-1]:
            lines.append("")  # a paragraph break
    return lines if keep_breaks else [line for line in lines if line]


def sentences_of(markdown: str) -> list[str]:
    """Split a markdown cell's prose into sentences (list items and table rows start new ones).

    Examples
    --------
    >>> sentences_of("It is fast. It is *also* cheap, e.g. here.\\n- One item\\n- Two")
    ['It is fast.', 'It is *also* cheap, e.g. here.', '- One item', '- Two']
    """
    blocks: list[str] = []
    new_paragraph = True
    for line in prose_of(markdown, keep_breaks=True):
        if not line:
            new_paragraph = True
            continue
        starts_block = (new_paragraph or re.match(r"^([-*+]|\d+\.|\||#+)\s", line)
                        or blocks[-1].startswith(("|", "#")))
        new_paragraph = False
        if starts_block:
            blocks.append(line)
        else:
            blocks[-1] += " " + line
    out = []
    for block in blocks:
        protected = block
        for i, abbreviation in enumerate(_ABBREVIATIONS):
            protected = protected.replace(abbreviation, f"\0{i}\0")
        for part in _SENTENCE_END.split(protected):
            for i, abbreviation in enumerate(_ABBREVIATIONS):
                part = part.replace(f"\0{i}\0", abbreviation)
            out.append(part.strip())
    return [s for s in out if s]


def judging_words(sentence: str) -> list[str]:
    """The evaluative words of a sentence, outside glued values, inline code, links' addresses and math.

    Examples
    --------
    >>> judging_words("Batches of 32 were {glue:text}`batch32_vs_1` single reviews, `faster` in code.")
    []
    >>> judging_words("Dynamic padding is 3.2× faster here.")
    ['3.2×', 'faster']
    >>> judging_words("Yes: fine-tuning was worth it.")
    ['Yes:', 'worth it']
    """
    text = _MATH.sub(" ", _CODE.sub(" ", _GLUE.sub(" ⟨value⟩ ", sentence)))
    text = _LINK.sub(r"\1", text).lstrip("-*+#| ").strip()
    for term in TERMS:
        text = re.sub(re.escape(term), " ", text, flags=re.IGNORECASE)
    return [m.group(0).strip() for m in _EVALUATIVE.finditer(text)]


def guards_of(code: str) -> list[str]:
    """The sentence arguments of the :func:`holds` and :func:`general` calls in a code cell.

    Examples
    --------
    >>> guards_of('holds(a > b, "A is faster than B", a=a)\\nclaims.general("Most are long", source="x")')
    ['A is faster than B', 'Most are long']
    """
    source = "\n".join(line for line in code.splitlines() if not line.lstrip().startswith(("%", "!")))
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", None)
        if name not in _GUARDS:
            continue
        position = _GUARDS[name]
        argument = node.args[position] if len(node.args) > position else next(
            (k.value for k in node.keywords if k.arg == "sentence"), None)
        if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
            found.append(argument.value)
    return found


def _plumbing(statement: ast.stmt) -> bool:
    """A ``glue``/``holds``/``general`` call, or a ``for`` loop of them: what a sentence cell may do before ``say``."""
    if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call):
        func = statement.value.func
        return (func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)) in ("glue", "holds", "general")
    return isinstance(statement, ast.For) and not statement.orelse and all(_plumbing(s) for s in statement.body)


def said(code: str) -> str | None:
    """The template of a sentence cell, with its fields as glue roles; else None.

    A sentence cell ends with ``say("...")`` and before it only keeps values (``glue``) or checks
    them (``holds``, ``general``). It is prose (its output is the sentence), so the linter reads it
    as markdown.

    >>> said('say("It scored {acc:.3f}, {{not a field}}.")')
    'It scored {glue:text}`acc`, {not a field}.'
    >>> said('glue("acc", 0.9)\\nsay("It scored {acc:.3f}.")')
    'It scored {glue:text}`acc`.'
    >>> said("x = 1") is None
    True
    """
    source = "\n".join(line for line in code.splitlines() if not line.lstrip().startswith(("#", "%")))
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    if not tree.body or not all(_plumbing(s) for s in tree.body[:-1]):
        return None
    last = tree.body[-1]
    if not isinstance(last, ast.Expr) or not isinstance(last.value, ast.Call):
        return None
    call = last.value
    name = call.func.attr if isinstance(call.func, ast.Attribute) else getattr(call.func, "id", None)
    if name != "say" or not call.args or not isinstance(call.args[0], ast.Constant) or not isinstance(call.args[0].value, str):
        return None
    parts = []
    for literal, field, _, _ in string.Formatter().parse(call.args[0].value):
        parts.append(literal)
        if field is not None:
            parts.append(f"{{glue:text}}`{field}`")
    return "".join(parts)


def _guards(notebook: str | os.PathLike) -> list[str]:
    """The sentences the notebook's code cells guard (``holds``) or source (``general``), sentence cells included."""
    with open(notebook, encoding="utf-8") as handle:
        cells = json.load(handle)["cells"]
    return [g for c in cells if c["cell_type"] == "code" for g in guards_of("".join(c["source"]))]


def _cells(notebook: str | os.PathLike) -> list[dict[str, Any]]:
    """The notebook's cells, a ``say`` cell read as the markdown it displays."""
    with open(notebook, encoding="utf-8") as handle:
        cells = json.load(handle)["cells"]
    out = []
    for cell in cells:
        text = said("".join(cell["source"])) if cell["cell_type"] == "code" else None
        out.append({**cell, "cell_type": "markdown", "source": text} if text is not None else cell)
    return out


def unsupported_sentences(notebook: str | os.PathLike) -> list[Sentence]:
    """Sentences of a notebook's markdown that judge something with no verdict function, guard or source.

    A guard covers a sentence when its text (normalised) is part of the sentence (normalised) and is
    at least 12 characters long; guards may sit in any code cell of the notebook, usually a hidden
    cell right after the text.

    Examples
    --------
    >>> import json, tempfile
    >>> cells = [{"cell_type": "markdown", "source": ["It is faster. It is {glue:text}`verdict`."], "metadata": {}},
    ...          {"cell_type": "code", "source": ["x = 1"], "metadata": {}}]
    >>> path = tempfile.mktemp(suffix=".ipynb")
    >>> _ = open(path, "w").write(json.dumps({"cells": cells}))
    >>> [s.text for s in unsupported_sentences(path)]
    ['It is faster.']
    """
    cells = _cells(notebook)
    guards = [normalise(g) for g in _guards(notebook)]
    short = [g for g in guards if len(g) < 12]
    if short:
        raise ClaimError(f"{notebook}: a guard's sentence must quote at least 12 characters of the text: {short}")
    missing = []
    for index, cell in enumerate(cells):
        if cell["cell_type"] != "markdown":
            continue
        for sentence in sentences_of("".join(cell["source"])):
            words = judging_words(sentence)
            plain = normalise(_GLUE.sub("⟨value⟩", sentence))
            if words and not any(g in plain for g in guards):
                missing.append(Sentence(str(notebook), index, sentence, words))
    return missing


def unmatched_guards(notebook: str | os.PathLike) -> list[str]:
    """Guards whose sentence is not (any longer) in the notebook's markdown: a reworded sentence.

    Examples
    --------
    >>> import json, tempfile
    >>> cells = [{"cell_type": "markdown", "source": ["A is faster than B."], "metadata": {}},
    ...          {"cell_type": "code", "source": ['holds(True, "A is quicker than B")'], "metadata": {}}]
    >>> path = tempfile.mktemp(suffix=".ipynb")
    >>> _ = open(path, "w").write(json.dumps({"cells": cells}))
    >>> unmatched_guards(path)
    ['A is quicker than B']
    """
    cells = _cells(notebook)
    text = [normalise(_GLUE.sub("⟨value⟩", s)) for c in cells if c["cell_type"] == "markdown"
            for s in sentences_of("".join(c["source"]))]
    guards = _guards(notebook)
    return [g for g in guards if not any(normalise(g) in t for t in text)]
