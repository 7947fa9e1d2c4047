"""The layers of the two packages, kept by a test (issue 38, item 2).

The import graph of ``sentiment_lib`` and ``course_grading`` is read from the source files with
:mod:`ast`, imports inside functions included (nothing is imported, so this takes well under a
second). It must have no cycle; a chapter's module imports only earlier chapters and the shared
modules below every chapter; ``course_grading`` reaches the library only through the shared modules
its ``__init__`` names; and an import inside a function is there to defer a heavy dependency
(torch, transformers, pandas, ...) or is a forward import listed, with its reason, in ``FORWARD``.
"""

from __future__ import annotations

import ast
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("sentiment_lib", "course_grading")

#: Where each module of sentiment_lib sits. 0: shared, below every chapter; 1-6: the book's chapter
#: order; TOP: entry points above all of them. A new module must be placed here.
SHARED, TOP = 0, 99
LAYER = {
    **dict.fromkeys(["sentiment_lib", "errors", "checkpoints", "hardware", "domains", "figures", "book",
                     "environment", "results"], SHARED),
    "data": 1,
    "tokenization": 2,
    **dict.fromkeys(["modeling", "pooling", "runs", "training"], 3),
    "evaluation": 4,
    **dict.fromkeys(["inference", "quantization", "export", "behaviour", "vader"], 5),
    "baseline": 6,
    **dict.fromkeys(["cli", "__main__", "grading"], TOP),
}

#: Imports of a later chapter, each deliberate; they must stay inside the function that needs them,
#: so that importing the earlier chapter never loads the later one.
FORWARD = {
    ("sentiment_lib.training", "sentiment_lib.evaluation"):
        "fine_tune's Trainer picks the kept checkpoint by chapter 4's metrics (trainer_metrics) and scores the test split",
    ("sentiment_lib.training", "sentiment_lib.inference"):
        "fine_tune scores the test split with chapter 5's SentimentClassifier, which stores the probabilities "
        "where chapter 5 reuses them (predict_proba(reuse=True))",
}

#: Known exceptions in files edited by someone else at the time of writing; each entry must still be
#: needed (a fixed one fails the test until it is removed here).
PENDING = {
    ("sentiment_lib.book", "sentiment_lib.modeling"):
        "book.run_banner imports encoder_pooling (chapter 3) into a shared module",
    ("sentiment_lib.book", "sentiment_lib.modeling", "function"): "book.run_banner: light imports inside the function",
    ("sentiment_lib.book", "sentiment_lib.checkpoints", "function"): "book.run_banner: light imports inside the function",
    ("sentiment_lib.book", "sentiment_lib.hardware", "function"): "book.run_banner: light imports inside the function",
    ("course_grading.toy_models", "course_grading.checks", "function"): "toy_models: light imports inside a function",
    ("course_grading.toy_models", "course_grading.probes", "function"): "toy_models: light imports inside a function",
}

#: Third-party packages worth deferring: each costs a noticeable part of a second (or several) to import.
HEAVY = {"torch", "transformers", "datasets", "sklearn", "scipy", "matplotlib", "onnx", "onnxruntime", "onnxscript",
         "accelerate", "safetensors", "pandas", "numpy", "pyarrow", "IPython", "nbgrader", "nbformat", "nbclient",
         "jupyter_client", "sqlalchemy"}

#: Names a module imports and does not use, kept on purpose (the shim of modeling.py is gone; the book's
#: chapters 2 and 3 import these from sentiment_lib.modeling).
KEPT_NAMES = {("sentiment_lib.modeling", "cpu_has_native_bf16"), ("sentiment_lib.modeling", "resolve_precision")}


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    line: int
    in_function: bool
    names: tuple[str, ...] = ()


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for pkg in PACKAGES for p in sorted((ROOT / pkg).rglob("*.py"))}


def _parse(path: Path) -> ast.Module:
    return ast.parse(path.read_text(), filename=str(path))


