"""Chapter 3 — fine-tuning: a hand-written loop for the mechanics, then ``Trainer``.

:func:`train_one_epoch` is the plain PyTorch loop that the ``Trainer`` hides
(forward, loss, backward, clip, optimizer step, schedule step).
:func:`fine_tune` is the real recipe: ``transformers.Trainer`` with AdamW, a
linear schedule with warmup, weight decay, evaluation on the validation split
after every epoch, the best checkpoint kept by validation F1, and a model
directory that reloads anywhere.

A run writes into ``<output_dir>.partial`` and only moves the finished model to
``output_dir`` at the very end, so a crash never leaves a half-written model
where a good one was, and ``resume=True`` continues from the last checkpoint;
that run-directory lifecycle lives in :mod:`sentiment_lib.runs`.
"""

from __future__ import annotations

import math
import os
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any, Iterable, Iterator

from . import __version__
from .checkpoints import (
    MODEL, SETTINGS_FILE, model_label, path_label, position_limit, read_json, resolve_model, restore_interrupted_publish,
    saved_settings,
)
from .domains import BATCH_SIZE, COUNT, DATA_DIR, SEED, Domain, check_fields, flag_name
from .errors import SentimentLibError
from .figures import PALETTE
from .hardware import PRECISIONS, load_average, resolve_precision
from .modeling import POOLINGS, build_model
from .runs import (
    finish_run, is_main_process, latest_checkpoint, prepare_dirs, staging_dir, start_processes,
    world_size,
)

PROFILES: dict[str, dict[str, Any]] = {
    # CPU-friendly: the run with the best validation accuracy within 10 CPU minutes on 2 cores in the
    # accuracy grid (benchmarks/bench_accuracy_per_minute.py, book chapter 7): 2,500 balanced reviews,
    # 256 tokens head+tail, 2 epochs; pooling and precision "auto" (mean pooling for the offline
    # encoder, bf16 where the CPU has it natively).
    "quick": dict(
        train_size=2500, validation_size=1000, test_size=2000, epochs=2.0, max_length=256,
        batch_size=16, learning_rate=1e-4, truncation="head_tail",
    ),
    # The book's model (chapters 3 to 6): the quick profile made smaller, so that the whole book builds in
    # minutes on a 2-core CPU without native bf16 (96 tokens head+tail: 128 took 3 minutes more). Evaluated
    # every 32 of its 126 steps for a learning curve: at 32, 64, 96 and 126 (the Trainer also evaluates the
    # last step, so every 25 gave 125 and 126: six validation passes).
    "book": dict(
        train_size=1000, validation_size=500, test_size=1000, epochs=2.0, max_length=96,
        batch_size=16, learning_rate=1e-4, truncation="head_tail", eval_steps=32,
    ),
    # The published recipe: all of train minus validation, 2 epochs, 512 tokens, lr 2e-5.
    "full": dict(
        train_size=None, validation_size=2500, test_size=None, epochs=2.0, max_length=512,
        batch_size=16, learning_rate=2e-5, weight_decay=0.01, truncation="head_tail",
    ),
}
DEFAULT_PROFILE = "quick"
_QUICK = PROFILES[DEFAULT_PROFILE]  # TrainConfig's defaults are the quick profile (a test keeps them equal)


@dataclass
class TrainConfig:
    """Everything that defines a fine-tuning run. Profiles fill in defaults; explicit values win.

    The defaults are the quick profile's values, so ``TrainConfig()``, ``make_config()`` and
    ``sentiment-lib train`` without ``--profile`` all mean the quick recipe.
    """

    model: str | None = field(default=None, metadata={"help": "Hub name, local directory, 'offline' or 'tiny' (default: $SENTIMENT_MODEL or distilbert-base-uncased).", "domain": MODEL})
    data_dir: str | None = field(default=None, metadata={"help": "Directory with train/test parquet files (default: $SENTIMENT_DATA_DIR, else the hub).", "domain": DATA_DIR})
    output_dir: str = field(default="runs/model", metadata={"help": "Where the fine-tuned model is written.", "domain": Domain(path="new")})
    train_size: int | None = field(default=_QUICK["train_size"], metadata={"help": "Balanced training subset size (None: all).", "domain": COUNT})
    validation_size: int = field(default=_QUICK["validation_size"], metadata={"help": "Validation reviews held out of train (stratified: at least one per label).", "domain": Domain(minimum=2)})
    test_size: int | None = field(default=_QUICK["test_size"], metadata={"help": "Balanced test subset for the final report (None: all 25,000).", "domain": COUNT})
    epochs: float = field(default=_QUICK["epochs"], metadata={"help": "Number of training epochs.", "domain": Domain(minimum=0)})
    batch_size: int = field(default=_QUICK["batch_size"], metadata={"help": "Training batch size.", "domain": BATCH_SIZE})
    eval_batch_size: int = field(default=64, metadata={"help": "Evaluation batch size.", "domain": BATCH_SIZE})
    learning_rate: float = field(default=_QUICK["learning_rate"], metadata={"help": "Peak learning rate of AdamW.", "domain": Domain(minimum=0, above=True)})
    weight_decay: float = field(default=0.01, metadata={"help": "AdamW weight decay.", "domain": Domain(minimum=0)})
    warmup_ratio: float = field(default=0.1, metadata={"help": "Share of steps with linear warmup.", "domain": Domain(minimum=0, maximum=1)})
    max_length: int = field(default=_QUICK["max_length"], metadata={"help": "Tokens per review, special tokens included (at most the model's max_position_embeddings).", "domain": Domain(minimum=8, hint="Use 64 or more, and no more than the model's position limit (512 for DistilBERT).")})
    truncation: str = field(default=_QUICK["truncation"], metadata={"help": "Truncation strategy: head or head_tail."})
    pad_to_max_length: bool = field(default=False, metadata={"help": "Pad every review to max_length (the seed's way) instead of per batch."})
    group_by_length: bool = field(default=True, metadata={"help": "Batch reviews of similar length together."})
    metric_for_best_model: str = field(default="f1", metadata={"help": "Validation metric that picks the best checkpoint: f1 or accuracy."})
    eval_steps: int | None = field(default=None, metadata={"help": "Evaluate and checkpoint every N steps (default: every epoch).", "domain": COUNT})
    max_steps: int = field(default=-1, metadata={"help": "Stop after N optimizer steps (-1: run all epochs).", "domain": Domain(minimum=-1, accepts="-1 (all epochs) or an integer ≥ 1", test=lambda v: "is out of range" if v == 0 else None)})
    clean: bool = field(default=True, metadata={"help": "Replace <br /> markup by spaces."})
    seed: int = field(default=42, metadata={"help": "Random seed (data subsets, head, shuffling).", "domain": SEED})
    resume: bool = field(default=False, metadata={"help": "Continue an interrupted run from its last checkpoint."})
    overwrite: bool = field(default=False, metadata={"help": "Replace an existing model in output_dir."})
    pooling: str = field(default="auto", metadata={"help": "What the head reads: cls, mean, or auto (the way the encoder was pretrained)."})
    precision: str = field(default="auto", metadata={"help": "Arithmetic: auto (bf16 on a GPU or a CPU with native bf16, else fp32), fp32, bf16 or fp16."})
    profile: str = field(default=DEFAULT_PROFILE, metadata={"help": f"{', '.join(PROFILES)}: a preset of the values above; explicit values win."})


