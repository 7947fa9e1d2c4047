"""Answers for 01_data: cleaning, a stratified split, a balanced subsample."""

ANSWERS = [
    # ---- clean_review ------------------------------------------------------------------
    ("clean_review", "wrong", "only the '<br />' spelling",
     "def clean_review(text):\n    return ' '.join(text.replace('<br />', ' ').split(' ')).strip()"),
    ("clean_review", "wrong", "case-sensitive pattern",
     "import re\ndef clean_review(text):\n    text = re.sub(r'<br\\s*/?>', ' ', text)\n    return re.sub(r'[ \\t]+', ' ', text).strip()"),
    ("clean_review", "wrong", "split() also collapses newlines",
     "import re\ndef clean_review(text):\n    return ' '.join(re.sub(r'(?i)<br\\s*/?>', ' ', text).split())"),
    ("clean_review", "wrong", "tags removed without a space",
     "import re\ndef clean_review(text):\n    text = re.sub(r'(?i)<br\\s*/?>', '', text)\n    return re.sub(r'[ \\t]+', ' ', text).strip()"),
    ("clean_review", "wrong", "tabs not collapsed",
     "import re\ndef clean_review(text):\n    text = re.sub(r'(?i)<br\\s*/?>', ' ', text)\n    return re.sub(r' +', ' ', text).strip()"),
    ("clean_review", "wrong", "only the end stripped",
     "import re\ndef clean_review(text):\n    text = re.sub(r'(?i)<br\\s*/?>', ' ', text)\n    return re.sub(r'[ \\t]+', ' ', text).rstrip()"),
    ("clean_review", "wrong", "double spaces replaced once",
     "import re\ndef clean_review(text):\n    text = re.sub(r'(?i)<br\\s*/?>', ' ', text).replace('\\t', ' ')\n    return text.replace('  ', ' ').strip()"),
    ("clean_review", "wrong", "'<br>' without slash missed",
     "import re\ndef clean_review(text):\n    text = re.sub(r'(?i)<br\\s*/>', ' ', text)\n    return re.sub(r'[ \\t]+', ' ', text).strip()"),
    ("clean_review", "right", "a loop over lowered tags",
     "def clean_review(text):\n    out, i = [], 0\n    low = text.lower()\n    while i < len(text):\n"
     "        for tag in ('<br />', '<br/>', '<br>'):\n            if low.startswith(tag, i):\n                out.append(' '); i += len(tag); break\n"
     "        else:\n            out.append(' ' if text[i] == '\\t' else text[i]); i += 1\n"
     "    text = ''.join(out)\n    while '  ' in text:\n        text = text.replace('  ', ' ')\n    return text.strip(' ')"),
    ("clean_review", "right", "re.split on tags and blanks",
     "import re\ndef clean_review(text):\n    return ' '.join(p for p in re.split(r'(?i)<br\\s*/?>|[ \\t]+', text) if p)"),

    # ---- stratified_split --------------------------------------------------------------
    ("stratified_split", "wrong", "first rows as validation",
     "def stratified_split(labels, validation_size, seed=0):\n    if not 0 < validation_size < len(labels):\n        raise ValueError('size')\n"
     "    return list(range(validation_size, len(labels))), list(range(validation_size))"),
    ("stratified_split", "wrong", "random but not stratified",
     "def stratified_split(labels, validation_size, seed=0):\n    if not 0 < validation_size < len(labels):\n        raise ValueError('size')\n"
     "    order = np.random.default_rng(seed).permutation(len(labels))\n    return order[validation_size:], order[:validation_size]"),
    ("stratified_split", "wrong", "seed ignored (not reproducible)",
     "from sklearn.model_selection import train_test_split\ndef stratified_split(labels, validation_size, seed=0):\n"
     "    if not 0 < validation_size < len(labels):\n        raise ValueError('size')\n"
     "    return train_test_split(np.arange(len(labels)), test_size=validation_size, stratify=labels)"),
    ("stratified_split", "wrong", "always the same split",
     "from sklearn.model_selection import train_test_split\ndef stratified_split(labels, validation_size, seed=0):\n"
     "    if not 0 < validation_size < len(labels):\n        raise ValueError('size')\n"
     "    return train_test_split(np.arange(len(labels)), test_size=validation_size, stratify=labels, random_state=0)"),
    ("stratified_split", "wrong", "no ValueError for a size that empties a part",
     "def stratified_split(labels, validation_size, seed=0):\n    labels = np.asarray(labels); n = len(labels)\n"
     "    validation_size = min(max(validation_size, 0), n)\n    rng = np.random.default_rng(seed)\n"
     "    classes = np.unique(labels)\n    shares = np.array([validation_size * np.sum(labels == c) / n for c in classes])\n"
     "    take = np.floor(shares).astype(int)\n    for j in np.argsort(-(shares - take))[: validation_size - take.sum()]:\n        take[j] += 1\n"
     "    val = np.concatenate([rng.choice(np.flatnonzero(labels == c), size=k, replace=False) for c, k in zip(classes, take)]).astype(int)\n"
     "    return np.setdiff1d(np.arange(n), val), val"),
    ("stratified_split", "wrong", "parts swapped",
     "from sklearn.model_selection import train_test_split\ndef stratified_split(labels, validation_size, seed=0):\n"
     "    if not 0 < validation_size < len(labels):\n        raise ValueError('size')\n"
     "    a, b = train_test_split(np.arange(len(labels)), test_size=validation_size, stratify=labels, random_state=seed)\n    return b, a"),
    ("stratified_split", "wrong", "per-class rounding that misses the total",
     "def stratified_split(labels, validation_size, seed=0):\n    labels = np.asarray(labels)\n"
     "    if not 0 < validation_size < len(labels):\n        raise ValueError('size')\n    rng = np.random.default_rng(seed)\n    val = []\n"
     "    for c in np.unique(labels):\n        pool = np.flatnonzero(labels == c)\n"
     "        val += rng.choice(pool, size=int(round(validation_size * len(pool) / len(labels))), replace=False).tolist()\n"
     "    return [i for i in range(len(labels)) if i not in set(val)], val"),
    ("stratified_split", "wrong", "a fraction instead of a count",
     "from sklearn.model_selection import train_test_split\ndef stratified_split(labels, validation_size, seed=0):\n"
     "    if not 0 < validation_size < len(labels):\n        raise ValueError('size')\n"
     "    return train_test_split(np.arange(len(labels)), test_size=validation_size / len(labels) / 2, stratify=labels, random_state=seed)"),
    ("stratified_split", "right", "largest remainders by hand",
     "def stratified_split(labels, validation_size, seed=0):\n    labels = np.asarray(labels); n = len(labels)\n"
     "    if not 0 < validation_size < n:\n        raise ValueError('bad size')\n    rng = np.random.default_rng(seed + 1000)\n"
     "    classes = np.unique(labels)\n    shares = np.array([validation_size * np.sum(labels == c) / n for c in classes])\n"
     "    take = np.floor(shares).astype(int)\n    for j in np.argsort(-(shares - take))[: validation_size - take.sum()]:\n        take[j] += 1\n"
     "    val = np.concatenate([rng.choice(np.flatnonzero(labels == c), size=k, replace=False) for c, k in zip(classes, take)])\n"
     "    return np.setdiff1d(np.arange(n), val).tolist(), val.tolist()"),
    ("stratified_split", "right", "StratifiedShuffleSplit, lists",
     "from sklearn.model_selection import StratifiedShuffleSplit\ndef stratified_split(labels, validation_size, seed=0):\n"
     "    if validation_size <= 0 or validation_size >= len(labels):\n        raise ValueError(f'validation_size {validation_size} out of range')\n"
     "    labels = np.asarray(labels)\n    if len(np.unique(labels)) == 1:\n"
     "        order = np.random.RandomState(seed).permutation(len(labels))\n        return list(order[validation_size:]), list(order[:validation_size])\n"
     "    sss = StratifiedShuffleSplit(n_splits=1, test_size=validation_size, random_state=seed)\n"
     "    tr, va = next(sss.split(np.zeros(len(labels)), labels))\n    return tr.tolist(), va.tolist()"),

    # ---- balanced_subsample ------------------------------------------------------------
    ("balanced_subsample", "wrong", "the first n rows",
     "def balanced_subsample(labels, n, seed=0):\n    if n <= 0 or n > len(labels):\n        raise ValueError('n')\n    return list(range(n))"),
    ("balanced_subsample", "wrong", "random rows, not balanced",
     "def balanced_subsample(labels, n, seed=0):\n    if n <= 0 or n > len(labels):\n        raise ValueError('n')\n"
     "    return np.random.default_rng(seed).choice(len(labels), size=n, replace=False)"),
    ("balanced_subsample", "wrong", "the extra one always to the first class",
     "def balanced_subsample(labels, n, seed=0):\n    labels = np.asarray(labels)\n    if n <= 0 or n > len(labels):\n        raise ValueError('n')\n"
     "    rng = np.random.default_rng(seed)\n    classes = np.unique(labels)\n    picks = []\n"
     "    for j, c in enumerate(classes):\n        k = n // len(classes) + (1 if j < n % len(classes) else 0)\n"
     "        pool = np.flatnonzero(labels == c)\n        if k > len(pool):\n            raise ValueError('too few')\n"
     "        picks.append(rng.choice(pool, size=k, replace=False))\n    return rng.permutation(np.concatenate(picks))"),
    ("balanced_subsample", "wrong", "seed ignored",
     "def balanced_subsample(labels, n, seed=0):\n    labels = np.asarray(labels)\n    if n <= 0 or n > len(labels):\n        raise ValueError('n')\n"
     "    rng = np.random.default_rng()\n    classes = sorted(np.unique(labels), key=lambda c: -np.sum(labels == c))\n    picks = []\n"
     "    for j, c in enumerate(classes):\n        k = n // len(classes) + (1 if j < n % len(classes) else 0)\n"
     "        pool = np.flatnonzero(labels == c)\n        if k > len(pool):\n            raise ValueError('too few')\n"
     "        picks.append(rng.choice(pool, size=k, replace=False))\n    return np.concatenate(picks)"),
    ("balanced_subsample", "wrong", "a small class filled up from the others",
     "def balanced_subsample(labels, n, seed=0):\n    labels = np.asarray(labels)\n    if n <= 0 or n > len(labels):\n        raise ValueError('n')\n"
     "    rng = np.random.default_rng(seed)\n    classes = np.unique(labels)\n    picks = []\n"
     "    for c in classes:\n        pool = np.flatnonzero(labels == c)\n        picks += rng.choice(pool, size=min(len(pool), n // len(classes)), replace=False).tolist()\n"
     "    rest = [i for i in rng.permutation(len(labels)) if i not in set(picks)]\n    return picks + rest[: n - len(picks)]"),
    ("balanced_subsample", "wrong", "drawn with replacement",
     "def balanced_subsample(labels, n, seed=0):\n    labels = np.asarray(labels)\n    if n <= 0 or n > len(labels):\n        raise ValueError('n')\n"
     "    rng = np.random.default_rng(seed)\n    classes = sorted(np.unique(labels), key=lambda c: -np.sum(labels == c))\n    picks = []\n"
     "    for j, c in enumerate(classes):\n        k = n // len(classes) + (1 if j < n % len(classes) else 0)\n"
     "        pool = np.flatnonzero(labels == c)\n        if k > len(pool):\n            raise ValueError('too few')\n"
     "        picks.append(rng.choice(pool, size=k, replace=True))\n    return np.concatenate(picks)"),
    ("balanced_subsample", "wrong", "no error for n too large",
     "def balanced_subsample(labels, n, seed=0):\n    labels = np.asarray(labels)\n    rng = np.random.default_rng(seed)\n"
     "    if n <= 0:\n        raise ValueError('n')\n    classes = sorted(np.unique(labels), key=lambda c: -np.sum(labels == c))\n    picks = []\n"
     "    for j, c in enumerate(classes):\n        k = n // len(classes) + (1 if j < n % len(classes) else 0)\n"
     "        pool = np.flatnonzero(labels == c)\n        picks.append(rng.choice(pool, size=min(k, len(pool)), replace=False))\n"
     "    return np.concatenate(picks)"),
    ("balanced_subsample", "wrong", "float positions",
     "def balanced_subsample(labels, n, seed=0):\n    labels = np.asarray(labels)\n    if n <= 0 or n > len(labels):\n        raise ValueError('n')\n"
     "    rng = np.random.default_rng(seed)\n    classes = sorted(np.unique(labels), key=lambda c: -np.sum(labels == c))\n    picks = []\n"
     "    for j, c in enumerate(classes):\n        k = n // len(classes) + (1 if j < n % len(classes) else 0)\n"
     "        pool = np.flatnonzero(labels == c)\n        if k > len(pool):\n            raise ValueError('too few')\n"
     "        picks.append(rng.choice(pool, size=k, replace=False))\n    return np.concatenate(picks).astype(float)"),
    ("balanced_subsample", "right", "round robin over shuffled pools",
     "def balanced_subsample(labels, n, seed=0):\n    labels = np.asarray(labels)\n    if n <= 0 or n > len(labels):\n        raise ValueError('n')\n"
     "    rng = np.random.default_rng(seed)\n    classes = sorted(np.unique(labels), key=lambda c: -np.sum(labels == c))\n"
     "    pools = [list(rng.permutation(np.flatnonzero(labels == c))) for c in classes]\n    out = []\n"
     "    while len(out) < n:\n        pool = pools[len(out) % len(pools)]\n        if not pool:\n            raise ValueError('class too small')\n"
     "        out.append(int(pool.pop()))\n    return out"),
    ("balanced_subsample", "right", "random.Random and a list",
     "import random\ndef balanced_subsample(labels, n, seed=0):\n    labels = list(np.asarray(labels).tolist())\n"
     "    if not 1 <= n <= len(labels):\n        raise ValueError(f'n={n} out of range')\n    r = random.Random(seed)\n"
     "    by = {}\n    for i, y in enumerate(labels):\n        by.setdefault(y, []).append(i)\n"
     "    classes = sorted(by, key=lambda c: len(by[c]), reverse=True)\n    out = []\n"
     "    for j, c in enumerate(classes):\n        k = n // len(classes) + (j < n % len(classes))\n"
     "        if k > len(by[c]):\n            raise ValueError(f'class {c} too small')\n        out += r.sample(by[c], k)\n"
     "    r.shuffle(out)\n    return out"),

    # ---- issue 37: argument checks that a shortcut skips ---------------------------------
    ("stratified_split", "wrong", "too few labels returned as they are, before the size check",
     "def stratified_split(labels, validation_size, seed=0):\n    from sklearn.model_selection import train_test_split\n"
     "    labels = np.asarray(labels)\n    if len(labels) < 2:\n        return list(range(len(labels))), []\n"
     "    if not 0 < validation_size < len(labels):\n        raise ValueError('size')\n"
     "    return train_test_split(np.arange(len(labels)), test_size=validation_size, stratify=labels, random_state=seed)"),
    ("balanced_subsample", "wrong", "every position asked: all of them, before the balance check",
     "def balanced_subsample(labels, n, seed=0):\n    labels = np.asarray(labels)\n"
     "    if n <= 0 or n > len(labels):\n        raise ValueError('n')\n    rng = np.random.default_rng(seed)\n"
     "    if n == len(labels):\n        return rng.permutation(n)\n"
     "    classes = np.unique(labels)\n    counts = {c: n // len(classes) for c in classes}\n"
     "    for c in sorted(classes, key=lambda c: -np.sum(labels == c))[: n % len(classes)]:\n        counts[c] += 1\n"
     "    picks = []\n    for c in classes:\n        pool = np.flatnonzero(labels == c)\n"
     "        if counts[c] > len(pool):\n            raise ValueError('too few')\n"
     "        picks.append(rng.choice(pool, size=counts[c], replace=False))\n    return rng.permutation(np.concatenate(picks))"),
]
