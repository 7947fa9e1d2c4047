"""Faults in training and in model directories, injected for real.

* a ``sentiment-lib train`` process killed with SIGKILL in its second epoch, then ``--resume``;
* the same seed twice;
* a loss (or weights) that stop being finite;
* a model directory with a truncated weights file, no tokenizer, or a config that does not fit;
* a failed ``train --overwrite`` over a good model.

Everything runs on the tiny random DistilBERT ("tiny") with a few dozen reviews, so the runs take
seconds; the subprocess tests are marked ``slow`` (they still run in CI).
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from sentiment_lib.environment import course_environment
from sentiment_lib.errors import SentimentLibError
from sentiment_lib.inference import SentimentClassifier
from sentiment_lib.checkpoints import tiny_model_dir
from sentiment_lib.modeling import load_model
from sentiment_lib.training import fine_tune, make_config

# 32 reviews in batches of 4: 8 optimizer steps per epoch; evaluate and checkpoint every 4 steps.
# The learning rate is high so that the tiny model's weights (and so its metrics) move every step:
# a resumed run that saw other batches would show it.
SETTINGS = dict(
    model="tiny", train_size=32, validation_size=16, test_size=8, batch_size=4, eval_batch_size=16,
    eval_steps=4, epochs=3.0, learning_rate=5e-2, max_length=32, seed=3,
)
STEPS_PER_EPOCH = 8
TOTAL_STEPS = 24
TOLERANCE = 1e-6  # see test_kill_and_resume_matches_uninterrupted_run
EVAL_KEYS = ("eval_loss", "eval_accuracy", "eval_f1", "eval_roc_auc")


def cli_args(settings: dict, **extra) -> list[str]:
    merged = {**settings, **extra}
    args = []
    for key, value in merged.items():
        flag = "--" + key.replace("_", "-")
        if value is True:
            args.append(flag)
        else:
            args += [flag, str(value)]
    return args


def run_cli(args: list[str], *, prelude: str = "", timeout: int = 300) -> subprocess.CompletedProcess:
    """``python -m sentiment_lib ARGS`` in a fresh process; ``prelude`` is Python run first (fault injection)."""
    code = f"{prelude}\nimport sys\nfrom sentiment_lib.cli import main\nsys.exit(main(sys.argv[1:]))"
    return subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=timeout, env=cli_env()
    )


def cli_env() -> dict:
    return {**os.environ, **course_environment(offline=True, enforce=True)}


def assert_one_line_error(proc: subprocess.CompletedProcess, *needles: str) -> str:
    """Exit status 2, no traceback, exactly one ``error:`` line and it is the last line of stderr."""
    assert proc.returncode == 2, (proc.returncode, proc.stderr[-3000:])
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("error:")]
    assert len(errors) == 1 and lines[-1] == errors[0], proc.stderr[-3000:]
    for needle in needles:
        assert needle in errors[0], (needle, errors[0])
    return errors[0]


def eval_entries(log_history: list[dict]) -> dict[int, dict]:
    """Validation metrics by step, one entry per evaluation."""
    entries = [h for h in log_history if "eval_loss" in h]
    return {h["step"]: {k: h[k] for k in EVAL_KEYS if k in h} for h in entries}


def assert_close(a: dict, b: dict, tol: float) -> None:
    assert a.keys() == b.keys()
    for key in a:
        if isinstance(a[key], dict):
            assert_close(a[key], b[key], tol)
        elif isinstance(a[key], float):
            assert math.isclose(a[key], b[key], rel_tol=0, abs_tol=tol), (key, a[key], b[key])
        else:
            assert a[key] == b[key], (key, a[key], b[key])


def digest(directory: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(directory.iterdir()) if p.is_file()}


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The uninterrupted run: trained in this process, with the same settings as the CLI runs."""
    out = tmp_path_factory.mktemp("reference") / "model"
    result = fine_tune(make_config(output_dir=str(out), **SETTINGS), progress=False)
    return out, result


# --------------------------------------------------------------------------------------------
# Same seed twice
# --------------------------------------------------------------------------------------------


def test_same_seed_twice_gives_identical_metrics(reference, tmp_path):
    """Two runs with one seed on CPU: every logged loss and metric is bit-identical (tolerance 0)."""
    _, first = reference
    second = fine_tune(make_config(output_dir=str(tmp_path / "again"), **SETTINGS), progress=False)
    losses = [h["loss"] for h in first.log_history if "loss" in h]
    assert len(set(losses)) > 1, "the weights never moved: this comparison would prove nothing"
    assert [h.get("loss") for h in first.log_history] == [h.get("loss") for h in second.log_history]
    assert eval_entries(first.log_history) == eval_entries(second.log_history)
    assert first.metrics["validation"] == second.metrics["validation"]
    assert first.metrics["test"] == second.metrics["test"]


