"""Answers for 03_fine_tuning: a batch, one training step, a training loop, accuracy, Trainer metrics and configuration."""

_STEP = (
    "def training_step(model, batch, optimizer):\n    model.train()\n    optimizer.zero_grad()\n"
    "    loss = model(**batch).loss\n    loss.backward()\n    optimizer.step()\n    return loss.item()"
)
_ACC = (
    "def accuracy(model, batches):\n    model.eval()\n    correct = total = 0\n    with torch.no_grad():\n"
    "        for b in batches:\n            pred = model(input_ids=b['input_ids'], attention_mask=b['attention_mask']).logits.argmax(-1)\n"
    "            correct += int((pred == b['labels']).sum()); total += len(b['labels'])\n    return correct / total"
)
_METRICS = (
    "def compute_metrics(eval_pred):\n    logits, labels = eval_pred\n    pred = np.asarray(logits).argmax(axis=-1)\n"
    "    labels = np.asarray(labels)\n    tp = int(((pred == 1) & (labels == 1)).sum())\n"
    "    fp = int(((pred == 1) & (labels == 0)).sum())\n    fn = int(((pred == 0) & (labels == 1)).sum())\n"
    "    f1 = 2 * tp / (2 * tp + fp + fn) if tp else 0.0\n"
    "    return {'accuracy': float((pred == labels).mean()), 'f1': float(f1)}"
)
_TRAINER = (
    "def make_trainer(model, splits, tokenizer, output_dir):\n"
    "    args = TrainingArguments(output_dir=output_dir, report_to='none', seed=0, per_device_train_batch_size=8,\n"
    "                             num_train_epochs=3, learning_rate=1e-4, weight_decay=0.01, eval_strategy='steps', eval_steps=4,\n"
    "                             save_strategy='steps', save_steps=4, load_best_model_at_end=True, metric_for_best_model='accuracy')\n"
    "    return Trainer(model=model, args=args, train_dataset=splits['train'], eval_dataset=splits['validation'],\n"
    "                   processing_class=tokenizer, data_collator=DataCollatorWithPadding(tokenizer), compute_metrics=compute_metrics,\n"
    "                   callbacks=[EarlyStoppingCallback(early_stopping_patience=2)])"
)

