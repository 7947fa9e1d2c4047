"""Mean pooling (sentiment_lib.pooling), the pooling choice, and precision detection."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from sentiment_lib.data import saved_run
from sentiment_lib.errors import SentimentLibError
from sentiment_lib.hardware import resolve_precision
from sentiment_lib.modeling import build_model, encoder_pooling


def test_auto_pooling_follows_the_encoder(tiny_model, tmp_path):
    assert encoder_pooling(tiny_model) == "cls"
    assert type(build_model(tiny_model)).__name__ == "DistilBertForSequenceClassification"
    # a sentence-transformers checkpoint says how it pools
    fake = tmp_path / "encoder"
    (fake / "1_Pooling").mkdir(parents=True)
    (fake / "1_Pooling" / "config.json").write_text(json.dumps({"pooling_mode_mean_tokens": True}))
    assert encoder_pooling(fake) == "mean"
    with pytest.raises(SentimentLibError, match="Unknown pooling"):
        build_model(tiny_model, pooling="max")


def test_mean_pooling_ignores_padding_and_reads_every_token(tiny_model):
    model = build_model(tiny_model, pooling="mean", seed=0).eval()
    ids = torch.tensor([[101, 2204, 3185, 102]])
    with torch.no_grad():
        alone = model(input_ids=ids, attention_mask=torch.ones_like(ids)).logits
        padded_ids = torch.tensor([[101, 2204, 3185, 102, 0, 0, 0]])
        mask = torch.tensor([[1, 1, 1, 1, 0, 0, 0]])
        padded = model(input_ids=padded_ids, attention_mask=mask).logits
        changed = model(input_ids=torch.tensor([[101, 2204, 2919, 102]]), attention_mask=torch.ones_like(ids)).logits
    assert torch.allclose(alone, padded, atol=1e-5)  # the mask keeps [PAD] out of the mean
    assert not torch.allclose(alone, changed, atol=1e-4)  # a middle token moves the pooled vector


def test_mean_pooling_model_learns(tiny_model):
    from sentiment_lib.training import train_one_epoch

    model = build_model(tiny_model, pooling="mean", seed=0)
    batch = {"input_ids": torch.tensor([[101, 2204, 102], [101, 2919, 102]]),
             "attention_mask": torch.ones(2, 3, dtype=torch.long), "labels": torch.tensor([1, 0])}
    losses = train_one_epoch(model, [batch] * 30, torch.optim.AdamW(model.parameters(), lr=1e-2))
    assert losses[-1] < losses[0] * 0.5


@pytest.fixture(scope="module")
def mean_model_dir(tmp_path_factory, tiny_model):
    from sentiment_lib.training import fine_tune, make_config
    from sentiment_lib.data import prepare_splits

    out = tmp_path_factory.mktemp("mean") / "model"
    splits = prepare_splits(train_size=48, validation_size=16, test_size=16, seed=3)
    fine_tune(make_config("quick", model=tiny_model, output_dir=str(out), max_length=64, max_steps=3,
                          pooling="mean", precision="fp32"), splits=splits, progress=False)
    return out


def test_saved_mean_model_carries_its_code_and_reloads(mean_model_dir):
    from transformers import AutoModelForSequenceClassification

    from sentiment_lib.inference import SentimentClassifier

    assert (mean_model_dir / "pooling.py").is_file()
    config = json.loads((mean_model_dir / "config.json").read_text())
    assert config["architectures"] == ["MeanPoolingForSequenceClassification"]
    assert saved_run(mean_model_dir).settings["pooling"] == "mean"
    model = AutoModelForSequenceClassification.from_pretrained(mean_model_dir)
    clf = SentimentClassifier.from_pretrained(mean_model_dir, precision="fp32")
    assert type(model).__name__ == type(clf.model).__name__ == "MeanPoolingForSequenceClassification"
    for name, weight in model.state_dict().items():
        assert torch.equal(weight, clf.model.state_dict()[name]), name
    assert next(model.parameters()).dtype == torch.float32  # saved in fp32


SCRIPT = """
import json, sys
from transformers import pipeline
pipe = pipeline("text-classification", model=sys.argv[1], trust_remote_code=True, top_k=None, device="cpu")
out = pipe(json.loads(sys.argv[2]))
print(json.dumps([{d["label"]: d["score"] for d in row} for row in out]))
assert "sentiment_lib" not in sys.modules, "the pipeline must not need the library"
"""


@pytest.mark.slow
def test_pipeline_without_the_library_agrees_with_predict(mean_model_dir, tmp_path):
    """The documented way: a fresh process that never imports sentiment_lib, trust_remote_code=True."""
    from sentiment_lib.inference import SentimentClassifier

    texts = ["A wonderful, moving film.", "Dull and far too long.", "Not bad at all."]
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    proc = subprocess.run([sys.executable, "-c", SCRIPT, str(mean_model_dir), json.dumps(texts)],
                          capture_output=True, text=True, cwd=tmp_path, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    theirs = json.loads(proc.stdout.strip().splitlines()[-1])
    ours = SentimentClassifier.from_pretrained(mean_model_dir, precision="fp32").predict(texts)
    for p, t in zip(ours, theirs):
        assert p.probabilities == pytest.approx(t, abs=1e-5)


@pytest.mark.slow
def test_without_remote_code_the_load_fails_loudly(mean_model_dir, tmp_path):
    """Never a silent [CLS] model in place of the mean-pooling one."""
    script = ("import sys\nfrom transformers import AutoModelForSequenceClassification\n"
              "AutoModelForSequenceClassification.from_pretrained(sys.argv[1])\n")
    proc = subprocess.run([sys.executable, "-c", script, str(mean_model_dir)], capture_output=True, text=True,
                          cwd=tmp_path, timeout=300)
    assert proc.returncode != 0 and "trust_remote_code" in proc.stderr


@pytest.mark.parametrize("flags,expected", [({"avx2", "avx512_bf16"}, "bf16"), ({"avx2", "amx_bf16"}, "bf16"),
                                            ({"avx2", "fma"}, "fp32"), (set(), "fp32")])
def test_precision_auto_detects_native_bf16(monkeypatch, flags, expected):
    import sentiment_lib.hardware as hardware

    monkeypatch.setattr(hardware, "cpu_flags", lambda: flags)
    assert resolve_precision("auto", "cpu") == expected
    assert resolve_precision("fp32", "cpu") == "fp32" and resolve_precision("bf16", "cpu") == "bf16"


def test_precision_rejects_unknown_values():
    with pytest.raises(SentimentLibError, match="Unknown precision"):
        resolve_precision("int4")


def test_bf16_autocast_predicts_close_to_fp32(mean_model_dir):
    from sentiment_lib.inference import SentimentClassifier

    texts = ["A wonderful, moving film.", "Dull and far too long."] * 3
    fp32 = SentimentClassifier.from_pretrained(mean_model_dir, precision="fp32").predict_proba(texts)
    bf16 = SentimentClassifier.from_pretrained(mean_model_dir, precision="bf16").predict_proba(texts)
    assert bf16.dtype == np.float32 and np.abs(fp32 - bf16).max() < 0.05
