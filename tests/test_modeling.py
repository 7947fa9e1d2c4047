"""sentiment_lib.modeling and sentiment_lib.checkpoints: model resolution, the tiny and offline models, clear errors."""

import pytest

from sentiment_lib.errors import SentimentLibError
from sentiment_lib.checkpoints import DEFAULT_MODEL, ID2LABEL, check_model_dir, offline_model_dir, resolve_model
from sentiment_lib.modeling import build_model, count_parameters, load_model


def test_resolution_order(monkeypatch):
    monkeypatch.delenv("SENTIMENT_MODEL", raising=False)
    assert resolve_model() == DEFAULT_MODEL == "distilbert-base-uncased"
    monkeypatch.setenv("SENTIMENT_MODEL", "some-org/some-model")
    assert resolve_model() == "some-org/some-model"
    assert resolve_model("other/model") == "other/model"
    assert resolve_model("offline") == offline_model_dir() == resolve_model("all-MiniLM-L6-v2")


def test_tiny_model_is_tiny_and_labelled(tiny_model):
    model = build_model(tiny_model, seed=0)
    assert model.config.id2label == ID2LABEL and model.config.label2id == {"negative": 0, "positive": 1}
    assert model.config.vocab_size == 30522
    layer = model.distilbert.transformer.layer[0]
    assert sum(p.numel() for p in layer.parameters()) < 5_000


def test_offline_encoder_gets_a_new_two_class_head():
    model = build_model("offline", seed=0)
    counts = count_parameters(model)
    assert model.config.num_labels == 2 and model.config.id2label[1] == "positive"
    assert counts["head"] == 384 * 2 + 2 and counts["encoder"] > 20_000_000


def test_same_seed_same_head():
    a, b = build_model("tiny", seed=1), build_model("tiny", seed=1)
    assert (a.classifier.weight == b.classifier.weight).all()


def test_unreachable_hub_model_says_what_to_do():
    with pytest.raises(SentimentLibError, match="SENTIMENT_MODEL=offline"):
        build_model("no-such-org/no-such-model-xyz")


def test_model_directory_errors(tmp_path):
    with pytest.raises(SentimentLibError, match="does not exist"):
        check_model_dir(tmp_path / "missing")
    with pytest.raises(SentimentLibError, match="config.json is missing"):
        load_model(tmp_path)
    (tmp_path / "config.json").write_text("{}")
    with pytest.raises(SentimentLibError, match="no weights"):
        load_model(tmp_path)
