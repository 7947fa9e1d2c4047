"""Every chapter and every solution runs where the launch buttons send a reader.

Colab opens one notebook alone and pip-installs the library; Binder and a laptop do much the same.
These tests do exactly that: the library is built as a wheel and installed into a folder of its own
(first on ``PYTHONPATH``, so the kernel imports the installed copy, never this checkout), each notebook
is copied alone into an empty folder, and executed top to bottom offline (the data from
``SENTIMENT_DATA_DIR``, the packaged encoder). A run fails on any cell that raises, on a markdown
cell that still holds a ``{glue:...}`` role, and on a sentence whose value is missing ("(no value:").

* chapters 0-6 with ``SENTIMENT_MODEL=tiny`` (a random tiny DistilBERT with ``[CLS]`` pooling)
  standing in for the hub's DistilBERT that Colab downloads, in one folder in chapter order (chapter 3
  trains the tiny model there, 4-6 load it): the numbers are poor, nothing may raise, and a claim the
  numbers do not support says so in one line instead of stopping the notebook;
* chapter 7 (which reads recorded results and the book's model) with the book's trained model, linked
  into the empty folder where chapter 3 leaves it (trained once per machine, see ``conftest.real_run``).

What these runs leave to other tests, to keep CI short: chapters 0-6 with the book's own encoder are
executed by the book build (``tests/test_book.py``, the same notebooks and encoder, from the checkout),
and the six solution notebooks by ``nbgrader validate`` in a course folder outside the repository
(``tests/test_nbgrader.py``). Run any notebook this way by hand with the command below.

Run one by hand: ``python tests/test_reader_runs.py book/03_fine_tuning.ipynb [--model tiny]``.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted((ROOT / "book").glob("*.ipynb"))
PLACEHOLDER = re.compile(r"\{glue(?::[a-z]+)?\}`")


def build_wheel_site(folder: Path) -> Path:
    """Build this repository's wheel and install it (no dependencies) into ``folder/site``.

    The wheel is built from a copy of the sources, so that setuptools' ``build/`` folder never lands in
    the checkout (a stale ``build/lib`` would put deleted modules into the next wheel).
    """
    import shutil

    wheels, site, source = folder / "wheels", folder / "site", folder / "source"
    skip = shutil.ignore_patterns(".git", ".venv", "_build", "build", "node_modules", ".cache", "*.egg-info",
                                  "__pycache__", ".pytest_cache")
    shutil.copytree(ROOT, source, ignore=skip)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
                    "-w", str(wheels), str(source)], check=True, cwd=folder)
    wheel = next(wheels.glob("sentiment_lib-*.whl"))
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index",
                    "--target", str(site), str(wheel)], check=True)
    return site


def run_alone(notebook: Path, folder: Path, site: Path, model: str | None = None,
              book_model: Path | None = None, timeout: int = 1500) -> dict:
    """Execute ``notebook`` copied alone into ``folder`` with the library from ``site``; what went wrong.

    Returns ``{"errors": [...], "placeholders": [...], "missing": [...], "not_holding": [...], "seconds": s}``.
    """
    import nbformat
    from nbclient import NotebookClient

    folder.mkdir(parents=True, exist_ok=True)
    if book_model is not None and book_model.is_dir():
        (folder / "_build" / "models").mkdir(parents=True, exist_ok=True)
        link = folder / "_build" / "models" / "book"
        if not link.exists():
            link.symlink_to(book_model, target_is_directory=True)
    copy = folder / notebook.name
    copy.write_bytes(notebook.read_bytes())
    nb = nbformat.read(copy, as_version=4)
    env = {k: v for k, v in os.environ.items() if k not in ("SENTIMENT_BOOK_BUILD", "PYTHONPATH")}
    env["PYTHONPATH"] = str(site)
    env["MPLBACKEND"] = "Agg"
    if model is not None:
        env["SENTIMENT_MODEL"] = model
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)  # the kernel inherits this process's environment
    start = time.perf_counter()
    try:
        client = NotebookClient(nb, timeout=timeout, kernel_name="python3", allow_errors=True,
                                resources={"metadata": {"path": str(folder)}})
        client.execute()
    finally:
        os.environ.clear()
        os.environ.update(saved)
    nbformat.write(nb, folder / f"executed-{notebook.name}")
    report: dict = {"errors": [], "placeholders": [], "missing": [], "not_holding": [],
                    "seconds": time.perf_counter() - start}
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "markdown" and PLACEHOLDER.search(cell.source):
            report["placeholders"].append(index)
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                report["errors"].append(f"cell {index}: {output['ename']}: {output['evalue'][:300]}")
            text = output.get("text", "") + "".join(output.get("data", {}).get("text/markdown", ""))
            if "(no value:" in text or PLACEHOLDER.search(text):
                report["missing"].append(f"cell {index}: {text[:200]}")
            if "does not hold" in text:
                report["not_holding"].append(f"cell {index}: {text.strip()[:300]}")
    return report


def _where_the_library_comes_from(site: Path, folder: Path) -> str:
    env = {**os.environ, "PYTHONPATH": str(site)}
    return subprocess.run([sys.executable, "-c", "import sentiment_lib; print(sentiment_lib.__file__)"],
                          env=env, cwd=folder, capture_output=True, text=True, check=True).stdout.strip()


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("wheel")
    site = build_wheel_site(folder)
    where = _where_the_library_comes_from(site, tmp_path_factory.mktemp("empty"))
    assert where.startswith(str(site)), f"the kernel would import {where}, not the installed wheel"
    assert (site / "sentiment_lib" / "results" / "inference.json").is_file(), "recorded results are not package data"
    return site


def _check(report: dict, name: str) -> None:
    problems = report["errors"] + [f"placeholder in markdown cell {i}" for i in report["placeholders"]] + report["missing"]
    assert not problems, f"{name} run alone:\n" + "\n".join(problems)


#: the chapters that the tiny model does not run (chapter 7 trains nothing and reads the book's model)
BOOK_MODEL_ONLY = [c for c in CHAPTERS if c.stem.startswith("07")]


@pytest.mark.slow
@pytest.mark.parametrize("chapter", BOOK_MODEL_ONLY, ids=lambda p: p.stem)
def test_chapter_runs_alone_with_the_installed_library(chapter, site, real_run, tmp_path):
    result, _ = real_run
    report = run_alone(chapter, tmp_path / "reader", site, book_model=Path(result.output_dir))
    _check(report, chapter.name)


@pytest.fixture(scope="module")
def tiny_folder(tmp_path_factory) -> Path:
    """One folder for the tiny runs, as a reader's laptop or Binder session keeps one: chapter 3 trains the
    tiny model into it once and chapters 4-6 load it (each alone in an empty folder would train it again)."""
    return tmp_path_factory.mktemp("tiny-reader")


@pytest.mark.slow
@pytest.mark.parametrize("chapter", [c for c in CHAPTERS if c not in BOOK_MODEL_ONLY], ids=lambda p: p.stem)
def test_chapter_runs_alone_with_another_model(chapter, site, tiny_folder):
    report = run_alone(chapter, tiny_folder, site, model="tiny")
    _check(report, f"{chapter.name} (SENTIMENT_MODEL=tiny)")


if __name__ == "__main__":
    import argparse
    import tempfile

    parser = argparse.ArgumentParser(description="Run notebooks alone in empty folders with the installed wheel.")
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--model", default=None, help="SENTIMENT_MODEL for the run (e.g. tiny)")
    parser.add_argument("--book-model", type=Path, default=ROOT / "_build" / "models" / "book")
    parser.add_argument("--site", type=Path, default=None, help="an installed wheel's folder (else one is built)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="reader-"))
    site = args.site or build_wheel_site(work)
    for notebook in args.notebooks:
        report = run_alone(notebook.resolve(), work / notebook.stem, site, model=args.model,
                           book_model=args.book_model if args.model is None else None)   # another model trains its own
        print(json.dumps({"notebook": notebook.name, **report}, indent=1), flush=True)
    print(f"executed copies in {work}")
