"""Chapter 5 — inference: the sentiment of new reviews, fast.

:class:`SentimentClassifier` loads a saved model directory (or a hub name) and
predicts in length-sorted batches under ``torch.inference_mode()``: sorting
puts reviews of similar length together, so each batch pads little.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass
from typing import Any, Iterable, Sequence

import numpy as np

from .errors import SentimentLibError
from .modeling import load_model, pick_device, resolve_model, resolve_precision
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


class SentimentClassifier:
    """A fine-tuned sentiment model ready to predict.

    Parameters
    ----------
    model, tokenizer : a sequence-classification model and its tokenizer
    max_length : int, default=None
        Truncation length; ``None`` uses the length the model was trained with
        (``training_config.json``) or 512.
    strategy : {"head", "head_tail"}, default=None
        Truncation strategy; ``None`` uses the training one.
    device : str, default=None
        ``cuda``, ``mps`` or ``cpu``; ``None`` picks the best available.
    precision : {"fp32", "auto", "bf16", "fp16"}, default="fp32"
        Arithmetic of the forward pass (autocast; the weights stay fp32).
        ``"auto"``: bf16 where the hardware has it natively, else fp32
        (:func:`~sentiment_lib.modeling.resolve_precision`). A classifier built
        around a model in memory computes exactly as that model (fp32);
        :meth:`from_pretrained`, the command line and the book use ``"auto"``.

    Examples
    --------
    >>> clf = SentimentClassifier.from_pretrained("runs/quick")       # doctest: +SKIP
    >>> clf.predict(["A wonderful, moving film."])[0].label           # doctest: +SKIP
    'positive'
    """

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
    ) -> "SentimentClassifier":
        """Load a model directory written by :func:`sentiment_lib.training.fine_tune` (or a hub name).

        ``quantize=True`` applies int8 dynamic quantization to the linear layers (CPU only).
        ``precision="auto"`` computes in bf16 where the hardware has it natively.
        """
        from pathlib import Path

        from .modeling import read_json

        path = resolve_model(name_or_path)
        settings_file = Path(path) / "training_config.json"
        settings = read_json(settings_file) if settings_file.is_file() else {}
        model = load_model(path, device="cpu")
        tokenizer = load_tokenizer(path)
        if quantize:
            from .quantization import quantize_int8

            model = quantize_int8(model)
            device, precision = "cpu", "fp32"  # int8 layers do not autocast
        return cls(
            model,
            tokenizer,
            max_length=max_length or settings.get("max_length"),
            strategy=strategy or settings.get("truncation"),
            device=device,
            precision=precision,
        )

    def predict_proba(self, texts: Sequence[str], *, batch_size: int = 32, progress: bool = False) -> np.ndarray:
        """Class probabilities, shape ``(n, 2)``, in the order of ``texts``."""
        import torch

        texts = check_texts(texts)
        lengths = [len(t) for t in texts]
        order = np.argsort(lengths, kind="stable")[::-1]  # longest first: memory peaks early
        probs = np.zeros((len(texts), len(self.id2label)), dtype=np.float32)
        starts = range(0, len(texts), batch_size)
        if progress:
            from tqdm.auto import tqdm

            starts = tqdm(starts, desc="Predicting", unit="batch")
        dtype = {"bf16": torch.bfloat16, "fp16": torch.float16}.get(self.precision)
        device_type = self.device.split(":")[0]
        with torch.inference_mode(), torch.autocast(device_type, dtype=dtype, enabled=dtype is not None):
            for start in starts:
                idx = order[start : start + batch_size]
                enc = tokenize(
                    [texts[i] for i in idx],
                    self.tokenizer,
                    max_length=self.max_length,
                    strategy=self.strategy,
                    return_tensors="pt",
                )
                inputs = {k: v.to(self.device) for k, v in enc.items() if k in ("input_ids", "attention_mask")}
                logits = self.model(**inputs).logits.float()
                probs[idx] = torch.softmax(logits, dim=-1).cpu().numpy()
        return probs

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

        return pipeline(
            "text-classification",
            model=self.model,
            tokenizer=self.tokenizer,
            device=self.device,
            truncation=True,
            max_length=self.max_length,
            **kwargs,
        )


def predict(
    texts: Iterable[str] | str, model: str | os.PathLike | None = None, *, batch_size: int = 32
) -> list[Prediction]:
    """One-call prediction with a saved model directory or hub name.

    Examples
    --------
    >>> [p.label for p in predict(["Loved it!", "Awful."], "runs/quick")]   # doctest: +SKIP
    ['positive', 'negative']
    """
    return SentimentClassifier.from_pretrained(model).predict(list(check_texts(texts)), batch_size=batch_size)
