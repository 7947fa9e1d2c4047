"""No choice is ever made on test data: a static check of the book, the benchmarks and the solutions.

Chapter 1's rule: models, settings, thresholds and checkpoints are chosen on validation
data; the test set is scored once, at the end. This test reads every code cell of
``book/`` and ``solutions/`` and every script in ``benchmarks/`` and fails where a
*choice* is made on *test-derived* data.

* **Test-derived** ("tainted"): an expression that mentions a name or string containing
  ``test`` (``splits["test"]``, ``y_test``, ``test_accuracy``; not ``test_size`` or a behavioural
  test such as ``invariance_test``), or calls a function that
  scores on the test split (``compare_models``, ``evaluate_tfidf``, ``evaluate_classifier``);
  and, transitively, every variable assigned from a tainted expression.
* **A choice**: ``idxmax``/``idxmin``/``nlargest``/``nsmallest``/``sort_values``, ``max``,
  ``min`` or ``sorted`` with a ``key``, and fitting or tuning anything
  (``.fit(``, ``fit_temperature``, ``choose_threshold``, ``choose``).

A choice over tainted data is allowed only where it names validation data explicitly
(``validation_accuracy``, ``val_…``), or where its line says why it is not a model
choice with a ``# not a choice: <reason>`` comment (for example picking the longest
test review to show that truncation works).
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
#: a name or key that holds test data or a test score: test, y_test, test_accuracy, X_test ...
TEST_WORD = re.compile(r"(^|_)test($|_)", re.IGNORECASE)
#: ... but not a size or a count of it: test_size, n_test, test_samples
NOT_DATA = re.compile(r"(^n_test$)|(^test_(size|samples|count)$)|(_size$)", re.IGNORECASE)
#: ... nor a behavioural test of chapter 5 and exercise 5 (CheckList's MFT, INV, DIR): a test of the model,
#: not the test split (minimum_functionality_test, invariance_test, check_invariance_test_is_complete)
BEHAVIOURAL_TEST = re.compile(r"(functionality|invariance|directional)_test", re.IGNORECASE)
VALIDATION_WORD = re.compile(r"validation|\bval_|_val\b|\bval\b", re.IGNORECASE)
SCORES_ON_TEST = {"compare_models", "evaluate_tfidf", "evaluate_classifier"}
SELECT_METHODS = {"idxmax", "idxmin", "nlargest", "nsmallest", "sort_values"}
KEYED_BUILTINS = {"max", "min", "sorted"}
FITTERS = {"fit", "fit_transform", "fit_temperature", "choose_threshold", "choose"}
EXEMPT = "# not a choice:"


def _name(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _is_test_word(text: str) -> bool:
    return bool(TEST_WORD.search(text)) and not NOT_DATA.search(text) and not BEHAVIOURAL_TEST.search(text)


def _mentions_test(node: ast.AST, tainted: set[str]) -> bool:
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name) and (_is_test_word(sub.id) or sub.id in tainted):
            return True
        if isinstance(sub, ast.Attribute) and _is_test_word(sub.attr):
            return True
        if isinstance(sub, ast.Constant) and isinstance(sub.value, str) and _is_test_word(sub.value):
            return True
        if isinstance(sub, ast.Call) and _name(sub.func) in SCORES_ON_TEST:
            return True
    return False


def _targets(node: ast.AST) -> list[str]:
    names = []
    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
    for target in targets:
        for sub in ast.walk(target):
            if isinstance(sub, ast.Name):
                names.append(sub.id)
    return names


def tainted_names(tree: ast.AST) -> set[str]:
    """Variables assigned (directly or transitively) from test-derived expressions."""
    tainted: set[str] = set()
    assigns = [n for n in ast.walk(tree) if isinstance(n, (ast.Assign, ast.AnnAssign, ast.AugAssign, ast.For))]
    changed = True
    while changed:
        changed = False
        for node in assigns:
            value = node.iter if isinstance(node, ast.For) else node.value
            if value is None or not _mentions_test(value, tainted):
                continue
            for name in _targets(node):
                if name not in tainted:
                    tainted.add(name)
                    changed = True
    return tainted


def choices_on_test(source: str) -> list[tuple[int, str]]:
    """(line, code) of every choice made on test-derived data in ``source``.

    Examples
    --------
    >>> choices_on_test("best = table['accuracy'].idxmax()\\ntable = compare_models(splits)")
    [(1, "table['accuracy'].idxmax()")]
    >>> choices_on_test("best = table['validation_accuracy'].idxmax()\\ntable = compare_models(splits)")
    []
    """
    tree = ast.parse(source)
    tainted = tainted_names(tree)
    lines = source.splitlines()
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = _name(node.func)
        keyed = func in KEYED_BUILTINS and isinstance(node.func, ast.Name) and any(k.arg == "key" for k in node.keywords)
        method = isinstance(node.func, ast.Attribute) and func in SELECT_METHODS
        fitter = func in FITTERS
        if not (keyed or method or fitter):
            continue
        scope = ast.Module(body=[ast.Expr(node)], type_ignores=[])
        segment = ast.get_source_segment(source, node) or ""
        if not _mentions_test(scope, tainted):
            continue
        if VALIDATION_WORD.search(segment) and not fitter:
            continue  # a choice that names its validation data, over a table that also holds test columns
        line = lines[node.lineno - 1]
        if EXEMPT in line:
            continue
        found.append((node.lineno, segment))
    return sorted(found)


def _code_of_notebook(path: Path) -> str:
    nb = json.loads(path.read_text())
    cells = []
    for cell in nb["cells"]:
        if cell["cell_type"] != "code":
            continue
        text = "".join(cell["source"])
        cells.append("\n".join("pass" if l.lstrip().startswith(("%", "!")) else l for l in text.splitlines()))
    return "\n".join(cells)


def sources() -> list[Path]:
    return sorted([*ROOT.glob("book/*.ipynb"), *ROOT.glob("solutions/*/*.ipynb"), *ROOT.glob("benchmarks/*.py")])


@pytest.mark.parametrize("path", sources(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_choice_is_made_on_test_data(path):
    code = _code_of_notebook(path) if path.suffix == ".ipynb" else path.read_text()
    found = choices_on_test(code)
    assert not found, (
        f"{path.relative_to(ROOT)} makes choices on test data (choose on validation; the test set is scored once): "
        + "; ".join(f"line {line}: {text[:120]}" for line, text in found)
    )


# The check itself must catch what it is for: the choices this course once made on test data.
CAUGHT = [
    # chapter 6 picked its TF-IDF baseline by test accuracy
    "table = compare_models(splits, fine_tuned_dir=d)\ntfidf = table.drop(index=['x'])\nbest = tfidf['accuracy'].idxmax()",
    # chapter 7 ranked the accuracy grid by test accuracy
    "runs = pd.DataFrame(rows)\nbest = max(within, key=lambda r: r['test_accuracy'])",
    "frontier = runs.sort_values('test_accuracy')",
    # fitting anything on test reviews
    "clf.fit(splits['test']['text'], splits['test']['label'])",
    "y_test = labels\nt = fit_temperature(y_test, probs)",
    "t = choose_threshold(test['label'], p)",
    # through a variable that came from test data
    "scores = evaluate_tfidf(a, b, c, d)\ntop = sorted(scores, key=lambda s: s['f1'])",
]
ALLOWED = [
    "best = table['validation_accuracy'].idxmax()\ntable = compare_models(splits)",
    "t = fit_temperature(validation['label'], val_probabilities)",
    "longest = max(splits['test']['text'], key=len)  # not a choice: the longest review shows truncation",
    "y_pred = probabilities.argmax(axis=1)\nprobabilities = clf.predict_proba(test['text'])",
    "order = np.argsort(weights)\nmodel = pipe.fit(train['text'], train['label'])",
]


@pytest.mark.parametrize("code", CAUGHT)
def test_the_check_catches_choices_on_test_data(code):
    assert choices_on_test(code), code


@pytest.mark.parametrize("code", ALLOWED)
def test_the_check_allows_validation_choices_and_plain_scoring(code):
    assert choices_on_test(code) == [], code


def test_a_behavioural_test_is_not_test_data():
    """Exercise 5's MFT and INV are tests *of the model*: their names taint nothing, the test split still does."""
    assert choices_on_test("f = get_function(globals(), 'invariance_test')\ni = f(1)\nx = sorted(i, key=len)") == []
    assert choices_on_test("f = splits['test']\ni = f(1)\nx = sorted(i, key=len)") == [(3, "sorted(i, key=len)")]
