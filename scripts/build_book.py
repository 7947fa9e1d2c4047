"""Build the book the one way `make book`, the tests and the published site build it.

    python scripts/build_book.py        # jupyter-book build . -W -n --keep-going, plus the step below

Fine-tuning the book's model is about half of a cold build on a small CPU, and the chapters before
it leave a core idle much of the time (kernel start-up, pandas, plotting, Sphinx). So this script
starts the training at once, in a second process, and then builds the book. The training runs the
model configuration cell of chapter 3 itself (the one cell of chapters 3-6 that calls
``make_config``), so it trains exactly the model the chapters ask for; chapter 3's
``train_or_load`` waits for it (a lock beside the model folder) and loads the result. If that
process fails, chapter 3 trains the model itself, as it would without this script. Its log is in
``_build/models/book-train.log``.

When every chapter comes from the execution cache, no chapter needs the model: if the process is
still training when the build ends, it is stopped (its checkpoints stay in ``book.partial``, which
the next build resumes).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHAPTER = ROOT / "book" / "03_fine_tuning.ipynb"
LOG = ROOT / "_build" / "models" / "book-train.log"


def model_config_cell(chapter: Path = CHAPTER) -> str:
    """The source of the chapter's one code cell that calls ``make_config`` (the book's model)."""
    cells = ["".join(c["source"]) for c in json.loads(chapter.read_text(encoding="utf-8"))["cells"]
             if c["cell_type"] == "code" and "make_config(" in "".join(c["source"])]
    if len(cells) != 1:
        raise SystemExit(f"{chapter}: expected one code cell calling make_config, found {len(cells)}")
    return cells[0]


def train() -> None:
    """Train (or load) the model of chapter 3's configuration cell, run from the repository root."""
    from sentiment_lib.training import train_or_load

    os.chdir(ROOT)  # the cell finds the repository root from the current folder, as in the chapter
    namespace: dict = {}
    exec(compile(model_config_cell(), str(CHAPTER), "exec"), namespace)
    result = train_or_load(namespace["config"])
    print(f"model ready in {result.output_dir}", flush=True)


def build(args: list[str]) -> int:
    exe = Path(sys.executable).with_name("jupyter-book")
    command = [str(exe) if exe.is_file() else "jupyter-book", "build", ".", "-W", "-n", "--keep-going", *args]
    LOG.parent.mkdir(parents=True, exist_ok=True)
    with LOG.open("w") as log:
        trainer = subprocess.Popen([sys.executable, str(Path(__file__).resolve()), "--train"], cwd=ROOT,
                                   stdout=log, stderr=subprocess.STDOUT)
    start = time.perf_counter()
    try:
        book = subprocess.run(command, cwd=ROOT)
    finally:
        if trainer.poll() is None:  # no chapter waited for it (they came from the cache): not needed now
            trainer.terminate()
            trainer.wait()
            print(f"stopped the book model's training: no chapter needed it ({LOG})")
    if trainer.returncode not in (0, -15):
        tail = LOG.read_text(errors="replace")[-3000:]
        print(f"The background training failed (exit {trainer.returncode}), so chapter 3 trained the model itself "
              f"(the build's result above says how that went). The background log ({LOG}) ends:\n{tail}",
              file=sys.stderr)
    print(f"book build took {time.perf_counter() - start:.0f} s")
    return book.returncode


if __name__ == "__main__":
    if sys.argv[1:] == ["--train"]:
        train()
    else:
        sys.exit(build(sys.argv[1:]))
