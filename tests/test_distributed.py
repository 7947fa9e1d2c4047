"""Data-parallel training with two CPU processes (gloo): ``torchrun`` and ``accelerate launch``.

* a DDP run publishes one model, and its validation metrics match one process with the same global batch;
* a DDP run killed with SIGKILL in its second epoch resumes with ``--resume`` to the uninterrupted run's metrics;
* bad input (an existing output directory, a missing data directory) gives one ``error:`` line, not one per process.

The model is the tiny random DistilBERT with its dropout switched off (a copy with ``dropout=0`` in its
``config.json``): with dropout, every process draws its own masks and the DDP run and the single run would
differ like two dropout seeds; without it they are the same optimisation, up to float rounding.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sentiment_lib.environment import course_environment
from sentiment_lib.checkpoints import SETTINGS_FILE, tiny_model_dir
from sentiment_lib.training import fine_tune, make_config

pytestmark = pytest.mark.slow

BIN = Path(sys.executable).parent
PROCESSES = 2
# 48 reviews, 4 per process and step (global batch 8): 6 steps per epoch, 12 in all; evaluate and
# checkpoint every 3 steps. The learning rate is high so that the tiny model's weights move every step.
SETTINGS = dict(
    train_size=48, validation_size=32, test_size=16, batch_size=4, eval_batch_size=16, eval_steps=3,
    epochs=2.0, learning_rate=5e-2, max_length=32, seed=3, precision="fp32",
)
STEPS_PER_EPOCH, TOTAL_STEPS = 6, 12
EVAL_KEYS = ("eval_loss", "eval_accuracy", "eval_f1", "eval_roc_auc")
# DDP vs one process (same global batch, same reviews per step): the gradient is the same mean, but
# averaged as (g0 + g1) / 2 across processes instead of over 8 reviews at once, with another thread
# count, so float rounding differs. Measured on 2 cores: training losses within 1.2e-7, validation
# losses within 6e-8, accuracy, F1 and AUC identical. 1e-5 on losses is ~100x that, and far below what
# one other batch changes (0.01 and more between steps here). Accuracy, F1 and AUC are counts: one review
# (1/32) or one positive-negative pair (1/256) may flip on a machine that rounds otherwise.
SINGLE_TOL = 1e-5
ONE_REVIEW = 1 / 32 + 1e-9
ONE_PAIR = 1 / 256 + 1e-9
# Killed + resumed DDP vs uninterrupted DDP: the same processes and threads, restored weights, optimizer,
# scheduler, per-process RNG states and the same batches: bit-identical in practice (see test_faults_training).
RESUME_TOL = 1e-6


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def launcher(kind: str) -> list[str]:
    """The command that starts PROCESSES copies of what follows it."""
    if kind == "torchrun":
        return [str(BIN / "torchrun"), "--standalone", "--nproc_per_node", str(PROCESSES)]
    # --multi_gpu is accelerate's name for its torch.distributed launcher; without GPUs it runs gloo on CPUs
    return [str(BIN / "accelerate"), "launch", "--multi_gpu", "--num_processes", str(PROCESSES), "--num_machines", "1",
            "--mixed_precision", "no", "--dynamo_backend", "no", "--main_process_port", str(free_port())]


def train_args(settings: dict, **extra) -> list[str]:
    args = ["train"]
    for key, value in {**settings, **extra}.items():
        flag = "--" + key.replace("_", "-")
        args += [flag] if value is True else [flag, str(value)]
    return args


def env() -> dict:
    return {**os.environ, **course_environment(offline=True, enforce=True)}


def launch(kind: str, args: list[str], *, module: bool = True, timeout: int = 240) -> subprocess.CompletedProcess:
    """``<launcher> -m sentiment_lib ARGS`` (or the ``sentiment-lib`` script with ``module=False``)."""
    program = ["-m", "sentiment_lib"] if module else [str(BIN / "sentiment-lib")]
    return subprocess.run([*launcher(kind), *program, *args], capture_output=True, text=True, timeout=timeout, env=env())


def eval_entries(log_history: list[dict]) -> dict[int, dict]:
    """Validation metrics by step, one entry per evaluation."""
    entries = [h for h in log_history if "eval_loss" in h]
    return {h["step"]: {k: h[k] for k in EVAL_KEYS} for h in entries}


def assert_close(a: dict, b: dict, tol: float, discrete_tol: float = 0.0) -> None:
    assert a.keys() == b.keys(), (a.keys(), b.keys())
    for key in a:
        if isinstance(a[key], dict):
            assert_close(a[key], b[key], tol, discrete_tol)
        elif isinstance(a[key], float):
            name = key.removeprefix("eval_")
            allowed = discrete_tol if name in ("accuracy", "f1", "precision", "recall") else tol
            allowed = min(discrete_tol, ONE_PAIR) if name == "roc_auc" else allowed
            assert math.isclose(a[key], b[key], rel_tol=0, abs_tol=max(tol, allowed)), (key, a[key], b[key])
        else:
            assert a[key] == b[key], (key, a[key], b[key])


def complete_checkpoints(checkpoints: Path) -> list[int]:
    if not checkpoints.is_dir():
        return []
    return sorted(int(d.name.split("-")[1]) for d in checkpoints.glob("checkpoint-*") if (d / "trainer_state.json").is_file())


def digest(directory: Path) -> dict[str, int]:
    return {p.name: hash(p.read_bytes()) for p in sorted(directory.iterdir()) if p.is_file()}


def assert_one_error(proc: subprocess.CompletedProcess, *needles: str) -> None:
    """The launch failed, and of all its processes exactly one printed an ``error:`` line, with no traceback of ours.

    (The launcher adds its own summary of the failed processes; that part is torchrun's / accelerate's.)
    """
    assert proc.returncode != 0, proc.stderr[-3000:]
    errors = [line for line in proc.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, proc.stderr[-5000:]
    for needle in needles:
        assert needle in errors[0], (needle, errors[0])
    ours = [line for line in proc.stderr.splitlines() if line.strip().startswith("File ") and "sentiment_lib" in line]
    assert not ours, proc.stderr[-5000:]
    assert proc.stdout.strip() == ""


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory) -> Path:
    """The tiny model without dropout (see the module docstring)."""
    target = tmp_path_factory.mktemp("tiny") / "tiny-no-dropout"
    shutil.copytree(tiny_model_dir(), target)
    config = json.loads((target / "config.json").read_text())
    config.update(dropout=0.0, attention_dropout=0.0, seq_classif_dropout=0.0)
    (target / "config.json").write_text(json.dumps(config))
    return target


@pytest.fixture(scope="module")
def ddp_run(tmp_path_factory, model_dir):
    """The uninterrupted two-process run, under torchrun with ``python -m sentiment_lib``."""
    out = tmp_path_factory.mktemp("ddp") / "model"
    start = time.perf_counter()
    proc = launch("torchrun", train_args(SETTINGS, model=model_dir, output_dir=out))
    assert proc.returncode == 0, proc.stderr[-5000:]
    return out, proc, time.perf_counter() - start


def test_ddp_run_publishes_one_model_like_one_process(ddp_run, model_dir, tmp_path):
    out, proc, _ = ddp_run
    printed = json.loads(proc.stdout)  # one JSON document: only the main process prints
    metrics = json.loads((out / "metrics.json").read_text())
    assert printed["output_dir"] == str(out) and {k: printed[k] for k in metrics} == metrics
    assert metrics["processes"] == PROCESSES and metrics["global_step"] == TOTAL_STEPS
    assert metrics["test_samples"] == metrics["test"]["n"] == SETTINGS["test_size"]  # the whole test set, once
    assert sorted(p.name for p in out.parent.iterdir()) == ["model"], "no .partial / .old left, one model"
    for name in ("config.json", "model.safetensors", "tokenizer.json", SETTINGS_FILE, "log_history.json"):
        assert (out / name).is_file(), name

    # one process, global batch 8 = 2 processes x 4
    single = fine_tune(make_config(output_dir=str(tmp_path / "single"), **{**SETTINGS, "model": str(model_dir),
                                                                          "batch_size": 4 * PROCESSES}), progress=False)
    history = json.loads((out / "log_history.json").read_text())
    losses = [h["loss"] for h in history if "loss" in h]
    assert len(set(losses)) > 1, "the weights never moved: this comparison would prove nothing"
    assert losses == pytest.approx([h["loss"] for h in single.log_history if "loss" in h], abs=SINGLE_TOL)
    assert_close(eval_entries(history), eval_entries(single.log_history), SINGLE_TOL, ONE_REVIEW)
    assert_close(metrics["validation"], single.metrics["validation"], SINGLE_TOL, ONE_REVIEW)


def kill_tree(proc: subprocess.Popen) -> None:
    """SIGKILL the launcher and every process it started (as a crashed node or ``kill -9`` of the job)."""
    import psutil

    parent = psutil.Process(proc.pid)
    for p in [parent, *parent.children(recursive=True)]:
        try:
            p.send_signal(signal.SIGKILL)
        except psutil.NoSuchProcess:
            pass


def test_ddp_killed_mid_epoch_resumes_to_the_same_metrics(ddp_run, model_dir, tmp_path):
    """Kill both processes (and torchrun) once a checkpoint inside the second epoch is complete; resume
    under ``accelerate launch`` with ``--resume``; every later evaluation and the final metrics equal the
    uninterrupted run's."""
    ref_out, _, _ = ddp_run
    out = tmp_path / "model"
    checkpoints = tmp_path / "model.partial" / "checkpoints"
    args = train_args(SETTINGS, model=model_dir, output_dir=out)
    proc = subprocess.Popen([*launcher("torchrun"), "-m", "sentiment_lib", *args],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env())
    deadline = time.monotonic() + 180
    try:
        while not any(STEPS_PER_EPOCH < s < TOTAL_STEPS for s in complete_checkpoints(checkpoints)):
            assert proc.poll() is None, "training ended before it could be killed"
            assert time.monotonic() < deadline, "no checkpoint in the second epoch after 180 s"
            time.sleep(0.01)
        kill_tree(proc)
    finally:
        proc.wait(timeout=60)
    assert not out.exists(), "a killed run must not publish anything"
    killed_at = max(complete_checkpoints(checkpoints))
    assert STEPS_PER_EPOCH < killed_at < TOTAL_STEPS
    # mark the checkpoint's history: only a run that really resumed from it carries the mark
    state_file = checkpoints / f"checkpoint-{killed_at}" / "trainer_state.json"
    state = json.loads(state_file.read_text())
    state["log_history"][0]["resumed_marker"] = True
    state_file.write_text(json.dumps(state))

    resumed = launch("accelerate", args + ["--resume"])
    assert resumed.returncode == 0, resumed.stderr[-5000:]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]
    history = json.loads((out / "log_history.json").read_text())
    metrics = json.loads((out / "metrics.json").read_text())
    reference = json.loads((ref_out / "metrics.json").read_text())
    assert history[0].get("resumed_marker") is True, "the second run started over instead of resuming"
    assert metrics["global_step"] == TOTAL_STEPS and metrics["processes"] == PROCESSES
    ours, theirs = eval_entries(history), eval_entries(json.loads((ref_out / "log_history.json").read_text()))
    assert sorted(ours) == sorted(theirs) and any(step > killed_at for step in ours)
    assert_close(ours, theirs, RESUME_TOL)
    assert_close(metrics["validation"], reference["validation"], RESUME_TOL)
    assert_close(metrics["test"], reference["test"], RESUME_TOL)
    assert metrics["best_checkpoint"] == reference["best_checkpoint"]


@pytest.mark.parametrize("kind, bad", [("torchrun", "existing output"), ("accelerate", "missing data")])
def test_bad_input_is_one_error_for_all_processes(ddp_run, model_dir, tmp_path, kind, bad):
    """An existing model without --overwrite (through the ``sentiment-lib`` script) and a missing data
    directory (``python -m sentiment_lib``): one error line, a failed launch, no hang, nothing touched."""
    out, _, _ = ddp_run
    start = time.perf_counter()
    if bad == "existing output":
        before = digest(out)
        proc = launch(kind, train_args(SETTINGS, model=model_dir, output_dir=out), module=False, timeout=120)
        assert_one_error(proc, str(out), "already exists", "--overwrite")
        assert digest(out) == before and not Path(str(out) + ".partial").exists()
    else:
        missing = tmp_path / "nothing"
        proc = launch(kind, train_args(SETTINGS, model=model_dir, output_dir=tmp_path / "m", data_dir=missing), timeout=120)
        assert_one_error(proc, str(missing), "does not exist")
        assert sorted(p.name for p in tmp_path.iterdir()) == []
    assert time.perf_counter() - start < 120, "a process waited for the others"