def _imports(name: str, path: Path, modules: dict[str, Path]) -> tuple[list[Edge], set[str]]:
    """The project modules ``name`` imports (with where) and the third-party roots it imports at module level."""
    tree = _parse(path)
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    edges, external = [], set()

    def project(target: str) -> str | None:
        while target and target not in modules:
            target = target.rpartition(".")[0]
        return target or None

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            inside = in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
            if isinstance(child, ast.Import):
                for alias in child.names:
                    if (target := project(alias.name)) is not None:
                        edges.append(Edge(name, target, child.lineno, in_function))
                    elif not in_function:
                        external.add(alias.name.split(".")[0])
            elif isinstance(child, ast.ImportFrom):
                base = (".".join(package[: len(package) - child.level + 1] + ([child.module] if child.module else []))
                        if child.level else child.module or "")
                if base.split(".")[0] not in PACKAGES:
                    if not in_function and not child.level:
                        external.add(base.split(".")[0])
                    continue
                for alias in child.names:  # `from . import training` imports the module training
                    sub = f"{base}.{alias.name}"
                    target = sub if sub in modules else project(base)
                    if target is not None and target != name:
                        edges.append(Edge(name, target, child.lineno, in_function, (alias.asname or alias.name,)))
            visit(child, inside)

    visit(tree, False)
    return edges, external


@pytest.fixture(scope="module")
def graph() -> tuple[dict[str, Path], list[Edge], dict[str, set[str]]]:
    modules = _modules()
    edges, external = [], {}
    for name, path in modules.items():
        found, roots = _imports(name, path, modules)
        edges += found
        external[name] = roots
    return modules, edges, external


def _layer(module: str) -> int:
    short = module.removeprefix("sentiment_lib.")
    return LAYER[short.split(".")[0]] if module != "sentiment_lib" else SHARED


