"""Answers for 05_inference: input checks, probabilities, length-sorted batches, predictions, and two behavioural tests."""

_CHECK = (
    "def check_reviews(texts):\n    if texts is None:\n        raise ValueError('none')\n"
    "    if isinstance(texts, str):\n        texts = [texts]\n    texts = list(texts)\n"
    "    if not texts:\n        raise ValueError('empty')\n"
    "    for t in texts:\n        if not isinstance(t, str) or not t.strip():\n            raise ValueError('bad review')\n    return texts"
)
_PROBA = (
    "def predict_proba(model, tokenizer, texts, max_length=512):\n    model.eval()\n"
    "    enc = tokenizer(list(texts), truncation=True, max_length=max_length, padding=True, return_tensors='pt')\n"
    "    with torch.inference_mode():\n"
    "        logits = model(input_ids=enc['input_ids'], attention_mask=enc['attention_mask']).logits\n"
    "    return torch.softmax(logits, dim=-1).numpy()"
)
_BATCHES = (
    "def length_batches(texts, batch_size):\n    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))\n"
    "    return [order[i:i + batch_size] for i in range(0, len(order), batch_size)]"
)
_PREDICT = (
    "def predict_sentiment(model, tokenizer, texts, batch_size=32):\n    texts = check_reviews(texts)\n"
    "    probs = np.zeros((len(texts), 2))\n"
    "    for batch in length_batches(texts, batch_size):\n"
    "        probs[batch] = predict_proba(model, tokenizer, [texts[i] for i in batch])\n"
    "    return [{'text': t, 'label': model.config.id2label[int(p.argmax())], 'score': float(p.max())} for t, p in zip(texts, probs)]"
)
# the behavioural tests use `vocabulary` (load_suites()["vocabulary"]) from the notebook's behaviour_setup cell
_MFT = (
    "def minimum_functionality_test(predict_positive):\n"
    "    cases = [(f'The {noun} was not {adj}.', 'negative') for noun in vocabulary['noun'] for adj in vocabulary['pos_adj']]\n"
    "    p = predict_positive([t for t, _ in cases])\n"
    "    return [(t, label) for (t, label), q in zip(cases, p) if (q < 0.5 if label == 'positive' else q > 0.5)]"
)
_INV = (
    "def invariance_test(predict_positive, tolerance=0.1):\n    names = vocabulary['name']\n"
    "    pairs = [(f'{a} thought the {noun} was {adj}.', f'{b} thought the {noun} was {adj}.')\n"
    "             for a, b in zip(names[0::2], names[1::2]) for noun in vocabulary['noun'][:2] for adj in ('good', 'awful')]\n"
    "    p = predict_positive([t for pair in pairs for t in pair])\n"
    "    return [pair for pair, a, b in zip(pairs, p[0::2], p[1::2]) if abs(b - a) > tolerance]"
)

