"""The content of the six nbgrader assignments (``solutions/`` and ``exercises/``).

Fast checks: the notebooks have the nbgrader structure the course promises
(≥ 3 graded tasks with visible and hidden tests, points as in
``solutions/points.json``), and the student versions carry stubs, not answers.

Slow checks (``-m slow``):

* regenerating the student versions with ``nbgrader generate_assignment``
  reproduces the committed ``exercises/`` byte for byte;
* every instructor notebook runs top to bottom and passes its own tests, and
  for each task a *cheating* answer (one that calls sentiment_lib's own
  implementation, through an alias) is refused, a *wrong* answer fails and a
  *different but correct* answer passes. The code cells run in this process,
  which is quicker than a kernel; ``tests/test_nbgrader.py`` runs the real
  nbgrader workflow.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from sentiment_lib.grading import UsedReferenceError

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = ROOT / "solutions"
EXERCISES = ROOT / "exercises"
ASSIGNMENTS = ["01_data", "02_tokenization", "03_fine_tuning", "04_evaluation", "05_inference", "06_baseline"]


def _notebook(folder: Path, assignment: str):
    return nbformat.read(folder / assignment / f"{assignment}.ipynb", as_version=4)


def _nbgrader(cell) -> dict:
    return cell.metadata.get("nbgrader", {})


def _config_assignments() -> list[str]:
    namespace: dict = {"get_config": lambda: _Anything()}
    exec(compile((ROOT / "nbgrader_config.py").read_text(), "nbgrader_config.py", "exec"), namespace)
    return namespace["ASSIGNMENTS"]


class _Anything:
    """Stands in for traitlets' Config when reading nbgrader_config.py."""

    def __getattr__(self, name):
        value = _Anything()
        object.__setattr__(self, name, value)
        return value


def test_config_lists_the_six_assignments():
    assert _config_assignments() == ASSIGNMENTS
    assert sorted(p.name for p in SOLUTIONS.iterdir() if p.is_dir() and not p.name.startswith((".", "_"))) == ASSIGNMENTS


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_instructor_notebook_structure(assignment):
    cells = _notebook(SOLUTIONS, assignment).cells
    solutions = [c for c in cells if _nbgrader(c).get("solution")]
    tests = [c for c in cells if _nbgrader(c).get("grade")]
    assert len(solutions) >= 3 and len(tests) == len(solutions)
    ids = [_nbgrader(c)["grade_id"] for c in cells if _nbgrader(c)]
    assert len(ids) == len(set(ids)), "grade ids must be unique"
    for cell in solutions:
        assert "### BEGIN SOLUTION" in cell.source and "### END SOLUTION" in cell.source
    for cell in tests:
        meta = _nbgrader(cell)
        assert meta["locked"] and meta["points"] > 0
        assert "grading.get_function(globals()" in cell.source, "friendly message when the function is missing"
        assert "forbid=" in cell.source, "every task refuses sentiment_lib's own implementation"
        assert "### BEGIN HIDDEN TESTS" in cell.source and "### END HIDDEN TESTS" in cell.source
        last = cell.source.rstrip().splitlines()[-1]
        assert last == "### END HIDDEN TESTS", "code after the hidden tests could leave an output nbgrader reads as partial credit"


def test_points_json_matches_the_notebooks():
    points = json.loads((SOLUTIONS / "points.json").read_text())
    assert list(points) == ASSIGNMENTS
    for assignment in ASSIGNMENTS:
        cells = _notebook(SOLUTIONS, assignment).cells
        assert points[assignment] == {
            _nbgrader(c)["grade_id"]: _nbgrader(c)["points"] for c in cells if _nbgrader(c).get("grade")
        }


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_student_version_has_stubs_and_no_answers(assignment):
    source = _notebook(SOLUTIONS, assignment)
    released = _notebook(EXERCISES, assignment)
    text = "\n".join(c.source for c in released.cells)
    assert "BEGIN SOLUTION" not in text and "HIDDEN TESTS" not in text
    stubs = [c for c in released.cells if _nbgrader(c).get("solution")]
    assert stubs and all("raise NotImplementedError()" in c.source for c in stubs)
    # the same cells, in the same order, with the same grading metadata
    assert [_nbgrader(c).get("grade_id") for c in released.cells] == [_nbgrader(c).get("grade_id") for c in source.cells]
    for cell in released.cells:
        assert cell.cell_type == "markdown" or not cell.outputs


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_introduction_says_how_to_check_and_what_a_mistake_costs(assignment):
    first = _notebook(SOLUTIONS, assignment).cells[0].source
    head = "\n".join(first.splitlines()[:5])  # right under the title
    assert "Before you submit" in head and f"nbgrader validate {assignment}.ipynb" in head and "Visible tests passed." in head
    assert "One mistake costs one task" in head


