"""Chapter 5 — inference: the sentiment of new reviews, fast.

:class:`SentimentClassifier` loads a saved model directory (or a hub name) and
predicts in length-sorted batches under ``torch.inference_mode()``: sorting
puts reviews of similar length together, so each batch pads little.
``backend="onnx"`` runs the same batches through ONNX Runtime instead
(:mod:`sentiment_lib.export`), float32 or int8.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass
from typing import Any, Iterable, Sequence

import numpy as np

from .checkpoints import SETTINGS_FILE, read_json, resolve_model, saved_settings
from .data import balanced_subset, clean_dataset, saved_run
from .domains import BATCH_SIZE
from .errors import SentimentLibError
from .evaluation import compute_metrics, softmax  # softmax: the one numerically stable softmax of the library
from .export import OnnxLogits, onnx_path
from .hardware import pick_device, resolve_precision
from .modeling import load_model
from .quantization import quantize_int8
from .tokenization import check_strategy, load_tokenizer, tokenize


@dataclass
class Prediction:
    """The sentiment of one text."""

    text: str
    label: str
    score: float
    probabilities: dict[str, float]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def check_texts(texts: Any) -> list[str]:
    """Validate a batch of texts: a non-empty list of non-blank strings.

    Examples
    --------
    >>> check_texts(["fine"])
    ['fine']
    """
    if isinstance(texts, str):
        texts = [texts]
    if texts is None:
        raise SentimentLibError("No texts given.", hint="Pass a list of strings (one review each).")
    texts = list(texts)
    if not texts:
        raise SentimentLibError("No texts given: the list is empty.", hint="Pass at least one review.")
    for i, t in enumerate(texts):
        if not isinstance(t, str):
            raise SentimentLibError(
                f"Text {i} is a {type(t).__name__}, not a string.", hint="Convert every review to str first."
            )
        if not t.strip():
            raise SentimentLibError(f"Text {i} is blank.", hint="Remove empty reviews before predicting.")
        try:
            t.encode("utf-8")
        except UnicodeEncodeError as err:  # a lone surrogate, e.g. from a badly decoded file
            raise SentimentLibError(
                f"Text {i} is not valid Unicode ({err.reason} at character {err.start}).",
                hint="Read the text with the right encoding (UTF-8) or drop the broken characters.",
            ) from None
    return texts


#: Longest review read from a file or stdin, in characters; longer ones keep their first and last halves.
MAX_TEXT_CHARS = 100_000
#: Characters of each text that ``sentiment-lib predict`` echoes back (then an ellipsis).
SHOWN_CHARS = 200


def clip_text(text: str, limit: int = MAX_TEXT_CHARS) -> str:
    """``text`` if it has at most ``limit`` characters, else its first and last ``limit // 2``, joined by a space.

    Head and tail are what head+tail truncation reads (a token spans at least one character), so a
    clipped review is classified as the whole one would be, without tokenizing megabytes.

    Examples
    --------
    >>> clip_text("abcdefgh", limit=4)
    'ab gh'
    >>> clip_text("short")
    'short'
    """
    if len(text) <= limit:
        return text
    half = limit // 2
    return text[:half] + " " + text[-half:]


def preview(text: str, limit: int = SHOWN_CHARS) -> str:
    """The first ``limit`` characters of ``text``, with an ellipsis when there was more.

    Examples
    --------
    >>> preview("A long review", limit=6)
    'A long…'
    """
    return text if len(text) <= limit else text[:limit] + "…"


def read_reviews(path: str | os.PathLike, *, encoding: str = "utf-8", limit: int = MAX_TEXT_CHARS,
                 where: str | None = None) -> tuple[list[str], list[int]]:
    r"""The non-blank lines of a text file, each clipped to ``limit`` characters (:func:`clip_text`).

    Returns the reviews and the (1-based) line numbers of those that were clipped. A file that is
    not valid in ``encoding`` is refused with the byte offset and line of the first bad byte;
    ``where`` names the file in errors (default: its path; the command line says ``--file PATH``).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "r.txt"
    >>> _ = f.write_bytes(b"fine\n\xffbad\n")
    >>> read_reviews(f)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    sentiment_lib.errors.SentimentLibError: ... is not valid utf-8: byte 0xff at offset 5 (line 2). Save it as UTF-8, or pass its encoding (e.g. --encoding latin-1).
    """
    from pathlib import Path

    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as err:
        raise SentimentLibError(f"Could not read {where or path}: {err.strerror or err}.", hint="Pass a readable text file.") from None
    return decode_reviews(data, where or str(path), encoding=encoding, limit=limit)


def decode_reviews(data: bytes, where: str, *, encoding: str = "utf-8", limit: int = MAX_TEXT_CHARS) -> tuple[list[str], list[int]]:
    r""":func:`read_reviews` for bytes already read (``where`` names them in errors: a file, stdin).

    Examples
    --------
    >>> decode_reviews(b"one\n\n two \n", "stdin")
    (['one', ' two '], [])
    """
    import codecs

    try:
        codecs.lookup(encoding)
    except (LookupError, ValueError):  # ValueError: a NUL byte in the name
        raise SentimentLibError(f"Unknown encoding {encoding!r}.", hint="Use e.g. utf-8, latin-1 or cp1252.") from None
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        raise SentimentLibError(
            f"{where} is not valid {encoding}: byte 0x{data[err.start]:02x} at offset {err.start} (line {line}).",
            hint="Save it as UTF-8, or pass its encoding (e.g. --encoding latin-1).",
        ) from None
    reviews, clipped = [], []
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            reviews.append(clip_text(line, limit))
            if len(line) > limit:
                clipped.append(number)
    return reviews, clipped


class SentimentClassifier:
    """A fine-tuned sentiment model ready to predict.

    Parameters
    ----------
    model, tokenizer : a sequence-classification model and its tokenizer
    max_length : int, default=None
        Truncation length; ``None`` uses the length the model was trained with
        (its saved settings, :func:`~sentiment_lib.checkpoints.saved_settings`) or 512.
    strategy : {"head", "head_tail"}, default=None
        Truncation strategy; ``None`` uses the training one.
    device : str, default=None
        ``cuda``, ``mps`` or ``cpu``; ``None`` picks the best available.
        (The ONNX backend runs on the CPU.)
    precision : {"fp32", "auto", "bf16", "fp16"}, default="fp32"
        Arithmetic of the forward pass (autocast; the weights stay fp32).
        ``"auto"``: bf16 where the hardware has it natively, else fp32
        (:func:`~sentiment_lib.hardware.resolve_precision`). A classifier built
        around a model in memory computes exactly as that model (fp32);
        :meth:`from_pretrained`, the command line and the book use ``"auto"``.

    Examples
    --------
    >>> clf = SentimentClassifier.from_pretrained("runs/quick")       # doctest: +SKIP
    >>> clf.predict(["A wonderful, moving film."])[0].label           # doctest: +SKIP
    'positive'
    >>> fast = SentimentClassifier.from_pretrained("runs/quick", backend="onnx", quantize=True)  # doctest: +SKIP
    """

    backend = "torch"
    source: str | None = None  # the model directory it was loaded from (from_pretrained), where reuse=True stores

    def __init__(
        self,
        model: Any,
        tokenizer: Any,
        *,
        max_length: int | None = None,
        strategy: str | None = None,
        device: str | None = None,
        precision: str = "fp32",
    ) -> None:
        self.device = device or pick_device()
        self.precision = resolve_precision(precision, self.device)
        self.model = model.to(self.device).eval()
        self.tokenizer = tokenizer
        limit = getattr(model.config, "max_position_embeddings", 512) or 512
        self.max_length = min(max_length or 512, limit)
        self.strategy = check_strategy(strategy or "head")
        self.id2label = {int(k): v for k, v in model.config.id2label.items()}

    @classmethod
    def from_pretrained(
        cls,
        name_or_path: str | os.PathLike,
        *,
        max_length: int | None = None,
        strategy: str | None = None,
        device: str | None = None,
        quantize: bool = False,
        precision: str = "auto",
        backend: str = "torch",
        threads: int | None = None,
    ) -> "SentimentClassifier":
        """Load a model directory written by :func:`sentiment_lib.training.fine_tune` (or a hub name).

        ``quantize=True`` applies int8 dynamic quantization to the linear layers (CPU only).
        ``precision="auto"`` computes in bf16 where the hardware has it natively.
        ``backend="onnx"`` runs the model with ONNX Runtime on the CPU (float32, or int8 with
        ``quantize=True``); ``name_or_path`` may then also be a directory written by
        ``sentiment-lib export`` (a PyTorch directory is exported once into the cache);
        ``threads`` sets ONNX Runtime's threads.
        """
        if backend not in BACKENDS:
            raise SentimentLibError(f"Unknown backend {backend!r}.", hint=f"Use one of: {', '.join(BACKENDS)}.")
        if backend == "onnx":
            return OnnxSentimentClassifier.from_pretrained(
                name_or_path, max_length=max_length, strategy=strategy, quantize=quantize, threads=threads)
        path = resolve_model(name_or_path)
        settings = saved_settings(path)
        model = load_model(path, device="cpu")
        tokenizer = load_tokenizer(path)
        if quantize:
            model = quantize_int8(model)
            device, precision = "cpu", "fp32"  # int8 layers do not autocast
        clf = cls(
            model,
            tokenizer,
            max_length=max_length or settings.get("max_length"),
            strategy=strategy or settings.get("truncation"),
            device=device,
            precision=precision,
        )
        clf.source = str(path) if not quantize and os.path.isdir(path) else None
        return clf

    def predict_proba(self, texts: Sequence[str], *, batch_size: int = 32, progress: bool = False,
                      reuse: bool = False) -> np.ndarray:
        """Class probabilities, shape ``(n, 2)``, in the order of ``texts``.

        ``reuse=True`` (a classifier loaded from a model directory): return the probabilities
        stored in that directory for exactly these texts, weights and settings, if any; else
        compute them and store them there. :func:`~sentiment_lib.training.fine_tune` stores its
        test split's, so scoring the same test reviews again costs nothing. Leave it off when
        timing predictions.

        Examples
        --------
        >>> clf = SentimentClassifier.from_pretrained("runs/quick")          # doctest: +SKIP
        >>> clf.predict_proba(["Loved it.", "Dull."]).round(2)                # doctest: +SKIP
        array([[0.03, 0.97],
               [0.95, 0.05]], dtype=float32)
        """
        texts = check_texts(texts)
        BATCH_SIZE.check("batch_size", batch_size)
        store = self.source if reuse and self.backend == "torch" else None
        key = predictions_key(store, texts, self.settings()) if store is not None else None
        if key is not None and (stored := read_predictions(store, key, len(texts))) is not None:
            return stored
        probs = self._predict_proba(texts, batch_size, progress)
        if key is not None:
            write_predictions(store, key, probs)
        return probs

    def settings(self) -> dict[str, Any]:
        """What, besides the weights and the texts, decides the probabilities (the key of stored predictions)."""
        return {"max_length": self.max_length, "strategy": self.strategy, "precision": self.precision,
                "device": str(self.device).split(":")[0], "backend": self.backend}

    def _predict_proba(self, texts: list[str], batch_size: int, progress: bool) -> np.ndarray:
        """Computed probabilities: length-sorted batches, longest first."""
        lengths = [len(t) for t in texts]
        order = np.argsort(lengths, kind="stable")[::-1]  # longest first: memory peaks early
        probs = np.zeros((len(texts), len(self.id2label)), dtype=np.float32)
        starts = range(0, len(texts), batch_size)
        if progress:
            from tqdm.auto import tqdm

            starts = tqdm(starts, desc="Predicting", unit="batch")
        with self._context():
            for start in starts:
                idx = order[start : start + batch_size]
                probs[idx] = self._probabilities([texts[i] for i in idx])
        return probs

    def _context(self) -> Any:
        """No gradients, and autocast to the chosen precision."""
        import contextlib

        import torch

        dtype = {"bf16": torch.bfloat16, "fp16": torch.float16}.get(self.precision)
        stack = contextlib.ExitStack()
        stack.enter_context(torch.inference_mode())
        stack.enter_context(torch.autocast(self.device.split(":")[0], dtype=dtype, enabled=dtype is not None))
        return stack

    def _probabilities(self, batch: list[str]) -> np.ndarray:
        """Class probabilities of one batch (in its order)."""
        import torch

        enc = tokenize(batch, self.tokenizer, max_length=self.max_length, strategy=self.strategy, return_tensors="pt")
        inputs = {k: v.to(self.device) for k, v in enc.items() if k in ("input_ids", "attention_mask")}
        logits = self.model(**inputs).logits.float()
        return torch.softmax(logits, dim=-1).cpu().numpy()

    def predict(self, texts: Sequence[str] | str, *, batch_size: int = 32, progress: bool = False) -> list[Prediction]:
        """Label, score and both class probabilities for each text."""
        texts = check_texts(texts)
        probs = self.predict_proba(texts, batch_size=batch_size, progress=progress)
        result = []
        for text, p in zip(texts, probs):
            best = int(p.argmax())
            result.append(
                Prediction(
                    text=text,
                    label=self.id2label[best],
                    score=float(p[best]),
                    probabilities={self.id2label[i]: float(v) for i, v in enumerate(p)},
                )
            )
        return result

    def pipeline(self, **kwargs: Any) -> Any:
        """The same model as a ``transformers.pipeline("text-classification")``."""
        from transformers import pipeline

        if self.backend != "torch":
            raise SentimentLibError("pipeline() needs the PyTorch model.", hint="Load it with backend='torch'.")

        return pipeline(
            "text-classification",
            model=self.model,
            tokenizer=self.tokenizer,
            device=self.device,
            truncation=True,
            max_length=self.max_length,
            **kwargs,
        )


BACKENDS = ("torch", "onnx")
PREDICTIONS_DIR = "predictions"  # inside a model directory: stored probabilities (predict_proba(reuse=True))


def predictions_key(model_dir: str | os.PathLike, texts: Sequence[str], settings: dict[str, Any]) -> str | None:
    """The name under which ``model_dir`` stores the probabilities of ``texts`` (None: no weights file).

    A SHA-256 of the weights file, the settings and the texts: other weights (a model retrained
    into the same folder), another ``max_length`` or one changed review give another key.

    Examples
    --------
    >>> predictions_key("/nonexistent", ["a"], {}) is None
    True
    """
    import hashlib
    import json
    from pathlib import Path

    weights = Path(model_dir) / "model.safetensors"
    if not weights.is_file():
        return None
    digest = hashlib.sha256()
    with open(weights, "rb") as f:
        for block in iter(lambda: f.read(1 << 22), b""):
            digest.update(block)
    digest.update(json.dumps(settings, sort_keys=True).encode())
    for text in texts:
        digest.update(b"\0" + text.encode("utf-8"))
    return digest.hexdigest()[:32]


def read_predictions(model_dir: str | os.PathLike, key: str, n: int) -> np.ndarray | None:
    """The probabilities stored under ``key`` in ``model_dir``, or None when there are none (or they do not fit)."""
    path = os.path.join(model_dir, PREDICTIONS_DIR, f"{key}.npy")
    try:
        probs = np.load(path, allow_pickle=False)
    except (OSError, ValueError):
        return None
    return probs if probs.ndim == 2 and len(probs) == n else None


def write_predictions(model_dir: str | os.PathLike, key: str, probs: np.ndarray) -> None:
    """Store ``probs`` under ``key`` in ``model_dir`` (atomically); a read-only model directory stores nothing."""
    folder = os.path.join(model_dir, PREDICTIONS_DIR)
    try:
        os.makedirs(folder, exist_ok=True)
        partial = os.path.join(folder, f".{key}.{os.getpid()}.npy")
        np.save(partial, probs, allow_pickle=False)
        os.replace(partial, os.path.join(folder, f"{key}.npy"))
    except OSError:
        pass


class OnnxSentimentClassifier(SentimentClassifier):
    """:class:`SentimentClassifier` on ONNX Runtime (CPU): the same batches, tokenization and output.

    Build it with ``SentimentClassifier.from_pretrained(dir, backend="onnx")``.

    Examples
    --------
    >>> clf = SentimentClassifier.from_pretrained("runs/quick-onnx", backend="onnx", quantize=True)  # doctest: +SKIP
    >>> clf.predict(["Loved it!"])[0].label                                                          # doctest: +SKIP
    'positive'
    """

    backend = "onnx"

    def __init__(self, session: Any, tokenizer: Any, id2label: dict[int, str], *, max_length: int,
                 strategy: str | None = None, quantized: bool = False) -> None:
        self.model = session
        self.tokenizer = tokenizer
        self.device, self.precision = "cpu", "int8" if quantized else "fp32"
        self.max_length = max_length
        self.strategy = check_strategy(strategy or "head")
        self.id2label = id2label

    @classmethod
    def from_pretrained(cls, name_or_path: str | os.PathLike, *, max_length: int | None = None,  # type: ignore[override]
                        strategy: str | None = None, quantize: bool = False, threads: int | None = None,
                        **_: Any) -> "OnnxSentimentClassifier":
        """Load an export (or export a fine-tuned directory once into the cache) and open it.

        ``threads``: ONNX Runtime's intra-op threads (default: its own choice, the physical cores).
        """
        import json

        file = onnx_path(resolve_model(name_or_path), quantize=quantize)
        folder = file.parent.parent
        config = json.loads((folder / "config.json").read_text())
        settings = read_json(folder / SETTINGS_FILE)  # an export's copy: its truncation settings
        limit = config.get("max_position_embeddings") or 512
        return cls(
            OnnxLogits(file, threads=threads),
            load_tokenizer(str(folder)),
            {int(k): v for k, v in config["id2label"].items()},
            max_length=min(max_length or settings.get("max_length") or 512, limit),
            strategy=strategy or settings.get("truncation"),
            quantized=quantize,
        )

    def _context(self) -> Any:
        import contextlib

        return contextlib.nullcontext()

    def _probabilities(self, batch: list[str]) -> np.ndarray:
        enc = tokenize(batch, self.tokenizer, max_length=self.max_length, strategy=self.strategy, return_tensors="np")
        return softmax(self.model(enc).astype(np.float64)).astype(np.float32)


def predict(
    texts: Iterable[str] | str, model: str | os.PathLike | None = None, *, batch_size: int = 32,
    backend: str = "torch",
) -> list[Prediction]:
    """One-call prediction with a saved model directory or hub name.

    Examples
    --------
    >>> [p.label for p in predict(["Loved it!", "Awful."], "runs/quick")]   # doctest: +SKIP
    ['positive', 'negative']
    """
    clf = SentimentClassifier.from_pretrained(model, backend=backend)
    return clf.predict(list(check_texts(texts)), batch_size=batch_size)


def evaluate_model(model_dir: str | os.PathLike, *, split: str = "test", size: int | None = 2000,
                   data_dir: str | os.PathLike | None = None, batch_size: int = 64, seed: int = 42,
                   quantize: bool = False, progress: bool = False) -> Any:
    """Score a saved model on the test split (or its own validation split): ``sentiment-lib evaluate`` in Python.

    The split is rebuilt the way the model was trained (:func:`~sentiment_lib.data.saved_run`: its
    data directory unless ``data_dir`` is given, validation size, seed, cleaning; the library's defaults and
    ``seed`` for a model saved without settings), so validation reviews stay out of the scored ones; ``size`` draws a
    balanced, seeded subset (``None``: the whole split). Returns an
    :class:`~sentiment_lib.evaluation.EvalResult`.

    Examples
    --------
    >>> evaluate_model("runs/quick", size=500).accuracy    # doctest: +SKIP
    0.87
    """
    if split not in ("test", "validation"):
        raise SentimentLibError(f"Unknown split {split!r}.", hint="Use 'test' or 'validation'.")
    run = saved_run(model_dir, required=False)
    splits = run.splits(data_dir, train_size=None, test_size=size if split == "test" else None, clean=False,
                        seed=run.setting("seed", seed))
    data = splits[split]
    if split == "validation" and size is not None:
        data = balanced_subset(data, size, seed=seed, what="validation")
    if run.setting("clean"):  # only the scored reviews are cleaned
        data = clean_dataset(data)
    clf = SentimentClassifier.from_pretrained(model_dir, quantize=quantize)
    probs = clf.predict_proba(data["text"], batch_size=batch_size, progress=progress)
    return compute_metrics(data["label"], probs.argmax(-1), probs[:, 1])
