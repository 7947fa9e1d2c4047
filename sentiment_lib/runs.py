"""The life of a training run on disk: staging directory, checks, resume, publish.

:func:`~sentiment_lib.training.fine_tune` writes everything into
``<output_dir>.partial`` (the *staging* directory) and moves the finished model
to ``output_dir`` only at the very end, so a crash never leaves a half-written
model where a good one was, and ``resume=True`` continues from the last
complete checkpoint. The ``Trainer`` subclass used there, which stops on a
non-finite loss or weights and resumes with exactly the batches of the run it
continues, lives beside the recipe
(:func:`~sentiment_lib.training.make_trainer_class`).

Under ``torchrun`` or ``accelerate launch`` (several processes, data-parallel)
only the main process (global rank 0) checks, creates, publishes and cleans the
run directories; the others wait for its verdict (:func:`on_main`), so bad input
stops every process with the same error, which :func:`first_to_report` lets only
one of them print. In a single process all of this is a plain function call.

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
from datetime import timedelta
from pathlib import Path
from typing import Any, Callable, TypeVar

from .checkpoints import restore_interrupted_publish
from .errors import SentimentLibError

T = TypeVar("T")

# How long the other processes wait for the main one at a barrier (it alone scores the test set).
WAIT = timedelta(hours=4)


# --------------------------------------------------------------------------------------
# Several processes (torchrun, accelerate launch): who does what
# --------------------------------------------------------------------------------------


def world_size() -> int:
    """Number of processes of this run (``WORLD_SIZE`` set by ``torchrun``/``accelerate launch``; else 1)."""
    return int(os.environ.get("WORLD_SIZE", "1"))


def rank() -> int:
    """This process's global rank (0 in a single process)."""
    return int(os.environ.get("RANK", "0"))


def is_main_process() -> bool:
    """True in the process that owns the run directories: global rank 0, or the only process.

    Examples
    --------
    >>> is_main_process() if world_size() == 1 else True
    True
    """
    return world_size() <= 1 or rank() == 0


def _distributed() -> bool:
    import torch.distributed as dist

    return world_size() > 1 and dist.is_available() and dist.is_initialized()


def start_processes() -> None:
    """Join the process group of a multi-process launch: gloo on CPUs, NCCL on GPUs.

    ``transformers.Trainer`` would do it when it builds its ``TrainingArguments``;
    doing it first lets the processes agree on the run directories before any
    training starts. Nothing happens in a single process or when already joined.
    """
    import torch.distributed as dist

    if world_size() > 1 and dist.is_available() and not dist.is_initialized():
        from accelerate import PartialState
        from accelerate.utils import parse_flag_from_env

        PartialState(cpu=parse_flag_from_env("ACCELERATE_USE_CPU"), timeout=WAIT)


class ReportedByMain(SentimentLibError):
    """The main process's error, as seen by the other processes of a multi-process run."""


def on_main(function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run ``function`` in the main process only; every process gets its result or raises its error.

    In a single process it is just ``function(*args, **kwargs)``. Under several
    processes the others wait, then receive the (picklable) result, or a
    :class:`ReportedByMain` with the same message when it raised a
    :class:`SentimentLibError`, so that every process stops and none hangs.

    Examples
    --------
    >>> on_main(sum, [1, 2, 3])
    6
    """
    if not _distributed():
        return function(*args, **kwargs)
    import torch.distributed as dist

    outcome: list[Any] = [None]
    failure: BaseException | None = None
    if is_main_process():
        try:
            outcome[0] = ("ok", function(*args, **kwargs))
        except SentimentLibError as err:
            failure, outcome[0] = err, ("error", err.message, err.hint)
        except BaseException as err:  # a bug or Ctrl-C: the others must not wait for a result forever
            failure, outcome[0] = err, ("error", f"The main process failed: {type(err).__name__}: {err}", None)
    dist.broadcast_object_list(outcome, src=0)
    if failure is not None:
        raise failure
    kind, *rest = outcome[0]
    if kind == "ok":
        return rest[0]
    raise ReportedByMain(rest[0], hint=rest[1])


def first_to_report(what: str = "error") -> bool:
    """Whether this process should print its error: the first process of the run to claim it.

    Every process of a multi-process run that hits the same bad input raises the
    same error; the launcher's key-value store lets exactly one print it. In a
    single process (or before the processes have joined) the answer is simply
    "this is the main process".
    """
    if not _distributed():
        return is_main_process()
    try:
        from torch.distributed.distributed_c10d import _get_default_store

        restarts = os.environ.get("TORCHELASTIC_RESTART_COUNT", "0")
        return _get_default_store().add(f"sentiment_lib/{what}/{restarts}", 1) == 1
    except Exception:  # no store to ask: the main process speaks
        return is_main_process()


def main_had_time_to_report(seconds: float = 10.0) -> bool:
    """In a process other than the main one, before the processes have joined: wait for the main one.

    Every process of a launch that fails its argument checks raises the same error, before there
    is a process group to agree on who prints it; the main process does (:func:`first_to_report`).
    The launcher stops all processes as soon as one exits, so a process that exited at once could
    have the main one stopped before it printed anything. This waits ``seconds`` (the launcher
    normally stops this process meanwhile) and returns True if it is still running: then the main
    process did not report, and this one should. Elsewhere it returns False at once.

    Examples
    --------
    >>> main_had_time_to_report() if world_size() == 1 else False
    False
    """
    if world_size() <= 1 or is_main_process() or _distributed():
        return False
    import time

    time.sleep(seconds)
    return True


# --------------------------------------------------------------------------------------
# The run directories
# --------------------------------------------------------------------------------------


def staging_dir(output_dir: Path) -> Path:
    """Where a run into ``output_dir`` writes until it is finished: ``<output_dir>.partial``."""
    return output_dir.with_name(output_dir.name + ".partial")


def prepare_dirs(config: Any) -> tuple[Path, Path]:
    """Check ``config.output_dir`` against ``overwrite``/``resume`` and create the staging directory.

    Returns ``(output, staging)``. Raises :class:`SentimentLibError` for an existing
    model without ``overwrite``, a left-over staging directory without ``resume``,
    and ``resume`` with nothing to resume. Under several processes the main one
    checks and creates, and all of them get its verdict (:func:`on_main`).
    """
    return on_main(_prepare_dirs_here, config)


def _prepare_dirs_here(config: Any) -> tuple[Path, Path]:
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
    :func:`~sentiment_lib.checkpoints.restore_interrupted_publish` puts it back
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
    resumes from the checkpoint before it. Under several processes the main one
    chooses (and cleans up), and every process resumes from that same checkpoint.
    """
    return on_main(_latest_checkpoint_here, staging)


def _latest_checkpoint_here(staging: Path) -> str | None:
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


def finish_run(model_dir: Path, output: Path, staging: Path, files: dict[str, Any]) -> Any:
    """Write ``files`` (name: JSON-able value) into ``model_dir``, publish it to ``output``, remove the staging directory.

    The main process does it; the others wait until the model is in place. Returns
    the main process's ``files["metrics.json"]`` in every process (only the main
    one scored the test set).
    """
    import json

    def finish() -> Any:
        for name, value in files.items():
            (model_dir / name).write_text(json.dumps(value, indent=2))
        publish(model_dir, output)
        shutil.rmtree(staging, ignore_errors=True)
        return files.get("metrics.json")

    return on_main(finish)


__all__ = [
    "world_size", "rank", "is_main_process", "start_processes", "on_main", "first_to_report",
    "ReportedByMain", "staging_dir", "prepare_dirs", "publish", "latest_checkpoint", "finish_run",
]