ANSWERS = [
    # ---- make_batch --------------------------------------------------------------------
    ("make_batch", "wrong", "token_type_ids kept",
     "def make_batch(texts, labels, tokenizer, max_length):\n"
     "    enc = tokenizer(list(texts), truncation=True, max_length=max_length, padding=True, return_tensors='pt')\n"
     "    return {**enc, 'labels': torch.tensor(list(labels))}"),
    ("make_batch", "wrong", "no truncation",
     "def make_batch(texts, labels, tokenizer, max_length):\n"
     "    enc = tokenizer(list(texts), padding=True, return_tensors='pt')\n"
     "    return {'input_ids': enc['input_ids'], 'attention_mask': enc['attention_mask'], 'labels': torch.tensor(list(labels))}"),
    ("make_batch", "wrong", "padded to max_length",
     "def make_batch(texts, labels, tokenizer, max_length):\n"
     "    enc = tokenizer(list(texts), truncation=True, max_length=max_length, padding='max_length', return_tensors='pt')\n"
     "    return {'input_ids': enc['input_ids'], 'attention_mask': enc['attention_mask'], 'labels': torch.tensor(list(labels))}"),
    ("make_batch", "wrong", "float labels",
     "def make_batch(texts, labels, tokenizer, max_length):\n"
     "    enc = tokenizer(list(texts), truncation=True, max_length=max_length, padding=True, return_tensors='pt')\n"
     "    return {'input_ids': enc['input_ids'], 'attention_mask': enc['attention_mask'], 'labels': torch.tensor(list(labels), dtype=torch.float)}"),
    ("make_batch", "wrong", "labels left as a list",
     "def make_batch(texts, labels, tokenizer, max_length):\n"
     "    enc = tokenizer(list(texts), truncation=True, max_length=max_length, padding=True, return_tensors='pt')\n"
     "    return {'input_ids': enc['input_ids'], 'attention_mask': enc['attention_mask'], 'labels': list(labels)}"),
    ("make_batch", "wrong", "lists instead of tensors",
     "def make_batch(texts, labels, tokenizer, max_length):\n"
     "    enc = tokenizer(list(texts), truncation=True, max_length=max_length, padding=True)\n"
     "    return {'input_ids': enc['input_ids'], 'attention_mask': enc['attention_mask'], 'labels': torch.tensor(list(labels))}"),
    ("make_batch", "wrong", "max_length minus the special tokens",
     "def make_batch(texts, labels, tokenizer, max_length):\n"
     "    enc = tokenizer(list(texts), truncation=True, max_length=max_length - 2, padding=True, return_tensors='pt')\n"
     "    return {'input_ids': enc['input_ids'], 'attention_mask': enc['attention_mask'], 'labels': torch.tensor(list(labels))}"),
    ("make_batch", "wrong", "texts passed as a tuple crash",
     "def make_batch(texts, labels, tokenizer, max_length):\n    assert isinstance(texts, list)\n"
     "    enc = tokenizer(texts, truncation=True, max_length=max_length, padding=True, return_tensors='pt')\n"
     "    return {'input_ids': enc['input_ids'], 'attention_mask': enc['attention_mask'], 'labels': torch.tensor(labels)}"),
    ("make_batch", "right", "filter the tokenizer's output",
     "def make_batch(texts, labels, tokenizer, max_length):\n"
     "    enc = tokenizer(list(texts), truncation=True, max_length=max_length, padding='longest', return_tensors='pt')\n"
     "    out = {k: v for k, v in enc.items() if k in ('input_ids', 'attention_mask')}\n"
     "    out['labels'] = torch.as_tensor(np.asarray(labels, dtype=np.int64))\n    return out"),
    ("make_batch", "right", "padding by hand",
     "def make_batch(texts, labels, tokenizer, max_length):\n"
     "    rows = tokenizer(list(texts), truncation=True, max_length=max_length)['input_ids']\n    n = max(map(len, rows))\n"
     "    ids = torch.full((len(rows), n), tokenizer.pad_token_id, dtype=torch.long)\n    mask = torch.zeros((len(rows), n), dtype=torch.long)\n"
     "    for i, r in enumerate(rows):\n        ids[i, :len(r)] = torch.tensor(r); mask[i, :len(r)] = 1\n"
     "    return {'input_ids': ids, 'attention_mask': mask, 'labels': torch.tensor([int(y) for y in labels], dtype=torch.long)}"),

    # ---- training_step -----------------------------------------------------------------
    ("training_step", "wrong", "gradients never reset", _STEP.replace("    optimizer.zero_grad()\n", "")),
    ("training_step", "wrong", "gradient clipping", _STEP.replace("    optimizer.step()", "    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)\n    optimizer.step()")),
    ("training_step", "wrong", "evaluation mode", _STEP.replace("model.train()", "model.eval()")),
    ("training_step", "wrong", "no model.train() (left as it was)", _STEP.replace("    model.train()\n", "")),
    ("training_step", "wrong", "returns the loss tensor", _STEP.replace("return loss.item()", "return loss")),
    ("training_step", "wrong", "loss after the update",
     _STEP.replace("    return loss.item()", "    with torch.no_grad():\n        return model(**batch).loss.item()")),
    ("training_step", "wrong", "zero_grad between backward and step",
     "def training_step(model, batch, optimizer):\n    model.train()\n    loss = model(**batch).loss\n    loss.backward()\n"
     "    optimizer.zero_grad()\n    optimizer.step()\n    return loss.item()"),
    ("training_step", "wrong", "two optimizer steps", _STEP.replace("    optimizer.step()", "    optimizer.step()\n    optimizer.step()")),
    ("training_step", "wrong", "forward without gradients",
     _STEP.replace("    loss = model(**batch).loss\n    loss.backward()", "    with torch.no_grad():\n        loss = model(**batch).loss\n    loss.requires_grad_(True).backward()")),
    ("training_step", "right", "cross-entropy by hand, zero_grad after",
     "import torch.nn.functional as F\n"
     "def training_step(model, batch, optimizer):\n    model.train()\n"
     "    logits = model(input_ids=batch['input_ids'], attention_mask=batch['attention_mask']).logits\n"
     "    loss = F.cross_entropy(logits, batch['labels'])\n    loss.backward()\n    optimizer.step()\n"
     "    optimizer.zero_grad(set_to_none=True)\n    return float(loss)"),
    ("training_step", "right", "model.zero_grad and detach",
     "def training_step(model, batch, optimizer):\n    model.train(True)\n    model.zero_grad()\n"
     "    out = model(**batch)\n    out.loss.backward()\n    optimizer.step()\n    return float(out.loss.detach().cpu().numpy())"),

    # ---- train_loop --------------------------------------------------------------------
    ("train_loop", "wrong", "one epoch only",
     "def train_loop(model, batches, optimizer, epochs):\n    return [training_step(model, b, optimizer) for b in batches]"),
    ("train_loop", "wrong", "batches shuffled",
     "import random\ndef train_loop(model, batches, optimizer, epochs):\n    losses = []\n    for _ in range(epochs):\n"
     "        order = list(batches)\n        random.Random(1).shuffle(order)\n"
     "        losses += [training_step(model, b, optimizer) for b in order]\n    return losses"),
    ("train_loop", "wrong", "each batch trained for all epochs in turn",
     "def train_loop(model, batches, optimizer, epochs):\n    return [training_step(model, b, optimizer) for b in batches for _ in range(epochs)]"),
    ("train_loop", "wrong", "mean loss per epoch",
     "def train_loop(model, batches, optimizer, epochs):\n"
     "    return [float(np.mean([training_step(model, b, optimizer) for b in batches])) for _ in range(epochs)]"),
    ("train_loop", "wrong", "a NumPy array of losses",
     "def train_loop(model, batches, optimizer, epochs):\n"
     "    return np.array([training_step(model, b, optimizer) for _ in range(epochs) for b in batches])"),
    ("train_loop", "wrong", "batches in reverse order",
     "def train_loop(model, batches, optimizer, epochs):\n"
     "    return [training_step(model, b, optimizer) for _ in range(epochs) for b in reversed(batches)]"),
    ("train_loop", "wrong", "one epoch too many",
     "def train_loop(model, batches, optimizer, epochs):\n"
     "    return [training_step(model, b, optimizer) for _ in range(epochs + 1) for b in batches]"),
    ("train_loop", "wrong", "the first batch every time",
     "def train_loop(model, batches, optimizer, epochs):\n"
     "    return [training_step(model, batches[0], optimizer) for _ in range(epochs) for b in batches]"),
    ("train_loop", "right", "batches * epochs",
     "def train_loop(model, batches, optimizer, epochs):\n    return [training_step(model, b, optimizer) for b in list(batches) * epochs]"),
    ("train_loop", "right", "its own step, no training_step",
     "def train_loop(model, batches, optimizer, epochs):\n    losses = []\n    model.train()\n"
     "    for epoch in range(epochs):\n        for batch in batches:\n            optimizer.zero_grad()\n"
     "            loss = model(**batch).loss\n            loss.backward()\n            optimizer.step()\n            losses.append(loss.item())\n"
     "    return losses"),

    # ---- accuracy ----------------------------------------------------------------------
    ("accuracy", "wrong", "dropout left on (no model.eval())", _ACC.replace("    model.eval()\n", "")),
    ("accuracy", "wrong", "gradients on (no torch.no_grad())",
     _ACC.replace("    with torch.no_grad():\n        for b in batches:\n            pred", "    if True:\n        for b in batches:\n            pred")),
    ("accuracy", "wrong", "no attention mask", _ACC.replace(", attention_mask=b['attention_mask']", "")),
    ("accuracy", "wrong", "mean of the batch accuracies",
     "def accuracy(model, batches):\n    model.eval()\n    with torch.no_grad():\n"
     "        return float(np.mean([(model(input_ids=b['input_ids'], attention_mask=b['attention_mask']).logits.argmax(-1) == b['labels']).float().mean().item() for b in batches]))"),
    ("accuracy", "wrong", "a tensor, not a float",
     _ACC.replace("correct += int((pred == b['labels']).sum())", "correct += (pred == b['labels']).sum()").replace("return correct / total", "return correct / total * torch.tensor(1.0)")),
    ("accuracy", "wrong", "argmax over the batch dimension",
     _ACC.replace(".logits.argmax(-1)", ".logits.argmax(0)[:1].repeat(len(b['labels']))")),
    ("accuracy", "wrong", "positive when p(negative) > 0.5",
     _ACC.replace(".logits.argmax(-1)", ".logits.softmax(-1)[:, 0].gt(0.5).long()")),
    ("accuracy", "wrong", "trains on the batches while measuring",
     "def accuracy(model, batches):\n    opt = torch.optim.SGD(model.parameters(), lr=0.1)\n    model.eval()\n    correct = total = 0\n"
     "    for b in batches:\n        out = model(**b)\n        out.loss.backward(); opt.step(); opt.zero_grad()\n"
     "        correct += int((out.logits.argmax(-1) == b['labels']).sum()); total += len(b['labels'])\n    return correct / total"),
    ("accuracy", "right", "inference_mode and model(**batch)",
     "def accuracy(model, batches):\n    model.eval()\n    hits, n = 0, 0\n    with torch.inference_mode():\n"
     "        for batch in batches:\n            logits = model(**batch).logits\n"
     "            hits += (logits[:, 1] > logits[:, 0]).long().eq(batch['labels']).sum().item() + 0 * n\n"
     "            n += batch['labels'].numel()\n    return hits / n"),
    ("accuracy", "right", "collect and compare with NumPy",
     "def accuracy(model, batches):\n    model.train(False)\n    y, p = [], []\n    with torch.no_grad():\n"
     "        for b in batches:\n            p.extend(model(b['input_ids'], b['attention_mask']).logits.argmax(dim=1).tolist())\n"
     "            y.extend(b['labels'].tolist())\n    return float(np.mean(np.array(p) == np.array(y)))"),
    # ---- compute_metrics ---------------------------------------------------------------
    ("compute_metrics", "wrong", "argmax over the reviews (axis 0)", _METRICS.replace("argmax(axis=-1)", "argmax(axis=0)")),
    ("compute_metrics", "wrong", "positive when its logit is above 0",
     _METRICS.replace("pred = np.asarray(logits).argmax(axis=-1)", "pred = (np.asarray(logits)[:, 1] > 0).astype(int)")),
    ("compute_metrics", "wrong", "F1 of the negative class",
     "from sklearn.metrics import accuracy_score, f1_score\ndef compute_metrics(eval_pred):\n    logits, labels = eval_pred\n"
     "    pred = np.argmax(logits, axis=1)\n    return {'accuracy': float(accuracy_score(labels, pred)), 'f1': float(f1_score(labels, pred, pos_label=0, zero_division=0))}"),
    ("compute_metrics", "wrong", "macro F1",
     "from sklearn.metrics import accuracy_score, f1_score\ndef compute_metrics(eval_pred):\n    logits, labels = eval_pred\n"
     "    pred = np.argmax(logits, axis=1)\n    return {'accuracy': float(accuracy_score(labels, pred)), 'f1': float(f1_score(labels, pred, average='macro', zero_division=0))}"),
    ("compute_metrics", "wrong", "accuracy only", _METRICS.replace(", 'f1': float(f1)}", "}")),
    ("compute_metrics", "wrong", "only an EvalPrediction (attributes, no tuple)",
     _METRICS.replace("logits, labels = eval_pred", "logits, labels = eval_pred.predictions, eval_pred.label_ids")),
    ("compute_metrics", "wrong", "the share of positive predictions as accuracy",
     _METRICS.replace("float((pred == labels).mean())", "float((pred == 1).mean())")),
    ("compute_metrics", "right", "scikit-learn", "from sklearn.metrics import accuracy_score, f1_score\ndef compute_metrics(eval_pred):\n"
     "    logits, labels = eval_pred\n    pred = np.argmax(logits, axis=-1)\n"
     "    return {'accuracy': accuracy_score(labels, pred), 'f1': f1_score(labels, pred, zero_division=0.0)}"),
    ("compute_metrics", "right", "counts by hand", _METRICS),
    ("compute_metrics", "right", "softmax and a 0.5 threshold",
     _METRICS.replace("pred = np.asarray(logits).argmax(axis=-1)",
                      "z = np.asarray(logits, dtype=float)\n    e = np.exp(z - z.max(axis=1, keepdims=True))\n"
                      "    pred = ((e / e.sum(axis=1, keepdims=True))[:, 1] > 0.5).astype(int)")),

    # ---- make_trainer ------------------------------------------------------------------
    ("make_trainer", "wrong", "evaluates on the test split", _TRAINER.replace("eval_dataset=splits['validation']", "eval_dataset=splits['test']")),
    ("make_trainer", "wrong", "keeps the last checkpoint", _TRAINER.replace("load_best_model_at_end=True, ", "")
     .replace("callbacks=[EarlyStoppingCallback(early_stopping_patience=2)]", "callbacks=[]")),
    ("make_trainer", "wrong", "best checkpoint by validation loss", _TRAINER.replace("metric_for_best_model='accuracy'", "metric_for_best_model='loss'")),
    ("make_trainer", "wrong", "no early stopping", _TRAINER.replace(",\n                   callbacks=[EarlyStoppingCallback(early_stopping_patience=2)]", "")),
    ("make_trainer", "wrong", "patience 1", _TRAINER.replace("early_stopping_patience=2", "early_stopping_patience=1")),
    ("make_trainer", "wrong", "no compute_metrics", _TRAINER.replace(", compute_metrics=compute_metrics", "")),
    ("make_trainer", "wrong", "evaluates once per epoch", _TRAINER.replace("eval_strategy='steps', eval_steps=4", "eval_strategy='epoch'")
     .replace("save_strategy='steps', save_steps=4", "save_strategy='epoch'")),
    ("make_trainer", "wrong", "learning rate 5e-5", _TRAINER.replace("learning_rate=1e-4", "learning_rate=5e-5")),
    ("make_trainer", "wrong", "lower accuracy counted as better", _TRAINER.replace("metric_for_best_model='accuracy'", "metric_for_best_model='accuracy', greater_is_better=False")),
    ("make_trainer", "wrong", "trains before returning", _TRAINER.replace("    return Trainer(", "    t = Trainer(") + "\n    t.train()\n    return t"),
    ("make_trainer", "wrong", "one epoch", _TRAINER.replace("num_train_epochs=3", "num_train_epochs=1")),
    ("make_trainer", "right", "arguments in a dict, collator by default",
     "def make_trainer(model, splits, tokenizer, output_dir):\n"
     "    settings = dict(output_dir=output_dir, report_to='none', seed=0, per_device_train_batch_size=8, num_train_epochs=3.0,\n"
     "                    learning_rate=1e-4, weight_decay=0.01, eval_strategy='steps', eval_steps=4, save_strategy='steps',\n"
     "                    save_steps=4, load_best_model_at_end=True, metric_for_best_model='eval_accuracy', greater_is_better=True)\n"
     "    trainer = Trainer(model, TrainingArguments(**settings), train_dataset=splits['train'], eval_dataset=splits['validation'],\n"
     "                      processing_class=tokenizer, compute_metrics=compute_metrics)\n"
     "    trainer.add_callback(EarlyStoppingCallback(2))\n    return trainer"),
    ("make_trainer", "right", "as written in the chapter", _TRAINER),

    # ---- the grader's own reference helpers are refused too ---------------------------------
    ("training_step", "wrong", "calls the grader's reference helper",
     "def training_step(model, batch, optimizer):\n    return grading.ref_training_step(model, batch, optimizer)"),

    # ---- issue 37: the caller's data changed in place ------------------------------------
    ("accuracy", "wrong", "labels popped from the caller's batches",
     "def accuracy(model, batches):\n    model.eval()\n    correct = total = 0\n    with torch.no_grad():\n"
     "        for b in batches:\n            labels = b.pop('labels')\n"
     "            pred = model(**b).logits.argmax(-1)\n"
     "            correct += int((pred == labels).sum()); total += len(labels)\n    return correct / total"),
]