def _parameters_section(cls: type) -> str:
    """A numpydoc ``Parameters`` section written from the fields' own help (one text for the CLI and the docs)."""
    lines = ["", "    Parameters", "    ----------"]
    for f in fields(cls):
        kind = f.type if isinstance(f.type, str) else getattr(f.type, "__name__", str(f.type))
        lines += [f"    {f.name} : {kind}, default={f.default!r}", f"        {f.metadata.get('help', '')}"]
    return "\n".join(lines) + "\n"


TrainConfig.__doc__ += _parameters_section(TrainConfig) + """
    Examples
    --------
    >>> config = TrainConfig(epochs=1)
    >>> config.profile, config.max_length == PROFILES["quick"]["max_length"], config.epochs
    ('quick', True, 1)
"""


def make_config(profile: str | None = DEFAULT_PROFILE, **overrides: Any) -> TrainConfig:
    """A :class:`TrainConfig` from a profile (default: quick; ``None`` means quick too) plus explicit overrides.

    Every value is checked against its field's domain (:mod:`sentiment_lib.domains`).

    Parameters
    ----------
    profile : {"quick", "book", "full"} or None, default="quick"
        A preset of :data:`PROFILES`.
    **overrides
        Any :class:`TrainConfig` field; an explicit value wins over the profile's.

    Returns
    -------
    TrainConfig

    Examples
    --------
    >>> make_config("quick", epochs=2).max_length == PROFILES["quick"]["max_length"]
    True
    >>> make_config() == make_config("quick")
    True
    >>> make_config(learning_rate=float("nan"))
    Traceback (most recent call last):
    ...
    sentiment_lib.errors.SentimentLibError: learning_rate nan is not a finite number: expected a finite number > 0.
    """
    return config_from(profile, overrides)


def config_from(profile: str | None, overrides: dict[str, Any], *, flags: bool = False) -> TrainConfig:
    """:func:`make_config` with the errors naming command-line flags (``--batch-size``) when ``flags=True``.

    Examples
    --------
    >>> config_from("quick", {"batch_size": 0}, flags=True)
    Traceback (most recent call last):
    ...
    sentiment_lib.errors.SentimentLibError: --batch-size 0 is out of range: expected an integer ≥ 1.
    """
    profile = profile or DEFAULT_PROFILE
    if profile not in PROFILES:
        raise SentimentLibError(f"Unknown profile {profile!r}.", hint=f"Choose one of {', '.join(PROFILES)}.")
    known = {f.name for f in fields(TrainConfig)}
    unknown = set(overrides) - known
    if unknown:
        raise SentimentLibError(f"Unknown setting(s) {sorted(unknown)}.", hint=f"Known settings: {sorted(known)}.")
    values = {**PROFILES[profile], **overrides, "profile": profile}
    config = TrainConfig(**values)
    validate_config(config, flags=flags)
    return config


def validate_config(config: TrainConfig, *, flags: bool = False) -> None:
    """Raise a clear error for settings that cannot work: each field against its domain, then the
    choices and combinations (errors name ``--flags`` with ``flags=True``)."""
    from .tokenization import check_strategy  # pandas: importing this module stays cheap (the command line)

    check_fields(config, flags=flags)
    name = flag_name if flags else str
    check_strategy(config.truncation)
    if config.metric_for_best_model not in ("f1", "accuracy"):
        raise SentimentLibError(
            f"metric_for_best_model must be f1 or accuracy, not {config.metric_for_best_model!r}."
        )
    if config.epochs == 0 and config.max_steps <= 0:
        raise SentimentLibError(f"Nothing to train: {name('epochs')} is 0 and {name('max_steps')} is {config.max_steps}.",
                                hint=f"Pass {name('epochs')} > 0 or {name('max_steps')} ≥ 1.")
    if config.pooling not in POOLINGS:
        raise SentimentLibError(f"Unknown pooling {config.pooling!r}.", hint=f"Choose one of {', '.join(POOLINGS)}.")
    if config.precision not in PRECISIONS:
        raise SentimentLibError(f"Unknown precision {config.precision!r}.", hint=f"Choose one of {', '.join(PRECISIONS)}.")


