"""Write the bytecode of the modules the book imports, in two processes at once (part of `make setup-book`).

`make setup-book` installs with `pip --no-compile`: byte-compiling every installed file took over a
minute, and most of those files are never imported. Python writes a module's bytecode the first time
it imports it, so without this step the first chapters of a build would pay for it, one module at a
time. Importing the book's heavy modules here, split over two processes, pays it once and in
parallel. Best effort: a module that fails to import is skipped (the build will say why, if it needs it).

    python scripts/warm_bytecode.py            # the two groups below, in parallel
    python scripts/warm_bytecode.py torch      # one group (what each process runs)
"""

from __future__ import annotations

import importlib
import subprocess
import sys

GROUPS = {
    # PyTorch and what runs on it: training (Trainer, Accelerate), the models, ONNX export (chapter 5)
    "torch": ["torch", "transformers", "transformers.trainer", "transformers.pipelines",
              "transformers.models.bert.modeling_bert", "transformers.models.distilbert.modeling_distilbert",
              "accelerate", "onnx", "onnxruntime", "onnxscript", "torch.onnx", "sympy", "networkx",
              "sentiment_lib.training", "sentiment_lib.inference", "sentiment_lib.export",
              "sentiment_lib.baseline", "sentiment_lib.behaviour"],
    # data, metrics, figures, and the book's own tools (Jupyter Book, the kernel)
    "rest": ["pandas", "pyarrow", "datasets", "sklearn.linear_model", "sklearn.feature_extraction.text",
             "sklearn.metrics", "scipy.stats", "matplotlib.pyplot", "jupyter_book.cli.main", "sphinx.application",
             "myst_nb", "jupyter_cache", "ipykernel.kernelapp", "IPython", "nbclient"],
}


def warm(group: str) -> None:
    for name in GROUPS[group]:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 - best effort: a missing optional module only means less warm-up
            pass


def main(argv: list[str]) -> int:
    if argv:
        warm(argv[0])
        return 0
    procs = [subprocess.Popen([sys.executable, __file__, group]) for group in GROUPS]
    return max(p.wait() for p in procs)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
