"""Answers for 04_evaluation: confusion matrix, metrics, softmax and labels, confident errors, calibration error."""

_METRICS = (
    "def binary_metrics(y_true, y_pred):\n"
    "    if len(y_true) == 0 or len(y_true) != len(y_pred):\n        raise ValueError('lengths')\n"
    "    (tn, fp), (fn, tp) = confusion_counts(y_true, y_pred)\n"
    "    p = tp / (tp + fp) if tp + fp else 0.0\n    r = tp / (tp + fn) if tp + fn else 0.0\n"
    "    f = 2 * p * r / (p + r) if p + r else 0.0\n"
    "    return {'accuracy': (tp + tn) / len(y_true), 'precision': p, 'recall': r, 'f1': f}"
)
_ERRORS = (
    "def confident_errors(y_true, prob_positive, k):\n"
    "    y = np.asarray(y_true); p = np.asarray(prob_positive, dtype=float)\n"
    "    pred = (p >= 0.5).astype(int)\n    conf = np.where(pred == 1, p, 1 - p)\n"
    "    wrong = np.flatnonzero(pred != y)\n    return wrong[np.argsort(-conf[wrong], kind='stable')][:k].tolist()"
)
_ECE = (
    "def expected_calibration_error(y_true, prob_positive, n_bins):\n"
    "    y = np.asarray(y_true); p = np.asarray(prob_positive, dtype=float)\n"
    "    if len(y) == 0 or len(y) != len(p):\n        raise ValueError('lengths')\n"
    "    pred = (p >= 0.5).astype(int)\n    conf = np.where(pred == 1, p, 1 - p)\n"
    "    edges = np.linspace(0.5, 1.0, n_bins + 1)\n"
    "    which = np.clip(np.digitize(conf, edges[1:-1]), 0, n_bins - 1)\n"
    "    total = 0.0\n"
    "    for b in range(n_bins):\n        m = which == b\n"
    "        if m.any():\n            total += m.sum() * abs((pred[m] == y[m]).mean() - conf[m].mean())\n"
    "    return float(total / len(y))"
)