def check_model_fits(config: TrainConfig, *, flags: bool = False) -> str:
    """Resolve ``config.model`` and check that ``max_length`` fits its position embeddings; return the model path.

    Examples
    --------
    >>> check_model_fits(make_config(model="tiny", max_length=100_000), flags=True)
    Traceback (most recent call last):
    ...
    sentiment_lib.errors.SentimentLibError: --max-length 100000 is out of range: expected an integer in [8, 512] (the model's max_position_embeddings).
    """
    model_path = resolve_model(config.model)
    limit = position_limit(model_path)
    if limit is not None:
        domain = Domain("int", minimum=8, maximum=limit, accepts=f"an integer in [8, {limit}] (the model's max_position_embeddings)")
        domain.check(flag_name("max_length") if flags else "max_length", config.max_length)
    return model_path


# --------------------------------------------------------------------------------------
# The mechanics, by hand
# --------------------------------------------------------------------------------------


def train_one_epoch(
    model: Any,
    batches: Iterable[dict[str, Any]],
    optimizer: Any,
    scheduler: Any = None,
    *,
    device: str = "cpu",
    max_grad_norm: float | None = 1.0,
) -> list[float]:
    """One pass over ``batches`` with a plain PyTorch loop; returns the loss of every step.

    Each batch is a dict of tensors with ``input_ids``, ``attention_mask`` and
    ``labels`` (what ``DataCollatorWithPadding`` produces).

    Parameters
    ----------
    model : transformers.PreTrainedModel
    batches : iterable of dict
    optimizer : torch.optim.Optimizer
    scheduler : torch.optim.lr_scheduler.LRScheduler, default=None
        Stepped after every optimizer step.
    device : str, default="cpu"
    max_grad_norm : float or None, default=1.0
        Gradient clipping (``None``: none). A non-finite loss stops the loop with a clear error.

    Returns
    -------
    list of float
        The loss of every step.

    Examples
    --------
    >>> import torch
    >>> from sentiment_lib.modeling import build_model
    >>> model = build_model("tiny", seed=0)
    >>> batch = {"input_ids": torch.tensor([[101, 2204, 102], [101, 2919, 102]]),
    ...          "attention_mask": torch.ones(2, 3, dtype=torch.long), "labels": torch.tensor([1, 0])}
    >>> opt = torch.optim.AdamW(model.parameters(), lr=1e-2)
    >>> losses = train_one_epoch(model, [batch] * 20, opt)
    >>> losses[-1] < losses[0]
    True
    """
    import torch

    model.to(device).train()
    losses = []
    for batch in batches:
        batch = {k: v.to(device) for k, v in batch.items()}
        outputs = model(**batch)  # the model computes cross-entropy when labels are given
        loss = outputs.loss
        if not torch.isfinite(loss):
            raise SentimentLibError(
                f"The loss became {loss.item()} at step {len(losses)}.",
                hint="Lower the learning rate; the model was not updated with this step.",
            )
        loss.backward()  # gradients for every trainable weight
        if max_grad_norm:
            torch.nn.utils.clip_grad_norm_(model.parameters(), max_grad_norm)
        optimizer.step()  # AdamW update
        if scheduler is not None:
            scheduler.step()  # learning rate for the next step
        optimizer.zero_grad()
        losses.append(loss.item())
    return losses


def evaluate_loop(model: Any, batches: Iterable[dict[str, Any]], *, device: str = "cpu") -> dict[str, float]:
    """The mean loss and the accuracy of ``model`` on ``batches``, without gradients.

    ``model.eval()`` switches dropout off (every review gets its full, deterministic forward pass), and
    ``torch.inference_mode()`` skips the bookkeeping that a backward pass would need.

    Parameters
    ----------
    model : transformers.PreTrainedModel
    batches : iterable of dict
        Batches of tensors with ``input_ids``, ``attention_mask`` and ``labels``.
    device : str, default="cpu"

    Returns
    -------
    dict of str to float
        ``loss`` (the mean over batches) and ``accuracy``.

    Examples
    --------
    >>> import torch
    >>> from sentiment_lib.modeling import build_model
    >>> batch = {"input_ids": torch.tensor([[101, 2204, 102], [101, 2919, 102]]),
    ...          "attention_mask": torch.ones(2, 3, dtype=torch.long), "labels": torch.tensor([1, 0])}
    >>> scores = evaluate_loop(build_model("tiny", seed=0), [batch])
    >>> sorted(scores), 0 <= scores["accuracy"] <= 1
    (['accuracy', 'loss'], True)
    """
    import torch

    model.to(device).eval()
    total_loss, correct, seen = 0.0, 0, 0
    with torch.inference_mode():
        for batch in batches:
            batch = {k: v.to(device) for k, v in batch.items()}
            outputs = model(**batch)
            n = len(batch["labels"])
            total_loss += float(outputs.loss) * n
            correct += int((outputs.logits.argmax(-1) == batch["labels"]).sum())
            seen += n
    model.train()
    if seen == 0:
        raise SentimentLibError("No batches to evaluate.", hint="Pass a non-empty DataLoader.")
    return {"loss": total_loss / seen, "accuracy": correct / seen}