def _cycles(nodes: set[str], edges: list[Edge]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan), each as a sorted list."""
    succ: dict[str, set[str]] = {n: set() for n in nodes}
    for e in edges:
        succ[e.source].add(e.target)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))

    def strong(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in succ[v]:
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(nodes):
        if v not in index:
            strong(v)
    return found


def _where(edges: list[Edge], source: str, target: str) -> str:
    return ", ".join(f"{source.replace('.', '/')}.py:{e.line}{' (in a function)' if e.in_function else ''}"
                     for e in edges if e.source == source and e.target == target)


def test_the_graph_is_read(graph):
    modules, edges, external = graph
    assert {"sentiment_lib.training", "sentiment_lib.inference", "course_grading.grade"} <= set(modules)
    assert any(e.source == "sentiment_lib.modeling" and e.target == "sentiment_lib.pooling" and e.in_function for e in edges)
    assert "torch" in external["sentiment_lib.pooling"] and "torch" not in external["sentiment_lib.modeling"]


def test_no_import_cycles(graph):
    modules, edges, _ = graph
    cycles = _cycles(set(modules), edges)
    detail = ["; ".join(_where(edges, a, b) for a in c for b in c if a != b and _where(edges, a, b)) for c in cycles]
    assert not cycles, "import cycles (function-level imports included):\n" + "\n".join(
        f"{' <-> '.join(c)}: {d}" for c, d in zip(cycles, detail))


def test_every_module_of_the_library_has_a_layer(graph):
    modules, _, _ = graph
    unplaced = sorted(m for m in modules if m.startswith("sentiment_lib")
                      and m.removeprefix("sentiment_lib.").split(".")[0] not in LAYER and m != "sentiment_lib")
    assert not unplaced, f"place these modules in LAYER (a chapter, SHARED or TOP): {unplaced}"


def test_chapters_import_only_earlier_chapters_and_shared_modules(graph):
    _, edges, _ = graph
    wrong, used = [], set()
    for e in edges:
        if not (e.source.startswith("sentiment_lib") and e.target.startswith("sentiment_lib")):
            continue
        if _layer(e.target) <= _layer(e.source) or _layer(e.target) == TOP == _layer(e.source):
            continue
        if (e.source, e.target) in FORWARD:
            used.add((e.source, e.target))
            if not e.in_function:
                wrong.append(f"{_where([e], e.source, e.target)}: a FORWARD import must stay inside its function")
            continue
        if (e.source, e.target) in PENDING:
            used.add((e.source, e.target))
            continue
        wrong.append(f"{e.source} (layer {_layer(e.source)}) imports {e.target} (layer {_layer(e.target)}): "
                     f"{_where([e], e.source, e.target)}")
    assert not wrong, "imports of a later chapter (or of a chapter from a shared module):\n" + "\n".join(wrong)
    stale = sorted(k for k in [*FORWARD, *(k for k in PENDING if len(k) == 2)] if k not in used)
    assert not stale, f"no longer needed: remove {stale} from FORWARD / PENDING"


def test_course_grading_reaches_the_library_only_through_documented_shared_modules(graph):
    _, edges, _ = graph
    import course_grading

    reached = {e.target: e for e in edges if e.source.startswith("course_grading") and e.target.startswith("sentiment_lib")}
    chapters = sorted(f"{t}: {_where(edges, e.source, t)}" for t, e in reached.items() if _layer(t) != SHARED)
    assert not chapters, f"course_grading imports the learner's chapters: {chapters}"
    undocumented = sorted(t for t in reached if f"``{t}``" not in course_grading.__doc__)
    assert not undocumented, f"course_grading/__init__.py's docstring does not name these entry points: {undocumented}"


def _top_closure(module: str, edges: list[Edge], external: dict[str, set[str]]) -> set[str]:
    """The third-party roots that importing ``module`` imports (module-level imports, transitively)."""
    seen, todo, roots = {module}, [module], set()
    while todo:
        m = todo.pop()
        roots |= external.get(m, set())
        for e in edges:
            if e.source == m and not e.in_function and e.target not in seen:
                seen.add(e.target)
                todo.append(e.target)
    return roots


def test_imports_inside_functions_defer_a_heavy_dependency(graph):
    """A sibling imported inside a function must bring in something heavy the importer does not already
    import (``modeling`` defers ``pooling``, hence transformers and torch); else it belongs at the top."""
    _, edges, external = graph
    wrong, used = [], set()
    for e in edges:
        if not e.in_function or e.source.split(".")[0] != e.target.split(".")[0] or (e.source, e.target) in FORWARD:
            continue
        deferred = (_top_closure(e.target, edges, external) - _top_closure(e.source, edges, external)) & HEAVY
        if deferred:
            continue
        if (e.source, e.target, "function") in PENDING:
            used.add((e.source, e.target, "function"))
            continue
        wrong.append(f"{_where([e], e.source, e.target)}: {e.target} defers nothing heavy; import it at the top")
    assert not wrong, "\n".join(sorted(set(wrong)))
    stale = sorted(k for k in PENDING if len(k) == 3 and k not in used)
    assert not stale, f"no longer needed: remove {stale} from PENDING"


def test_modules_import_only_names_they_use(graph):
    """No re-export shims in the chapters: a name imported at module level is used, or listed in ``__all__``,
    or kept on purpose (``KEPT_NAMES``). ``sentiment_lib.grading`` re-exports the grader for the notebooks."""
    modules, edges, _ = graph
    unused = []
    for name, path in modules.items():
        if not name.startswith("sentiment_lib") or name in ("sentiment_lib.grading", "sentiment_lib"):
            continue
        tree = _parse(path)
        used = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
        exported = next((set(ast.literal_eval(n.value)) for n in tree.body if isinstance(n, ast.Assign)
                         and any(getattr(t, "id", None) == "__all__" for t in n.targets)), set())
        for e in edges:
            if e.source == name and not e.in_function:
                for imported in e.names:
                    if imported not in used | exported and (name, imported) not in KEPT_NAMES:
                        unused.append(f"{path.relative_to(ROOT)}:{e.line}: {imported}")
    assert not unused, "imported and never used (a re-export? import it from where it is defined):\n" + "\n".join(unused)
    kept = {(m, n) for m, n in KEPT_NAMES if not any(e.source == m and n in e.names for e in edges)}
    assert not kept, f"KEPT_NAMES no longer imported: {sorted(kept)}"


def test_the_default_validation_size_is_the_quick_profiles():
    """inference.evaluate_model falls back on data.VALIDATION_SIZE (importing training there was a cycle)."""
    from sentiment_lib.data import VALIDATION_SIZE
    from sentiment_lib.training import PROFILES, TrainConfig

    assert VALIDATION_SIZE == PROFILES["quick"]["validation_size"] == TrainConfig.validation_size