def test_no_cell_of_the_baseline_assignment_uses_the_test_split():
    """Settings are chosen and graded on validation reviews carved from train (issue 12)."""
    code = "\n".join(c.source for c in _notebook(SOLUTIONS, "06_baseline").cells if c.cell_type == "code")
    for word in ('["test"]', "['test']", "test_texts", "test_labels"):
        assert word not in code, word
    assert "val_texts" in code and 'splits["validation"]' in code


@pytest.mark.slow
def test_regenerating_reproduces_the_committed_exercises(tmp_path):
    shutil.copytree(SOLUTIONS, tmp_path / "solutions")
    shutil.copy(ROOT / "nbgrader_config.py", tmp_path)
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    subprocess.run(
        [sys.executable, "-m", "nbgrader", "generate_assignment", "*", f"--CourseDirectory.db_url=sqlite:///{tmp_path / 'gradebook.db'}"],
        cwd=tmp_path, env=env, check=True, capture_output=True, timeout=600,
    )
    for assignment in ASSIGNMENTS:
        name = f"{assignment}/{assignment}.ipynb"
        regenerated = (tmp_path / "exercises" / name).read_bytes()
        assert regenerated == (EXERCISES / name).read_bytes(), (
            f"exercises/{name} is out of date: run `nbgrader generate_assignment {assignment} --force` and commit it."
        )


# --------------------------------------------------------------------------------------
# Answers other than the instructor's: (grade_id, kind, code). kind is "cheat" (calls
# sentiment_lib's implementation: refused), "wrong" (fails) or "alt" (correct: passes).
# --------------------------------------------------------------------------------------

