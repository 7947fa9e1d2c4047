"""Build the book the one way `make book`, the tests and the published site build it.

    python scripts/build_book.py          # jupyter-book build . -W -n --keep-going, offline where it can be
    python scripts/build_book.py --train  # only train (or load) the book's model, in _build/models/book

Offline when ``../shared/data/imdb`` holds the IMDB parquet files (``sentiment_lib.environment``, as in
the Makefile): the data from there and the packaged encoder (``SENTIMENT_MODEL=offline``), never the hub;
variables already set win.

``--train`` runs the model configuration cell of chapter 3 itself (the one cell of chapters 3-6 that
calls ``make_config``) and its ``train_or_load``, so it trains exactly the model the chapters use, and
a later build loads it. The tests' real-encoder runs use it (tests/conftest.py). Two processes that
ask for it at once do not both train: ``train_or_load`` holds a lock beside the model folder.

Not done here, measured: training that model in a second process beside the first chapters. On a
2-core CPU without native bf16, its steps took 4-6 s instead of 1.1-1.3 s while the chapters ran
(two processes, each with two PyTorch threads, on two cores), and the cold build took longer.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

from sentiment_lib.environment import course_environment

ROOT = Path(__file__).resolve().parents[1]
CHAPTER = ROOT / "book" / "03_fine_tuning.ipynb"


def environment() -> dict[str, str]:
    """This process's environment plus the course's defaults: offline when ../shared/data/imdb exists."""
    return {**os.environ, **course_environment(root=ROOT)}


def model_config_cell(chapter: Path = CHAPTER) -> str:
    """The source of the chapter's one code cell that calls ``make_config`` (the book's model)."""
    cells = ["".join(c["source"]) for c in json.loads(chapter.read_text(encoding="utf-8"))["cells"]
             if c["cell_type"] == "code" and re.search(r"^config = make_config\(", "".join(c["source"]), re.M)]
    if len(cells) != 1:
        raise SystemExit(f"{chapter}: expected one code cell calling make_config, found {len(cells)}")
    return cells[0]


def train() -> None:
    """Train (or load) the model of chapter 3's configuration cell, run from the repository root."""
    os.environ.update(environment())
    from sentiment_lib.training import train_or_load

    os.chdir(ROOT)  # the cell finds the repository root from the current folder, as in the chapter
    namespace: dict = {}
    exec(compile(model_config_cell(), str(CHAPTER), "exec"), namespace)
    result = train_or_load(namespace["config"])
    print(f"model ready in {result.output_dir}", flush=True)


def build(args: list[str]) -> int:
    exe = Path(sys.executable).with_name("jupyter-book")
    command = [str(exe) if exe.is_file() else "jupyter-book", "build", ".", "-W", "-n", "--keep-going", *args]
    start = time.perf_counter()
    # The book build: a claim its numbers do not support fails it (sentiment_lib.book.holds); a reader's run only says so.
    book = subprocess.run(command, cwd=ROOT, env={**environment(), "SENTIMENT_BOOK_BUILD": "1"})
    print(f"book build took {time.perf_counter() - start:.0f} s")
    return book.returncode


if __name__ == "__main__":
    if sys.argv[1:] == ["--train"]:
        train()
    else:
        sys.exit(build(sys.argv[1:]))
