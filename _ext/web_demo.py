"""Sphinx extension: copy what chapter 5's in-browser demo needs into the built site.

Chapter 5 exports the book's model to ONNX (int8) during the build. When the HTML build has
finished, this extension copies into ``_build/html/_static/sentiment-demo/``:

* ``widget.js``, the demo's own code (``_ext/web_demo/widget.js``);
* ``transformers/transformers.min.js``, Transformers.js's self-contained browser bundle, and
  ``ort/``, the ONNX Runtime Web WebAssembly files it loads, both from ``node_modules`` (the
  versions ``package-lock.json`` pins; ``npm ci`` installs them);
* ``models/book-model/``: the exported model's ``config.json``, tokenizer files and
  ``onnx/model_quantized.onnx``;
* ``status.json``: what is there, and why not, which the widget reads before anything else.

Nothing comes from a CDN: the widget sets Transformers.js's paths to these files and turns its
remote model loading off, so the page works from a local build and behind a firewall. Without
``node_modules`` (no npm) or without the exported model the build still succeeds; ``status.json``
says what is missing and the page shows how to run the model in Python instead.

>>> runtime_files(Path("/nonexistent"))[0]
False
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

DEST = Path("_static") / "sentiment-demo"
#: Transformers.js's browser bundle (ONNX Runtime Web's JavaScript inside) and ONNX Runtime's plain
#: WebAssembly build (SIMD; threads where the page is cross-origin isolated). Transformers.js would pick
#: the "asyncify" build, which WebGPU needs: twice the size (27 MB), and in headless Chromium on two
#: busy cores the first answer came about 1 s later with it (3.9 s against 2.4-2.9 s).
BUNDLE = Path("@huggingface") / "transformers" / "dist" / "transformers.min.js"
WASM = [Path("onnxruntime-web") / "dist" / f"ort-wasm-simd-threaded.{ext}" for ext in ("mjs", "wasm")]
MODEL_FILES = ["config.json", "tokenizer.json", "tokenizer_config.json", "onnx/model_quantized.onnx"]


def runtime_files(node_modules: Path) -> tuple[bool, list[Path]]:
    """Whether ``node_modules`` holds the browser runtime, and the files (present or not)."""
    files = [node_modules / BUNDLE, *(node_modules / w for w in WASM)]
    return all(f.is_file() for f in files), files


def _copy(source: Path, target: Path) -> int:
    """Copy a file unless an identical-looking copy (same size, not older) is there; its size."""
    target.parent.mkdir(parents=True, exist_ok=True)
    if not (target.is_file() and target.stat().st_size == source.stat().st_size
            and target.stat().st_mtime >= source.stat().st_mtime):
        shutil.copy2(source, target)
    return source.stat().st_size


def copy_demo(srcdir: Path, outdir: Path, model_dir: Path) -> dict[str, Any]:
    """Copy the widget, the runtime and the model into ``outdir``; return what ``status.json`` says."""
    dest = outdir / DEST
    dest.mkdir(parents=True, exist_ok=True)
    _copy(srcdir / "_ext" / "web_demo" / "widget.js", dest / "widget.js")
    status: dict[str, Any] = {"runtime": False, "model": False, "problems": [], "bytes": {}}
    ok, files = runtime_files(srcdir / "node_modules")
    if ok:
        status["bytes"]["transformers.min.js"] = _copy(files[0], dest / "transformers" / files[0].name)
        for wasm in files[1:]:
            status["bytes"][wasm.name] = _copy(wasm, dest / "ort" / wasm.name)
        status["runtime"] = True
        lock = json.loads((srcdir / "package-lock.json").read_text()) if (srcdir / "package-lock.json").is_file() else {}
        packages = lock.get("packages", {})
        status["versions"] = {name: packages.get(f"node_modules/{name}", {}).get("version")
                              for name in ("@huggingface/transformers", "onnxruntime-web")}
    else:
        status["problems"].append("this build had no JavaScript runtime: node_modules/@huggingface/transformers "
                                  "and onnxruntime-web are missing (install them with `npm ci`)")
    if all((model_dir / f).is_file() for f in MODEL_FILES):
        for name in MODEL_FILES:
            status["bytes"][f"models/book-model/{name}"] = _copy(model_dir / name, dest / "models" / "book-model" / name)
        status["model"] = True
        status["model_bytes"] = (model_dir / MODEL_FILES[-1]).stat().st_size
    else:
        status["problems"].append("this build has no exported model (chapter 5 writes it when it runs)")
    (dest / "status.json").write_text(json.dumps(status, indent=2) + "\n")
    return status


def _build_finished(app: Any, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    from sphinx.util import logging

    srcdir = Path(app.srcdir)
    model_dir = srcdir / app.config.web_demo_model_dir
    status = copy_demo(srcdir, Path(app.outdir), model_dir)
    # info, not warning: the book builds with -W, and a build without npm is allowed
    logging.getLogger(__name__).info(
        f"sentiment demo: runtime {'copied' if status['runtime'] else 'missing'}, "
        f"model {'copied' if status['model'] else 'missing'}" + "".join(f"; {p}" for p in status["problems"]))


def setup(app: Any) -> dict:
    app.add_config_value("web_demo_model_dir", "_build/models/book-web", "html")
    app.connect("build-finished", _build_finished)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
