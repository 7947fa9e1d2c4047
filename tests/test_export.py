"""ONNX export (sentiment_lib.export) and the ONNX Runtime backend of SentimentClassifier.

Fast tests export the tiny random DistilBERT; the slow ones fine-tune the real encoder
(mean pooling, a custom class) for a minute and check float32 parity and int8 labels.
"""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from sentiment_lib.errors import SentimentLibError
from sentiment_lib.export import INT8_FILE, check_fine_tuned, export_onnx, is_export, onnx_path
from sentiment_lib.inference import SentimentClassifier

TEXTS = [
    "A wonderful, moving film with superb acting.",
    "Dull.",
    "I wanted to like it, but the plot made no sense and I was bored for two long hours, " * 8,
    "Not bad at all.",
    "The effects were great; the story was terrible.",
]


@pytest.fixture(scope="module")
def tiny_export(tiny_model, tmp_path_factory):
    return export_onnx(tiny_model, tmp_path_factory.mktemp("export") / "tiny-onnx", quantize=True)


def test_export_writes_the_transformers_js_layout(tiny_export, tiny_model):
    out = tiny_export.path().parent.parent
    assert is_export(out)
    for name in ["config.json", "tokenizer.json", "tokenizer_config.json", "onnx/model.onnx", f"onnx/{INT8_FILE}"]:
        assert (out / name).is_file(), name
        assert tiny_export.files[name] == (out / name).stat().st_size
    config = json.loads((out / "config.json").read_text())
    assert config["model_type"] == "distilbert" and config["architectures"] == ["DistilBertForSequenceClassification"]
    assert config["id2label"] == {"0": "negative", "1": "positive"}
    import onnx

    graph = onnx.load(str(out / "onnx" / "model.onnx")).graph
    assert [i.name for i in graph.input] == ["input_ids", "attention_mask"] and [o.name for o in graph.output] == ["logits"]
    assert not list(out.glob("onnx/*.data")), "the model must be one file (Transformers.js fetches one)"


def test_onnx_probabilities_equal_pytorch_in_fp32(tiny_export, tiny_model):
    torch_clf = SentimentClassifier.from_pretrained(tiny_model, device="cpu", precision="fp32")
    onnx_clf = SentimentClassifier.from_pretrained(tiny_export.output_dir, backend="onnx")
    assert onnx_clf.backend == "onnx" and onnx_clf.max_length == torch_clf.max_length
    np.testing.assert_allclose(onnx_clf.predict_proba(TEXTS, batch_size=2), torch_clf.predict_proba(TEXTS), atol=1e-4)
    assert [p.label for p in onnx_clf.predict(TEXTS)] == [p.label for p in torch_clf.predict(TEXTS)]


def test_int8_model_is_smaller_and_runs(tiny_export):
    assert tiny_export.files[f"onnx/{INT8_FILE}"] < tiny_export.files["onnx/model.onnx"]
    int8 = SentimentClassifier.from_pretrained(tiny_export.output_dir, backend="onnx", quantize=True)
    probs = int8.predict_proba(TEXTS)
    assert int8.precision == "int8" and probs.shape == (len(TEXTS), 2)
    np.testing.assert_allclose(probs.sum(1), 1, atol=1e-5)


def test_a_pytorch_directory_is_exported_once_into_the_cache(tiny_model, tmp_path, monkeypatch):
    monkeypatch.setenv("SENTIMENT_CACHE", str(tmp_path / "cache"))
    first = onnx_path(tiny_model, quantize=True)
    assert first.is_file() and str(first).startswith(str(tmp_path / "cache"))
    mtime = first.stat().st_mtime_ns
    assert onnx_path(tiny_model, quantize=True) == first and first.stat().st_mtime_ns == mtime  # reused


def test_export_replaces_an_earlier_export_but_nothing_else(tiny_model, tmp_path):
    out = tmp_path / "out"
    export_onnx(tiny_model, out)
    assert not (out / "onnx" / INT8_FILE).exists()
    export_onnx(tiny_model, out, quantize=True)  # replaced
    assert (out / "onnx" / INT8_FILE).is_file()
    other = tmp_path / "notes"
    other.mkdir()
    (other / "thesis.txt").write_text("mine")
    with pytest.raises(SentimentLibError, match="not an ONNX export"):
        export_onnx(tiny_model, other)
    assert (other / "thesis.txt").read_text() == "mine"
    with pytest.raises(SentimentLibError, match="inside the model directory"):
        export_onnx(tiny_model, f"{tiny_model}/onnx-out")