def batches_for(dataset: Any, tokenizer: Any, batch_size: int, *, shuffle: bool = True, seed: int = 0) -> Any:
    """A ``torch.utils.data.DataLoader`` with dynamic padding over a tokenized dataset.

    Parameters
    ----------
    dataset : datasets.Dataset
        Tokenized rows (:func:`~sentiment_lib.tokenization.tokenize_dataset`) with a ``label`` column.
    tokenizer : transformers.PreTrainedTokenizerFast
        Its ``DataCollatorWithPadding`` pads each batch to its longest review.
    batch_size : int
    shuffle : bool, default=True
    seed : int, default=0
        Seed of the shuffle: one per epoch gives each epoch its own order, reproducibly.

    Returns
    -------
    torch.utils.data.DataLoader
        Batches of ``input_ids``, ``attention_mask`` and ``labels`` tensors.

    Examples
    --------
    >>> import datasets
    >>> from sentiment_lib.tokenization import load_tokenizer, tokenize_dataset
    >>> tok = load_tokenizer("tiny")
    >>> rows = datasets.Dataset.from_dict({"text": ["a good film", "bad", "an awful film", "great"], "label": [1, 0, 0, 1]})
    >>> batch = next(iter(batches_for(tokenize_dataset(rows, tok, max_length=8), tok, 2, shuffle=False)))
    >>> {name: tuple(t.shape) for name, t in batch.items()}      # padded to the longer of the two
    {'input_ids': (2, 5), 'attention_mask': (2, 5), 'labels': (2,)}
    """
    import torch
    from torch.utils.data import DataLoader

    from .tokenization import make_collator

    columns = [c for c in ("input_ids", "attention_mask", "label") if c in dataset.column_names]
    data = dataset.select_columns(columns).rename_column("label", "labels")
    generator = torch.Generator().manual_seed(seed)
    return DataLoader(
        data, batch_size=batch_size, shuffle=shuffle, collate_fn=make_collator(tokenizer), generator=generator
    )


# --------------------------------------------------------------------------------------
# The recipe, with Trainer
# --------------------------------------------------------------------------------------


@dataclass
class TrainResult:
    """What :func:`fine_tune` returns: where the model is and how it did."""

    output_dir: str
    metrics: dict[str, Any]
    log_history: list[dict[str, Any]]