# --------------------------------------------------------------------------------------------
# Killed while publishing: between moving the old model aside and moving the new one in
# --------------------------------------------------------------------------------------------


class Killed(BaseException):
    """Stands for SIGKILL: nothing after it runs, no ``except Exception`` catches it."""


@pytest.mark.parametrize("then", ["load", "train_again"])
def test_kill_between_publish_moves_keeps_old_model(reference, tmp_path, monkeypatch, then):
    from sentiment_lib import runs

    ref_dir, _ = reference
    out = tmp_path / "model"
    shutil.copytree(ref_dir, out)
    before = digest(out)
    new_model = tmp_path / "staging-model"
    shutil.copytree(tiny_model_dir(), new_model)

    real_replace, calls = os.replace, []

    def replace_then_die(src, dst):
        calls.append((src, dst))
        if len(calls) == 2:
            raise Killed
        real_replace(src, dst)

    monkeypatch.setattr(runs.os, "replace", replace_then_die)
    with pytest.raises(Killed):
        runs.publish(new_model, out)
    monkeypatch.setattr(runs.os, "replace", real_replace)
    assert not out.exists() and (tmp_path / "model.old").is_dir(), "the kill happened between the two moves"

    if then == "load":
        monkeypatch.chdir(tmp_path)  # a relative path, as users type it: "model" must not be taken for a hub id
        clf = SentimentClassifier.from_pretrained("model")  # puts the old model back, then loads it
        assert clf.predict(["A fine film."])[0].label in ("positive", "negative")
        assert digest(out) == before
    else:
        with pytest.raises(SentimentLibError, match="already exists"):
            fine_tune(make_config(output_dir=str(out), **{**SETTINGS, "epochs": 1.0}), progress=False)
        assert digest(out) == before, "the old model was restored, and a run without --overwrite left it alone"
    assert not (tmp_path / "model.old").exists()


# --------------------------------------------------------------------------------------------
# Killed mid-epoch, then --resume
# --------------------------------------------------------------------------------------------


def complete_checkpoints(checkpoints: Path) -> list[int]:
    if not checkpoints.is_dir():
        return []
    steps = []
    for d in checkpoints.glob("checkpoint-*"):
        if (d / "trainer_state.json").is_file():
            steps.append(int(d.name.split("-")[1]))
    return sorted(steps)


