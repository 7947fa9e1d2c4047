"""Answers for 06_baseline: TF-IDF + LR, majority baseline, an evaluation row, the comparison table."""

_PIPE = (
    "from sklearn.pipeline import Pipeline\n"
    "def build_tfidf_lr(ngram_range=(1, 1)):\n"
    "    return Pipeline([('tfidf', TfidfVectorizer(ngram_range=ngram_range, min_df=2, sublinear_tf=True)), ('clf', LogisticRegression(max_iter=1000))])"
)
_ROW = (
    "from sklearn.metrics import accuracy_score, f1_score\n"
    "def evaluate_row(name, predict, texts, labels):\n"
    "    start = time.perf_counter()\n    pred = predict(list(texts))\n    seconds = time.perf_counter() - start\n"
    "    return {'model': name, 'accuracy': accuracy_score(labels, pred), 'f1': f1_score(labels, pred, zero_division=0),\n"
    "            'predictions_per_second': len(texts) / seconds}"
)

ANSWERS = [
    # ---- build_tfidf_lr ----------------------------------------------------------------
    ("build_tfidf_lr", "wrong", "word counts, not TF-IDF",
     "from sklearn.feature_extraction.text import CountVectorizer\nfrom sklearn.pipeline import make_pipeline\n"
     "def build_tfidf_lr(ngram_range=(1, 1)):\n    return make_pipeline(CountVectorizer(ngram_range=ngram_range), LogisticRegression(max_iter=1000))"),
    ("build_tfidf_lr", "wrong", "fitted inside", _PIPE.replace(
        "    return Pipeline(", "    p = Pipeline(").replace("LogisticRegression(max_iter=1000))])", "LogisticRegression(max_iter=1000))])\n    return p.fit(train_texts, train_labels)")),
    ("build_tfidf_lr", "wrong", "ngram_range ignored", _PIPE.replace("ngram_range=ngram_range, ", "")),
    ("build_tfidf_lr", "wrong", "max_iter left at 100", _PIPE.replace("LogisticRegression(max_iter=1000)", "LogisticRegression()")),
    ("build_tfidf_lr", "wrong", "a third step",
     "from sklearn.pipeline import Pipeline\nfrom sklearn.preprocessing import MaxAbsScaler\n"
     "def build_tfidf_lr(ngram_range=(1, 1)):\n"
     "    return Pipeline([('tfidf', TfidfVectorizer(ngram_range=ngram_range)), ('scale', MaxAbsScaler()), ('clf', LogisticRegression(max_iter=1000))])"),
    ("build_tfidf_lr", "wrong", "20 features only (under 75%)", _PIPE.replace("min_df=2, sublinear_tf=True", "max_features=20")),
    ("build_tfidf_lr", "wrong", "a linear SVM",
     "from sklearn.pipeline import Pipeline\nfrom sklearn.svm import LinearSVC\n"
     "def build_tfidf_lr(ngram_range=(1, 1)):\n    return Pipeline([('tfidf', TfidfVectorizer(ngram_range=ngram_range)), ('clf', LinearSVC(max_iter=1000))])"),
    ("build_tfidf_lr", "wrong", "one shared pipeline returned every time",
     "from sklearn.pipeline import Pipeline\n_cache = {}\n"
     "def build_tfidf_lr(ngram_range=(1, 1)):\n"
     "    key = tuple(ngram_range)\n"
     "    if key not in _cache:\n        _cache[key] = Pipeline([('tfidf', TfidfVectorizer(ngram_range=ngram_range)), ('clf', LogisticRegression(max_iter=1000))])\n"
     "    return _cache[key]"),
    ("build_tfidf_lr", "wrong", "C chosen on the test split in its cell",
     "from sklearn.pipeline import Pipeline\n"
     "def build_tfidf_lr(ngram_range=(1, 1), C=1.0):\n"
     "    return Pipeline([('tfidf', TfidfVectorizer(ngram_range=ngram_range, min_df=2, sublinear_tf=True)), ('clf', LogisticRegression(C=C, max_iter=1000))])\n"
     "test_texts, test_labels = list(splits['test']['text']), np.asarray(splits['test']['label'])\n"
     "scores = {c: build_tfidf_lr(C=c).fit(train_texts, train_labels).score(test_texts, test_labels) for c in (0.3, 3.0)}\n"
     "best_C = max(scores, key=scores.get)\n"
     "_chosen = build_tfidf_lr\n"
     "def build_tfidf_lr(ngram_range=(1, 1)):\n    return _chosen(ngram_range, best_C)"),
    ("build_tfidf_lr", "wrong", "C chosen on the test labels at every call",
     "from sklearn.pipeline import Pipeline\n"
     "def build_tfidf_lr(ngram_range=(1, 1)):\n"
     "    make = lambda c: Pipeline([('tfidf', TfidfVectorizer(ngram_range=ngram_range, min_df=2)), ('clf', LogisticRegression(C=c, max_iter=1000))])\n"
     "    test = splits['test']\n"
     "    best = max((0.5, 2.0), key=lambda c: make(c).fit(train_texts[:300], train_labels[:300]).score(test['text'][:50], test['label'][:50]))\n"
     "    return make(best)"),
    ("build_tfidf_lr", "wrong", "one vectorizer shared by every pipeline (set_params)",
     "from sklearn.pipeline import Pipeline\n"
     "shared_tfidf = TfidfVectorizer(min_df=2, sublinear_tf=True)\n"
     "def build_tfidf_lr(ngram_range=(1, 1)):\n"
     "    return Pipeline([('tfidf', shared_tfidf.set_params(ngram_range=ngram_range)), ('clf', LogisticRegression(max_iter=1000))])"),
    ("build_tfidf_lr", "wrong", "a vectorizer as a default argument",
     "from sklearn.pipeline import Pipeline\n"
     "def build_tfidf_lr(ngram_range=(1, 1), vectorizer=TfidfVectorizer(sublinear_tf=True)):\n"
     "    vectorizer.ngram_range = ngram_range\n"
     "    return Pipeline([('tfidf', vectorizer), ('clf', LogisticRegression(max_iter=1000))])"),
    ("build_tfidf_lr", "right", "C chosen on the validation reviews in its cell",
     "from sklearn.pipeline import Pipeline\n"
     "def _make(ngram_range, C):\n"
     "    return Pipeline([('tfidf', TfidfVectorizer(ngram_range=ngram_range, min_df=2, sublinear_tf=True)), ('clf', LogisticRegression(C=C, max_iter=1000))])\n"
     "val_scores = {c: _make((1, 1), c).fit(train_texts, train_labels).score(val_texts, val_labels) for c in (0.3, 3.0)}\n"
     "best_C = max(val_scores, key=val_scores.get)\n"
     "def build_tfidf_lr(ngram_range=(1, 1)):\n    return _make(ngram_range, best_C)"),
    ("build_tfidf_lr", "right", "clone of a template",
     "from sklearn.base import clone\nfrom sklearn.pipeline import Pipeline\n"
     "TEMPLATE = Pipeline([('tfidf', TfidfVectorizer(min_df=2, sublinear_tf=True)), ('clf', LogisticRegression(max_iter=1000))])\n"
     "def build_tfidf_lr(ngram_range=(1, 1)):\n    return clone(TEMPLATE).set_params(tfidf__ngram_range=ngram_range)"),
    ("build_tfidf_lr", "right", "make_pipeline, other settings",
     "from sklearn.pipeline import make_pipeline\n"
     "def build_tfidf_lr(ngram_range=(1, 1)):\n"
     "    return make_pipeline(TfidfVectorizer(ngram_range=ngram_range, lowercase=True), LogisticRegression(max_iter=2000, C=2.0))"),
    ("build_tfidf_lr", "right", "imports inside, tuple(ngram_range)",
     "def build_tfidf_lr(ngram_range=(1, 1)):\n    from sklearn import feature_extraction, linear_model, pipeline\n"
     "    return pipeline.Pipeline(steps=[('vec', feature_extraction.text.TfidfVectorizer(ngram_range=tuple(ngram_range), sublinear_tf=True)),\n"
     "                                    ('lr', linear_model.LogisticRegression(max_iter=1000, solver='liblinear'))])"),

    # ---- majority_baseline -------------------------------------------------------------
    ("majority_baseline", "wrong", "the least frequent label",
     "def majority_baseline(train_labels, n):\n    values, counts = np.unique(train_labels, return_counts=True)\n"
     "    if not len(values):\n        raise ValueError('empty')\n    return [int(values[counts.argmin()])] * n"),
    ("majority_baseline", "wrong", "the first training label",
     "def majority_baseline(train_labels, n):\n    if len(train_labels) == 0:\n        raise ValueError('empty')\n    return [int(train_labels[0])] * n"),
    ("majority_baseline", "wrong", "the largest label",
     "def majority_baseline(train_labels, n):\n    if len(train_labels) == 0:\n        raise ValueError('empty')\n    return [int(max(train_labels))] * n"),
    ("majority_baseline", "wrong", "the rounded mean",
     "def majority_baseline(train_labels, n):\n    if len(train_labels) == 0:\n        raise ValueError('empty')\n"
     "    return [int(round(float(np.mean(train_labels))))] * n"),
    ("majority_baseline", "wrong", "float predictions",
     "def majority_baseline(train_labels, n):\n    values, counts = np.unique(train_labels, return_counts=True)\n"
     "    if not len(values):\n        raise ValueError('empty')\n    return np.full(n, float(values[counts.argmax()]))"),
    ("majority_baseline", "wrong", "no error for no labels",
     "def majority_baseline(train_labels, n):\n    values, counts = np.unique(train_labels, return_counts=True)\n"
     "    return [int(values[counts.argmax()]) if len(values) else 0] * n"),
    ("majority_baseline", "wrong", "one label, not n",
     "def majority_baseline(train_labels, n):\n    values, counts = np.unique(train_labels, return_counts=True)\n"
     "    if not len(values):\n        raise ValueError('empty')\n    return int(values[counts.argmax()])"),
    ("majority_baseline", "wrong", "n + 1 predictions",
     "def majority_baseline(train_labels, n):\n    values, counts = np.unique(train_labels, return_counts=True)\n"
     "    if not len(values):\n        raise ValueError('empty')\n    return [int(values[counts.argmax()])] * (n + 1)"),
    ("majority_baseline", "right", "Counter, ties to the largest",
     "from collections import Counter\ndef majority_baseline(train_labels, n):\n"
     "    counts = Counter(int(x) for x in train_labels)\n    if not counts:\n        raise ValueError('empty')\n"
     "    top = max(counts.values())\n    return np.full(n, max(c for c, k in counts.items() if k == top))"),
    ("majority_baseline", "right", "bincount",
     "def majority_baseline(train_labels, n):\n    y = np.asarray(train_labels, dtype=int)\n"
     "    if y.size == 0:\n        raise ValueError('train_labels is empty')\n    return [int(np.bincount(y).argmax()) for _ in range(n)]"),

    # ---- evaluate_row ------------------------------------------------------------------
    ("evaluate_row", "wrong", "predict called twice",
     "from sklearn.metrics import accuracy_score, f1_score\ndef evaluate_row(name, predict, texts, labels):\n"
     "    start = time.perf_counter(); predict(list(texts)); s = time.perf_counter() - start\n    pred = predict(list(texts))\n"
     "    return {'model': name, 'accuracy': accuracy_score(labels, pred), 'f1': f1_score(labels, pred, zero_division=0), 'predictions_per_second': len(texts) / s}"),
    ("evaluate_row", "wrong", "the metrics timed too",
     "from sklearn.metrics import accuracy_score, f1_score\ndef evaluate_row(name, predict, texts, labels):\n"
     "    start = time.perf_counter()\n    pred = predict(list(texts))\n    acc = accuracy_score(labels, pred); f1 = f1_score(labels, pred, zero_division=0)\n"
     "    seconds = time.perf_counter() - start\n"
     "    return {'model': name, 'accuracy': acc, 'f1': f1, 'predictions_per_second': len(texts) / seconds}"),
    ("evaluate_row", "wrong", "seconds per prediction", _ROW.replace("len(texts) / seconds", "seconds / len(texts)")),
    ("evaluate_row", "wrong", "F1 of the negative class", _ROW.replace("f1_score(labels, pred, zero_division=0)", "f1_score(labels, pred, pos_label=0, zero_division=0)")),
    ("evaluate_row", "wrong", "accuracy and F1 swapped",
     _ROW.replace("'accuracy': accuracy_score(labels, pred), 'f1': f1_score(labels, pred, zero_division=0)", "'accuracy': f1_score(labels, pred, zero_division=0), 'f1': accuracy_score(labels, pred)")),
    ("evaluate_row", "wrong", "one call per text",
     "from sklearn.metrics import accuracy_score, f1_score\ndef evaluate_row(name, predict, texts, labels):\n"
     "    start = time.perf_counter()\n    pred = [predict([t])[0] for t in texts]\n    seconds = time.perf_counter() - start\n"
     "    return {'model': name, 'accuracy': accuracy_score(labels, pred), 'f1': f1_score(labels, pred, zero_division=0), 'predictions_per_second': len(texts) / seconds}"),
    ("evaluate_row", "wrong", "NaN F1 when undefined",
     "def evaluate_row(name, predict, texts, labels):\n    t0 = time.perf_counter()\n    pred = np.asarray(predict(list(texts)))\n"
     "    s = time.perf_counter() - t0\n    y = np.asarray(labels)\n"
     "    tp = ((pred == 1) & (y == 1)).sum(); fp = ((pred == 1) & (y == 0)).sum(); fn = ((pred == 0) & (y == 1)).sum()\n"
     "    with np.errstate(all='ignore'):\n        f1 = np.float64(2 * tp) / (2 * tp + fp + fn)\n"
     "    return {'model': name, 'accuracy': float((pred == y).mean()), 'f1': f1, 'predictions_per_second': len(y) / s}"),
    ("evaluate_row", "wrong", "the clock started before reading the labels",
     "def evaluate_row(name, predict, texts, labels):\n    t0 = time.perf_counter()\n    y = np.asarray(list(labels))\n"
     "    pred = np.asarray(predict(list(texts)))\n    s = time.perf_counter() - t0\n"
     "    tp = int(((pred == 1) & (y == 1)).sum()); fp = int(((pred == 1) & (y == 0)).sum()); fn = int(((pred == 0) & (y == 1)).sum())\n"
     "    return {'model': name, 'accuracy': float((pred == y).mean()), 'f1': 2 * tp / (2 * tp + fp + fn) if tp else 0.0, 'predictions_per_second': len(y) / s}"),
    ("evaluate_row", "right", "counts by hand, monotonic clock",
     "def evaluate_row(name, predict, texts, labels):\n    y = np.asarray(list(labels))\n    texts = list(texts)\n"
     "    t0 = time.monotonic()\n    pred = np.asarray(predict(texts))\n    seconds = time.monotonic() - t0\n"
     "    tp = int(((pred == 1) & (y == 1)).sum()); fp = int(((pred == 1) & (y == 0)).sum()); fn = int(((pred == 0) & (y == 1)).sum())\n"
     "    f1 = 2 * tp / (2 * tp + fp + fn) if tp else 0.0\n"
     "    return {'model': name, 'accuracy': float((pred == y).mean()), 'f1': f1, 'predictions_per_second': len(y) / seconds}"),
    ("evaluate_row", "right", "sklearn after the clock, time.time",
     "from sklearn import metrics\ndef evaluate_row(name, predict, texts, labels):\n    texts = list(texts)\n"
     "    before = time.time()\n    predictions = predict(texts)\n    after = time.time()\n"
     "    row = {'model': name}\n    row['accuracy'] = metrics.accuracy_score(labels, predictions)\n"
     "    row['f1'] = metrics.f1_score(labels, predictions, zero_division=0)\n"
     "    row['predictions_per_second'] = len(texts) / max(after - before, 1e-9)\n    return row"),

    # ---- comparison_table --------------------------------------------------------------
    ("comparison_table", "wrong", "worst first",
     "def comparison_table(rows):\n    if not rows:\n        raise ValueError('empty')\n"
     "    return pd.DataFrame(rows).set_index('model').sort_values('accuracy')"),
    ("comparison_table", "wrong", "not indexed by model",
     "def comparison_table(rows):\n    if not rows:\n        raise ValueError('empty')\n"
     "    return pd.DataFrame(rows).sort_values('accuracy', ascending=False).reset_index(drop=True)"),
    ("comparison_table", "wrong", "model kept as a column too",
     "def comparison_table(rows):\n    if not rows:\n        raise ValueError('empty')\n"
     "    df = pd.DataFrame(rows)\n    df.index = df['model']\n    return df.sort_values('accuracy', ascending=False)"),
    ("comparison_table", "wrong", "sorted by F1",
     "def comparison_table(rows):\n    if not rows:\n        raise ValueError('empty')\n"
     "    return pd.DataFrame(rows).set_index('model').sort_values('f1', ascending=False)"),
    ("comparison_table", "wrong", "KeyError for no rows",
     "def comparison_table(rows):\n    return pd.DataFrame(rows).set_index('model').sort_values('accuracy', ascending=False)"),
    ("comparison_table", "wrong", "only accuracy and f1 kept",
     "def comparison_table(rows):\n    if not rows:\n        raise ValueError('empty')\n"
     "    return pd.DataFrame(rows).set_index('model')[['accuracy', 'f1']].sort_values('accuracy', ascending=False)"),
    ("comparison_table", "wrong", "the top three only",
     "def comparison_table(rows):\n    if not rows:\n        raise ValueError('empty')\n"
     "    return pd.DataFrame(rows).set_index('model').sort_values('accuracy', ascending=False).head(3)"),
    ("comparison_table", "wrong", "sorted by name",
     "def comparison_table(rows):\n    if not rows:\n        raise ValueError('empty')\n"
     "    return pd.DataFrame(rows).set_index('model').sort_index()"),
    ("comparison_table", "right", "rows sorted first, index given",
     "def comparison_table(rows):\n    if len(rows) == 0:\n        raise ValueError('empty')\n"
     "    rows = sorted(rows, key=lambda r: -r['accuracy'])\n"
     "    return pd.DataFrame([{k: v for k, v in r.items() if k != 'model'} for r in rows], index=[r['model'] for r in rows])"),
    ("comparison_table", "right", "from_records, named index",
     "def comparison_table(rows):\n    rows = list(rows)\n    if not rows:\n        raise ValueError('No rows given.')\n"
     "    table = pd.DataFrame.from_records(rows, index='model')\n"
     "    return table.sort_values(by='accuracy', ascending=False, kind='mergesort')"),

    # ---- issue 37: the caller's data changed in place; order lost; a shortcut before the check ----
    ("majority_baseline", "wrong", "no predictions asked: [] before the empty check",
     "def majority_baseline(train_labels, n):\n    if n == 0:\n        return []\n"
     "    values, counts = np.unique(np.asarray(train_labels), return_counts=True)\n"
     "    if len(values) == 0:\n        raise ValueError('empty')\n    return [int(values[counts.argmax()])] * n"),
    ("majority_baseline", "wrong", "the caller's labels sorted in place (longest run)",
     "def majority_baseline(train_labels, n):\n    if len(train_labels) == 0:\n        raise ValueError('empty')\n"
     "    train_labels.sort()\n    best, best_run, run = train_labels[0], 0, 0\n"
     "    for i, x in enumerate(train_labels):\n        run = run + 1 if i and x == train_labels[i - 1] else 1\n"
     "        if run > best_run:\n            best, best_run = x, run\n    return [int(best)] * n"),
    ("evaluate_row", "wrong", "texts shuffled before predicting, scored in the given order",
     _ROW.replace("    pred = predict(list(texts))\n",
                  "    import random\n    shuffled = list(texts)\n    random.Random(0).shuffle(shuffled)\n    pred = predict(shuffled)\n")),
    ("evaluate_row", "wrong", "one label per text (dicts keyed by the text)",
     "from sklearn.metrics import accuracy_score, f1_score\ndef evaluate_row(name, predict, texts, labels):\n"
     "    start = time.perf_counter()\n    pred = predict(list(texts))\n    seconds = time.perf_counter() - start\n"
     "    truth, got = dict(zip(texts, labels)), dict(zip(texts, pred))\n"
     "    y, p = [truth[t] for t in got], [got[t] for t in got]\n"
     "    return {'model': name, 'accuracy': accuracy_score(y, p), 'f1': f1_score(y, p, zero_division=0),\n"
     "            'predictions_per_second': len(texts) / seconds}"),
    ("comparison_table", "wrong", "the caller's list of rows sorted in place",
     "def comparison_table(rows):\n    if not rows:\n        raise ValueError('empty')\n"
     "    rows.sort(key=lambda r: r['accuracy'], reverse=True)\n    return pd.DataFrame(rows).set_index('model')"),
    ("comparison_table", "wrong", "a rank added to the caller's rows",
     "def comparison_table(rows):\n    if not rows:\n        raise ValueError('empty')\n"
     "    for i, r in enumerate(sorted(rows, key=lambda r: -r['accuracy'])):\n        r['rank'] = i + 1\n"
     "    return pd.DataFrame(rows).set_index('model').sort_values('accuracy', ascending=False)"),
]
