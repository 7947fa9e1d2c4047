"""Reference answers and a sensitive test model for the graded test cells.

* :func:`sensitive_model`: a small DistilBERT whose outputs show mistakes (a dropped attention mask,
  dropout left on) that a random model would hide;
* ``ref_*``: reference versions of the helpers later tasks build on. A test cell puts them into the
  notebook with :func:`course_grading.probes.substitute` (so one mistake costs only its own task) and
  forbids them with :func:`course_grading.checks.call` (``forbid=[grading.ref_...]``).

They are used by the *visible* test cells of the released notebooks too (``grading.ref_...``), so they
must be importable in the learner's environment: ``sentiment_lib.grading`` re-exports them.
"""

from __future__ import annotations

from typing import Any

__all__ = ["REFERENCE_HELPERS", "SENSITIVE_SPREAD", "ref_check_reviews", "ref_compute_metrics", "ref_confusion_counts",
           "ref_head_tail", "ref_length_batches", "ref_pad_and_mask", "ref_predict_proba", "ref_training_step",
           "sensitive_model"]

SENSITIVE_SPREAD = 1.5


def sensitive_model(tokenizer: Any, calibration_texts: list[str], *, seed: int = 0, dropout: float = 0.3) -> Any:
    """A small DistilBERT whose probabilities depend strongly on every input token.

    A randomly initialised transformer averages over all tokens, so its
    outputs barely move from one review to another (p(positive) within 1e-5
    of a constant): dropping the attention mask, truncating elsewhere or
    leaving dropout on changes nothing visible. This model is built from a
    fixed generator (``seed``), with sharp attention (4 heads), and its head
    is fitted to ``calibration_texts``: the logit difference is the
    [CLS] state's main direction of variation over those texts, scaled to a
    standard deviation of :data:`SENSITIVE_SPREAD`. So probabilities spread
    over roughly 0.1 to 0.95, and the mistakes above move them by 1e-3 or
    more, while padding noise stays below 1e-6. Dropout (``dropout``) is
    applied everywhere, so training mode changes every output.

    Takes about 0.2 s. Deterministic for a given torch version.

    Examples
    --------
    >>> from sentiment_lib.tokenization import load_tokenizer  # doctest: +SKIP
    >>> model = sensitive_model(load_tokenizer("offline"), ["good", "bad film", "fine"])  # doctest: +SKIP
    >>> model.config.id2label  # doctest: +SKIP
    {0: 'negative', 1: 'positive'}
    """
    __tracebackhide__ = True
    import torch
    from transformers import DistilBertConfig, DistilBertForSequenceClassification

    config = DistilBertConfig(
        vocab_size=len(tokenizer), dim=32, hidden_dim=64, n_layers=2, n_heads=4, max_position_embeddings=512,
        dropout=dropout, attention_dropout=dropout, seq_classif_dropout=dropout, num_labels=2,
        id2label={0: "negative", 1: "positive"}, label2id={"negative": 0, "positive": 1}, pad_token_id=tokenizer.pad_token_id,
    )
    generator = torch.Generator().manual_seed(seed)
    model = DistilBertForSequenceClassification(config)
    with torch.no_grad():
        for name, param in model.named_parameters():
            if param.dim() == 1:
                norm_weight = "norm" in name.lower() and name.endswith("weight")
                param.copy_(torch.ones(param.shape) if norm_weight else torch.randn(param.shape, generator=generator) * 0.1)
                continue
            gain = 1.0 if "embeddings" in name else (6.0 if ("q_lin" in name or "k_lin" in name) else 1.0) / param.shape[1] ** 0.5
            param.copy_(torch.randn(param.shape, generator=generator) * gain)
        # pre_classifier: identity shifted into ReLU's linear range; classifier: the calibrated direction
        model.pre_classifier.weight.copy_(torch.eye(config.dim))
        model.pre_classifier.bias.fill_(8.0)
        model.eval()
        enc = tokenizer(list(calibration_texts), truncation=True, max_length=256, padding=True, return_tensors="pt")
        cls = model.distilbert(input_ids=enc["input_ids"], attention_mask=enc["attention_mask"]).last_hidden_state[:, 0]
        centre = cls.mean(0)
        direction = torch.linalg.svd(cls - centre, full_matrices=False).Vh[0]
        weight = direction * SENSITIVE_SPREAD / ((cls - centre) @ direction).std().clamp_min(1e-6)
        model.classifier.weight.zero_()
        model.classifier.weight[1] = weight
        model.classifier.bias.zero_()
        model.classifier.bias[1] = -((centre + 8.0) @ weight)
    return model