VARIANTS = {
    "01_data": [
        ("test_clean_review", "cheat", "from sentiment_lib.data import clean_text as tidy\ndef clean_review(text):\n    return tidy(text)"),
        ("test_clean_review", "wrong", "def clean_review(text):\n    return ' '.join(text.replace('<br />', ' ').split())"),
        ("test_clean_review", "alt", "import re\ndef clean_review(text):\n    return ' '.join(p for p in re.split(r'(?i)<br\\s*/?>|[ \\t]+', text) if p)"),
        ("test_stratified_split", "cheat",
         "import datasets\nfrom sentiment_lib import data as d\n"
         "def stratified_split(labels, validation_size, seed=0):\n"
         "    ds = datasets.Dataset.from_dict({'label': list(labels), 'i': list(range(len(labels)))})\n"
         "    parts = d.train_validation_split(ds, validation_size, seed=seed)\n"
         "    return parts['train']['i'], parts['validation']['i']"),
        ("test_stratified_split", "wrong",
         "def stratified_split(labels, validation_size, seed=0):\n"
         "    return list(range(validation_size, len(labels))), list(range(validation_size))"),
        ("test_stratified_split", "alt",
         "def stratified_split(labels, validation_size, seed=0):\n"
         "    labels = np.asarray(labels); n = len(labels)\n"
         "    if not 0 < validation_size < n:\n        raise ValueError('bad size')\n"
         "    rng = np.random.default_rng(seed + 1000)\n"
         "    classes = np.unique(labels)\n"
         "    shares = np.array([validation_size * np.sum(labels == c) / n for c in classes])\n"
         "    take = np.floor(shares).astype(int)\n"
         "    for j in np.argsort(-(shares - take))[: validation_size - take.sum()]:\n        take[j] += 1\n"
         "    val = np.concatenate([rng.choice(np.flatnonzero(labels == c), size=k, replace=False) for c, k in zip(classes, take)])\n"
         "    return np.setdiff1d(np.arange(n), val).tolist(), val.tolist()"),
        ("test_balanced_subsample", "cheat",
         "import datasets\nfrom sentiment_lib.data import balanced_subset as pick\n"
         "def balanced_subsample(labels, n, seed=0):\n"
         "    ds = datasets.Dataset.from_dict({'label': list(labels), 'i': list(range(len(labels)))})\n"
         "    return pick(ds, n, seed=seed)['i']"),
        ("test_balanced_subsample", "wrong", "def balanced_subsample(labels, n, seed=0):\n    return list(range(n))"),
        ("test_balanced_subsample", "alt",
         "def balanced_subsample(labels, n, seed=0):\n"
         "    labels = np.asarray(labels)\n"
         "    if n <= 0 or n > len(labels):\n        raise ValueError('n')\n"
         "    rng = np.random.default_rng(seed)\n"
         "    by_size = sorted(np.unique(labels), key=lambda c: -np.sum(labels == c))  # the extra ones from the biggest classes\n"
         "    pools = [list(rng.permutation(np.flatnonzero(labels == c))) for c in by_size]\n"
         "    out = []\n"
         "    while len(out) < n:\n"
         "        pool = pools[len(out) % len(pools)]\n"
         "        if not pool:\n            raise ValueError('class too small')\n"
         "        out.append(int(pool.pop()))\n"
         "    return out"),
    ],
    "02_tokenization": [
        ("test_pad_and_mask", "wrong",
         "def pad_and_mask(sequences, pad_id):\n    n = max((len(s) for s in sequences), default=0)\n"
         "    return [[pad_id] * (n - len(s)) + list(s) for s in sequences], [[0] * (n - len(s)) + [1] * len(s) for s in sequences]"),
        ("test_pad_and_mask", "alt",
         "def pad_and_mask(sequences, pad_id):\n    n = max((len(s) for s in sequences), default=0)\n"
         "    ids = np.full((len(sequences), n), pad_id); mask = np.zeros((len(sequences), n), dtype=int)\n"
         "    for i, s in enumerate(sequences):\n        ids[i, :len(s)] = s; mask[i, :len(s)] = 1\n"
         "    return ids, mask"),
        ("test_head_tail", "cheat", "from sentiment_lib.tokenization import head_tail_ids as keep\ndef head_tail(ids, budget, head):\n    return keep(ids, budget, head)"),
        ("test_head_tail", "wrong",
         "def head_tail(ids, budget, head):\n    if budget < 1:\n        raise ValueError('budget')\n"
         "    ids = list(ids)\n    return ids if len(ids) <= budget else ids[:head] + ids[-(budget - head):]"),
        ("test_head_tail", "alt",
         "def head_tail(ids, budget, head):\n    if budget < 1:\n        raise ValueError('budget')\n"
         "    ids = list(ids)\n    if len(ids) <= budget:\n        return ids\n"
         "    return [x for i, x in enumerate(ids) if i < head or i >= len(ids) - (budget - head)]"),
        ("test_encode_head_tail", "cheat",
         "from sentiment_lib import tokenization as T\n"
         "def encode_head_tail(texts, tokenizer, max_length, head):\n"
         "    return T.tokenize(texts, tokenizer, max_length=max_length, strategy='head_tail', return_tensors='pt')"),
        ("test_encode_head_tail", "wrong",
         "def encode_head_tail(texts, tokenizer, max_length, head):\n"
         "    enc = tokenizer(list(texts), truncation=True, max_length=max_length, padding=True)\n"
         "    return {'input_ids': enc['input_ids'], 'attention_mask': enc['attention_mask']}"),
        ("test_padding_cost", "cheat",
         "import functools\nfrom sentiment_lib.tokenization import padding_stats\n"
         "count = functools.partial(padding_stats)\n"
         "def padding_cost(lengths, batch_size, max_length):\n    return count(lengths, batch_size=batch_size, max_length=max_length)"),
        ("test_padding_cost", "wrong",
         "def padding_cost(lengths, batch_size, max_length):\n    lengths = list(lengths)\n"
         "    return {'real_tokens': sum(lengths), 'uniform_tokens': len(lengths) * max_length,\n"
         "            'dynamic_tokens': sum(max(lengths[i:i + batch_size]) * batch_size for i in range(0, len(lengths), batch_size))}"),
        ("test_padding_cost", "alt",
         "def padding_cost(lengths, batch_size, max_length):\n    x = np.minimum(np.asarray(lengths, dtype=int), max_length)\n"
         "    dyn = sum(int(x[i:i + batch_size].max()) * len(x[i:i + batch_size]) for i in range(0, len(x), batch_size))\n"
         "    return {'real_tokens': np.int64(x.sum()), 'uniform_tokens': x.size * max_length, 'dynamic_tokens': dyn}"),
    ],
    "03_fine_tuning": [
        ("test_make_batch", "cheat",
         "from sentiment_lib.tokenization import tokenize as tok\n"
         "def make_batch(texts, labels, tokenizer, max_length):\n"
         "    enc = tok(texts, tokenizer, max_length=max_length, return_tensors='pt')\n"
         "    return {'input_ids': enc['input_ids'], 'attention_mask': enc['attention_mask'], 'labels': torch.tensor(list(labels))}"),
        ("test_make_batch", "wrong",
         "def make_batch(texts, labels, tokenizer, max_length):\n"
         "    enc = tokenizer(list(texts), truncation=True, max_length=max_length, padding=True, return_tensors='pt')\n"
         "    return {**enc, 'labels': torch.tensor(list(labels))}"),
        ("test_training_step", "cheat",
         "from sentiment_lib.training import train_one_epoch as run\n"
         "def training_step(model, batch, optimizer):\n    return run(model, [batch], optimizer, max_grad_norm=None)[0]"),
        ("test_training_step", "wrong",
         "def training_step(model, batch, optimizer):\n    model.train()\n    loss = model(**batch).loss\n"
         "    loss.backward()\n    optimizer.step()\n    return loss.item()"),
        ("test_training_step", "alt",
         "import torch.nn.functional as F\n"
         "def training_step(model, batch, optimizer):\n    model.train()\n"
         "    logits = model(input_ids=batch['input_ids'], attention_mask=batch['attention_mask']).logits\n"
         "    loss = F.cross_entropy(logits, batch['labels'])\n"
         "    loss.backward()\n    optimizer.step()\n    optimizer.zero_grad(set_to_none=True)\n    return float(loss)"),
        ("test_train_loop", "cheat",
         "import sentiment_lib.training as tr\n"
         "def train_loop(model, batches, optimizer, epochs):\n"
         "    return [x for _ in range(epochs) for x in tr.train_one_epoch(model, batches, optimizer, max_grad_norm=None)]"),
        ("test_train_loop", "wrong",
         "def train_loop(model, batches, optimizer, epochs):\n    return [training_step(model, b, optimizer) for b in batches]"),
        ("test_compute_metrics", "cheat",
         "from sentiment_lib.evaluation import trainer_metrics\ndef compute_metrics(eval_pred):\n"
         "    m = trainer_metrics(eval_pred)\n    return {'accuracy': m['accuracy'], 'f1': m['f1']}"),
        ("test_make_trainer", "cheat",
         "from sentiment_lib.training import make_trainer_class\n"
         "def make_trainer(model, splits, tokenizer, output_dir):\n"
         "    args = TrainingArguments(output_dir=output_dir, report_to='none', seed=0, per_device_train_batch_size=8, num_train_epochs=3,\n"
         "                             learning_rate=1e-4, weight_decay=0.01, eval_strategy='steps', eval_steps=4, save_strategy='steps',\n"
         "                             save_steps=4, load_best_model_at_end=True, metric_for_best_model='accuracy')\n"
         "    return make_trainer_class()(model=model, args=args, train_dataset=splits['train'], eval_dataset=splits['validation'],\n"
         "                                processing_class=tokenizer, compute_metrics=compute_metrics,\n"
         "                                callbacks=[EarlyStoppingCallback(early_stopping_patience=2)])"),
        ("test_accuracy", "cheat",
         "from sentiment_lib.evaluation import compute_metrics as metrics\n"
         "def accuracy(model, batches):\n    model.eval()\n    y, p = [], []\n"
         "    with torch.no_grad():\n        for b in batches:\n"
         "            p += model(input_ids=b['input_ids'], attention_mask=b['attention_mask']).logits.argmax(-1).tolist()\n"
         "            y += b['labels'].tolist()\n"
         "    return metrics(y, p).accuracy"),
        ("test_accuracy", "wrong",
         "def accuracy(model, batches):\n    model.eval()\n    with torch.no_grad():\n"
         "        return float(np.mean([(model(input_ids=b['input_ids'], attention_mask=b['attention_mask']).logits.argmax(-1) == b['labels']).float().mean() for b in batches]) + 2)"),
    ],
    "04_evaluation": [
        ("test_expected_calibration_error", "cheat",
         "from sentiment_lib import evaluation as ev\n"
         "def expected_calibration_error(y_true, prob_positive, n_bins):\n    return ev.expected_calibration_error(y_true, prob_positive, n_bins)"),
        ("test_confusion_counts", "cheat",
         "from sentiment_lib.evaluation import compute_metrics as cm\ndef confusion_counts(y_true, y_pred):\n    return cm(y_true, y_pred).confusion"),
        ("test_confusion_counts", "wrong",
         "def confusion_counts(y_true, y_pred):\n    m = [[0, 0], [0, 0]]\n"
         "    for t, p in zip(y_true, y_pred):\n        m[int(p)][int(t)] += 1\n    return m"),
        ("test_confusion_counts", "alt",
         "def confusion_counts(y_true, y_pred):\n"
         "    codes = 2 * np.asarray(y_true, dtype=int) + np.asarray(y_pred, dtype=int)\n"
         "    return np.bincount(codes, minlength=4).reshape(2, 2)"),
        ("test_binary_metrics", "cheat",
         "import sentiment_lib.evaluation as ev\ndef binary_metrics(y_true, y_pred):\n    r = ev.compute_metrics(y_true, y_pred)\n"
         "    return {'accuracy': r.accuracy, 'precision': r.precision, 'recall': r.recall, 'f1': r.f1}"),
        ("test_binary_metrics", "wrong",
         "def binary_metrics(y_true, y_pred):\n    (tn, fp), (fn, tp) = confusion_counts(y_true, y_pred)\n"
         "    p, r = tp / (tp + fp), tp / (tp + fn)\n"
         "    return {'accuracy': (tp + tn) / len(y_true), 'precision': p, 'recall': r, 'f1': 2 * p * r / (p + r)}"),
        ("test_binary_metrics", "alt",
         "from sklearn.metrics import accuracy_score, precision_recall_fscore_support\n"
         "def binary_metrics(y_true, y_pred):\n    if len(y_true) == 0 or len(y_true) != len(y_pred):\n        raise ValueError('lengths')\n"
         "    p, r, f, _ = precision_recall_fscore_support(y_true, y_pred, average='binary', zero_division=0)\n"
         "    return {'accuracy': accuracy_score(y_true, y_pred), 'precision': p, 'recall': r, 'f1': f}"),
        ("test_probs_and_labels", "cheat",
         "from sentiment_lib.evaluation import softmax as sm\ndef probs_and_labels(logits):\n"
         "    p = sm(np.asarray(logits, dtype=float).reshape(-1, 2))\n    return p, p.argmax(1)"),
        ("test_probs_and_labels", "wrong",
         "def probs_and_labels(logits):\n    e = np.exp(np.asarray(logits, dtype=float).reshape(-1, 2))\n"
         "    p = e / e.sum(1, keepdims=True)\n    return p, p.argmax(1)"),
        ("test_probs_and_labels", "alt",
         "import torch\ndef probs_and_labels(logits):\n    t = torch.as_tensor(np.asarray(logits, dtype=np.float64)).reshape(-1, 2)\n"
         "    p = torch.softmax(t, dim=-1).numpy()\n    return p, [1 if row[1] >= row[0] else 0 for row in p.tolist()]"),
        ("test_confident_errors", "cheat",
         "from sentiment_lib.evaluation import most_confident_errors as mce\ndef confident_errors(y_true, prob_positive, k):\n"
         "    return [int(t) for t in mce([str(i) for i in range(len(y_true))], y_true, prob_positive, k)['text']]"),
        ("test_confident_errors", "wrong",
         "def confident_errors(y_true, prob_positive, k):\n"
         "    wrong = [i for i, (t, p) in enumerate(zip(y_true, prob_positive)) if int(p >= 0.5) != t]\n"
         "    return wrong[:k]"),
        ("test_confident_errors", "alt",
         "def confident_errors(y_true, prob_positive, k):\n"
         "    rows = [(max(p, 1 - p), i) for i, (t, p) in enumerate(zip(y_true, prob_positive)) if int(p >= 0.5) != t]\n"
         "    return [i for _, i in sorted(rows, reverse=True)[:k]]"),
    ],
    "05_inference": [
        ("test_check_reviews", "cheat", "from sentiment_lib.inference import check_texts as ct\ndef check_reviews(texts):\n    return ct(texts)"),
        ("test_check_reviews", "wrong",
         "def check_reviews(texts):\n    if not texts:\n        raise ValueError('empty')\n    return [texts] if isinstance(texts, str) else list(texts)"),
        ("test_predict_proba", "cheat",
         "from sentiment_lib.inference import SentimentClassifier as SC\ndef predict_proba(model, tokenizer, texts, max_length=512):\n"
         "    return SC(model, tokenizer, max_length=max_length, device='cpu').predict_proba(texts)"),
        ("test_predict_proba", "wrong",
         "def predict_proba(model, tokenizer, texts, max_length=512):\n    model.eval()\n"
         "    enc = tokenizer(list(texts), padding=True, return_tensors='pt')\n"
         "    with torch.no_grad():\n        out = model(input_ids=enc['input_ids'], attention_mask=enc['attention_mask']).logits\n"
         "    return torch.softmax(out, -1).numpy()"),
        ("test_predict_proba", "alt",
         "def predict_proba(model, tokenizer, texts, max_length=512):\n    model.eval()\n    rows = []\n"
         "    with torch.no_grad():\n        for text in texts:\n"
         "            enc = tokenizer(text, truncation=True, max_length=max_length, return_tensors='pt')\n"
         "            rows.append(torch.softmax(model(input_ids=enc['input_ids'], attention_mask=enc['attention_mask']).logits[0], -1).tolist())\n"
         "    return np.array(rows)"),
        ("test_length_batches", "wrong",
         "def length_batches(texts, batch_size):\n    return [list(range(i, min(i + batch_size, len(texts)))) for i in range(0, len(texts), batch_size)]"),
        ("test_length_batches", "alt",
         "def length_batches(texts, batch_size):\n    order = np.argsort([len(t) for t in texts], kind='stable')\n"
         "    return [order[i:i + batch_size].tolist() for i in range(0, len(order), batch_size)]"),
        ("test_predict_sentiment", "cheat",
         "from sentiment_lib import inference as inf\ndef predict_sentiment(model, tokenizer, texts, batch_size=32):\n"
         "    clf = inf.SentimentClassifier(model, tokenizer, device='cpu')\n"
         "    return [{'text': p.text, 'label': p.label, 'score': p.score} for p in clf.predict(texts, batch_size=batch_size)]"),
        ("test_predict_sentiment", "wrong",
         "def predict_sentiment(model, tokenizer, texts, batch_size=32):\n    texts = check_reviews(texts)\n    out = []\n"
         "    for batch in length_batches(texts, batch_size):\n"
         "        for i, p in zip(batch, predict_proba(model, tokenizer, [texts[i] for i in batch])):\n"
         "            out.append({'text': texts[i], 'label': model.config.id2label[int(np.argmax(p))], 'score': float(max(p))})\n"
         "    return out"),
        ("test_predict_sentiment", "alt",
         "def predict_sentiment(model, tokenizer, texts, batch_size=32):\n    texts = check_reviews(texts)\n"
         "    probs = np.zeros((len(texts), 2))\n"
         "    for batch in length_batches(texts, batch_size):\n"
         "        probs[list(batch)] = np.asarray(predict_proba(model, tokenizer, [texts[i] for i in batch]))\n"
         "    return [{'text': t, 'label': model.config.id2label[int(p.argmax())], 'score': p.max()} for t, p in zip(texts, probs)]"),
        ("test_minimum_functionality_test", "cheat",
         "from sentiment_lib import behaviour as B\ndef minimum_functionality_test(predict_positive):\n"
         "    data = B.load_suites()\n    suite = next(s for s in data['suites'] if s['capability'] == 'negation')\n"
         "    result = B.score(suite, B.generate(suite, data['vocabulary'], n=50), lambda t: np.stack([1 - predict_positive(t), predict_positive(t)], 1), worst=50)\n"
         "    return [(row['text'], 'negative') for row in result.worst]"),
        ("test_minimum_functionality_test", "wrong",
         "def minimum_functionality_test(predict_positive):\n"
         "    cases = [(f'The {noun} was {adj}.', 'positive') for noun in vocabulary['noun'] for adj in vocabulary['pos_adj']]\n"
         "    p = predict_positive([t for t, _ in cases])\n    return [c for c, q in zip(cases, p) if q < 0.5]"),
        ("test_minimum_functionality_test", "alt",
         "def minimum_functionality_test(predict_positive):\n"
         "    cases = [(f'The {noun} is {a}, but the ending is {b}.', 'negative') for noun in vocabulary['noun'] for a, b in [('clever', 'dull'), ('funny', 'awful')]]\n"
         "    cases += [(f'The {noun} is {b}, but the ending is {a}.', 'positive') for noun in vocabulary['noun'] for a, b in [('clever', 'dull'), ('funny', 'awful')]]\n"
         "    p = predict_positive([t for t, _ in cases])\n"
         "    return [c for c, q in zip(cases, p) if (c[1] == 'positive') != (q > 0.5)]"),
        ("test_invariance_test", "cheat",
         "from sentiment_lib.behaviour import probe as run_suites\ndef invariance_test(predict_positive, tolerance=0.1):\n"
         "    results = run_suites(lambda t: np.stack([1 - predict_positive(t), predict_positive(t)], 1), n=30)\n"
         "    return [(w['text'], w['variant']) for r in results if r.kind == 'INV' for w in r.worst]"),
        ("test_invariance_test", "wrong",
         "def invariance_test(predict_positive, tolerance=0.1):\n"
         "    pairs = [(f'{n} liked the {m}.', f'{n} hated the {m}.') for n in vocabulary['name'] for m in vocabulary['noun'][:2]]\n"
         "    p = predict_positive([t for pair in pairs for t in pair])\n"
         "    return [pair for pair, a, b in zip(pairs, p[0::2], p[1::2]) if abs(a - b) > tolerance]"),
        ("test_invariance_test", "alt",
         "def invariance_test(predict_positive, tolerance=0.1):\n"
         "    pairs = [(f'{p} said the {n} was {a}.', f'My colleague said the {n} was {a}.') for p in vocabulary['person'][:5]\n"
         "             for n in vocabulary['noun'][:3] for a in ('moving', 'tedious')]\n"
         "    p = predict_positive([t for pair in pairs for t in pair])\n"
         "    return [pair for pair, a, b in zip(pairs, p[0::2], p[1::2]) if abs(a - b) > tolerance]"),
    ],
    "06_baseline": [
        ("test_build_tfidf_lr", "cheat",
         "from sentiment_lib.baseline import tfidf_pipeline as tp\ndef build_tfidf_lr(ngram_range=(1, 1)):\n    return tp(ngram_range)"),
        ("test_build_tfidf_lr", "wrong",
         "from sklearn.feature_extraction.text import CountVectorizer\nfrom sklearn.pipeline import make_pipeline\n"
         "def build_tfidf_lr(ngram_range=(1, 1)):\n    return make_pipeline(CountVectorizer(ngram_range=ngram_range), LogisticRegression(max_iter=1000))"),
        ("test_build_tfidf_lr", "alt",
         "from sklearn.pipeline import make_pipeline\n"
         "def build_tfidf_lr(ngram_range=(1, 1)):\n"
         "    return make_pipeline(TfidfVectorizer(ngram_range=ngram_range), LogisticRegression(max_iter=1000, C=2.0))"),
        ("test_majority_baseline", "wrong",
         "def majority_baseline(train_labels, n):\n    values, counts = np.unique(train_labels, return_counts=True)\n"
         "    if not len(values):\n        raise ValueError('empty')\n    return [int(values[counts.argmin()])] * n"),
        ("test_majority_baseline", "alt",
         "from collections import Counter\ndef majority_baseline(train_labels, n):\n"
         "    counts = Counter(int(x) for x in train_labels)\n    if not counts:\n        raise ValueError('empty')\n"
         "    top = max(counts.values())\n    return np.full(n, max(c for c, k in counts.items() if k == top))"),
        ("test_evaluate_row", "cheat",
         "from sentiment_lib.evaluation import compute_metrics as cm\ndef evaluate_row(name, predict, texts, labels):\n"
         "    start = time.perf_counter(); pred = predict(list(texts)); s = time.perf_counter() - start\n"
         "    r = cm(labels, pred)\n"
         "    return {'model': name, 'accuracy': r.accuracy, 'f1': r.f1, 'predictions_per_second': len(texts) / s}"),
        ("test_evaluate_row", "wrong",
         "from sklearn.metrics import accuracy_score, f1_score\ndef evaluate_row(name, predict, texts, labels):\n"
         "    start = time.perf_counter(); predict(list(texts)); s = time.perf_counter() - start\n"
         "    pred = predict(list(texts))\n"
         "    return {'model': name, 'accuracy': accuracy_score(labels, pred), 'f1': f1_score(labels, pred, zero_division=0), 'predictions_per_second': len(texts) / s}"),
        ("test_evaluate_row", "alt",
         "def evaluate_row(name, predict, texts, labels):\n    t0 = time.perf_counter()\n    pred = np.asarray(predict(list(texts)))\n"
         "    seconds = time.perf_counter() - t0\n    y = np.asarray(labels)\n"
         "    tp = int(((pred == 1) & (y == 1)).sum()); fp = int(((pred == 1) & (y == 0)).sum()); fn = int(((pred == 0) & (y == 1)).sum())\n"
         "    f1 = 2 * tp / (2 * tp + fp + fn) if tp else 0.0\n"
         "    return {'model': name, 'accuracy': float((pred == y).mean()), 'f1': f1, 'predictions_per_second': len(y) / seconds}"),
        ("test_comparison_table", "wrong",
         "def comparison_table(rows):\n    if not rows:\n        raise ValueError('empty')\n"
         "    return pd.DataFrame(rows).set_index('model').sort_values('accuracy')"),
        ("test_comparison_table", "alt",
         "def comparison_table(rows):\n    if len(rows) == 0:\n        raise ValueError('empty')\n"
         "    rows = sorted(rows, key=lambda r: -r['accuracy'])\n"
         "    return pd.DataFrame([{k: v for k, v in r.items() if k != 'model'} for r in rows], index=[r['model'] for r in rows])"),
    ],
}


