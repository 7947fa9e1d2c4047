"""sentiment_lib.domains: one check, one message, for the command line and for Python callers."""

import math

import pytest

from sentiment_lib.domains import COUNT, Domain, field_domains, path_kind
from sentiment_lib.errors import SentimentLibError
from sentiment_lib.checkpoints import looks_like_path, model_name_problem, resolve_model
from sentiment_lib.training import TrainConfig, config_from, make_config


@pytest.mark.parametrize(
    "setting, value, words",
    [
        ("batch_size", 0, "batch_size 0 is out of range: expected an integer ≥ 1."),
        ("learning_rate", math.nan, "learning_rate nan is not a finite number: expected a finite number > 0."),
        ("warmup_ratio", 1.5, "warmup_ratio 1.5 is out of range: expected a finite number in [0, 1]."),
        ("epochs", -1, "epochs -1 is out of range: expected a finite number ≥ 0."),
        ("seed", -1, "seed -1 is out of range: expected an integer in [0, 4294967295]."),
        ("train_size", "ten", "train_size ten is not a number: expected an integer ≥ 1 (or 'all')."),
        ("max_steps", 0, "max_steps 0 is out of range: expected -1 (all epochs) or an integer ≥ 1."),
    ],
)
def test_python_and_command_line_get_the_same_message(setting, value, words):
    with pytest.raises(SentimentLibError) as python:
        make_config(**{setting: value})
    assert str(python.value).startswith(words)
    with pytest.raises(SentimentLibError) as flags:
        config_from(None, {setting: value}, flags=True)
    assert str(flags.value) == "--" + setting.replace("_", "-") + str(python.value)[len(setting):]


def test_every_train_flag_has_a_kind_from_its_annotation():
    domains = field_domains(TrainConfig)
    assert domains["train_size"].optional and domains["train_size"].kind == "int"
    assert domains["learning_rate"].kind == "float" and domains["clean"].kind == "bool"
    assert domains["model"].test is not None  # the one model-name resolver


def test_parse_keeps_what_it_cannot_read_for_check_to_name():
    assert COUNT.parse("12") == 12 and COUNT.parse("twelve") == "twelve"
    assert Domain("float").parse("1e309") == math.inf
    with pytest.raises(SentimentLibError, match="is not a finite number"):
        Domain("float").check("--x", Domain("float").parse("1e309"))


def test_paths_of_every_kind(tmp_path):
    (tmp_path / "f").write_text("x")
    assert [path_kind(tmp_path), path_kind(tmp_path / "f"), path_kind(tmp_path / "no")] == ["dir", "file", "missing"]
    assert path_kind("a\x00b").startswith("unusable") and path_kind("x" * 300).startswith("unusable")
    with pytest.raises(SentimentLibError, match="is a file, not a directory"):
        Domain(path="dir").check("--data-dir", str(tmp_path / "f"))


def test_model_names_paths_and_hub_ids(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "runs").mkdir()
    assert not looks_like_path("distilbert-base-uncased") and not looks_like_path("org/name")
    assert looks_like_path("runs/missing")  # runs/ exists here
    for name in ("./m", "../m", "/m/n", "~/m", "a/b/c", "m/", "a b"):
        assert looks_like_path(name), name
    assert model_name_problem("runs/missing") == "does not exist"
    assert model_name_problem("org/name") is None
    with pytest.raises(SentimentLibError, match="Model directory runs/missing does not exist"):
        resolve_model("runs/missing")


def test_predict_refuses_a_batch_size_below_one(tiny_model):
    from sentiment_lib.inference import SentimentClassifier

    clf = SentimentClassifier.from_pretrained(tiny_model)
    for bad in (0, -3):
        with pytest.raises(SentimentLibError, match=f"batch_size {bad} is out of range"):
            clf.predict(["good"], batch_size=bad)