# --------------------------------------------------------------------------------------
# Reference versions of the helpers later tasks build on (see :func:`substitute`)
# --------------------------------------------------------------------------------------


def ref_pad_and_mask(sequences, pad_id):
    """Right-pad token-id lists; (input_ids, attention_mask) as lists of lists."""
    __tracebackhide__ = True
    longest = max((len(s) for s in sequences), default=0)
    return [list(s) + [pad_id] * (longest - len(s)) for s in sequences], [[1] * len(s) + [0] * (longest - len(s)) for s in sequences]


def ref_head_tail(ids, budget, head):
    """The first ``head`` and last ``budget - head`` ids when longer than ``budget``."""
    __tracebackhide__ = True
    if budget < 1:
        raise ValueError(f"budget must be at least 1, got {budget}.")
    ids = list(ids)
    if len(ids) <= budget:
        return ids
    return ids[:head] + ids[len(ids) - (budget - head):] if budget > head else ids[:head]


def ref_training_step(model, batch, optimizer):
    """model.train(); forward; backward; step; zero_grad; the loss as a float."""
    __tracebackhide__ = True
    model.train()
    optimizer.zero_grad()
    loss = model(**batch).loss
    loss.backward()
    optimizer.step()
    return loss.item()


def ref_compute_metrics(eval_pred):
    """Accuracy and F1 (positive class 1) of the larger logit, as ``Trainer(compute_metrics=...)`` wants."""
    __tracebackhide__ = True
    import numpy as np
    from sklearn.metrics import f1_score

    logits, labels = eval_pred
    predictions, labels = np.asarray(logits).argmax(axis=-1), np.asarray(labels)
    return {"accuracy": float((predictions == labels).mean()), "f1": float(f1_score(labels, predictions, zero_division=0))}


def ref_confusion_counts(y_true, y_pred):
    """[[TN, FP], [FN, TP]]."""
    __tracebackhide__ = True
    matrix = [[0, 0], [0, 0]]
    for t, p in zip(y_true, y_pred):
        matrix[int(t)][int(p)] += 1
    return matrix


def ref_check_reviews(texts):
    """A list of non-blank strings, or ValueError."""
    __tracebackhide__ = True
    if texts is None:
        raise ValueError("No reviews given.")
    texts = [texts] if isinstance(texts, str) else list(texts)
    if not texts or any(not isinstance(t, str) or not t.strip() for t in texts):
        raise ValueError("Need a non-empty list of non-blank strings.")
    return texts


def ref_length_batches(texts, batch_size):
    """Positions in batches, longest text first."""
    __tracebackhide__ = True
    order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
    return [order[i : i + batch_size] for i in range(0, len(order), batch_size)]


def ref_predict_proba(model, tokenizer, texts, max_length=512):
    """Probabilities (n, 2) as a NumPy array, evaluation mode, no gradients."""
    __tracebackhide__ = True
    import torch

    model.eval()
    enc = tokenizer(list(texts), truncation=True, max_length=max_length, padding=True, return_tensors="pt")
    with torch.inference_mode():
        logits = model(input_ids=enc["input_ids"], attention_mask=enc["attention_mask"]).logits
    return torch.softmax(logits.float(), dim=-1).numpy()


REFERENCE_HELPERS = [ref_pad_and_mask, ref_head_tail, ref_training_step, ref_compute_metrics, ref_confusion_counts,
                     ref_check_reviews, ref_length_batches, ref_predict_proba]
