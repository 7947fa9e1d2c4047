"""sentiment_lib.inference: SentimentClassifier on the tiny model, and bad input."""

import numpy as np
import pytest

from sentiment_lib.errors import SentimentLibError
from sentiment_lib.inference import SentimentClassifier, check_texts
from sentiment_lib.modeling import build_model
from sentiment_lib.tokenization import load_tokenizer


@pytest.fixture(scope="module")
def clf(tiny_model):
    return SentimentClassifier(build_model(tiny_model, seed=0), load_tokenizer(tiny_model), max_length=64, device="cpu")


def test_predictions_have_labels_scores_and_probabilities(clf):
    preds = clf.predict(["A wonderful film.", "Dreadful."])
    assert [p.text for p in preds] == ["A wonderful film.", "Dreadful."]
    for p in preds:
        assert p.label in ("negative", "positive")
        assert sum(p.probabilities.values()) == pytest.approx(1.0, abs=1e-5)
        assert p.score == max(p.probabilities.values()) == p.probabilities[p.label]


def test_order_batching_and_length_sorting_do_not_change_results(clf):
    texts = ["short", "a much longer review " * 20, "middle length review here", "x " * 300]
    one_by_one = np.vstack([clf.predict_proba([t]) for t in texts])
    batched = clf.predict_proba(texts, batch_size=3)
    assert np.allclose(one_by_one, batched, atol=1e-5)


def test_any_length_works(clf):
    assert clf.predict(["word " * 100_000])[0].label in ("negative", "positive")


def test_head_tail_strategy(tiny_model):
    clf = SentimentClassifier(build_model(tiny_model, seed=0), load_tokenizer(tiny_model), max_length=32,
                              strategy="head_tail", device="cpu")
    assert clf.predict_proba(["good " * 100, "bad"]).shape == (2, 2)


def test_pipeline_gives_the_same_answer(clf):
    pipe = clf.pipeline()
    texts = ["A wonderful film.", "Dreadful, boring, too long."]
    ours = clf.predict(texts)
    theirs = pipe(texts)
    assert [p.label for p in ours] == [t["label"] for t in theirs]
    assert [p.score for p in ours] == pytest.approx([t["score"] for t in theirs], abs=1e-4)


@pytest.mark.parametrize(
    "texts, message",
    [
        ([], "empty"),
        (None, "No texts"),
        (["fine", "   "], "Text 1 is blank"),
        (["fine", 3], "Text 1 is a int"),
    ],
)
def test_bad_texts_are_clear_errors(clf, texts, message):
    with pytest.raises(SentimentLibError, match=message):
        clf.predict(texts)


def test_single_string_is_accepted():
    assert check_texts("one review") == ["one review"]


def test_quantized_model_agrees_with_fp32(tiny_model, tmp_path):
    model = build_model(tiny_model, seed=0)
    model.save_pretrained(tmp_path)
    load_tokenizer(tiny_model).save_pretrained(tmp_path)
    fp32 = SentimentClassifier.from_pretrained(tmp_path, device="cpu")
    int8 = SentimentClassifier.from_pretrained(tmp_path, quantize=True)
    texts = ["good fun", "terrible acting", "it was fine"]
    assert np.allclose(fp32.predict_proba(texts), int8.predict_proba(texts), atol=0.05)


def test_int8_keeps_feed_forward_down_projections_in_float32(tiny_model):
    import torch

    from sentiment_lib.quantization import int8_layer_names, quantize_int8

    model = build_model(tiny_model, seed=0)
    block_linears = [n for n, m in model.named_modules() if isinstance(m, torch.nn.Linear) and ".layer." in n]
    down = [n for n in block_linears if n.endswith("ffn.lin2")]
    assert down and set(int8_layer_names(model)) == set(block_linears) - set(down)
    assert set(int8_layer_names(model, keep_down_projections=False)) == set(block_linears)

    def kinds(m):
        return {n: type(mod).__module__.startswith("torch.ao.nn.quantized") for n, mod in m.named_modules()
                if type(mod).__name__ == "Linear"}

    partial, full = kinds(quantize_int8(model)), kinds(quantize_int8(model, keep_down_projections=False))
    assert [n for n, q in partial.items() if q] == int8_layer_names(model)
    assert not partial["classifier"] and not any(partial[n] for n in down)
    assert all(full[n] for n in block_linears)
    assert type(model.classifier).__module__ == "torch.nn.modules.linear", "the original model is left alone"