@pytest.mark.slow
def test_kill_and_resume_matches_uninterrupted_run(reference, tmp_path):
    """SIGKILL a training process in its second epoch, resume it, and compare with the uninterrupted run.

    Tolerance: 1e-6 on every validation metric. On one CPU with the same thread count the runs are
    in fact bit-identical (the resumed run restores weights, optimizer, scheduler, RNG states and,
    through ``EpochSeededLengthSampler``, the same length-grouped batches); the tolerance only
    allows for float reductions that a different CPU may order differently between processes.
    """
    ref_dir, ref = reference
    out = tmp_path / "model"
    checkpoints = tmp_path / "model.partial" / "checkpoints"
    args = ["train", *cli_args(SETTINGS, output_dir=out)]
    proc = subprocess.Popen(
        [sys.executable, "-m", "sentiment_lib", *args],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=cli_env(),
    )
    # kill as soon as a checkpoint inside the second epoch is complete: the resume then has to
    # skip batches of a length-grouped epoch that is not the first (the hard case)
    deadline = time.monotonic() + 240
    try:
        while not any(STEPS_PER_EPOCH < s < 2 * STEPS_PER_EPOCH for s in complete_checkpoints(checkpoints)):
            assert proc.poll() is None, "training ended before it could be killed"
            assert time.monotonic() < deadline, "no checkpoint in the second epoch after 240 s"
            time.sleep(0.02)
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    assert not out.exists(), "a killed run must not publish anything"
    killed_at = max(complete_checkpoints(checkpoints))
    assert killed_at < TOTAL_STEPS

    # a kill while a checkpoint is being written leaves a folder without trainer_state.json:
    # make sure there is one, newer than every complete checkpoint, with a truncated weights file
    partial = checkpoints / "checkpoint-999"
    partial.mkdir(exist_ok=True)
    weights = (checkpoints / f"checkpoint-{killed_at}" / "model.safetensors").read_bytes()
    (partial / "model.safetensors").write_bytes(weights[: len(weights) // 3])
    # mark the checkpoint's history: only a run that really resumed from it carries the mark
    state_file = checkpoints / f"checkpoint-{killed_at}" / "trainer_state.json"
    state = json.loads(state_file.read_text())
    state["log_history"][0]["resumed_marker"] = True
    state_file.write_text(json.dumps(state))

    resumed = run_cli(args + ["--resume"])
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert not (tmp_path / "model.partial").exists()
    history = json.loads((out / "log_history.json").read_text())
    metrics = json.loads((out / "metrics.json").read_text())
    assert history[0].get("resumed_marker") is True, "the second run started over instead of resuming"
    assert metrics["global_step"] == TOTAL_STEPS

    # every evaluation after the kill, and the final model's validation and test metrics
    ours, theirs = eval_entries(history), eval_entries(ref.log_history)
    assert sorted(ours) == sorted(theirs) and any(step > killed_at for step in ours)
    assert_close(ours, theirs, TOLERANCE)
    assert_close(metrics["validation"], ref.metrics["validation"], TOLERANCE)
    assert_close(metrics["test"], ref.metrics["test"], TOLERANCE)
    assert metrics["best_checkpoint"] == ref.metrics["best_checkpoint"]


# --------------------------------------------------------------------------------------------
# Non-finite loss or weights; a failed run over a good model
# --------------------------------------------------------------------------------------------

NAN_AFTER_STEP_6 = textwrap.dedent(
    """
    import transformers
    _compute_loss = transformers.Trainer.compute_loss
    def compute_loss(self, *args, **kwargs):
        out = _compute_loss(self, *args, **kwargs)
        if self.state.global_step >= 6:  # checkpoint-4 exists by then
            return (out[0] * float("nan"), *out[1:]) if isinstance(out, tuple) else out * float("nan")
        return out
    transformers.Trainer.compute_loss = compute_loss
    """
)


@pytest.mark.slow
def test_nan_loss_stops_cleanly_and_failed_run_keeps_good_model(reference, tmp_path):
    """A good model in DIR; ``train --output-dir DIR --overwrite`` whose loss turns NaN at step 7.

    The CLI exits 2 with one ``error:`` line, DIR still holds the good model byte for byte (it
    loads and predicts the same), the last good checkpoint is kept, and ``--resume`` finishes it.
    """
    ref_dir, _ = reference
    good = tmp_path / "model"
    shutil.copytree(ref_dir, good)
    before = digest(good)
    texts = ["A moving, beautifully acted film.", "Two hours I will never get back."]
    expected = [p.probabilities for p in SentimentClassifier.from_pretrained(good).predict(texts)]

    settings = {**SETTINGS, "epochs": 1.0}
    proc = run_cli(["train", *cli_args(settings, output_dir=good, overwrite=True)], prelude=NAN_AFTER_STEP_6)
    assert_one_line_error(proc, "loss became nan", "step 7", "--resume")

    assert digest(good) == before
    assert [p.probabilities for p in SentimentClassifier.from_pretrained(good).predict(texts)] == expected
    checkpoints = tmp_path / "model.partial" / "checkpoints"
    assert complete_checkpoints(checkpoints) == [4]

    # without the fault, --resume continues from checkpoint-4 and only then replaces the good model
    result = fine_tune(make_config(output_dir=str(good), overwrite=True, resume=True, **settings), progress=False)
    assert result.metrics["global_step"] == STEPS_PER_EPOCH
    assert not (tmp_path / "model.partial").exists()
    assert digest(good) != before
    SentimentClassifier.from_pretrained(good).predict(texts)


def test_non_finite_weights_are_never_checkpointed(tmp_path, monkeypatch):
    """Weights that turn NaN in a step that would be checkpointed: training stops before evaluating
    or saving them, with a clear error, and only the earlier checkpoint is on disk."""
    import sentiment_lib.training as training

    make_class = training.make_trainer_class

    def poisoned():
        base = make_class()

        class Poisoned(base):
            def training_step(self, model, inputs, num_items_in_batch=None):
                loss = super().training_step(model, inputs, num_items_in_batch)
                if self.state.global_step == 7:  # the 8th step, which ends with a checkpoint
                    next(model.parameters()).data.fill_(float("nan"))
                return loss

        return Poisoned

    monkeypatch.setattr(training, "make_trainer_class", poisoned)
    out = tmp_path / "model"
    settings = {**SETTINGS, "epochs": 1.0}
    with pytest.raises(SentimentLibError, match="weights became non-finite .* step 8"):
        fine_tune(make_config(output_dir=str(out), **settings), progress=False)
    assert complete_checkpoints(tmp_path / "model.partial" / "checkpoints") == [4]
    assert not (tmp_path / "model.partial" / "checkpoints" / "checkpoint-8").exists()
    assert not out.exists()


# --------------------------------------------------------------------------------------------
# Broken model directories
# --------------------------------------------------------------------------------------------


def break_truncated_weights(d: Path) -> str:
    w = d / "model.safetensors"
    w.write_bytes(w.read_bytes()[: w.stat().st_size // 2])
    return "model.safetensors"


def break_empty_weights(d: Path) -> str:
    (d / "model.safetensors").write_bytes(b"")
    return "model.safetensors"


def break_missing_tokenizer(d: Path) -> str:
    for name in ("tokenizer.json", "tokenizer_config.json", "vocab.txt"):
        (d / name).unlink(missing_ok=True)
    return "tokenizer"


def break_corrupted_tokenizer(d: Path) -> str:
    (d / "tokenizer.json").write_text('{"version": "1.0", "trunc')
    return "tokenizer.json"


def break_config_width(d: Path) -> str:
    config = json.loads((d / "config.json").read_text())
    config.update(dim=32, hidden_dim=64)
    (d / "config.json").write_text(json.dumps(config))
    return "config.json"


def break_config_layers(d: Path) -> str:
    config = json.loads((d / "config.json").read_text())
    config["n_layers"] += 2  # loads "fine" with two random layers unless checked
    (d / "config.json").write_text(json.dumps(config))
    return "config.json"


def break_config_fewer_layers(d: Path) -> str:
    config = json.loads((d / "config.json").read_text())
    config["n_layers"] -= 1
    (d / "config.json").write_text(json.dumps(config))
    return "config.json"


def break_config_json(d: Path) -> str:
    (d / "config.json").write_text('{"model_type": "distilbert", ')
    return "config.json"


def break_no_weights(d: Path) -> str:
    (d / "model.safetensors").unlink()
    return "no weights"


BREAKS = [
    break_truncated_weights, break_empty_weights, break_missing_tokenizer, break_corrupted_tokenizer,
    break_config_width, break_config_layers, break_config_fewer_layers, break_config_json, break_no_weights,
]
MODEL_BREAKS = [b for b in BREAKS if "tokenizer" not in b.__name__]


@pytest.fixture
def model_copy(tmp_path) -> Path:
    target = tmp_path / "model"
    shutil.copytree(tiny_model_dir(), target)
    return target


@pytest.mark.parametrize("fault", BREAKS, ids=lambda f: f.__name__.removeprefix("break_"))
def test_classifier_from_broken_dir(model_copy, fault):
    SentimentClassifier.from_pretrained(model_copy).predict(["fine"])  # loads while intact
    named = fault(model_copy)
    with pytest.raises(SentimentLibError) as info:
        SentimentClassifier.from_pretrained(model_copy)
    assert str(model_copy) in str(info.value) and named in str(info.value)


@pytest.mark.parametrize("fault", MODEL_BREAKS, ids=lambda f: f.__name__.removeprefix("break_"))
def test_load_model_from_broken_dir(model_copy, fault):
    named = fault(model_copy)
    with pytest.raises(SentimentLibError) as info:
        load_model(model_copy)
    assert str(model_copy) in str(info.value) and named in str(info.value)


@pytest.mark.slow
@pytest.mark.parametrize(
    "fault", [break_truncated_weights, break_missing_tokenizer, break_config_layers],
    ids=lambda f: f.__name__.removeprefix("break_"),
)
def test_cli_predict_broken_dir(model_copy, fault):
    named = fault(model_copy)
    proc = run_cli(["predict", "--model-dir", str(model_copy), "A fine film."])
    line = assert_one_line_error(proc, str(model_copy), named)
    assert len([x for x in proc.stderr.splitlines() if x.strip()]) == 1, proc.stderr
    assert proc.stdout == "", line


@pytest.mark.slow
def test_cli_evaluate_broken_dir(model_copy):
    named = break_config_width(model_copy)
    proc = run_cli(["evaluate", "--model-dir", str(model_copy), "--size", "8"])
    assert_one_line_error(proc, str(model_copy), named)
    assert proc.stdout == ""