def make_trainer_class() -> Any:
    """``CheckedTrainer``, the ``transformers.Trainer`` subclass that :func:`fine_tune` trains with.

    It differs from ``Trainer`` in three ways, each through methods that ``Trainer`` calls itself
    (several of them private, so a new transformers release may need them checked):

    * ``training_step`` raises :class:`SentimentLibError` as soon as the loss is not finite, and
      ``evaluate`` and ``_save_checkpoint`` do the same when a weight is not finite, so no checkpoint
      that ``--resume`` would choke on is ever written;
    * ``_get_train_sampler`` swaps Trainer's length-grouped sampler for ``EpochSeededLengthSampler``,
      whose shuffle depends only on the seed and the epoch, and ``_run_epoch`` tells it the epoch
      even under DDP, so a resumed run sees exactly the batches of the run it continues;
    * ``model_accepts_loss_kwargs`` is off, so that under DDP the loss is not multiplied by the
      number of processes.

    The classes are built on each call, inside this function, because importing transformers
    takes seconds and ``sentiment_lib.training`` is imported by chapters that never train; a test
    builds a subclass of the returned class to poison the weights.
    """
    import torch
    from transformers import Trainer
    from transformers.trainer_pt_utils import LengthGroupedSampler

    class EpochSeededLengthSampler(LengthGroupedSampler):
        """``LengthGroupedSampler`` whose shuffle depends only on ``seed`` and the epoch.

        Trainer's own draws from the global torch RNG, whose state at the start of
        an epoch differs between a run and a resumed run, so a run resumed in its
        second epoch would see other batches than the run it continues.
        """

        def __init__(self, batch_size: int, lengths: list[int], seed: int) -> None:
            super().__init__(batch_size, lengths=lengths)
            self.seed, self.epoch = seed, 0

        def set_epoch(self, epoch: int) -> None:  # called by Trainer/accelerate before every epoch
            self.epoch = int(epoch)

        def __iter__(self) -> Any:
            self.generator = torch.Generator().manual_seed(self.seed + self.epoch)
            return super().__iter__()

    class CheckedTrainer(Trainer):
        """A Trainer that stops with a clear message when the loss or the weights stop being finite,
        and whose length-grouped batches resume exactly (see ``EpochSeededLengthSampler``)."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            # A classifier's loss is the mean over its batch and ignores ``num_items_in_batch``. Left on
            # (DistilBERT's forward takes **kwargs), Trainer multiplies that loss by the number of
            # processes under DDP: twice the gradient on 2 processes, and twice the logged loss.
            self.model_accepts_loss_kwargs = False

        def _get_train_sampler(self, train_dataset: Any = None) -> Any:
            sampler = super()._get_train_sampler(train_dataset)
            if type(sampler) is LengthGroupedSampler and sampler.generator is None:
                seed = self.args.data_seed if self.args.data_seed is not None else self.args.seed
                sampler = self._epoch_seeded = EpochSeededLengthSampler(sampler.batch_size, sampler.lengths, seed)
            return sampler

        def _run_epoch(self, *args: Any, **kwargs: Any) -> Any:
            # Under DDP, resuming mid-epoch wraps the batches in accelerate's SkipBatchSampler, through
            # which set_epoch no longer reaches the sampler: it would replay epoch 0's order. Tell it here.
            if getattr(self, "_epoch_seeded", None) is not None and "epoch" in kwargs:
                self._epoch_seeded.set_epoch(kwargs["epoch"])
            return super()._run_epoch(*args, **kwargs)

        def training_step(self, model: Any, inputs: Any, num_items_in_batch: Any = None) -> Any:
            loss = super().training_step(model, inputs, num_items_in_batch)
            if not torch.isfinite(loss).all():
                raise SentimentLibError(
                    f"The training loss became {loss.item()} at step {self.state.global_step + 1}.",
                    hint="Lower the learning rate. The checkpoints saved before it are kept; "
                    "--resume continues from the last good one.",
                )
            return loss

        def _check_weights(self) -> None:
            bad = next((n for n, p in self.model.named_parameters() if not torch.isfinite(p).all()), None)
            if bad is not None:
                raise SentimentLibError(
                    f"The weights became non-finite ({bad}) at step {self.state.global_step}.",
                    hint="Lower the learning rate. The checkpoints saved before it are kept; "
                    "--resume continues from the last good one.",
                )

        def evaluate(self, *args: Any, **kwargs: Any) -> Any:
            self._check_weights()
            return super().evaluate(*args, **kwargs)

        def _save_checkpoint(self, model: Any, trial: Any) -> None:
            self._check_weights()  # never write a checkpoint that --resume would choke on
            super()._save_checkpoint(model, trial)

    return CheckedTrainer


def fine_tune(config: TrainConfig, *, splits: Any = None, progress: bool = True) -> TrainResult:
    """Fine-tune a pretrained encoder on IMDB and save a reloadable model directory.

    Parameters
    ----------
    config : TrainConfig
        See :func:`make_config`.
    splits : datasets.DatasetDict, default=None
        ``train``/``validation``/``test`` splits to use instead of loading IMDB
        (they still get tokenized here).
    progress : bool, default=True
        Show progress bars.

    Returns
    -------
    TrainResult
        ``metrics`` holds ``validation`` (best checkpoint) and ``test`` metrics,
        training time and sizes; they are also in ``output_dir/metrics.json``.

    Examples
    --------
    >>> result = fine_tune(make_config("quick", model="offline", output_dir="runs/quick"))  # doctest: +SKIP
    >>> result.metrics["test"]["accuracy"] > 0.85                                          # doctest: +SKIP
    True
    """
    import torch

    from .data import prepare_splits, splits_digest  # pandas, datasets: imported when a run starts
    from .evaluation import trainer_metrics  # chapter 4's metrics pick the kept checkpoint (tests/test_layers.py)
    from .tokenization import load_tokenizer, make_collator, tokenize_dataset

    validate_config(config)
    model_path = check_model_fits(config)  # before any work: a bad model or max_length fails here
    start_processes()  # under torchrun / accelerate launch: join the other processes first (runs.py)
    if splits is None:
        splits = prepare_splits(config.data_dir, train_size=config.train_size, validation_size=config.validation_size,
                                test_size=config.test_size, clean=config.clean, seed=config.seed)
    output, staging = prepare_dirs(config)
    tokenizer = load_tokenizer(model_path)
    encoded = tokenize_dataset(
        splits, tokenizer, max_length=config.max_length, strategy=config.truncation,
        pad_to_max_length=config.pad_to_max_length,
    )
    model = build_model(model_path, seed=config.seed, pooling=config.pooling)

    on_gpu = torch.cuda.is_available()
    precision = resolve_precision(config.precision, "cuda" if on_gpu else "cpu")
    trainer = make_trainer_class()(
        model=model,
        args=training_arguments(config, staging, len(encoded["train"]), precision, on_gpu=on_gpu, progress=progress),
        train_dataset=encoded["train"],
        eval_dataset=encoded["validation"],
        processing_class=tokenizer,
        data_collator=make_collator(tokenizer, pad_to_max_length=config.pad_to_max_length, max_length=config.max_length),
        compute_metrics=trainer_metrics,
    )
    train_seconds = _train(trainer, latest_checkpoint(staging) if config.resume else None)
    load = load_average()  # above the cores: the training shared the CPU (train_seconds is then longer)

    model_dir = staging / "model"
    trainer.save_model(str(model_dir))  # model + tokenizer (processing_class); only the main process writes
    settings = {**asdict(config), "model_source": model_path, "sentiment_lib_version": __version__,
                "splits_digest": splits_digest(splits)}  # what these settings must rebuild (data.SavedRun.splits)
    metrics = {
        "validation": best_evaluation(trainer),
        "test": _score_test(trainer, tokenizer, splits, config, precision, progress, model_dir) if is_main_process() else None,
        "train_seconds": round(train_seconds, 2),
        "train_samples": len(splits["train"]),
        "validation_samples": len(splits["validation"]),
        "test_samples": len(splits["test"]) if "test" in splits else 0,
        "best_checkpoint": Path(trainer.state.best_model_checkpoint or "").name or None,
        "global_step": trainer.state.global_step,
        "device": str(trainer.args.device),
        "precision": precision,
        "torch_threads": torch.get_num_threads(),
        "cpu_count": os.cpu_count(),
        "load_average": load,
        "processes": world_size(),
    }
    files = {SETTINGS_FILE: settings, "metrics.json": metrics, "log_history.json": trainer.state.log_history}
    metrics = finish_run(model_dir, output, staging, files)  # the main process's metrics, in every process
    return TrainResult(output_dir=str(output), metrics=metrics, log_history=trainer.state.log_history)


def _score_test(trainer: Any, tokenizer: Any, splits: Any, config: TrainConfig, precision: str, progress: bool,
                model_dir: Path) -> dict | None:
    """The kept model's metrics on the whole test split (scored once, after every choice), or None without one.

    The probabilities are stored in ``model_dir`` (the saved kept model), so that
    ``SentimentClassifier.from_pretrained(...).predict_proba(test, reuse=True)`` reads them.
    """
    # chapter 4's metrics and chapter 5's classifier, imported here only (tests/test_layers.py: FORWARD):
    # the test split is scored the way chapter 5 scores it, and its probabilities stored where it reuses them
    from .evaluation import compute_metrics
    from .inference import SentimentClassifier

    if "test" not in splits or not len(splits["test"]):
        return None
    clf = SentimentClassifier(trainer.model, tokenizer, max_length=config.max_length, strategy=config.truncation, precision=precision)
    clf.source = str(model_dir)  # the saved kept model: reuse=True computes and stores there
    probs = clf.predict_proba(splits["test"]["text"], batch_size=config.eval_batch_size, progress=progress, reuse=True)
    return compute_metrics(splits["test"]["label"], probs.argmax(-1), probs[:, 1]).to_dict()


def training_arguments(config: TrainConfig, staging: Path, n_train: int, precision: str, *, on_gpu: bool,
                       progress: bool = True) -> Any:
    """The ``TrainingArguments`` of a :class:`TrainConfig`: the table of chapter 3, as code.

    Examples
    --------
    >>> args = training_arguments(make_config("book"), Path("/tmp/x"), 1000, "fp32", on_gpu=False)
    >>> args.eval_steps, args.learning_rate, args.load_best_model_at_end
    (32, 0.0001, True)
    """
    from transformers import TrainingArguments

    steps_per_epoch = -(-n_train // (config.batch_size * world_size()))  # batch_size is per process
    total_steps = config.max_steps if config.max_steps > 0 else math.ceil(config.epochs * steps_per_epoch)
    per_epoch = config.eval_steps is None
    return TrainingArguments(
        output_dir=str(staging / "checkpoints"),
        num_train_epochs=config.epochs,
        max_steps=config.max_steps,
        per_device_train_batch_size=config.batch_size,
        per_device_eval_batch_size=config.eval_batch_size,
        learning_rate=config.learning_rate,
        weight_decay=config.weight_decay,
        warmup_steps=config.warmup_ratio if config.warmup_ratio < 1 else total_steps,  # a float below 1 is a share of all steps
        lr_scheduler_type="linear",
        eval_strategy="epoch" if per_epoch else "steps",
        save_strategy="epoch" if per_epoch else "steps",
        eval_steps=config.eval_steps,
        save_steps=config.eval_steps,
        save_total_limit=2,
        load_best_model_at_end=True,
        metric_for_best_model=config.metric_for_best_model,
        greater_is_better=True,
        logging_steps=max(1, min(10, total_steps // 20)),  # at least ~20 points on the learning curve
        logging_first_step=True,
        seed=config.seed,
        data_seed=config.seed,
        train_sampling_strategy="group_by_length" if config.group_by_length else "random",
        bf16=precision == "bf16",  # autocast: the weights (and the saved model) stay fp32
        fp16=precision == "fp16",
        use_cpu=not on_gpu,
        ddp_find_unused_parameters=False,  # several processes: every weight gets a gradient, skip the search
        report_to="none",
        disable_tqdm=not progress,
        dataloader_num_workers=0,
        dataloader_pin_memory=on_gpu,
    )


def _train(trainer: Any, resume_from: str | None) -> float:
    """``trainer.train()`` with warnings only from transformers; the seconds it took."""
    import transformers

    verbosity = transformers.logging.get_verbosity()
    transformers.logging.set_verbosity_warning()
    start = time.perf_counter()
    try:
        trainer.train(resume_from_checkpoint=resume_from)
    except BaseException:
        # close the progress bar, so that an error message starts on a line of its own
        for callback in trainer.callback_handler.callbacks:
            if getattr(callback, "training_bar", None) is not None:
                callback.training_bar.close()
                callback.training_bar = None
        raise
    finally:
        transformers.logging.set_verbosity(verbosity)
    return time.perf_counter() - start


def best_evaluation(trainer: Any) -> dict[str, float]:
    """The validation scores of the checkpoint the ``Trainer`` kept (``load_best_model_at_end``).

    They are read from the evaluation logged at that checkpoint's step: evaluating the reloaded model
    again would cost a pass over the validation set for the same numbers (and older versions of this
    library logged that re-evaluation as a second point at the last step). Without a logged
    evaluation (a run shorter than ``eval_steps``), the model is evaluated once, unlogged.
    """
    keep = ("accuracy", "precision", "recall", "f1", "roc_auc", "loss")
    checkpoint = Path(trainer.state.best_model_checkpoint or "").name
    step = int(checkpoint.rsplit("-", 1)[-1]) if checkpoint.startswith("checkpoint-") else None
    logged = [h for h in trainer.state.log_history if "eval_loss" in h and h.get("step") == step]
    if logged:
        entry = logged[0]
    else:
        before = len(trainer.state.log_history)
        entry = trainer.evaluate()
        del trainer.state.log_history[before:]   # not a point of the learning curve
    return {k.removeprefix("eval_"): v for k, v in entry.items() if k.removeprefix("eval_") in keep}


def train_or_load(config: TrainConfig, *, progress: bool = True) -> TrainResult:
    """Reuse the model in ``config.output_dir`` if it was trained with the same settings, else train it.

    Chapters 4–6 of the book call this so that the model fine-tuned in chapter 3
    is trained once and then shared. A run that was interrupted (a ``.partial``
    directory beside ``output_dir``, e.g. after a cell timeout or Ctrl-C during a
    book build) is resumed from its last checkpoint instead of failing.

    One process trains at a time: a lock file beside ``output_dir``
    (``<output_dir>.lock``) makes a second caller (a book build and a test run, say,
    both asking for the book's model) wait for the first to finish and then load its
    model, instead of both training into the same folder. Loading a model that is
    already there takes no lock, so it also works from a read-only folder.

    Parameters
    ----------
    config : TrainConfig
        The run; ``config.output_dir`` is where its model is (or will be).
    progress : bool, default=True
        Show the Trainer's progress bar.

    Returns
    -------
    TrainResult
        ``output_dir``, ``metrics`` (validation and test) and ``log_history``.

    Examples
    --------
    >>> result = train_or_load(make_config("quick", model="offline", output_dir="runs/quick"))  # doctest: +SKIP
    """
    output = Path(config.output_dir).expanduser()
    saved = _saved_run(config, output)
    if saved is not None:
        return saved
    with _training_lock(output):
        restore_interrupted_publish(output)
        saved = _saved_run(config, output)  # trained by another process while this one waited
        if saved is not None:
            return saved
        if (output / SETTINGS_FILE).is_file():
            config = TrainConfig(**{**asdict(config), "overwrite": True})  # other settings: train again
        if staging_dir(output).is_dir():
            config = TrainConfig(**{**asdict(config), "resume": True})
        return fine_tune(config, progress=progress)


def _saved_run(config: TrainConfig, output: Path) -> TrainResult | None:
    """The run in ``output`` if it was trained with ``config``'s settings, else None."""
    saved_metrics = output / "metrics.json"
    if not ((output / SETTINGS_FILE).is_file() and saved_metrics.is_file()):
        return None
    saved = saved_settings(output.absolute())  # absolute: an output_dir named "tiny" is that folder, not the tiny model
    wanted = {k: v for k, v in asdict(config).items() if k not in ("resume", "overwrite", "output_dir")}
    if any(saved.get(k) != v for k, v in wanted.items()):
        return None
    # model=None means $SENTIMENT_MODEL: a run of another encoder is not this one (compared by its
    # machine-independent name, so a checkout in another folder still finds its model)
    source = saved.get("model_source")
    if source and path_label(source) != model_label(config.model):
        return None
    history = output / "log_history.json"
    return TrainResult(output_dir=str(output), metrics=read_json(saved_metrics),
                       log_history=read_json(history) if history.is_file() else [])


@contextmanager
def _training_lock(output: Path) -> Iterator[None]:
    """Hold ``<output>.lock`` while training into ``output``; wait (and say so) while another process holds it."""
    import sys

    from filelock import FileLock, Timeout

    parent = output.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise SentimentLibError(f"Cannot create {parent} for the model: {error.strerror or error}.",
                                hint="Choose an output_dir in a folder you can write to.") from error
    if not os.access(parent, os.W_OK):
        raise SentimentLibError(f"Cannot train into {output}: {parent} is not writable.",
                                hint="Choose an output_dir in a folder you can write to.")
    lock = FileLock(str(output.with_name(output.name + ".lock")))
    try:
        lock.acquire(timeout=0)
    except Timeout:
        print(f"Another process is training the model in {output}; waiting for it to finish, then loading it ...",
              file=sys.stderr, flush=True)
        lock.acquire()
    try:
        yield
    finally:
        lock.release()


def learning_curve(log_history: list[dict[str, Any]]) -> Any:
    """Training loss per step and validation metrics per evaluation, as two DataFrames.

    One row per evaluation: a second evaluation logged at the same step (older runs logged
    the re-evaluation of the reloaded best checkpoint there) is not a point of the curve.

    Parameters
    ----------
    log_history : list of dict
        ``trainer.state.log_history``.

    Returns
    -------
    tuple of pandas.DataFrame
        ``(train, validation)``: the training loss by step, and the validation metrics by step.

    Examples
    --------
    >>> train, val = learning_curve([{"step": 1, "loss": 0.7}, {"step": 2, "eval_f1": 0.8, "eval_loss": 0.5},
    ...                              {"step": 2, "eval_f1": 0.9, "eval_loss": 0.4}])
    >>> train["loss"].tolist(), val["f1"].tolist()
    ([0.7], [0.8])
    """
    import pandas as pd

    train = pd.DataFrame([{"step": h["step"], "loss": h["loss"]} for h in log_history if "loss" in h])
    evals = [
        {"step": h["step"], **{k.removeprefix("eval_"): v for k, v in h.items() if k.startswith("eval_")}}
        for h in log_history
        if "eval_loss" in h
    ]
    val = pd.DataFrame(evals)
    if len(val):
        val = val.drop_duplicates("step", keep="first").reset_index(drop=True)
    return train, val


def diagnose_learning_curve(log_history: list[dict[str, Any]], metric: str | None = None, n: int | None = None) -> str:
    """What a learning curve says, in one sentence built from its numbers.

    * validation loss lowest before the end and higher afterwards: **overfitting** has begun, unless
      ``metric`` (the score the run selects its checkpoint on, ``metric_for_best_model``) is at the
      last evaluation still within noise of its best: the binomial noise of a proportion measured on
      ``n`` validation reviews (1.96 standard errors). Then the sentence says so instead;
    * validation loss still falling at the last evaluation: **underfitting**,
      more steps (or a larger learning rate) would probably help;
    * training loss no lower at the end than at the start: the learning rate is
      **too high** (or too low) for this model.

    Parameters
    ----------
    log_history : list of dict
        ``trainer.state.log_history``.
    metric : str, default=None
        The score the run selects its checkpoint on (``"f1"`` or ``"accuracy"``); ``None`` reads
        the validation loss alone.
    n : int, default=None
        Validation reviews behind each score, for its noise.

    Returns
    -------
    str
        One sentence, starting with its diagnosis ("Overfitting", "Within noise", ...).

    Examples
    --------
    >>> log = [{"step": 1, "loss": 0.7}, {"step": 10, "eval_loss": 0.5, "eval_f1": 0.80}, {"step": 20, "loss": 0.2},
    ...        {"step": 20, "eval_loss": 0.6, "eval_f1": 0.70}]
    >>> diagnose_learning_curve(log).startswith("Overfitting")
    True
    >>> diagnose_learning_curve(log, metric="f1", n=500).startswith("Overfitting")
    True
    >>> log[-1]["eval_f1"] = 0.79   # the score the run selects on: within noise of its best
    >>> diagnose_learning_curve(log, metric="f1", n=500).startswith("Within noise")
    True
    """
    train, val = learning_curve(log_history)
    if len(train) >= 4:
        k = max(1, len(train) // 4)
        start, end = train["loss"].iloc[:k].mean(), train["loss"].iloc[-k:].mean()
        if end >= start:
            return (f"No learning: the training loss averaged {start:.3f} over the first quarter of the run and "
                    f"{end:.3f} over the last; try a smaller (or larger) learning rate.")
    if len(val) < 2:
        return "One evaluation only: evaluate more often (eval_steps) to see the curve."
    best = int(val["loss"].idxmin())
    best_step, last = int(val["step"].iloc[best]), val.iloc[-1]
    if best < len(val) - 1 and last["loss"] > val["loss"].iloc[best] + 0.01:
        if metric and n and metric in val:
            top = float(val[metric].max())
            noise = 1.96 * (max(top * (1 - top), 1e-12) / n) ** 0.5
            if top - float(last[metric]) <= noise:
                return (f"Within noise: the validation loss was lowest ({val['loss'].iloc[best]:.3f}) at step {best_step} "
                        f"and {last['loss']:.3f} at the last evaluation (step {int(last['step'])}), but the {metric} the run "
                        f"selects on was {float(last[metric]):.3f} there, within noise of its best {top:.3f} "
                        f"(±{noise:.3f} on {n:,} reviews): no sign yet that more steps hurt what the run keeps.")
        return (f"Overfitting has begun: the validation loss was lowest ({val['loss'].iloc[best]:.3f}) at step "
                f"{best_step} and {last['loss']:.3f} at the last evaluation (step {int(last['step'])}); the checkpoint "
                f"kept is chosen on validation, and EarlyStoppingCallback would have stopped the run.")
    if best == len(val) - 1 and val["loss"].iloc[-2] - last["loss"] > 0.01:
        return (f"Still learning: the validation loss fell from {val['loss'].iloc[-2]:.3f} to {last['loss']:.3f} at the "
                f"last evaluation (step {int(last['step'])}); more steps would probably help (underfitting).")
    return (f"Converged: the validation loss changed little over the last evaluations (lowest {val['loss'].min():.3f} "
            f"at step {best_step}).")


def plot_learning_curve(log_history: list[dict[str, Any]], ax: Any = None) -> Any:
    """Training loss and validation loss against the step.

    The two curves differ by line style and marker as well as by (Okabe-Ito) colour.

    Parameters
    ----------
    log_history : list of dict
        ``trainer.state.log_history`` (or ``log_history.json`` of a saved run).
    ax : matplotlib.axes.Axes, default=None
        Where to draw (``None``: a new figure).

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> ax = plot_learning_curve([{"step": 1, "loss": 0.7}, {"step": 2, "eval_f1": 0.8, "eval_loss": 0.5}])
    >>> [line.get_label() for line in ax.get_lines()], ax.get_xlabel()
    (['training loss', 'validation loss'], 'optimizer step')
    """
    import matplotlib.pyplot as plt

    train, val = learning_curve(log_history)
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3.5))
    if len(train):
        ax.plot(train["step"], train["loss"], "-", color=PALETTE[0], label="training loss", alpha=0.8)
    if len(val):
        ax.plot(val["step"], val["loss"], "o--", color=PALETTE[1], label="validation loss")
    ax.set_xlabel("optimizer step")
    ax.set_ylabel("cross-entropy loss")
    ax.legend()
    ax.set_title("Learning curve")
    return ax


def load_metrics(model_dir: str | os.PathLike) -> dict[str, Any]:
    """Read ``metrics.json`` of a model directory."""
    return read_json(Path(model_dir) / "metrics.json")


__all__ = [
    "PROFILES", "TrainConfig", "TrainResult", "make_config", "config_from", "validate_config", "check_model_fits",
    "train_one_epoch", "evaluate_loop", "batches_for", "make_trainer_class", "fine_tune", "best_evaluation", "train_or_load", "learning_curve",
    "diagnose_learning_curve", "plot_learning_curve", "load_metrics",
]
