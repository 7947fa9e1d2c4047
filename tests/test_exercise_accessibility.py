"""The exercises are accessible too (issue 16, item 5; docs/accessibility.md).

Fast, no browser: every instructor notebook in ``solutions/`` and every student notebook in
``exercises/``

* is structured by real headings in order: one ``#`` title first, then ``##`` sections (every
  "Task N" is a ``##``), never a level skipped, and no paragraph that is only bold text standing in
  for a heading (WCAG 1.3.1 Info and Relationships, 2.4.6 Headings and Labels);
* says what every image shows: a Markdown or HTML image has a real ``alt`` (not empty, not a file
  name), an image output carries its text alternative in its metadata (``sentiment_lib.figures.show``
  puts it there), and a cell that makes a matplotlib figure shows it with ``show(fig, alt=...)``, the
  alt built from data (WCAG 1.1.1 Non-text Content);
* never tells things apart by colour alone in words ("the red line", "shown in green")
  (WCAG 1.4.1 Use of Color).

The checkers themselves are tested on bad examples below, so that a passing run means something.
The feedback HTML that nbgrader makes from these notebooks is checked with axe-core in a browser in
``tests/test_feedback_accessibility.py``.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted(ROOT.glob("solutions/*/*.ipynb")) + sorted(ROOT.glob("exercises/*/*.ipynb"))
IDS = [str(p.relative_to(ROOT)) for p in NOTEBOOKS]

_MD = MarkdownIt("commonmark").enable("table")
COLOURS = r"red|green|blue|orange|yellow|purple|violet|pink|grey|gray|brown|cyan|magenta|black|teal"
#: "the red line", "green bars", "in blue", "coloured orange", "highlighted in red" ...
COLOUR_ONLY = re.compile(
    rf"\b(?:(?:in|(?:shown|marked|drawn|printed|plotted|highlighted|coloured|colored)(?:\s+in)?)\s+(?:{COLOURS})\b"
    rf"|(?:the\s+)?(?:{COLOURS})(?:ish)?\s+(?:line|lines|bar|bars|dot|dots|point|points|curve|curves|area|areas|box|boxes|"
    rf"cell|cells|text|word|words|one|ones|marker|markers|region|regions|part|parts|column|columns|row|rows|"
    rf"square|squares|circle|circles|cross|crosses|arrow|arrows|label|labels|series|slice|slices)\b)",
    re.IGNORECASE,
)
IMAGE_FILE = re.compile(r"[\w./\\:-]*\.(?:png|svg|jpe?g|gif|webp)", re.IGNORECASE)


def _markdown(cell: dict) -> str:
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def heading_problems(cells: list[str]) -> list[str]:
    """Problems with the heading structure of a notebook given as the sources of its Markdown cells."""
    problems, levels = [], []
    for index, text in enumerate(cells):
        tokens = _MD.parse(text)
        for position, token in enumerate(tokens):
            if token.type == "heading_open":
                level = int(token.tag[1])
                title = tokens[position + 1].content
                if not levels and level != 1:
                    problems.append(f"markdown cell {index}: the first heading {title!r} is h{level}, not a '#' title")
                elif levels and level == 1:
                    problems.append(f"markdown cell {index}: a second '#' title {title!r} (one per notebook)")
                elif levels and level > levels[-1] + 1:
                    problems.append(f"markdown cell {index}: {title!r} is h{level} right after h{levels[-1]}: a level skipped")
                if re.match(r"(Task|Exercise|Question)\s+\d", title) and level != 2:
                    problems.append(f"markdown cell {index}: {title!r} is h{level}; tasks are '##' headings")
                levels.append(level)
            elif token.type in ("html_block", "html_inline") and re.search(r"<h[1-6]\b", token.content, re.I):
                problems.append(f"markdown cell {index}: an HTML heading ({token.content.strip()[:40]!r}); use '#' headings")
            elif token.type == "inline" and position > 0 and tokens[position - 1].type == "paragraph_open":
                kids = [k for k in token.children or [] if not (k.type == "text" and not k.content.strip())]
                if len(kids) >= 3 and kids[0].type in ("strong_open", "em_open") and kids[-1].type in ("strong_close", "em_close") \
                        and sum(k.type in ("strong_open", "em_open") for k in kids) == 1:
                    problems.append(f"markdown cell {index}: the paragraph {token.content!r} is only bold or italic text, "
                                    "a heading in disguise; use a '#' heading")
    if not levels:
        problems.append("no heading at all: the notebook needs a '#' title")
    return problems


def markdown_image_problems(text: str) -> list[str]:
    """Images in Markdown (``![alt](src)``, ``<img>``) without a text alternative."""
    problems = []
    for token in _MD.parse(text):
        for child in token.children or []:
            if child.type == "image":
                alt = child.content.strip()
                if not alt or IMAGE_FILE.fullmatch(alt):
                    problems.append(f"image {child.attrGet('src')!r} has alt {alt!r}: say what it shows")
        if token.type in ("html_block", "html_inline", "inline"):
            for tag in re.findall(r"<img\b[^>]*>", token.content, re.I):
                match = re.search(r"""\balt\s*=\s*(["'])(.*?)\1""", tag, re.I | re.S)
                alt = match.group(2).strip() if match else ""
                if not alt or IMAGE_FILE.fullmatch(alt):
                    problems.append(f"{tag[:60]!r} has alt {alt!r}: say what it shows")
    return problems


def output_image_problems(cell: dict) -> list[str]:
    """Image outputs of a code cell whose metadata carries no text alternative."""
    problems = []
    for output in cell.get("outputs", []):
        for mime in output.get("data", {}):
            if mime.startswith("image/"):
                alt = str(output.get("metadata", {}).get(mime, {}).get("alt", "")).strip()
                if not alt or IMAGE_FILE.fullmatch(alt):
                    problems.append(f"a {mime} output without a text alternative: show it with "
                                    "sentiment_lib.figures.show(fig, alt=...)")
    return problems


def _calls(tree: ast.AST) -> list[ast.Call]:
    return [node for node in ast.walk(tree) if isinstance(node, ast.Call)]


def _name(call: ast.Call) -> str:
    return call.func.attr if isinstance(call.func, ast.Attribute) else getattr(call.func, "id", "")


#: names that matplotlib's pyplot (or a figure) goes by in a notebook: ``plt.show()`` shows no alt text
PYPLOT = {"plt", "pyplot", "fig", "figure", "matplotlib"}


def _owner(call: ast.Call) -> str:
    """``plt`` for ``plt.show()``, ``grading`` for ``grading.show(...)``; "" for a plain call."""
    value = call.func.value if isinstance(call.func, ast.Attribute) else None
    while isinstance(value, ast.Attribute):
        value = value.value
    return getattr(value, "id", "")


def figure_code_problems(code: str) -> list[str]:
    """A code cell that makes a figure must show it with show(fig, alt=...), the alt built from data."""
    clean = "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in code.splitlines())
    try:
        calls = _calls(ast.parse(clean))
    except SyntaxError:  # a student's half-written answer; nothing to check
        return []
    problems = []
    if any(_name(c) == "show" and _owner(c) in PYPLOT for c in calls):
        problems.append("plt.show() shows a figure without a text alternative; use show(fig, alt=...)")
    shows = [c for c in calls if _name(c) == "show" and isinstance(c.func, ast.Name)]
    makers = [c for c in calls if _name(c) in {"subplots", "figure", "imshow", "plot", "hist", "bar", "barh", "scatter"}
              and isinstance(c.func, ast.Attribute) and _owner(c) != "grading"]
    if makers and not shows:
        problems.append("makes a figure but never calls show(fig, alt=...)")
    for call in shows:
        alt = next((k.value for k in call.keywords if k.arg == "alt"), None)
        if alt is None or isinstance(alt, ast.Constant):
            problems.append("show() without an alt built from the data (alt=f'... {value} ...')")
    return problems


def colour_problems(text: str) -> list[str]:
    return [f"{m.group(0)!r} tells things apart by colour alone: name them by label, line style or position"
            for m in COLOUR_ONLY.finditer(text)]


def _comments(code: str) -> str:
    return "\n".join(line.split("#", 1)[1] for line in code.splitlines() if "#" in line)


# --------------------------------------------------------------------------------------------
# The notebooks
# --------------------------------------------------------------------------------------------


def test_every_assignment_is_checked_in_both_versions():
    solutions = {p.parent.name for p in ROOT.glob("solutions/*/*.ipynb")}
    exercises = {p.parent.name for p in ROOT.glob("exercises/*/*.ipynb")}
    assert len(solutions) >= 6 and solutions == exercises, (solutions, exercises)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_headings_in_order(path):
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    markdown = [_markdown(c) for c in cells if c["cell_type"] == "markdown"]
    assert not heading_problems(markdown), f"{path.relative_to(ROOT)}:\n" + "\n".join(heading_problems(markdown))
    tasks = [line for text in markdown for line in text.splitlines() if re.match(r"#+\s+Task\s+\d", line)]
    assert tasks and all(line.startswith("## ") for line in tasks), tasks


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_every_image_says_what_it_shows(path):
    problems = []
    for index, cell in enumerate(json.loads(path.read_text(encoding="utf-8"))["cells"]):
        text = _markdown(cell)
        found = markdown_image_problems(text) if cell["cell_type"] == "markdown" else []
        if cell["cell_type"] == "code":
            found += output_image_problems(cell) + figure_code_problems(text)
        if cell.get("attachments") and cell["cell_type"] == "markdown":
            shown = {m for m in re.findall(r"attachment:([^)\s\"']+)", text)}
            found += [f"attachment {name!r} is never shown with an alt" for name in set(cell["attachments"]) - shown]
        problems += [f"cell {index}: {p}" for p in found]
    assert not problems, f"{path.relative_to(ROOT)}:\n" + "\n".join(problems)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_no_instruction_relies_on_colour(path):
    problems = []
    for index, cell in enumerate(json.loads(path.read_text(encoding="utf-8"))["cells"]):
        text = _markdown(cell)
        problems += [f"cell {index}: {p}" for p in colour_problems(text if cell["cell_type"] == "markdown" else _comments(text))]
    assert not problems, f"{path.relative_to(ROOT)}:\n" + "\n".join(problems)


# --------------------------------------------------------------------------------------------
# The checkers catch what they should, and only that
# --------------------------------------------------------------------------------------------

GOOD = ["# Assignment 1 — Data\n\n**How it works.** Write code.", "## Task 1 — Clean (2 points)\n\n```python\n# YOUR CODE HERE\n```",
        "### A detail\n\ntext", "## Task 2 — Split (3 points)"]


def test_heading_checker_accepts_the_course_layout():
    assert heading_problems(GOOD) == []


@pytest.mark.parametrize("cells, fragment", [
    (["## Task 1"], "not a '#' title"),
    (["# Title", "# Another title"], "second '#' title"),
    (["# Title", "### Task details"], "level skipped"),
    (["# Title", "### Task 1 — Clean"], "tasks are '##' headings"),
    (["# Title", "**Task 1 — Clean the markup**\n\nWrite a function."], "heading in disguise"),
    (["# Title", "__Background__"], "heading in disguise"),
    (["# Title", "<h2>Task 1</h2>"], "HTML heading"),
    (["Just text"], "no heading at all"),
])
def test_heading_checker_rejects(cells, fragment):
    problems = heading_problems(cells)
    assert any(fragment in p for p in problems), problems


@pytest.mark.parametrize("text, bad", [
    ("![](figure.png)", True),
    ("![../_images/04a93af0.png](../_images/04a93af0.png)", True),
    ('<img src="a.png">', True),
    ('<img src="a.png" alt="">', True),
    ("![Histogram of review lengths: median 174 words](hist.png)", False),
    ('<img src="a.png" alt="Bar chart: TF-IDF 0.81, fine-tuned 0.86">', False),
])
def test_markdown_image_checker(text, bad):
    assert bool(markdown_image_problems(text)) is bad


def test_output_image_checker():
    bare = {"outputs": [{"output_type": "display_data", "data": {"image/png": "iVBOR"}, "metadata": {}}]}
    named = {"outputs": [{"output_type": "display_data", "data": {"image/png": "iVBOR"},
                          "metadata": {"image/png": {"alt": "Line chart: loss from 0.69 to 0.31"}}}]}
    text = {"outputs": [{"output_type": "stream", "name": "stdout", "text": "ok"}]}
    assert output_image_problems(bare) and not output_image_problems(named) and not output_image_problems(text)


@pytest.mark.parametrize("code, bad", [
    ("fig, ax = plt.subplots()\nax.plot([1, 2])\nplt.show()", True),
    ("fig, ax = plt.subplots()\nax.plot([1, 2])", True),
    ("fig, ax = plt.subplots()\nshow(fig, alt='A chart')", True),
    ("fig, ax = plt.subplots()\nshow(fig, alt=f'Loss: {losses[0]:.2f} to {losses[-1]:.2f}')", False),
    ("x = clean_review(text)\nprint(x)", False),
    ("print(grading.show(values, 40))", False),
    ("matplotlib.pyplot.show()", True),
])
def test_figure_code_checker(code, bad):
    assert bool(figure_code_problems(code)) is bad


@pytest.mark.parametrize("text", ["The red line is the validation loss.", "Positive reviews are in green.",
                                  "the bars shown in blue", "Wrong answers are coloured orange.", "see the Green bars"])
def test_colour_checker_flags_colour_only_wording(text):
    assert colour_problems(text), text


@pytest.mark.parametrize("text", ["Red-green colour blindness affects 1 man in 12.", "a redundant check",
                                  "The dashed line is the validation loss.", "Green Book (2018) is a film."])
def test_colour_checker_leaves_other_wording(text):
    assert not colour_problems(text), text


# --------------------------------------------------------------------------------------------
# The feedback template (fast: nbconvert alone; the browser check of real feedback is
# tests/test_feedback_accessibility.py)
# --------------------------------------------------------------------------------------------


def _course_config():
    from traitlets.config.loader import PyFileConfigLoader

    return PyFileConfigLoader("nbgrader_config.py", path=str(ROOT)).load_config()


def test_config_selects_the_course_feedback_template():
    html = _course_config().HTMLExporter
    assert html.template_name == "feedback_accessible" and html.template_file == "feedback_accessible.html.j2"
    assert html.language_code == "en"
    dirs = [Path(d) for d in html.extra_template_basedirs]
    assert (ROOT / "nbgrader_templates").resolve() in dirs
    assert any((d / "feedback" / "index.html.j2").is_file() for d in dirs), "nbgrader's own feedback template"
    conf = json.loads((ROOT / "nbgrader_templates" / "feedback_accessible" / "conf.json").read_text())
    assert conf["base_template"] == "feedback"


def test_course_feedback_template_renders_with_its_fixes():
    import nbformat
    from nbconvert.exporters import HTMLExporter

    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("# Assignment 1\n\n## Task 1 — Clean (2 points)"),
        nbformat.v4.new_code_cell("x = 1  # a comment", metadata={"nbgrader": {
            "grade": True, "solution": False, "grade_id": "test-1", "points": 2, "score": 0}}),
    ])
    import nbgrader

    config = _course_config()
    # what nbgrader's GenerateFeedback adds: where bootstrap's CSS is
    config.HTMLExporter.extra_template_paths = [
        str(Path(nbgrader.__file__).parent / "server_extensions" / "formgrader" / "static" / "node_modules" / "bootstrap" / "dist" / "css")]
    resources = {"nbgrader": {"notebook": "01_data", "score": 0, "max_score": 2, "late_penalty": 0}}
    body, _ = HTMLExporter(config=config).from_notebook_node(nb, resources=resources)
    assert '<html lang="en">' in body and "<html>" not in body
    assert "Added by the course" in body and "text-decoration: underline" in body  # the fixes' stylesheet
    assert "(Score: 0.0 / 2.0)" in body and "Assignment 1" in body  # still nbgrader's feedback page
