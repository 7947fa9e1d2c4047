"""Chapter 5 — export a fine-tuned model to ONNX, for ONNX Runtime and the browser.

:func:`export_onnx` writes one ONNX graph that maps ``input_ids`` and
``attention_mask`` to ``logits``, the whole model in it (encoder, pooling,
classification head), next to the tokenizer and a ``config.json``, laid out the
way Transformers.js (npm ``@huggingface/transformers``) loads a local model::

    OUT/config.json              model_type of the encoder ("bert", "distilbert"), id2label
    OUT/tokenizer.json           the fast tokenizer
    OUT/tokenizer_config.json    model_max_length = the length the model was trained with
    OUT/training_config.json     truncation settings (for sentiment_lib's ONNX backend)
    OUT/onnx/model.onnx          float32
    OUT/onnx/model_quantized.onnx  int8 (with quantize=True): what Transformers.js loads as dtype "q8"
    OUT/export.json              what was exported, from where, file sizes

A model with mean pooling (:mod:`sentiment_lib.pooling`) is a custom class that
no other library knows; exported as one graph with ``logits`` as its output, it
looks to Transformers.js like the encoder's own ``...ForSequenceClassification``.

The graph comes from ``torch.onnx.export`` (the ``torch.export`` route), the int8
copy from ONNX Runtime's ``quantize_dynamic`` (int8 weights, activations
quantized on the fly, one scale per weight row).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .checkpoints import (
    SETTINGS_FILE, cache_dir, check_model_dir, resolve_model, restore_interrupted_publish, saved_settings,
)
from .errors import SentimentLibError
from .modeling import load_model

ONNX_DIR = "onnx"
FP32_FILE = "model.onnx"
INT8_FILE = "model_quantized.onnx"
MANIFEST = "export.json"
INPUTS = ("input_ids", "attention_mask")
#: Weights of a classification head; a directory whose weights have none is not a fine-tuned model.
HEAD_PREFIXES = ("classifier.", "pre_classifier.", "score.")


@dataclass
class ExportResult:
    """What :func:`export_onnx` wrote."""

    output_dir: str
    model_type: str
    files: dict[str, int] = field(default_factory=dict)  # path relative to output_dir -> bytes
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def path(self, quantized: bool = False) -> Path:
        """The ONNX file of the float32 (or int8) model."""
        return Path(self.output_dir) / ONNX_DIR / (INT8_FILE if quantized else FP32_FILE)


def is_export(path: str | os.PathLike) -> bool:
    """True for a directory written by :func:`export_onnx`.

    Examples
    --------
    >>> is_export("/nonexistent")
    False
    """
    path = Path(path)
    return (path / MANIFEST).is_file() and (path / ONNX_DIR / FP32_FILE).is_file()


def _weight_names(model_dir: Path) -> list[str] | None:
    """Names of the saved weights (``None`` when the format cannot be read cheaply)."""
    file = model_dir / "model.safetensors"
    if file.is_file():
        from safetensors import safe_open

        try:
            with safe_open(str(file), framework="pt") as f:
                return list(f.keys())
        except Exception as err:  # a truncated or foreign file
            raise SentimentLibError(
                f"Could not read the weights in {file}: {type(err).__name__}: {str(err)[:200]}",
                hint="The file may be truncated; train the model again.",
            ) from None
    index = model_dir / "model.safetensors.index.json"
    if index.is_file():
        return list(json.loads(index.read_text()).get("weight_map", {}))
    return None


def check_fine_tuned(model_dir: str | os.PathLike) -> Path:
    """Check that ``model_dir`` holds a fine-tuned sequence classifier; raise a clear error if not.

    A pretrained encoder (weights without a classification head), an empty or
    missing directory, or an earlier export are refused with what to pass instead.

    Examples
    --------
    >>> check_fine_tuned("/nonexistent")
    Traceback (most recent call last):
    ...
    sentiment_lib.errors.SentimentLibError: Model directory /nonexistent does not exist. Train one first (sentiment-lib train --output-dir DIR) or pass a hub name.
    """
    path = Path(model_dir).expanduser()
    if is_export(path):
        raise SentimentLibError(
            f"{path} is already an ONNX export, not a PyTorch model.",
            hint="Pass the directory that `sentiment-lib train` wrote (it has model.safetensors).",
        )
    path = check_model_dir(path)
    names = _weight_names(path)
    if names is not None and not any(n.startswith(HEAD_PREFIXES) or f".{HEAD_PREFIXES[0]}" in n for n in names):
        raise SentimentLibError(
            f"{path} is not a fine-tuned model: its weights have no classification head (classifier.*).",
            hint="Pass a directory written by `sentiment-lib train` (a pretrained encoder has no sentiment head).",
        )
    config = json.loads((path / "config.json").read_text())
    if not config.get("id2label"):
        raise SentimentLibError(f"{path}/config.json names no labels (id2label).",
                                hint="Pass a directory written by `sentiment-lib train`.")
    return path


def _logits_module(model: Any) -> Any:
    """``model`` as a module ``(input_ids, attention_mask) -> logits``, what the exporter traces."""
    import torch

    class LogitsOnly(torch.nn.Module):
        def __init__(self, inner: Any) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            return self.inner(input_ids=input_ids, attention_mask=attention_mask).logits

    return LogitsOnly(model).eval()


def _browser_config(model: Any) -> dict[str, Any]:
    """``config.json`` for Transformers.js: the encoder's own configuration, with the labels.

    A mean-pooling model's configuration nests its encoder's; the exported graph already
    contains the pooling, so the encoder's ``model_type`` (e.g. ``bert``) is what Transformers.js
    needs to pick its sequence-classification wrapper.
    """
    config = model.config
    encoder = getattr(config, "encoder", None)
    base = (encoder if encoder is not None else config).to_dict()
    base = {k: v for k, v in base.items() if k not in ("auto_map", "_name_or_path", "architectures", "dtype")}
    model_type = base["model_type"]
    arch = {"bert": "Bert", "distilbert": "DistilBert"}.get(model_type, model_type.title().replace("_", ""))
    labels = {int(k): v for k, v in config.id2label.items()}
    base.update(
        architectures=[f"{arch}ForSequenceClassification"],
        id2label={str(k): v for k, v in labels.items()},
        label2id={v: k for k, v in labels.items()},
        num_labels=len(labels),
        sentiment_lib={"pooling": "mean" if encoder is not None else "cls",
                       "exported_class": type(model).__name__,
                       "onnx_inputs": list(INPUTS), "onnx_output": "logits"},
    )
    return base


def _export_graph(model: Any, file: Path, *, opset: int) -> None:
    """``torch.onnx.export`` of the whole classifier into one self-contained file."""
    import warnings

    import torch

    wrapped = _logits_module(model)
    ids = torch.tensor([[101, 2023, 2143, 2001, 2307, 102], [101, 6659, 102, 0, 0, 0]])
    mask = (ids != 0).long()
    dims = {0: torch.export.Dim("batch", max=4096), 1: torch.export.Dim("sequence", max=4096)}
    import logging

    logger = logging.getLogger("torch.onnx")
    level = logger.level
    logger.setLevel(logging.ERROR)  # "torchvision is not installed" notes: nothing to do with this model
    with warnings.catch_warnings(), open(os.devnull, "w") as quiet:
        warnings.simplefilter("ignore")
        with contextlib.redirect_stdout(quiet):  # the exporter prints its progress
            program = torch.onnx.export(
                wrapped, (ids, mask), input_names=list(INPUTS), output_names=["logits"],
                dynamic_shapes={"input_ids": dims, "attention_mask": dims}, opset_version=opset, dynamo=True,
            )
    logger.setLevel(level)
    program.save(str(file), external_data=False)  # one file: what Transformers.js fetches


def quantize_onnx(source: str | os.PathLike, target: str | os.PathLike) -> Path:
    """int8 dynamic quantization of an ONNX model with ONNX Runtime (weights per output channel).

    Examples
    --------
    >>> quantize_onnx("out/onnx/model.onnx", "out/onnx/model_quantized.onnx")  # doctest: +SKIP
    PosixPath('out/onnx/model_quantized.onnx')
    """
    import logging

    from onnxruntime.quantization import QuantType, quantize_dynamic

    level = logging.getLogger().level
    logging.getLogger().setLevel(logging.ERROR)  # "consider pre-processing" advice on every call
    try:
        quantize_dynamic(str(source), str(target), weight_type=QuantType.QInt8, per_channel=True)
    finally:
        logging.getLogger().setLevel(level)
    return Path(target)


def _prepare_output(output: Path, model_dir: Path) -> None:
    if output.resolve() == model_dir.resolve() or model_dir.resolve() in output.resolve().parents:
        raise SentimentLibError(f"--output {output} is inside the model directory {model_dir}.",
                                hint="Write the export to a directory of its own, e.g. runs/quick-onnx.")
    if output.exists() and not output.is_dir():
        raise SentimentLibError(f"--output {output} is a file.", hint="Pass a directory.")
    if output.is_dir() and any(output.iterdir()) and not is_export(output):
        raise SentimentLibError(
            f"--output {output} already holds files that are not an ONNX export.",
            hint="Choose a new directory (an earlier export there is replaced, anything else is left alone).",
        )


def export_onnx(
    model_dir: str | os.PathLike,
    output: str | os.PathLike,
    *,
    quantize: bool = False,
    opset: int = 18,
) -> ExportResult:
    """Export a fine-tuned model directory to ONNX (float32, plus int8 with ``quantize=True``).

    The export is written beside ``output`` and moved into place when complete;
    an earlier export in ``output`` is replaced. The ``max_length`` the model was
    trained with becomes the tokenizer's ``model_max_length``, so that the browser
    truncates as the model was trained (Transformers.js truncates at the head).

    Parameters
    ----------
    model_dir : str or Path
        A saved run (``sentiment-lib train`` or :func:`~sentiment_lib.training.fine_tune`).
    output : str or Path
        The folder to write, in the layout Transformers.js reads.
    quantize : bool, default=False
        Also write ``onnx/model_quantized.onnx`` (ONNX Runtime's dynamic int8).
    opset : int, default=18
        The ONNX operator set.

    Returns
    -------
    ExportResult
        ``output_dir``, ``model_type``, ``files`` (relative path to bytes) and ``seconds``.

    Examples
    --------
    >>> result = export_onnx("runs/quick", "runs/quick-onnx", quantize=True)   # doctest: +SKIP
    >>> sorted(result.files)                                                   # doctest: +SKIP
    ['config.json', 'export.json', 'onnx/model.onnx', 'onnx/model_quantized.onnx', ...]
    """
    import time

    from .tokenization import load_tokenizer  # pandas: not imported until an export

    start = time.perf_counter()
    model_dir = check_fine_tuned(resolve_model(str(model_dir)))  # "tiny" names the test model
    output = Path(output).expanduser()
    _prepare_output(output, model_dir)
    model = load_model(model_dir, device="cpu")
    tokenizer = load_tokenizer(str(model_dir))
    settings = saved_settings(model_dir)
    limit = getattr(model.config, "max_position_embeddings", 512) or 512
    max_length = min(int(settings.get("max_length") or 512), limit)

    output.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=output.parent, prefix=f".{output.name}-"))
    tmp.chmod(0o755)  # mkdtemp's 0700 would hide the export from other users (a web server, a sandboxed kernel)
    try:
        (tmp / ONNX_DIR).mkdir()
        _export_graph(model, tmp / ONNX_DIR / FP32_FILE, opset=opset)
        if quantize:
            quantize_onnx(tmp / ONNX_DIR / FP32_FILE, tmp / ONNX_DIR / INT8_FILE)
        config = _browser_config(model)
        (tmp / "config.json").write_text(json.dumps(config, indent=2) + "\n")
        tokenizer.model_max_length = max_length
        tokenizer.save_pretrained(str(tmp))
        (tmp / SETTINGS_FILE).write_text(json.dumps(
            {"max_length": max_length, "truncation": settings.get("truncation", "head")}, indent=2) + "\n")
        files = {p.relative_to(tmp).as_posix(): p.stat().st_size for p in sorted(tmp.rglob("*")) if p.is_file()}
        manifest = {"source": str(model_dir.resolve()), "model_type": config["model_type"], "opset": opset,
                    "quantized": quantize, "max_length": max_length, "files": files}
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
        files[MANIFEST] = (tmp / MANIFEST).stat().st_size
        if output.exists():
            shutil.rmtree(output)  # an earlier export (checked above)
        os.replace(tmp, output)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return ExportResult(str(output), config["model_type"], files, time.perf_counter() - start)


def onnx_path(model_dir: str | os.PathLike, *, quantize: bool = False) -> Path:
    """The ONNX file to run for ``model_dir``: its own export, or one made once into the cache.

    ``model_dir`` may be an export (:func:`is_export`) or a fine-tuned PyTorch directory;
    for the latter the export is written to ``$SENTIMENT_CACHE/onnx/<key>`` and reused
    while the weights stay the same.

    Examples
    --------
    >>> onnx_path("runs/quick", quantize=True).name                          # doctest: +SKIP
    'model_quantized.onnx'
    """
    import hashlib

    path = Path(model_dir).expanduser()
    restore_interrupted_publish(path)
    if not is_export(path):
        path = check_fine_tuned(path)
        weights = next(p for p in (path / "model.safetensors", path / "pytorch_model.bin",
                                   path / "model.safetensors.index.json") if p.is_file())
        stat = weights.stat()
        key = hashlib.sha256(f"{path.resolve()}|{stat.st_size}|{stat.st_mtime_ns}".encode()).hexdigest()[:16]
        cached = cache_dir() / "onnx" / key
        if not is_export(cached) or (quantize and not (cached / ONNX_DIR / INT8_FILE).is_file()):
            export_onnx(path, cached, quantize=True)
        path = cached
    file = path / ONNX_DIR / (INT8_FILE if quantize else FP32_FILE)
    if not file.is_file():
        raise SentimentLibError(f"{path} has no {'int8' if quantize else 'float32'} model ({file.name}).",
                                hint="Export again with --quantize (sentiment-lib export --quantize ...).")
    return file


class OnnxLogits:
    """An ONNX Runtime session that maps token ids to logits (CPU).

    Examples
    --------
    >>> run = OnnxLogits("runs/quick-onnx/onnx/model_quantized.onnx")           # doctest: +SKIP
    >>> run({"input_ids": ids, "attention_mask": mask}).shape                  # doctest: +SKIP
    (2, 2)
    """

    def __init__(self, file: str | os.PathLike, *, threads: int | None = None) -> None:
        import onnxruntime as ort

        options = ort.SessionOptions()
        if threads:
            options.intra_op_num_threads = threads
        options.log_severity_level = 3
        try:
            self.session = ort.InferenceSession(str(file), options, providers=["CPUExecutionProvider"])
        except Exception as err:
            raise SentimentLibError(f"ONNX Runtime could not load {file}: {type(err).__name__}: {str(err)[:200]}",
                                    hint="Export the model again (sentiment-lib export).") from None
        self.inputs = [i.name for i in self.session.get_inputs()]
        self.file = str(file)

    def __call__(self, encoding: dict[str, Any]) -> Any:
        import numpy as np

        feed = {name: np.asarray(encoding[name], dtype=np.int64) for name in self.inputs}
        return self.session.run(["logits"], feed)[0]