@pytest.fixture()
def grading_env(monkeypatch):
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")  # skip the demonstrations meant for humans
    monkeypatch.setenv("MPLBACKEND", "Agg")
    import warnings

    import datasets
    import torch
    import transformers

    threads, verbosity, bars = torch.get_num_threads(), transformers.logging.get_verbosity(), datasets.is_progress_bar_enabled()
    with warnings.catch_warnings():  # grading.quiet() reroutes warnings; undo that afterwards
        yield
    torch.set_num_threads(threads)
    transformers.logging.set_verbosity(verbosity)
    if bars:
        datasets.enable_progress_bars()


@pytest.mark.slow
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_solutions_pass_and_other_answers_are_graded_fairly(assignment, grading_env, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)  # like a course directory elsewhere: no relative paths into the repository
    cells = [c for c in _notebook(SOLUTIONS, assignment).cells if c.cell_type == "code"]
    namespace: dict = {"__name__": "__main__"}
    test_cells = {}
    for cell in cells:
        exec(compile(cell.source, f"<{assignment}:{_nbgrader(cell).get('grade_id', 'cell')}>", "exec"), namespace)
        if _nbgrader(cell).get("grade"):
            test_cells[_nbgrader(cell)["grade_id"]] = cell.source

    for grade_id, kind, code in VARIANTS[assignment]:
        scope = dict(namespace)
        exec(compile(code, f"<{grade_id}:{kind}>", "exec"), scope)
        test = compile(test_cells[grade_id], f"<{grade_id}>", "exec")
        if kind == "alt":
            exec(test, scope)  # a different correct answer gets the points
        elif kind == "cheat":
            with pytest.raises(UsedReferenceError, match="calls sentiment_lib's own"):
                exec(test, scope)
        else:
            with pytest.raises(Exception) as info:
                exec(test, scope)
            assert not isinstance(info.value, UsedReferenceError), f"{grade_id}: {info.value}"


