"""The life of a training run on disk: staging directory, checks, resume, publish.

:func:`~sentiment_lib.training.fine_tune` writes everything into
``<output_dir>.partial`` (the *staging* directory) and moves the finished model
to ``output_dir`` only at the very end, so a crash never leaves a half-written
model where a good one was, and ``resume=True`` continues from the last
complete checkpoint. The ``Trainer`` used there (:func:`make_trainer_class`)
stops on a non-finite loss or weights and draws its length-grouped batches so
that a resumed run sees exactly the batches of the run it continues.

Examples
--------
>>> from pathlib import Path
>>> staging_dir(Path("runs/quick"))
PosixPath('runs/quick.partial')
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path
from typing import Any

from .errors import SentimentLibError


def staging_dir(output_dir: Path) -> Path:
    """Where a run into ``output_dir`` writes until it is finished: ``<output_dir>.partial``."""
    return output_dir.with_name(output_dir.name + ".partial")


def prepare_dirs(config: Any) -> tuple[Path, Path]:
    """Check ``config.output_dir`` against ``overwrite``/``resume`` and create the staging directory.

    Returns ``(output, staging)``. Raises :class:`SentimentLibError` for an existing
    model without ``overwrite``, a left-over staging directory without ``resume``,
    and ``resume`` with nothing to resume.
    """
    from .modeling import restore_interrupted_publish

    output = Path(config.output_dir).expanduser()
    restore_interrupted_publish(output)
    staging = staging_dir(output)
    if output.exists() and any(output.iterdir()) and not config.overwrite:
        raise SentimentLibError(
            f"{output} already exists and is not empty.",
            hint="Pass --overwrite to replace it (it is only replaced once the new run succeeds), or choose another --output-dir.",
        )
    if staging.exists() and not config.resume:
        raise SentimentLibError(
            f"An interrupted run left {staging}.",
            hint="Pass --resume to continue it, or delete that directory to start over.",
        )
    if config.resume and not staging.exists():
        raise SentimentLibError(f"Nothing to resume: {staging} does not exist.", hint="Run without --resume.")
    staging.mkdir(parents=True, exist_ok=True)
    return output, staging


def publish(model_dir: Path, output: Path) -> None:
    """Move a finished model into place; an older model there is removed only afterwards.

    A kill between the two moves leaves the older model in ``OUTPUT.old``;
    :func:`~sentiment_lib.modeling.restore_interrupted_publish` puts it back
    the next time the directory is trained into or loaded.
    """
    old = output.with_name(output.name + ".old")
    if old.exists():
        shutil.rmtree(old)
    if output.exists():
        os.replace(output, old)
    os.replace(model_dir, output)
    if old.exists():
        shutil.rmtree(old)


def latest_checkpoint(staging: Path) -> str | None:
    """The newest *complete* checkpoint of an interrupted run, or ``None``.

    ``Trainer`` writes ``trainer_state.json`` last, so a checkpoint without it was
    cut off while being saved (a kill, a full disk); it is removed, and the run
    resumes from the checkpoint before it.
    """
    ckpts = staging / "checkpoints"
    if not ckpts.is_dir():
        return None
    found = sorted(
        (int(m.group(1)), d) for d in ckpts.iterdir() if d.is_dir() and (m := re.fullmatch(r"checkpoint-(\d+)", d.name))
    )
    for _, d in reversed(found):
        if (d / "trainer_state.json").is_file():
            return str(d)
        shutil.rmtree(d, ignore_errors=True)  # half-written: never resume from it
    return None


def make_trainer_class() -> Any:
    """``CheckedTrainer``: a ``transformers.Trainer`` that stops cleanly on non-finite values and resumes exactly."""
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

        def _get_train_sampler(self, train_dataset: Any = None) -> Any:
            sampler = super()._get_train_sampler(train_dataset)
            if type(sampler) is LengthGroupedSampler and sampler.generator is None:
                seed = self.args.data_seed if self.args.data_seed is not None else self.args.seed
                return EpochSeededLengthSampler(sampler.batch_size, sampler.lengths, seed)
            return sampler

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


__all__ = ["staging_dir", "prepare_dirs", "publish", "latest_checkpoint", "make_trainer_class"]