def test_directories_that_are_not_fine_tuned_models_are_refused(tmp_path, tiny_export):
    with pytest.raises(SentimentLibError, match="does not exist"):
        check_fine_tuned(tmp_path / "missing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(SentimentLibError, match="config.json is missing"):
        check_fine_tuned(tmp_path / "empty")
    with pytest.raises(SentimentLibError, match="already an ONNX export"):
        check_fine_tuned(tiny_export.output_dir)
    from sentiment_lib.checkpoints import offline_model_dir

    with pytest.raises(SentimentLibError, match="not a fine-tuned model"):  # the pretrained encoder: no head
        check_fine_tuned(offline_model_dir())


def test_an_export_without_int8_says_so(tiny_model, tmp_path):
    export_onnx(tiny_model, tmp_path / "fp32")
    with pytest.raises(SentimentLibError, match="--quantize"):
        SentimentClassifier.from_pretrained(tmp_path / "fp32", backend="onnx", quantize=True)
    with pytest.raises(SentimentLibError, match="Unknown backend"):
        SentimentClassifier.from_pretrained(tmp_path / "fp32", backend="tensorflow")


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sentiment_lib", *args], capture_output=True, text=True, timeout=600)


def test_cli_export_and_predict_with_the_onnx_backend(tiny_model, tmp_path):
    out = tmp_path / "cli-onnx"
    done = cli("export", "--model-dir", tiny_model, "--output", str(out), "--quantize")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["files"][f"onnx/{INT8_FILE}"] > 0
    done = cli("predict", "--model-dir", str(out), "--backend", "onnx", "--quantize", *TEXTS[:2])
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert [line["text"] for line in lines] == TEXTS[:2] and all(line["label"] in ("negative", "positive") for line in lines)


def test_cli_export_errors_are_one_line(tmp_path):
    done = cli("export", "--model-dir", str(tmp_path / "nothing"), "--output", str(tmp_path / "out"))
    assert done.returncode == 2 and done.stderr.startswith("error:") and "Traceback" not in done.stderr


# --------------------------------------------------------------------------------------
# The real encoder (mean pooling: a custom class exported as one graph)
# --------------------------------------------------------------------------------------


@pytest.mark.slow
def test_real_encoder_fp32_parity_and_int8_labels_on_500_reviews(real_run, tmp_path):
    run, splits = real_run
    result = export_onnx(run.output_dir, tmp_path / "real-onnx", quantize=True)
    config = json.loads((tmp_path / "real-onnx" / "config.json").read_text())
    assert config["model_type"] == "bert" and config["sentiment_lib"]["pooling"] == "mean"
    assert result.files[f"onnx/{INT8_FILE}"] <= 30e6  # the page's download budget
    reviews = list(splits["test"]["text"])[:500]   # the book's model and its test reviews
    assert len(reviews) == 500
    torch_clf = SentimentClassifier.from_pretrained(run.output_dir, device="cpu", precision="fp32")
    fp32 = SentimentClassifier.from_pretrained(result.output_dir, backend="onnx")
    int8 = SentimentClassifier.from_pretrained(result.output_dir, backend="onnx", quantize=True)
    assert fp32.strategy == torch_clf.strategy == "head_tail"
    reference = torch_clf.predict_proba(reviews[:100])
    np.testing.assert_allclose(fp32.predict_proba(reviews[:100]), reference, atol=1e-4)
    probs32, probs8 = fp32.predict_proba(reviews), int8.predict_proba(reviews)
    flipped = probs32.argmax(1) != probs8.argmax(1)
    margins = np.abs(probs32[flipped, 1] - 0.5)
    print(f"int8 and fp32 labels agree on {1 - flipped.mean():.3f} of {len(reviews)} test reviews; "
          f"fp32's P(positive) on the flipped ones is within {margins.max() if flipped.any() else 0:.3f} of 0.5")
    assert flipped.mean() <= 0.02                      # int8 rounding changes few labels ...
    assert (margins < 0.25).all(), margins             # ... and only where fp32 itself was unsure