# --------------------------------------------------------------------------------------
# sentiment_lib.grading itself (fast)
# --------------------------------------------------------------------------------------


def test_call_sees_the_reference_through_aliases_wrappers_and_classes():
    import functools

    from sentiment_lib import grading
    from sentiment_lib.data import clean_text as tidy
    from sentiment_lib.inference import SentimentClassifier, check_texts

    wrapped = functools.partial(tidy)
    for answer in (lambda t: tidy(t), lambda t: wrapped(t), lambda t: check_texts([t])[0]):
        with pytest.raises(UsedReferenceError):
            grading.call(answer, "a<br />b", forbid=[tidy, SentimentClassifier, check_texts])
    # the reference running *outside* the learner's call is fine, and so is the learner's own code
    assert grading.call(lambda t: t.replace("<br />", " "), "a<br />b", forbid=[tidy]) == "a b"
    assert tidy("a<br />b") == "a b"


def test_call_explains_stubs_and_keeps_stderr_clean(capsys):
    import sys

    from sentiment_lib import grading

    def helper(x):
        raise NotImplementedError()

    def answer(x):
        print("progress", file=sys.stderr)
        return helper(x)

    with pytest.raises(AssertionError, match="`helper` is not written yet|uses `helper`"):
        grading.call(answer, 1)
    assert capsys.readouterr().err == ""  # nbgrader would give zero points for stderr output
    with pytest.raises(AssertionError, match="should raise ValueError, but it returned 2"):
        grading.expect_error(lambda x: x + 1, 1)


