"""sentiment_lib.tokenization with the real uncased WordPiece vocabulary."""

import pytest

from sentiment_lib.errors import SentimentLibError
from sentiment_lib.tokenization import (
    head_tail_ids,
    load_tokenizer,
    make_collator,
    padding_stats,
    token_length_stats,
    tokenize,
)

LONG = "start " + "middle " * 600 + "finish"


def test_tokenizer_is_fast_and_maps_real_words(tokenizer):
    assert tokenizer.is_fast
    ids = tokenizer("the movie was great")["input_ids"]
    assert ids[0] == tokenizer.cls_token_id and ids[-1] == tokenizer.sep_token_id
    assert tokenizer.unk_token_id not in ids  # a bare vocab file would map every word to [UNK]
    assert ids == [101, 1996, 3185, 2001, 2307, 102]


def test_tiny_model_shares_the_vocabulary(tiny_model, tokenizer):
    assert load_tokenizer(tiny_model)("great")["input_ids"] == tokenizer("great")["input_ids"]


@pytest.mark.parametrize("strategy", ["head", "head_tail"])
def test_truncation_respects_max_length(tokenizer, strategy):
    enc = tokenize([LONG, "short one"], tokenizer, max_length=32, strategy=strategy)
    assert [len(x) for x in enc["input_ids"]] == [32, 4]
    for ids in enc["input_ids"]:
        assert ids[0] == tokenizer.cls_token_id and ids[-1] == tokenizer.sep_token_id


def test_head_keeps_the_start_and_head_tail_keeps_the_end(tokenizer):
    head = tokenize([LONG], tokenizer, max_length=16, strategy="head")["input_ids"][0]
    both = tokenize([LONG], tokenizer, max_length=16, strategy="head_tail")["input_ids"][0]
    finish = tokenizer("finish", add_special_tokens=False)["input_ids"]
    start = tokenizer("start", add_special_tokens=False)["input_ids"]
    assert head[1 : 1 + len(start)] == start and finish[-1] not in head
    assert both[1 : 1 + len(start)] == start and both[-1 - len(finish) : -1] == finish


def test_uniform_padding_pads_everything_to_max_length(tokenizer):
    enc = tokenize(["a good film", "bad"], tokenizer, max_length=8, pad_to_max_length=True)
    assert enc["attention_mask"] == [[1, 1, 1, 1, 1, 0, 0, 0], [1, 1, 1, 0, 0, 0, 0, 0]]
    both = tokenize(["a good film", "bad"], tokenizer, max_length=8, strategy="head_tail", pad_to_max_length=True)
    assert both["input_ids"] == enc["input_ids"] and both["attention_mask"] == enc["attention_mask"]


def test_tensors_are_padded_to_the_longest_in_the_batch(tokenizer):
    enc = tokenize(["a good film", "bad"], tokenizer, max_length=64, strategy="head_tail", return_tensors="pt")
    assert tuple(enc["input_ids"].shape) == (2, 5)


def test_dynamic_padding_collator_pads_per_batch(tokenizer):
    enc = tokenize(["a good film", "bad"], tokenizer, max_length=64)
    features = [{"input_ids": i, "attention_mask": m} for i, m in zip(enc["input_ids"], enc["attention_mask"])]
    assert tuple(make_collator(tokenizer)(features)["input_ids"].shape) == (2, 5)
    uniform = make_collator(tokenizer, pad_to_max_length=True, max_length=64)(features)
    assert tuple(uniform["input_ids"].shape) == (2, 64)


@pytest.mark.parametrize(
    "ids, budget, head, expected",
    [
        (list(range(10)), 4, 1, [0, 7, 8, 9]),
        (list(range(10)), 4, 4, [0, 1, 2, 3]),
        (list(range(10)), 4, None, [0, 7, 8, 9]),
        ([1, 2, 3], 3, 1, [1, 2, 3]),
        ([], 5, None, []),
    ],
)
def test_head_tail_ids(ids, budget, head, expected):
    assert head_tail_ids(ids, budget, head) == expected


def test_unknown_strategy_is_a_clear_error(tokenizer):
    with pytest.raises(SentimentLibError, match="head, head_tail"):
        tokenize(["x"], tokenizer, strategy="middle")


def test_token_length_stats(tokenizer):
    stats = token_length_stats(["a b c", "a", LONG], tokenizer, thresholds=(4, 512))
    assert stats["longer"].tolist() == [2, 1]


def test_padding_stats_counts_tokens():
    assert padding_stats([2, 4, 3, 1], batch_size=2, max_length=4) == {
        "real_tokens": 10, "uniform_tokens": 16, "dynamic_tokens": 14}
    assert padding_stats([2, 4, 3, 1], batch_size=2, max_length=4, sort_by_length=True)["dynamic_tokens"] == 12


def test_load_tokenizer_needs_no_torch_and_matches_autotokenizer():
    """The class named in tokenizer_config.json is used directly: same ids, and torch is not imported."""
    import subprocess
    import sys

    from transformers import AutoTokenizer

    from sentiment_lib.checkpoints import resolve_model

    auto = AutoTokenizer.from_pretrained(resolve_model("tiny"))  # builds the tiny model's files first (with torch)
    code = (
        "import sys\n"
        "from sentiment_lib.tokenization import load_tokenizer\n"
        "tok = load_tokenizer('tiny')\n"
        "print(type(tok).__name__, 'torch' in sys.modules, tok('A surprisingly good film!')['input_ids'])\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split(maxsplit=2)
    assert out[0] == type(auto).__name__
    assert out[1] == "False", "loading a tokenizer imported torch"
    assert out[2].strip() == str(auto("A surprisingly good film!")["input_ids"])