ANSWERS = [
    # ---- confusion_counts --------------------------------------------------------------
    ("confusion_counts", "wrong", "transposed",
     "def confusion_counts(y_true, y_pred):\n    m = [[0, 0], [0, 0]]\n"
     "    for t, p in zip(y_true, y_pred):\n        m[int(p)][int(t)] += 1\n    return m"),
    ("confusion_counts", "wrong", "sklearn without labels=[0, 1]",
     "from sklearn.metrics import confusion_matrix\ndef confusion_counts(y_true, y_pred):\n"
     "    return confusion_matrix(y_true, y_pred).tolist() if len(y_true) else [[0, 0], [0, 0]]"),
    ("confusion_counts", "wrong", "empty input gives []",
     "def confusion_counts(y_true, y_pred):\n    if len(y_true) == 0:\n        return []\n"
     "    m = [[0, 0], [0, 0]]\n    for t, p in zip(y_true, y_pred):\n        m[int(t)][int(p)] += 1\n    return m"),
    ("confusion_counts", "wrong", "TN and TP swapped",
     "def confusion_counts(y_true, y_pred):\n    m = [[0, 0], [0, 0]]\n"
     "    for t, p in zip(y_true, y_pred):\n        m[1 - int(t)][1 - int(p)] += 1\n    return m"),
    ("confusion_counts", "wrong", "the last example skipped",
     "def confusion_counts(y_true, y_pred):\n    m = [[0, 0], [0, 0]]\n"
     "    for i in range(len(y_true) - 1):\n        m[int(y_true[i])][int(y_pred[i])] += 1\n    return m"),
    ("confusion_counts", "wrong", "float counts",
     "def confusion_counts(y_true, y_pred):\n    t = np.asarray(y_true, dtype=float); p = np.asarray(y_pred, dtype=float)\n"
     "    return np.array([[np.sum((t == 0) & (p == 0)), np.sum((t == 0) & (p == 1))], [np.sum((t == 1) & (p == 0)), np.sum((t == 1) & (p == 1))]], dtype=float)"),
    ("confusion_counts", "wrong", "FP and FN swapped",
     "def confusion_counts(y_true, y_pred):\n    t = np.asarray(y_true, dtype=int); p = np.asarray(y_pred, dtype=int)\n"
     "    tn = int(np.sum((t == 0) & (p == 0))); tp = int(np.sum((t == 1) & (p == 1)))\n"
     "    fp = int(np.sum((t == 0) & (p == 1))); fn = int(np.sum((t == 1) & (p == 0)))\n    return [[tn, fn], [fp, tp]]"),
    ("confusion_counts", "right", "bincount",
     "def confusion_counts(y_true, y_pred):\n"
     "    codes = 2 * np.asarray(y_true, dtype=int) + np.asarray(y_pred, dtype=int)\n"
     "    return np.bincount(codes, minlength=4).reshape(2, 2)"),
    ("confusion_counts", "right", "Counter of pairs",
     "from collections import Counter\ndef confusion_counts(y_true, y_pred):\n"
     "    c = Counter((int(t), int(p)) for t, p in zip(y_true, y_pred))\n    return [[c[(0, 0)], c[(0, 1)]], [c[(1, 0)], c[(1, 1)]]]"),

    # ---- binary_metrics ----------------------------------------------------------------
    ("binary_metrics", "wrong", "division by zero not handled",
     "def binary_metrics(y_true, y_pred):\n    if len(y_true) == 0 or len(y_true) != len(y_pred):\n        raise ValueError('lengths')\n"
     "    (tn, fp), (fn, tp) = confusion_counts(y_true, y_pred)\n    p, r = tp / (tp + fp), tp / (tp + fn)\n"
     "    return {'accuracy': (tp + tn) / len(y_true), 'precision': p, 'recall': r, 'f1': 2 * p * r / (p + r)}"),
    ("binary_metrics", "wrong", "precision and recall swapped",
     _METRICS.replace("'precision': p, 'recall': r", "'precision': r, 'recall': p")),
    ("binary_metrics", "wrong", "F1 as the arithmetic mean", _METRICS.replace("2 * p * r / (p + r)", "(p + r) / 2")),
    ("binary_metrics", "wrong", "no ValueError for different lengths",
     _METRICS.replace("if len(y_true) == 0 or len(y_true) != len(y_pred):", "if len(y_true) == 0:")),
    ("binary_metrics", "wrong", "NaN when undefined",
     _METRICS.replace("if tp + fp else 0.0", "if tp + fp else float('nan')").replace("if tp + fn else 0.0", "if tp + fn else float('nan')").replace("if p + r else 0.0", "if p + r else float('nan')")),
    ("binary_metrics", "wrong", "macro average from sklearn",
     "from sklearn.metrics import accuracy_score, precision_recall_fscore_support\ndef binary_metrics(y_true, y_pred):\n"
     "    if len(y_true) == 0 or len(y_true) != len(y_pred):\n        raise ValueError('lengths')\n"
     "    p, r, f, _ = precision_recall_fscore_support(y_true, y_pred, average='macro', zero_division=0)\n"
     "    return {'accuracy': accuracy_score(y_true, y_pred), 'precision': p, 'recall': r, 'f1': f}"),
    ("binary_metrics", "wrong", "accuracy as a count", _METRICS.replace("(tp + tn) / len(y_true)", "tp + tn")),
    ("binary_metrics", "wrong", "empty input returns zeros",
     "def binary_metrics(y_true, y_pred):\n    if len(y_true) != len(y_pred):\n        raise ValueError('lengths')\n"
     "    if len(y_true) == 0:\n        return {'accuracy': 0.0, 'precision': 0.0, 'recall': 0.0, 'f1': 0.0}\n"
     + _METRICS.split("raise ValueError('lengths')\n", 1)[1]),
    ("binary_metrics", "right", "sklearn, binary average",
     "from sklearn.metrics import accuracy_score, precision_recall_fscore_support\ndef binary_metrics(y_true, y_pred):\n"
     "    if len(y_true) == 0 or len(y_true) != len(y_pred):\n        raise ValueError('lengths')\n"
     "    p, r, f, _ = precision_recall_fscore_support(y_true, y_pred, average='binary', zero_division=0)\n"
     "    return {'accuracy': float(accuracy_score(y_true, y_pred)), 'precision': float(p), 'recall': float(r), 'f1': float(f)}"),
    ("binary_metrics", "right", "NumPy counts, F1 from counts",
     "def binary_metrics(y_true, y_pred):\n    t = np.asarray(y_true); p = np.asarray(y_pred)\n"
     "    if t.size == 0 or t.shape != p.shape:\n        raise ValueError(f'need equal, non-empty inputs: {t.shape} vs {p.shape}')\n"
     "    tp = np.sum((t == 1) & (p == 1)); fp = np.sum((t == 0) & (p == 1)); fn = np.sum((t == 1) & (p == 0))\n"
     "    return {'accuracy': float(np.mean(t == p)), 'precision': float(tp / (tp + fp)) if tp + fp else 0.0,\n"
     "            'recall': float(tp / (tp + fn)) if tp + fn else 0.0, 'f1': float(2 * tp / (2 * tp + fp + fn)) if tp else 0.0}"),

    # ---- probs_and_labels --------------------------------------------------------------
    ("probs_and_labels", "wrong", "no maximum subtracted (overflow)",
     "def probs_and_labels(logits):\n    e = np.exp(np.asarray(logits, dtype=float).reshape(-1, 2))\n"
     "    p = e / e.sum(1, keepdims=True)\n    return p, p.argmax(1)"),
    ("probs_and_labels", "wrong", "one global maximum for all rows",
     "def probs_and_labels(logits):\n    z = np.asarray(logits, dtype=float).reshape(-1, 2)\n"
     "    e = np.exp(z - (z.max() if z.size else 0))\n    p = e / e.sum(1, keepdims=True)\n    return p, p.argmax(1)"),
    ("probs_and_labels", "wrong", "column maxima",
     "def probs_and_labels(logits):\n    z = np.asarray(logits, dtype=float).reshape(-1, 2)\n"
     "    e = np.exp(z - (z.max(0, keepdims=True) if len(z) else 0))\n    p = e / e.sum(1, keepdims=True)\n    return p, p.argmax(1)"),
    ("probs_and_labels", "wrong", "softmax over the batch",
     "def probs_and_labels(logits):\n    z = np.asarray(logits, dtype=float).reshape(-1, 2)\n"
     "    e = np.exp(z - (z.max(1, keepdims=True) if len(z) else 0))\n    p = e / e.sum(0, keepdims=True)\n    return p, p.argmax(1)"),
    ("probs_and_labels", "wrong", "torch tensors",
     "import torch\ndef probs_and_labels(logits):\n    t = torch.as_tensor(np.asarray(logits, dtype=np.float64)).reshape(-1, 2)\n"
     "    p = torch.softmax(t, dim=-1)\n    return p, p.argmax(-1)"),
    ("probs_and_labels", "wrong", "labels from argmin",
     "def probs_and_labels(logits):\n    z = np.asarray(logits, dtype=float).reshape(-1, 2)\n"
     "    e = np.exp(z - (z.max(1, keepdims=True) if len(z) else 0))\n    p = e / e.sum(1, keepdims=True)\n    return p, p.argmin(1)"),
    ("probs_and_labels", "wrong", "refuses an empty batch",
     "def probs_and_labels(logits):\n    z = np.asarray(logits, dtype=float).reshape(-1, 2)\n    if not len(z):\n        raise ValueError('no logits')\n"
     "    e = np.exp(z - z.max(1, keepdims=True))\n    p = e / e.sum(1, keepdims=True)\n    return p, p.argmax(1)"),
    ("probs_and_labels", "wrong", "(labels, probabilities) swapped",
     "def probs_and_labels(logits):\n    z = np.asarray(logits, dtype=float).reshape(-1, 2)\n"
     "    e = np.exp(z - (z.max(1, keepdims=True) if len(z) else 0))\n    p = e / e.sum(1, keepdims=True)\n    return p.argmax(1), p"),
    ("probs_and_labels", "wrong", "float32 softmax of the raw logits",
     "def probs_and_labels(logits):\n    e = np.exp(np.asarray(logits, dtype=np.float32).reshape(-1, 2))\n"
     "    p = np.nan_to_num(e / e.sum(1, keepdims=True), nan=0.5)\n    return p, p.argmax(1)"),
    ("probs_and_labels", "right", "the sigmoid of the difference",
     "def probs_and_labels(logits):\n    z = np.asarray(logits, dtype=float).reshape(-1, 2)\n"
     "    d = z[:, 1] - z[:, 0]\n    p1 = np.where(d >= 0, 1 / (1 + np.exp(-np.abs(d))), np.exp(-np.abs(d)) / (1 + np.exp(-np.abs(d))))\n"
     "    probs = np.stack([1 - p1, p1], axis=1)\n    return probs, [int(x) for x in (d > 0)]"),
    ("probs_and_labels", "right", "torch softmax, NumPy out",
     "import torch\ndef probs_and_labels(logits):\n    t = torch.as_tensor(np.asarray(logits, dtype=np.float64)).reshape(-1, 2)\n"
     "    p = torch.softmax(t, dim=-1).numpy()\n    return p, [1 if row[1] > row[0] else 0 for row in p]"),

    # ---- confident_errors --------------------------------------------------------------
    ("confident_errors", "wrong", "positive only above 0.5", _ERRORS.replace("p >= 0.5", "p > 0.5")),
    ("confident_errors", "wrong", "confidence = p(positive) always", _ERRORS.replace("np.where(pred == 1, p, 1 - p)", "p")),
    ("confident_errors", "wrong", "least confident first", _ERRORS.replace("np.argsort(-conf[wrong]", "np.argsort(conf[wrong]")),
    ("confident_errors", "wrong", "in order of position",
     "def confident_errors(y_true, prob_positive, k):\n"
     "    wrong = [i for i, (t, p) in enumerate(zip(y_true, prob_positive)) if int(p >= 0.5) != t]\n    return wrong[:k]"),
    ("confident_errors", "wrong", "positions found with list.index",
     "def confident_errors(y_true, prob_positive, k):\n    p = [float(x) for x in prob_positive]\n"
     "    conf = [max(x, 1 - x) if (x >= 0.5) != bool(t) else -1 for x, t in zip(p, y_true)]\n"
     "    top = sorted([c for c in conf if c >= 0], reverse=True)[:k]\n    return [conf.index(c) for c in top]"),
    ("confident_errors", "wrong", "a NumPy array", _ERRORS.replace("[:k].tolist()", "[:k]")),
    ("confident_errors", "wrong", "correct predictions included",
     "def confident_errors(y_true, prob_positive, k):\n    p = np.asarray(prob_positive, dtype=float)\n"
     "    conf = np.where(p >= 0.5, p, 1 - p)\n    return np.argsort(-conf, kind='stable')[:k].tolist()"),
    ("confident_errors", "wrong", "k = 0 returns everything",
     _ERRORS.replace("[:k].tolist()", "[:k or None].tolist()")),
    ("confident_errors", "right", "sorted tuples",
     "def confident_errors(y_true, prob_positive, k):\n"
     "    rows = [(max(p, 1 - p), i) for i, (t, p) in enumerate(zip(y_true, prob_positive)) if int(p >= 0.5) != t]\n"
     "    return [int(i) for _, i in sorted(rows, reverse=True)[:k]]"),
    ("confident_errors", "right", "heapq on the mistakes",
     "import heapq\ndef confident_errors(y_true, prob_positive, k):\n    mistakes = []\n"
     "    for i, (t, p) in enumerate(zip(y_true, prob_positive)):\n        pred = 1 if p >= 0.5 else 0\n"
     "        if pred != t:\n            mistakes.append((p if pred else 1 - p, -i))\n"
     "    return [-j for _, j in heapq.nlargest(k, mistakes)]"),
    # ---- the grader's own reference helpers are refused too ---------------------------------
    ("confusion_counts", "wrong", "calls the grader's reference helper",
     "def confusion_counts(y_true, y_pred):\n    return grading.ref_confusion_counts(y_true, y_pred)"),
    # ---- expected_calibration_error ----------------------------------------------------
    ("expected_calibration_error", "wrong", "unweighted mean over the bins",
     _ECE.replace("total += m.sum() * abs(", "total += abs(").replace("return float(total / len(y))", "return float(total / len(set(which.tolist())))")),
    ("expected_calibration_error", "wrong", "signed gap",
     _ECE.replace("abs((pred[m] == y[m]).mean() - conf[m].mean())", "((pred[m] == y[m]).mean() - conf[m].mean())")),
    ("expected_calibration_error", "wrong", "probability of the positive class as the confidence, bins over [0, 1]",
     _ECE.replace("conf = np.where(pred == 1, p, 1 - p)", "conf = p").replace("np.linspace(0.5, 1.0, n_bins + 1)", "np.linspace(0.0, 1.0, n_bins + 1)")),
    ("expected_calibration_error", "wrong", "share of positive reviews against the mean probability (no prediction)",
     _ECE.replace("abs((pred[m] == y[m]).mean() - conf[m].mean())", "abs(y[m].mean() - p[m].mean())")),
    ("expected_calibration_error", "wrong", "confidence 1 left out of the last bin",
     _ECE.replace("which = np.clip(np.digitize(conf, edges[1:-1]), 0, n_bins - 1)", "which = np.digitize(conf, edges[1:]) ")),
    ("expected_calibration_error", "wrong", "ten bins whatever n_bins says", _ECE.replace("np.linspace(0.5, 1.0, n_bins + 1)", "np.linspace(0.5, 1.0, 11)").replace("n_bins - 1)", "9)").replace("range(n_bins)", "range(10)")),
    ("expected_calibration_error", "wrong", "0.5 counted as negative", _ECE.replace("pred = (p >= 0.5)", "pred = (p > 0.5)")),
    ("expected_calibration_error", "wrong", "no error for empty input", _ECE.replace("len(y) == 0 or ", "").replace("return float(total / len(y))", "return float(total / max(len(y), 1))")),
    ("expected_calibration_error", "right", "the definition, as written", _ECE),
    ("expected_calibration_error", "wrong", "bins by floor division (c - 0.5) // w: 0.6 with 10 bins in bin 1, not 2",
     _ECE.replace("which = np.clip(np.digitize(conf, edges[1:-1]), 0, n_bins - 1)",
                  "which = np.minimum(((conf - 0.5) // (0.5 / n_bins)).astype(int), n_bins - 1)")),
    ("expected_calibration_error", "wrong", "bins by integer division int((c - 0.5) / w): a confidence on an edge lands one bin low",
     "def expected_calibration_error(y_true, prob_positive, n_bins):\n"
     "    if len(y_true) == 0 or len(y_true) != len(prob_positive):\n        raise ValueError('need matching, non-empty inputs')\n"
     "    bins = {}\n"
     "    for y, p in zip(y_true, prob_positive):\n"
     "        pred = 1 if p >= 0.5 else 0\n        c = p if pred else 1 - p\n"
     "        b = min(int((c - 0.5) / (0.5 / n_bins)), n_bins - 1)\n"
     "        bins.setdefault(b, []).append((pred == y, c))\n"
     "    n = len(y_true)\n"
     "    return float(sum(len(v) / n * abs(sum(h for h, _ in v) / len(v) - sum(c for _, c in v) / len(v)) for v in bins.values()))"),
    ("expected_calibration_error", "right", "a loop, counting the edges at or below each confidence",
     "def expected_calibration_error(y_true, prob_positive, n_bins):\n"
     "    if len(y_true) == 0 or len(y_true) != len(prob_positive):\n        raise ValueError('need matching, non-empty inputs')\n"
     "    bins = {}\n"
     "    for y, p in zip(y_true, prob_positive):\n"
     "        pred = 1 if p >= 0.5 else 0\n        c = p if pred else 1 - p\n"
     "        b = sum(c >= 0.5 + k * (0.5 / n_bins) for k in range(1, n_bins))\n"
     "        bins.setdefault(b, []).append((pred == y, c))\n"
     "    n = len(y_true)\n"
     "    return float(sum(len(v) / n * abs(sum(h for h, _ in v) / len(v) - sum(c for _, c in v) / len(v)) for v in bins.values()))"),

    # ---- issue 37: the caller's data changed in place; argument checks that a shortcut skips ----
    ("confident_errors", "wrong", "the caller's probabilities turned into confidences in place",
     "def confident_errors(y_true, prob_positive, k):\n"
     "    y = np.asarray(y_true); p = np.asarray(prob_positive, dtype=float)\n"
     "    pred = (p >= 0.5).astype(int)\n    p[pred == 0] = 1 - p[pred == 0]\n"
     "    wrong = np.flatnonzero(pred != y)\n    return wrong[np.argsort(-p[wrong], kind='stable')][:k].tolist()"),
    ("binary_metrics", "wrong", "no positive prediction answered before the length check",
     _METRICS.replace("    if len(y_true) == 0 or len(y_true) != len(y_pred):\n        raise ValueError('lengths')\n",
                      "    if len(y_true) == 0:\n        raise ValueError('empty')\n"
                      "    if not any(y_pred):\n"
                      "        return {'accuracy': sum(1 for t in y_true if t == 0) / len(y_true), 'precision': 0.0, 'recall': 0.0, 'f1': 0.0}\n"
                      "    if len(y_true) != len(y_pred):\n        raise ValueError('lengths')\n")),
    ("expected_calibration_error", "wrong", "one bin answered before the length check",
     _ECE.replace("    if len(y) == 0 or len(y) != len(p):\n",
                  "    if n_bins == 1 and len(y):\n        pred = (p >= 0.5).astype(int)\n        conf = np.where(pred == 1, p, 1 - p)\n"
                  "        return float(abs((pred == y).mean() - conf.mean()))\n"
                  "    if len(y) == 0 or len(y) != len(p):\n")),
]