def test_call_imports_the_answers_modules_before_watching_and_still_sees_the_reference(monkeypatch):
    """Imports inside an answer run before the (slow) watch starts; what the answer then calls is still watched."""
    import sys
    import types

    from sentiment_lib import grading

    source = (
        "def helper(text):\n"
        "    import json.decoder\n"
        "    return text\n"
        "def answer(text):\n"
        "    from sentiment_lib.data import clean_text\n"
        "    from email import mime\n"
        "    def inner():\n"
        "        import xml.dom.minidom\n"
        "    return clean_text(helper(text))\n"
        "def missing(text):\n"
        "    import no_such_module_for_grading\n"
        "    return text\n"
    )
    notebook = types.ModuleType("__main__")  # the learner's notebook namespace
    exec(compile(source, "<notebook>", "exec"), notebook.__dict__)
    found = grading.imported_modules(notebook.answer)
    assert found[:2] == ["sentiment_lib.data", "email"] and {"xml.dom.minidom", "json.decoder"} <= set(found)
    assert "no_such_module_for_grading" not in found

    for name in ("email.mime", "xml.dom.minidom"):
        monkeypatch.delitem(sys.modules, name, raising=False)
    from sentiment_lib.data import clean_text

    with pytest.raises(UsedReferenceError):
        grading.call(notebook.answer, "a<br />b", forbid=[clean_text])
    assert "email.mime" in sys.modules and "xml.dom.minidom" in sys.modules  # imported before the call
    with pytest.raises(grading.AnswerError, match="ModuleNotFoundError"):  # a failed import is the learner's error
        grading.call(notebook.missing, "text", forbid=[clean_text])


@pytest.mark.parametrize("imported_first", [True, False])
def test_quiet_silences_transformers_and_datasets_whether_imported_before_or_after(imported_first):
    """quiet() must not import transformers itself (a notebook that never uses it would pay for it), yet keep stderr clean."""
    import subprocess
    import sys

    code = f"""
import sys
{"import transformers, datasets" if imported_first else ""}
from sentiment_lib import grading
grading.quiet()
assert ("transformers" in sys.modules) == {imported_first}, "quiet() imported transformers"
from sentiment_lib.data import load_imdb
from sentiment_lib.modeling import build_model
from sentiment_lib.tokenization import load_tokenizer
build_model("tiny", seed=0)                                     # a "Loading weights" progress bar
load_tokenizer("offline")(["word " * 900])                      # a "longer than the maximum" warning
load_imdb()["train"].select(range(20)).map(lambda b: {{"n": len(b["text"])}})  # a Map progress bar
print("done")
"""
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0 and run.stdout.strip().endswith("done"), run.stderr[-2000:]
    assert run.stderr == "", run.stderr[-2000:]