ANSWERS = [
    # ---- check_reviews -----------------------------------------------------------------
    ("check_reviews", "wrong", "a string split into characters",
     _CHECK.replace("    if isinstance(texts, str):\n        texts = [texts]\n", "")),
    ("check_reviews", "wrong", "blank reviews accepted",
     _CHECK.replace("not isinstance(t, str) or not t.strip()", "not isinstance(t, str) or t == ''")),
    ("check_reviews", "wrong", "TypeError for a non-string",
     _CHECK.replace("        if not isinstance(t, str) or not t.strip():\n            raise ValueError('bad review')",
                    "        if not isinstance(t, str):\n            raise TypeError('not a string')\n        if not t.strip():\n            raise ValueError('blank')")),
    ("check_reviews", "wrong", "a generator read twice",
     "def check_reviews(texts):\n    if texts is None:\n        raise ValueError('none')\n"
     "    if isinstance(texts, str):\n        return [texts]\n"
     "    if not list(texts):\n        raise ValueError('empty')\n"
     "    if any(not isinstance(t, str) or not t.strip() for t in texts):\n        raise ValueError('bad')\n    return list(texts)"),
    ("check_reviews", "wrong", "reviews stripped",
     _CHECK.replace("    return texts", "    return [t.strip() for t in texts]")),
    ("check_reviews", "wrong", "a tuple returned as given",
     "def check_reviews(texts):\n    if texts is None or isinstance(texts, str) and not texts.strip():\n        raise ValueError('none')\n"
     "    if isinstance(texts, str):\n        return [texts]\n    if not isinstance(texts, (list, tuple)):\n        texts = list(texts)\n"
     "    if len(texts) == 0 or any(not isinstance(t, str) or not t.strip() for t in texts):\n        raise ValueError('bad')\n    return texts"),
    ("check_reviews", "wrong", "bytes accepted",
     _CHECK.replace("not isinstance(t, str) or not t.strip()", "not isinstance(t, (str, bytes)) or not t.strip()")),
    ("check_reviews", "wrong", "None crashes with TypeError",
     _CHECK.replace("    if texts is None:\n        raise ValueError('none')\n", "")),
    ("check_reviews", "right", "a loop with messages",
     "def check_reviews(texts):\n    if isinstance(texts, str):\n        texts = (texts,)\n"
     "    if texts is None:\n        raise ValueError('No reviews: got None.')\n    out = []\n"
     "    for i, t in enumerate(texts):\n        if type(t) is not str:\n            raise ValueError(f'Review {i} is a {type(t).__name__}.')\n"
     "        if t.isspace() or t == '':\n            raise ValueError(f'Review {i} is blank.')\n        out.append(t)\n"
     "    if not out:\n        raise ValueError('No reviews.')\n    return out"),
    ("check_reviews", "right", "all() checks",
     "def check_reviews(texts):\n    if texts is None:\n        raise ValueError('texts is None')\n"
     "    items = [texts] if isinstance(texts, str) else [t for t in texts]\n"
     "    if len(items) == 0 or not all(isinstance(t, str) and len(t.strip()) > 0 for t in items):\n"
     "        raise ValueError('Give a non-empty list of non-blank strings.')\n    return items"),

    # ---- predict_proba -----------------------------------------------------------------
    ("predict_proba", "wrong", "no attention mask",
     _PROBA.replace("model(input_ids=enc['input_ids'], attention_mask=enc['attention_mask'])", "model(input_ids=enc['input_ids'])")),
    ("predict_proba", "wrong", "max_length ignored (always 512)", _PROBA.replace("max_length=max_length, padding", "max_length=512, padding")),
    ("predict_proba", "wrong", "no truncation (crashes on long reviews)",
     _PROBA.replace("truncation=True, max_length=max_length, padding=True", "padding=True")),
    ("predict_proba", "wrong", "dropout left on (no model.eval())", _PROBA.replace("    model.eval()\n", "")),
    ("predict_proba", "wrong", "gradients on",
     _PROBA.replace("    with torch.inference_mode():\n        logits", "    if True:\n        logits").replace(".numpy()", ".detach().numpy()")),
    ("predict_proba", "wrong", "a torch tensor", _PROBA.replace("return torch.softmax(logits, dim=-1).numpy()", "return torch.softmax(logits, dim=-1)")),
    ("predict_proba", "wrong", "a list of lists", _PROBA.replace(".numpy()", ".tolist()")),
    ("predict_proba", "wrong", "rows left in length order",
     "def predict_proba(model, tokenizer, texts, max_length=512):\n    model.eval()\n    texts = sorted(texts, key=len)\n"
     "    enc = tokenizer(texts, truncation=True, max_length=max_length, padding=True, return_tensors='pt')\n"
     "    with torch.inference_mode():\n"
     "        logits = model(input_ids=enc['input_ids'], attention_mask=enc['attention_mask']).logits\n"
     "    return torch.softmax(logits, dim=-1).numpy()"),
    ("predict_proba", "wrong", "token_type_ids passed", _PROBA.replace("model(input_ids=enc['input_ids'], attention_mask=enc['attention_mask'])", "model(**enc)")),
    ("predict_proba", "wrong", "softmax over the batch", _PROBA.replace("dim=-1", "dim=0")),
    ("predict_proba", "right", "one review at a time",
     "def predict_proba(model, tokenizer, texts, max_length=512):\n    model.eval()\n    rows = []\n"
     "    with torch.no_grad():\n        for text in texts:\n"
     "            enc = tokenizer(text, truncation=True, max_length=max_length, return_tensors='pt')\n"
     "            rows.append(torch.softmax(model(input_ids=enc['input_ids'], attention_mask=enc['attention_mask']).logits[0], -1).tolist())\n"
     "    return np.array(rows)"),
    ("predict_proba", "right", "padded to max_length, exp by hand",
     "def predict_proba(model, tokenizer, texts, max_length=512):\n    model.train(False)\n"
     "    enc = tokenizer(list(texts), truncation=True, max_length=max_length, padding='max_length', return_tensors='pt')\n"
     "    with torch.inference_mode():\n"
     "        z = model(enc['input_ids'], enc['attention_mask']).logits.double()\n"
     "    e = (z - z.max(-1, keepdim=True).values).exp()\n    return (e / e.sum(-1, keepdim=True)).numpy()"),

    # ---- length_batches ----------------------------------------------------------------
    ("length_batches", "wrong", "input order, not sorted",
     "def length_batches(texts, batch_size):\n    return [list(range(i, min(i + batch_size, len(texts)))) for i in range(0, len(texts), batch_size)]"),
    ("length_batches", "wrong", "sorted by word count",
     _BATCHES.replace("key=lambda i: len(texts[i])", "key=lambda i: len(texts[i].split())")),
    ("length_batches", "wrong", "positions found with list.index",
     "def length_batches(texts, batch_size):\n    order = [texts.index(t) for t in sorted(texts, key=len)]\n"
     "    return [order[i:i + batch_size] for i in range(0, len(order), batch_size)]"),
    ("length_batches", "wrong", "the last partial batch dropped",
     "def length_batches(texts, batch_size):\n    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))\n"
     "    return [order[i:i + batch_size] for i in range(0, len(order) - batch_size + 1, batch_size)]"),
    ("length_batches", "wrong", "positions as floats",
     "def length_batches(texts, batch_size):\n    order = np.argsort([len(t) for t in texts], kind='stable').astype(float)\n"
     "    return [order[i:i + batch_size] for i in range(0, len(order), batch_size)]"),
    ("length_batches", "wrong", "one 2-D array of batches (the last one padded with -1)",
     "def length_batches(texts, batch_size):\n    order = np.argsort([len(t) for t in texts], kind='stable')\n"
     "    n = -(-len(order) // batch_size)\n    padded = np.full(n * batch_size, -1)\n    padded[:len(order)] = order\n"
     "    return list(padded.reshape(n, batch_size)) if n else []"),
    ("length_batches", "wrong", "sorted within each batch only",
     "def length_batches(texts, batch_size):\n    idx = list(range(len(texts)))\n"
     "    return [sorted(idx[i:i + batch_size], key=lambda j: len(texts[j])) for i in range(0, len(idx), batch_size)]"),
    ("length_batches", "wrong", "the texts instead of positions",
     "def length_batches(texts, batch_size):\n    order = sorted(texts, key=len)\n"
     "    return [order[i:i + batch_size] for i in range(0, len(order), batch_size)]"),
    ("length_batches", "wrong", "an empty batch for no texts",
     "def length_batches(texts, batch_size):\n    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))\n"
     "    return [order[i:i + batch_size] for i in range(0, max(len(order), 1), batch_size)]"),
    ("length_batches", "right", "argsort, lists, longest first",
     "def length_batches(texts, batch_size):\n    order = np.argsort([-len(t) for t in texts], kind='stable').tolist()\n"
     "    return [order[i:i + batch_size] for i in range(0, len(order), batch_size)]"),
    ("length_batches", "right", "NumPy arrays as batches (the hint's np.argsort, cut into slices)",
     "def length_batches(texts, batch_size):\n    order = np.argsort([len(t) for t in texts], kind='stable')\n"
     "    return [order[i:i + batch_size] for i in range(0, len(order), batch_size)]"),
    ("length_batches", "right", "np.array_split of the order",
     "def length_batches(texts, batch_size):\n    order = np.argsort([-len(t) for t in texts], kind='stable')\n"
     "    return [b for b in np.array_split(order, range(batch_size, len(order), batch_size)) if len(b)]"),
    ("length_batches", "right", "a while loop",
     "def length_batches(texts, batch_size):\n    pending = sorted(range(len(texts)), key=lambda i: (len(texts[i]), i))\n    out = []\n"
     "    while pending:\n        out.append(pending[:batch_size])\n        pending = pending[batch_size:]\n    return out"),

    # ---- predict_sentiment -------------------------------------------------------------
    ("predict_sentiment", "wrong", "results in batch order",
     "def predict_sentiment(model, tokenizer, texts, batch_size=32):\n    texts = check_reviews(texts)\n    out = []\n"
     "    for batch in length_batches(texts, batch_size):\n"
     "        for i, p in zip(batch, predict_proba(model, tokenizer, [texts[i] for i in batch])):\n"
     "            out.append({'text': texts[i], 'label': model.config.id2label[int(np.argmax(p))], 'score': float(max(p))})\n"
     "    return out"),
    ("predict_sentiment", "wrong", "batch results written to consecutive rows",
     "def predict_sentiment(model, tokenizer, texts, batch_size=32):\n    texts = check_reviews(texts)\n"
     "    probs = np.zeros((len(texts), 2))\n    row = 0\n"
     "    for batch in length_batches(texts, batch_size):\n"
     "        probs[row:row + len(batch)] = predict_proba(model, tokenizer, [texts[i] for i in batch])\n        row += len(batch)\n"
     "    return [{'text': t, 'label': model.config.id2label[int(p.argmax())], 'score': float(p.max())} for t, p in zip(texts, probs)]"),
    ("predict_sentiment", "wrong", "positions found with list.index",
     "def predict_sentiment(model, tokenizer, texts, batch_size=32):\n    texts = check_reviews(texts)\n"
     "    probs = np.zeros((len(texts), 2))\n"
     "    for batch in length_batches(texts, batch_size):\n        chunk = [texts[i] for i in batch]\n"
     "        for t, p in zip(chunk, predict_proba(model, tokenizer, chunk)):\n            probs[texts.index(t)] = p\n"
     "    return [{'text': t, 'label': model.config.id2label[int(p.argmax())], 'score': float(p.max())} for t, p in zip(texts, probs)]"),
    ("predict_sentiment", "wrong", "no length-sorted batches (one call)",
     "def predict_sentiment(model, tokenizer, texts, batch_size=32):\n    texts = check_reviews(texts)\n"
     "    probs = np.asarray(predict_proba(model, tokenizer, texts))\n"
     "    return [{'text': t, 'label': model.config.id2label[int(p.argmax())], 'score': float(p.max())} for t, p in zip(texts, probs)]"),
    ("predict_sentiment", "wrong", "batches in input order",
     "def predict_sentiment(model, tokenizer, texts, batch_size=32):\n    texts = check_reviews(texts)\n    probs = []\n"
     "    for i in range(0, len(texts), batch_size):\n        probs.extend(predict_proba(model, tokenizer, texts[i:i + batch_size]))\n"
     "    return [{'text': t, 'label': model.config.id2label[int(np.argmax(p))], 'score': float(np.max(p))} for t, p in zip(texts, probs)]"),
    ("predict_sentiment", "wrong", "no input check (a string read as characters)",
     _PREDICT.replace("    texts = check_reviews(texts)\n", "    texts = list(texts)\n")),
    ("predict_sentiment", "wrong", "score of the positive class always",
     _PREDICT.replace("'score': float(p.max())", "'score': float(p[1])")),
    ("predict_sentiment", "wrong", "label index reversed",
     _PREDICT.replace("model.config.id2label[int(p.argmax())]", "model.config.id2label[int(p.argmin())]")),
    ("predict_sentiment", "wrong", "a float32 score",
     _PREDICT.replace("float(p.max())", "np.float32(p.max())")),
    ("predict_sentiment", "wrong", "label names written in the answer",
     _PREDICT.replace("model.config.id2label[int(p.argmax())]", "['negative', 'positive'][int(p.argmax())]")),
    ("predict_sentiment", "wrong", "label names from a dict of its own",
     _PREDICT.replace("model.config.id2label[int(p.argmax())]", "{0: 'negative', 1: 'positive'}[int(p.argmax())]")),
    ("predict_sentiment", "wrong", "positive when p[1] > 0.5, by name",
     _PREDICT.replace("model.config.id2label[int(p.argmax())]", "'positive' if p[1] > 0.5 else 'negative'")),
    ("predict_sentiment", "right", "fill by positions, then build",
     "def predict_sentiment(model, tokenizer, texts, batch_size=32):\n    texts = check_reviews(texts)\n    probs = [None] * len(texts)\n"
     "    for batch in length_batches(texts, batch_size):\n"
     "        for pos, p in zip(batch, predict_proba(model, tokenizer, [texts[i] for i in batch])):\n            probs[pos] = p\n"
     "    out = []\n    for text, p in zip(texts, probs):\n        k = int(np.argmax(p))\n"
     "        out.append(dict(text=text, label=model.config.id2label[k], score=float(p[k])))\n    return out"),
    ("predict_sentiment", "right", "a dict of positions, sorted back",
     "def predict_sentiment(model, tokenizer, texts, batch_size=32):\n    texts = check_reviews(texts)\n    found = {}\n"
     "    for batch in length_batches(texts, batch_size):\n        batch = list(batch)\n"
     "        found.update(zip(batch, np.asarray(predict_proba(model, tokenizer, [texts[i] for i in batch]))))\n"
     "    return [{'text': texts[i], 'label': model.config.id2label[int(found[i].argmax())], 'score': found[i].max().item()} for i in range(len(texts))]"),
    # ---- the grader's own reference helpers are refused too ---------------------------------
    ("check_reviews", "wrong", "calls the grader's reference helper",
     "def check_reviews(texts):\n    return grading.ref_check_reviews(texts)"),
    ("predict_proba", "wrong", "calls the grader's reference helper",
     "def predict_proba(model, tokenizer, texts, max_length=512):\n    return grading.ref_predict_proba(model, tokenizer, texts, max_length)"),
    ("length_batches", "wrong", "calls the grader's reference helper",
     "def length_batches(texts, batch_size):\n    return grading.ref_length_batches(texts, batch_size)"),

    # ---- minimum_functionality_test ------------------------------------------------------
    ("minimum_functionality_test", "wrong", "expected labels inverted", _MFT.replace("'negative') for noun", "'positive') for noun")),
    ("minimum_functionality_test", "wrong", "plain sentences: no capability tested",
     _MFT.replace("f'The {noun} was not {adj}.', 'negative'", "f'The {noun} was {adj}.', 'positive'")),
    ("minimum_functionality_test", "wrong", "returns the passing cases",
     _MFT.replace("if (q < 0.5 if label == 'positive' else q > 0.5)", "if not (q < 0.5 if label == 'positive' else q > 0.5)")),
    ("minimum_functionality_test", "wrong", "a confident threshold (0.9 / 0.1), not 0.5",
     _MFT.replace("(q < 0.5 if label == 'positive' else q > 0.5)", "(q < 0.9 if label == 'positive' else q > 0.1)")),
    ("minimum_functionality_test", "wrong", "a negative case fails only above 0.3 (fits the visible models' confidence)",
     _MFT.replace("(q < 0.5 if label == 'positive' else q > 0.5)", "(q < 0.5 if label == 'positive' else q > 0.3)")),
    ("minimum_functionality_test", "wrong", "three cases", _MFT.replace("for adj in vocabulary['pos_adj']]", "for adj in vocabulary['pos_adj']][:3]")),
    ("minimum_functionality_test", "wrong", "stops at the first failing case",
     "def minimum_functionality_test(predict_positive):\n"
     "    cases = [(f'The {noun} was not {adj}.', 'negative') for noun in vocabulary['noun'] for adj in vocabulary['pos_adj']]\n"
     "    for (t, label), q in zip(cases, predict_positive([t for t, _ in cases])):\n"
     "        if q > 0.5:\n            return [(t, label)]\n    return []"),
    ("minimum_functionality_test", "wrong", "expected labels from the healthy toy model",
     "def minimum_functionality_test(predict_positive):\n    oracle = grading.toy_models.healthy()\n"
     "    texts = [f'The {noun} was not {adj}.' for noun in vocabulary['noun'] for adj in vocabulary['pos_adj']]\n"
     "    expected = ['positive' if q > 0.5 else 'negative' for q in oracle(texts)]\n"
     "    p = predict_positive(texts)\n"
     "    return [(t, e) for t, e, q in zip(texts, expected, p) if (q > 0.5) != (e == 'positive')]"),
    ("minimum_functionality_test", "wrong", "returns the texts only",
     _MFT.replace("return [(t, label) for (t, label)", "return [t for (t, label)")),
    ("minimum_functionality_test", "wrong", "labels 'pos' and 'neg'",
     _MFT.replace("'negative') for noun", "'neg') for noun").replace("label == 'positive'", "label == 'pos'")),
    ("minimum_functionality_test", "wrong", "cases from behaviour.generate",
     "from sentiment_lib.behaviour import generate, load_suites\n"
     "def minimum_functionality_test(predict_positive):\n    data = load_suites()\n"
     "    suite = next(s for s in data['suites'] if s['capability'] == 'negation')\n"
     "    cases = [(c.text, c.expected) for c in generate(suite, data['vocabulary'], n=40)]\n"
     "    p = predict_positive([t for t, _ in cases])\n"
     "    return [(t, label) for (t, label), q in zip(cases, p) if (q < 0.5 if label == 'positive' else q > 0.5)]"),
    ("minimum_functionality_test", "right", "contrast, a loop",
     "def minimum_functionality_test(predict_positive):\n    cases = []\n"
     "    for noun in vocabulary['noun']:\n        for pos in vocabulary['pos_adj'][:4]:\n            for neg in vocabulary['neg_adj'][:2]:\n"
     "                cases.append((f'The {noun} is {pos}, but the ending is {neg}.', 'negative'))\n"
     "                cases.append((f'The {noun} is {neg}, but the ending is {pos}.', 'positive'))\n"
     "    failures = []\n    for (text, label), p in zip(cases, predict_positive([t for t, _ in cases])):\n"
     "        if (label == 'positive') != (p > 0.5):\n            failures.append((text, label))\n    return failures"),
    ("minimum_functionality_test", "right", "negated negatives, one call per case, 0.5 counts as wrong, lists",
     "def minimum_functionality_test(predict_positive):\n    out = []\n"
     "    for noun in vocabulary['noun'][:5]:\n        for adj in vocabulary['neg_adj'][:6]:\n"
     "            text = f'The {noun} was not {adj} at all.'\n            p = float(predict_positive([text])[0])\n"
     "            if p <= 0.5:\n                out.append([text, 'positive'])\n    return out"),
    ("minimum_functionality_test", "right", "negation and contrast, NumPy masks",
     "def minimum_functionality_test(predict_positive):\n    texts, labels = [], []\n"
     "    for adj in vocabulary['pos_adj']:\n"
     "        texts.append(f\"I didn't think the plot was {adj}.\"); labels.append('negative')\n"
     "        texts.append(f\"It was {adj}, however the script was {vocabulary['neg_adj'][0]}.\"); labels.append('negative')\n"
     "    p = np.asarray(predict_positive(texts))\n    want = np.array(labels) == 'positive'\n"
     "    wrong = np.where(want, p < 0.5, p > 0.5)\n"
     "    return [(t, l) for t, l, w in zip(texts, labels, wrong) if w]"),

    # ---- invariance_test -----------------------------------------------------------------
    ("invariance_test", "wrong", "always []", "def invariance_test(predict_positive, tolerance=0.1):\n    return []"),
    ("invariance_test", "wrong", "the variant changes the sentiment",
     _INV.replace("f'{b} thought the {noun} was {adj}.'", "f'{a} thought the {noun} was ' + ('awful' if adj == 'good' else 'good') + '.'")),
    ("invariance_test", "wrong", "flags only label flips", _INV.replace("if abs(b - a) > tolerance", "if (a > 0.5) != (b > 0.5)")),
    ("invariance_test", "wrong", "returns every pair", _INV.replace("return [pair for pair, a, b in zip(pairs, p[0::2], p[1::2]) if abs(b - a) > tolerance]", "return pairs")),
    ("invariance_test", "wrong", "three pairs", _INV.replace("for adj in ('good', 'awful')]", "for adj in ('good', 'awful')][:3]")),
    ("invariance_test", "wrong", "tolerance ignored (0.1 written in)", _INV.replace("abs(b - a) > tolerance", "abs(b - a) > 0.1")),
    ("invariance_test", "wrong", "only moves up", _INV.replace("abs(b - a) > tolerance", "b - a > tolerance")),
    ("invariance_test", "wrong", "stops at the first pair that moves",
     "def invariance_test(predict_positive, tolerance=0.1):\n    names = vocabulary['name']\n"
     "    for a, b in zip(names[0::2], names[1::2]):\n        for adj in vocabulary['pos_adj'][:4]:\n"
     "            pair = (f'{a} thought the film was {adj}.', f'{b} thought the film was {adj}.')\n"
     "            p, q = predict_positive(list(pair))\n"
     "            if abs(q - p) > tolerance:\n                return [pair]\n    return []"),
    ("invariance_test", "wrong", "the variant is the text (the name replaced in lower case)",
     "def invariance_test(predict_positive, tolerance=0.1):\n    names = vocabulary['name']\n    pairs = []\n"
     "    for a, b in zip(names, names[1:]):\n        for adj in vocabulary['pos_adj'][:3]:\n"
     "            text = f'{a} thought the film was {adj}.'\n            pairs.append((text, text.replace(a.lower(), b)))\n"
     "    p = predict_positive([t for pair in pairs for t in pair])\n"
     "    return [pair for pair, x, y in zip(pairs, p[0::2], p[1::2]) if abs(y - x) > tolerance]"),
    ("invariance_test", "wrong", "compares with the healthy toy model",
     _INV.replace("    p = predict_positive([t for pair in pairs for t in pair])\n",
                  "    texts = [t for pair in pairs for t in pair]\n"
                  "    p = predict_positive(texts) - grading.toy_models.healthy()(texts) + 0.5\n")),
    ("invariance_test", "wrong", "returns the variants only",
     _INV.replace("return [pair for pair, a, b", "return [pair[1] for pair, a, b")),
    ("invariance_test", "wrong", "pairs from behaviour.generate",
     "from sentiment_lib import behaviour\n"
     "def invariance_test(predict_positive, tolerance=0.1):\n    data = behaviour.load_suites()\n"
     "    suite = next(s for s in data['suites'] if s.get('swap') == 'name')\n"
     "    pairs = [(c.text, c.variant) for c in behaviour.generate(suite, data['vocabulary'], n=30)]\n"
     "    p = predict_positive([t for pair in pairs for t in pair])\n"
     "    return [pair for pair, a, b in zip(pairs, p[0::2], p[1::2]) if abs(b - a) > tolerance]"),
    ("invariance_test", "right", "typos in sentiment words, its own swap",
     "def invariance_test(predict_positive, tolerance=0.1):\n"
     "    def typo(word):\n        for i in range(1, len(word) - 1):\n            if word[i] != word[i + 1]:\n"
     "                return word[:i] + word[i + 1] + word[i] + word[i + 2:]\n        return word\n"
     "    pairs = [(f'The {noun} was {adj}.', f'The {noun} was {typo(adj)}.')\n"
     "             for noun in vocabulary['noun'] for adj in vocabulary['pos_adj'][:3] + vocabulary['neg_adj'][:3]]\n"
     "    p = predict_positive([t for pair in pairs for t in pair])\n"
     "    return [pair for pair, a, b in zip(pairs, p[0::2], p[1::2]) if abs(b - a) > tolerance]"),
    ("invariance_test", "right", "film titles, two calls, lists as pairs",
     "def invariance_test(predict_positive, tolerance=0.1):\n    titles = vocabulary['title']\n    texts, variants = [], []\n"
     "    for i, title in enumerate(titles):\n        for adj in vocabulary['pos_adj'][:2] + vocabulary['neg_adj'][:2]:\n"
     "            texts.append(f'I watched {title} last night and it was {adj}.')\n"
     "            variants.append(f'I watched {titles[(i + 3) % len(titles)]} last night and it was {adj}.')\n"
     "    before, after = predict_positive(texts), predict_positive(variants)\n"
     "    return [[t, v] for t, v, a, b in zip(texts, variants, before, after) if abs(a - b) > tolerance]"),
    ("invariance_test", "right", "numbers, one pair per call, a tuple",
     "def invariance_test(predict_positive, tolerance=0.1):\n    moved = []\n"
     "    for n1, n2 in zip(vocabulary['number'], vocabulary['number'][1:]):\n"
     "        for adj in ['clever', 'dull', 'moving', 'tedious', 'funny']:\n"
     "            text, variant = f'After {n1} minutes I knew it was {adj}.', f'After {n2} minutes I knew it was {adj}.'\n"
     "            a, b = predict_positive([text, variant])\n"
     "            if abs(a - b) > tolerance:\n                moved.append((text, variant))\n    return tuple(moved)"),

    # ---- issue 37: a shortcut before the input check; behavioural tests that are not what the task asks ----
    ("predict_sentiment", "wrong", "one string predicted before the input check",
     _PREDICT.replace("    texts = check_reviews(texts)\n",
                      "    if isinstance(texts, str):\n        p = predict_proba(model, tokenizer, [texts])[0]\n"
                      "        return [{'text': texts, 'label': model.config.id2label[int(p.argmax())], 'score': float(p.max())}]\n"
                      "    texts = check_reviews(texts)\n")),
    ("minimum_functionality_test", "wrong", "failures reported only when at least two cases fail",
     _MFT.replace("    return [(t, label) for (t, label), q in zip(cases, p)", "    failed = [(t, label) for (t, label), q in zip(cases, p)")
     + "\n    return failed if len(failed) >= 2 else []"),
    ("minimum_functionality_test", "wrong", "a margin: only P(positive) beyond 0.6 or below 0.4 is judged",
     _MFT.replace("(q < 0.5 if label == 'positive' else q > 0.5)", "(q < 0.4 if label == 'positive' else q > 0.6)")),
    ("invariance_test", "wrong", "a pair that does not move is flagged at tolerance 0 (not below the tolerance)",
     _INV.replace("if abs(b - a) > tolerance", "if not abs(b - a) < tolerance")),
    ("invariance_test", "wrong", "21 texts in 7 triples: 14 pairs",
     "def invariance_test(predict_positive, tolerance=0.1):\n    names = vocabulary['name']\n"
     "    adjs = vocabulary['pos_adj'][:4] + vocabulary['neg_adj'][:3]\n"
     "    groups = [[f'{n} thought the {noun} was {adj}.' for n in names[:3]] for noun, adj in zip(vocabulary['noun'], adjs)]\n"
     "    pairs = [(g[0], v) for g in groups for v in g[1:]]\n"
     "    p = dict(zip([t for g in groups for t in g], predict_positive([t for g in groups for t in g])))\n"
     "    return [(t, v) for t, v in pairs if abs(p[v] - p[t]) > tolerance]"),
    ("invariance_test", "wrong", "a number that is a rating: '3/10' against '8/10'",
     "def invariance_test(predict_positive, tolerance=0.1):\n"
     "    pairs = [(f'{name} gave the {noun} 3/10.', f'{name} gave the {noun} 8/10.')\n"
     "             for name in vocabulary['name'][:5] for noun in vocabulary['noun'][:5]]\n"
     "    p = predict_positive([t for pair in pairs for t in pair])\n"
     "    return [pair for pair, a, b in zip(pairs, p[0::2], p[1::2]) if abs(b - a) > tolerance]"),
]
