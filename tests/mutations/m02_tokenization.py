"""Answers for 02_tokenization: padding and mask, head+tail, batch encoding, padding cost."""

_ENC_OK = (
    "def encode_head_tail(texts, tokenizer, max_length, head):\n"
    "    if not texts:\n        return {'input_ids': [], 'attention_mask': []}\n"
    "    content = tokenizer(list(texts), add_special_tokens=False)['input_ids']\n"
    "    ids = [[tokenizer.cls_token_id, *head_tail(seq, max_length - 2, head), tokenizer.sep_token_id] for seq in content]\n"
    "    a, b = pad_and_mask(ids, tokenizer.pad_token_id)\n    return {'input_ids': a, 'attention_mask': b}"
)

ANSWERS = [
    # ---- pad_and_mask ------------------------------------------------------------------
    ("pad_and_mask", "wrong", "left padding",
     "def pad_and_mask(sequences, pad_id):\n    n = max((len(s) for s in sequences), default=0)\n"
     "    return [[pad_id] * (n - len(s)) + list(s) for s in sequences], [[0] * (n - len(s)) + [1] * len(s) for s in sequences]"),
    ("pad_and_mask", "wrong", "mask from ids != pad_id",
     "def pad_and_mask(sequences, pad_id):\n    n = max((len(s) for s in sequences), default=0)\n"
     "    ids = [list(s) + [pad_id] * (n - len(s)) for s in sequences]\n    return ids, [[int(t != pad_id) for t in row] for row in ids]"),
    ("pad_and_mask", "wrong", "pads with 0 whatever pad_id",
     "def pad_and_mask(sequences, pad_id):\n    n = max((len(s) for s in sequences), default=0)\n"
     "    return [list(s) + [0] * (n - len(s)) for s in sequences], [[1] * len(s) + [0] * (n - len(s)) for s in sequences]"),
    ("pad_and_mask", "wrong", "crashes on an empty batch",
     "def pad_and_mask(sequences, pad_id):\n    n = max(len(s) for s in sequences)\n"
     "    return [list(s) + [pad_id] * (n - len(s)) for s in sequences], [[1] * len(s) + [0] * (n - len(s)) for s in sequences]"),
    ("pad_and_mask", "wrong", "mask of ones everywhere",
     "def pad_and_mask(sequences, pad_id):\n    n = max((len(s) for s in sequences), default=0)\n"
     "    return [list(s) + [pad_id] * (n - len(s)) for s in sequences], [[1] * n for s in sequences]"),
    ("pad_and_mask", "wrong", "padded one past the longest",
     "def pad_and_mask(sequences, pad_id):\n    n = max((len(s) for s in sequences), default=-1) + 1\n"
     "    return [list(s) + [pad_id] * (n - len(s)) for s in sequences], [[1] * len(s) + [0] * (n - len(s)) for s in sequences]"),
    ("pad_and_mask", "wrong", "a dict instead of a tuple",
     "def pad_and_mask(sequences, pad_id):\n    n = max((len(s) for s in sequences), default=0)\n"
     "    return {'input_ids': [list(s) + [pad_id] * (n - len(s)) for s in sequences], 'attention_mask': [[1] * len(s) + [0] * (n - len(s)) for s in sequences]}"),
    ("pad_and_mask", "wrong", "mask inverted",
     "def pad_and_mask(sequences, pad_id):\n    n = max((len(s) for s in sequences), default=0)\n"
     "    return [list(s) + [pad_id] * (n - len(s)) for s in sequences], [[0] * len(s) + [1] * (n - len(s)) for s in sequences]"),
    ("pad_and_mask", "right", "NumPy arrays",
     "def pad_and_mask(sequences, pad_id):\n    n = max((len(s) for s in sequences), default=0)\n"
     "    if not sequences:\n        return [], []\n"
     "    ids = np.full((len(sequences), n), pad_id); mask = np.zeros((len(sequences), n), dtype=int)\n"
     "    for i, s in enumerate(sequences):\n        ids[i, :len(s)] = s; mask[i, :len(s)] = 1\n    return ids, mask"),
    ("pad_and_mask", "right", "appending in a loop",
     "def pad_and_mask(sequences, pad_id):\n    longest = 0\n    for s in sequences:\n        longest = max(longest, len(s))\n"
     "    ids, mask = [], []\n    for s in sequences:\n        row, m = list(s), [1] * len(s)\n"
     "        while len(row) < longest:\n            row.append(pad_id); m.append(0)\n        ids.append(row); mask.append(m)\n    return (ids, mask)"),

    # ---- head_tail ---------------------------------------------------------------------
    ("head_tail", "wrong", "ids[-0:] keeps everything when head == budget",
     "def head_tail(ids, budget, head):\n    if budget < 1:\n        raise ValueError('budget')\n"
     "    ids = list(ids)\n    return ids if len(ids) <= budget else ids[:head] + ids[-(budget - head):]"),
    ("head_tail", "wrong", "one id short at the tail",
     "def head_tail(ids, budget, head):\n    if budget < 1:\n        raise ValueError('budget')\n"
     "    ids = list(ids)\n    return ids if len(ids) <= budget else ids[:head] + ids[len(ids) - (budget - head) + 1:]"),
    ("head_tail", "wrong", "no ValueError for a negative budget",
     "def head_tail(ids, budget, head):\n    if budget == 0:\n        raise ValueError('budget')\n"
     "    ids = list(ids)\n    if len(ids) <= budget:\n        return ids\n    tail = budget - head\n    return ids[:head] + (ids[len(ids) - tail:] if tail > 0 else [])"),
    ("head_tail", "wrong", "returns the input itself (a tuple stays a tuple)",
     "def head_tail(ids, budget, head):\n    if budget < 1:\n        raise ValueError('budget')\n"
     "    if len(ids) <= budget:\n        return ids\n    ids = list(ids)\n    tail = budget - head\n    return ids[:head] + (ids[len(ids) - tail:] if tail > 0 else [])"),
    ("head_tail", "wrong", "a NumPy array",
     "def head_tail(ids, budget, head):\n    if budget < 1:\n        raise ValueError('budget')\n"
     "    ids = np.asarray(ids, dtype=int)\n    if len(ids) <= budget:\n        return ids\n    return np.concatenate([ids[:head], ids[len(ids) - (budget - head):]])"),
    ("head_tail", "wrong", "head and tail swapped",
     "def head_tail(ids, budget, head):\n    if budget < 1:\n        raise ValueError('budget')\n"
     "    ids = list(ids)\n    if len(ids) <= budget:\n        return ids\n    tail = budget - head\n    return ids[:tail] + (ids[len(ids) - head:] if head > 0 else [])"),
    ("head_tail", "wrong", "truncates at len == budget + 1 only by head",
     "def head_tail(ids, budget, head):\n    if budget < 1:\n        raise ValueError('budget')\n"
     "    ids = list(ids)\n    if len(ids) <= budget:\n        return ids\n    return ids[:budget]"),
    ("head_tail", "right", "index comprehension",
     "def head_tail(ids, budget, head):\n    if budget < 1:\n        raise ValueError('budget')\n"
     "    ids = list(ids)\n    if len(ids) <= budget:\n        return ids\n"
     "    return [x for i, x in enumerate(ids) if i < head or i >= len(ids) - (budget - head)]"),
    ("head_tail", "right", "slices with explicit ends",
     "def head_tail(ids, budget, head):\n    if not budget >= 1:\n        raise ValueError(f'budget must be positive: {budget}')\n"
     "    seq = [int(i) for i in ids]\n    n = len(seq)\n    if n <= budget:\n        return seq\n"
     "    return seq[0:head] + seq[n - budget + head:n]"),

    # ---- encode_head_tail --------------------------------------------------------------
    ("encode_head_tail", "wrong", "the tokenizer's own (head) truncation",
     "def encode_head_tail(texts, tokenizer, max_length, head):\n"
     "    if not texts:\n        return {'input_ids': [], 'attention_mask': []}\n"
     "    enc = tokenizer(list(texts), truncation=True, max_length=max_length, padding=True)\n"
     "    return {'input_ids': enc['input_ids'], 'attention_mask': enc['attention_mask']}"),
    ("encode_head_tail", "wrong", "no [CLS]/[SEP]",
     _ENC_OK.replace("[tokenizer.cls_token_id, *head_tail(seq, max_length - 2, head), tokenizer.sep_token_id]", "head_tail(seq, max_length - 2, head)")),
    ("encode_head_tail", "wrong", "budget max_length, rows 2 too long",
     _ENC_OK.replace("max_length - 2, head", "max_length, head")),
    ("encode_head_tail", "wrong", "head_tail over the ids with special tokens",
     "def encode_head_tail(texts, tokenizer, max_length, head):\n"
     "    if not texts:\n        return {'input_ids': [], 'attention_mask': []}\n"
     "    ids = [head_tail(seq, max_length, head) for seq in tokenizer(list(texts))['input_ids']]\n"
     "    a, b = pad_and_mask(ids, tokenizer.pad_token_id)\n    return {'input_ids': a, 'attention_mask': b}"),
    ("encode_head_tail", "wrong", "pads with 0, not the tokenizer's pad id",
     _ENC_OK.replace("pad_and_mask(ids, tokenizer.pad_token_id)", "pad_and_mask(ids, 0)")),
    ("encode_head_tail", "wrong", "crashes on an empty batch",
     _ENC_OK.replace("    if not texts:\n        return {'input_ids': [], 'attention_mask': []}\n", "")),
    ("encode_head_tail", "wrong", "torch tensors",
     "import torch\n" + _ENC_OK.replace("return {'input_ids': a, 'attention_mask': b}", "return {'input_ids': torch.tensor(a), 'attention_mask': torch.tensor(b)}")),
    ("encode_head_tail", "wrong", "[SEP] before the padding of each row only when truncated",
     "def encode_head_tail(texts, tokenizer, max_length, head):\n"
     "    if not texts:\n        return {'input_ids': [], 'attention_mask': []}\n"
     "    rows = []\n    for seq in tokenizer(list(texts), add_special_tokens=False)['input_ids']:\n"
     "        kept = head_tail(seq, max_length - 2, head)\n"
     "        rows.append([tokenizer.cls_token_id, *kept] + ([tokenizer.sep_token_id] if len(seq) > max_length - 2 else []))\n"
     "    a, b = pad_and_mask(rows, tokenizer.pad_token_id)\n    return {'input_ids': a, 'attention_mask': b}"),
    ("encode_head_tail", "right", "one text at a time, padding by hand",
     "def encode_head_tail(texts, tokenizer, max_length, head):\n    rows = []\n    for text in texts:\n"
     "        content = tokenizer.encode(text, add_special_tokens=False)\n"
     "        if len(content) > max_length - 2:\n            tail = max_length - 2 - head\n"
     "            content = content[:head] + (content[-tail:] if tail else [])\n"
     "        rows.append([tokenizer.cls_token_id] + content + [tokenizer.sep_token_id])\n"
     "    width = max(map(len, rows), default=0)\n"
     "    return {'input_ids': [r + [tokenizer.pad_token_id] * (width - len(r)) for r in rows],\n"
     "            'attention_mask': [[1] * len(r) + [0] * (width - len(r)) for r in rows]}"),
    ("encode_head_tail", "right", "list(texts) and NumPy arrays",
     "def encode_head_tail(texts, tokenizer, max_length, head):\n    texts = list(texts)\n"
     "    if len(texts) == 0:\n        return {'input_ids': [], 'attention_mask': []}\n"
     "    ids = [[tokenizer.cls_token_id] + head_tail(s, max_length - 2, head) + [tokenizer.sep_token_id]\n"
     "           for s in tokenizer(texts, add_special_tokens=False)['input_ids']]\n"
     "    ids, mask = pad_and_mask(ids, tokenizer.pad_token_id)\n"
     "    return {'input_ids': np.array(ids), 'attention_mask': np.array(mask)}"),

    # ---- padding_cost ------------------------------------------------------------------
    ("padding_cost", "wrong", "no truncation first",
     "def padding_cost(lengths, batch_size, max_length):\n    lengths = list(lengths)\n"
     "    b = [lengths[i:i + batch_size] for i in range(0, len(lengths), batch_size)]\n"
     "    return {'real_tokens': sum(lengths), 'uniform_tokens': len(lengths) * max_length, 'dynamic_tokens': sum(len(x) * max(x) for x in b)}"),
    ("padding_cost", "wrong", "the last batch counted as full",
     "def padding_cost(lengths, batch_size, max_length):\n    lengths = [min(n, max_length) for n in lengths]\n"
     "    b = [lengths[i:i + batch_size] for i in range(0, len(lengths), batch_size)]\n"
     "    return {'real_tokens': sum(lengths), 'uniform_tokens': len(lengths) * max_length, 'dynamic_tokens': sum(batch_size * max(x) for x in b)}"),
    ("padding_cost", "wrong", "sorted before batching",
     "def padding_cost(lengths, batch_size, max_length):\n    lengths = sorted(min(n, max_length) for n in lengths)\n"
     "    b = [lengths[i:i + batch_size] for i in range(0, len(lengths), batch_size)]\n"
     "    return {'real_tokens': sum(lengths), 'uniform_tokens': len(lengths) * max_length, 'dynamic_tokens': sum(len(x) * max(x) for x in b)}"),
    ("padding_cost", "wrong", "uniform = the real tokens",
     "def padding_cost(lengths, batch_size, max_length):\n    lengths = [min(n, max_length) for n in lengths]\n"
     "    b = [lengths[i:i + batch_size] for i in range(0, len(lengths), batch_size)]\n"
     "    return {'real_tokens': sum(lengths), 'uniform_tokens': max(lengths, default=0) * len(lengths), 'dynamic_tokens': sum(len(x) * max(x) for x in b)}"),
    ("padding_cost", "wrong", "floats from a NumPy mean",
     "def padding_cost(lengths, batch_size, max_length):\n    x = np.minimum(np.asarray(lengths, dtype=float), max_length)\n"
     "    dyn = sum(x[i:i + batch_size].max() * len(x[i:i + batch_size]) for i in range(0, len(x), batch_size))\n"
     "    return {'real_tokens': x.sum(), 'uniform_tokens': float(len(x) * max_length), 'dynamic_tokens': float(dyn)}"),
    ("padding_cost", "wrong", "batches overlap by one",
     "def padding_cost(lengths, batch_size, max_length):\n    lengths = [min(n, max_length) for n in lengths]\n"
     "    b = [lengths[i:i + batch_size + 1] for i in range(0, len(lengths), batch_size)]\n"
     "    return {'real_tokens': sum(lengths), 'uniform_tokens': len(lengths) * max_length, 'dynamic_tokens': sum(min(len(x), batch_size) * max(x) for x in b)}"),
    ("padding_cost", "wrong", "crashes on no reviews",
     "def padding_cost(lengths, batch_size, max_length):\n    x = np.minimum(np.asarray(lengths, dtype=int), max_length)\n"
     "    dyn = int(sum(x[i:i + batch_size].max() * len(x[i:i + batch_size]) for i in range(0, len(x), batch_size)))\n"
     "    return {'real_tokens': int(x.sum()), 'uniform_tokens': int(x.size * max_length), 'dynamic_tokens': dyn // 1 if len(x) else x.max()}"),
    ("padding_cost", "right", "NumPy integers",
     "def padding_cost(lengths, batch_size, max_length):\n    x = np.minimum(np.asarray(lengths, dtype=int), max_length)\n"
     "    dyn = sum(int(x[i:i + batch_size].max()) * len(x[i:i + batch_size]) for i in range(0, len(x), batch_size))\n"
     "    return {'real_tokens': np.int64(x.sum()), 'uniform_tokens': x.size * max_length, 'dynamic_tokens': dyn}"),
    ("padding_cost", "right", "a running loop",
     "def padding_cost(lengths, batch_size, max_length):\n    real = uniform = dynamic = 0\n    batch = []\n"
     "    for n in list(lengths) + [None]:\n"
     "        if n is None or len(batch) == batch_size:\n            dynamic += len(batch) * max(batch, default=0)\n            batch = []\n"
     "        if n is not None:\n            n = min(int(n), max_length)\n            real += n; uniform += max_length; batch.append(n)\n"
     "    return dict(real_tokens=real, uniform_tokens=uniform, dynamic_tokens=dynamic)"),
    # ---- the grader's own reference helpers are refused too ---------------------------------
    ("pad_and_mask", "wrong", "calls the grader's reference helper",
     "def pad_and_mask(sequences, pad_id):\n    return grading.ref_pad_and_mask(sequences, pad_id)"),
    ("head_tail", "wrong", "calls the grader's reference helper",
     "from sentiment_lib.grading import ref_head_tail as keep\ndef head_tail(ids, budget, head):\n    return keep(ids, budget, head)"),

    # ---- issue 37: the caller's data changed in place ------------------------------------
    ("pad_and_mask", "wrong", "pads the caller's sequences in place",
     "def pad_and_mask(sequences, pad_id):\n    n = max((len(s) for s in sequences), default=0)\n"
     "    mask = [[1] * len(s) + [0] * (n - len(s)) for s in sequences]\n"
     "    for s in sequences:\n        s.extend([pad_id] * (n - len(s)))\n    return [list(s) for s in sequences], mask"),
    ("head_tail", "wrong", "the middle deleted from the caller's list",
     "def head_tail(ids, budget, head):\n    if budget < 1:\n        raise ValueError('budget')\n"
     "    if not isinstance(ids, list):\n        ids = list(ids)\n"
     "    if len(ids) > budget:\n        del ids[head:len(ids) - (budget - head)]\n    return ids"),
    ("padding_cost", "wrong", "the caller's lengths truncated in place",
     "def padding_cost(lengths, batch_size, max_length):\n"
     "    for i in range(len(lengths)):\n        lengths[i] = min(int(lengths[i]), max_length)\n"
     "    batches = [lengths[i:i + batch_size] for i in range(0, len(lengths), batch_size)]\n"
     "    return {'real_tokens': int(sum(lengths)), 'uniform_tokens': len(lengths) * max_length,\n"
     "            'dynamic_tokens': int(sum(len(b) * max(b) for b in batches))}"),
]
