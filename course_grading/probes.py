"""Checks of what a test cell's outputs cannot show: return types, helpers, calls, modes, data reads.

Used by the graded test cells through ``sentiment_lib.grading`` (see :mod:`course_grading.checks`):

* :func:`check_type` names the expected and the returned type;
* :func:`substitute` puts reference helpers (:mod:`course_grading.references`) into the notebook,
  so that one mistake costs only its own task;
* :class:`Spy`, :func:`forward_modes` and :func:`relabelled` watch how a model is called;
* :func:`watch_split`, :func:`forget_reads` and :func:`check_unread` catch an answer that reads
  the test split to make a choice.
"""

from __future__ import annotations

import contextlib
import numbers
from typing import Any, Callable

from .checks import CheckError

__all__ = ["Spy", "WatchedSplit", "check_type", "check_unread", "forget_reads", "forward_modes", "relabelled",
           "substitute", "watch_split"]


_TYPE_NAMES = {
    float: "a float", int: "an int", list: "a list", dict: "a dict", tuple: "a tuple", str: "a str", bool: "a bool",
    numbers.Integral: "an integer", numbers.Real: "a number",
}


def _kind(value: Any) -> str:
    name = type(value).__name__
    module = type(value).__module__.split(".")[0]
    if module in ("numpy", "torch", "pandas"):
        shape = getattr(value, "shape", None)
        name = f"{module}.{name}" + (f" of shape {tuple(shape)}" if shape is not None and len(shape) else "")
    return name


def check_type(value: Any, expected: Any, what: str) -> None:
    """Fail, naming the types, unless ``value`` is an instance of ``expected``.

    ``expected`` is a type or a tuple of types (``float`` also accepts NumPy's
    float64, a subclass; ``int`` does not accept ``bool``). ``what`` names the
    call and the returned part, e.g. ``"training_step(...) should return"``.

    Examples
    --------
    >>> check_type(0.5, float, "accuracy(model, batches) should return")
    >>> check_type([0.5], float, "accuracy(model, batches) should return")
    Traceback (most recent call last):
    ...
    course_grading.checks.CheckError: accuracy(model, batches) should return a float, but it returned a list.
    """
    __tracebackhide__ = True
    types = expected if isinstance(expected, tuple) else (expected,)
    ok = isinstance(value, types) and not (isinstance(value, bool) and bool not in types)
    if not ok:
        wanted = " or ".join(_TYPE_NAMES.get(t, f"a {t.__module__.split('.')[0]}.{t.__name__}" if t.__module__ != "builtins" else f"a {t.__name__}") for t in types)
        raise CheckError(f"{what} {wanted}, but it returned a {_kind(value)}.")


@contextlib.contextmanager
def substitute(namespace: dict, **helpers: Any):
    """Temporarily put reference ``helpers`` into the notebook's ``namespace``.

    A task that builds on an earlier one is tested with the reference version
    of the earlier helper, so one mistake costs only its own task.

    Examples
    --------
    >>> ns = {"helper": lambda x: "mine"}
    >>> with substitute(ns, helper=lambda x: "reference"):
    ...     ns["helper"](1)
    'reference'
    >>> ns["helper"](1)
    'mine'
    """
    __tracebackhide__ = True
    missing = object()
    saved = {name: namespace.get(name, missing) for name in helpers}
    namespace.update(helpers)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is missing:
                namespace.pop(name, None)
            else:
                namespace[name] = value


class Spy:
    """Wrap a function and record the arguments of every call.

    Examples
    --------
    >>> spy = Spy(len)
    >>> spy([1, 2]), spy("abc"), len(spy.calls)
    (2, 3, 2)
    """

    def __init__(self, func: Callable, name: str | None = None):
        self.func, self.calls = func, []
        self.__name__ = name or getattr(func, "__name__", "spy")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        __tracebackhide__ = True
        self.calls.append((args, kwargs))
        return self.func(*args, **kwargs)


@contextlib.contextmanager
def forward_modes(model: Any):
    """Record, for every forward pass of ``model``, how it was called.

    Each entry is a dict: ``training`` (dropout on?), ``grad`` (were
    gradients enabled: not under ``torch.no_grad()`` / ``inference_mode()``?),
    ``mask`` (was an ``attention_mask`` passed?) and ``inputs`` (the names of
    the keyword arguments). It sees from inside the model what outputs may not
    show.

    Examples
    --------
    >>> import torch
    >>> net = torch.nn.Linear(2, 1)
    >>> with forward_modes(net) as seen:
    ...     _ = net(torch.zeros(1, 2))
    >>> seen
    [{'training': True, 'grad': True, 'mask': False, 'inputs': []}]
    """
    __tracebackhide__ = True
    import torch

    seen: list[dict[str, bool]] = []

    def hook(module: Any, args: tuple, kwargs: dict) -> None:
        mask = kwargs.get("attention_mask", args[1] if len(args) > 1 else None)
        seen.append({"training": module.training, "grad": torch.is_grad_enabled(), "mask": mask is not None, "inputs": sorted(kwargs)})

    handle = model.register_forward_pre_hook(hook, with_kwargs=True)
    try:
        yield seen
    finally:
        handle.remove()


@contextlib.contextmanager
def relabelled(model: Any, names: list[str]):
    """Temporarily give ``model`` other class names (``config.id2label`` and ``label2id``).

    Every test model is labelled ``negative``/``positive`` in that order, so an
    answer that writes those names itself, instead of reading them from the
    model's configuration, passes on it; under other names it does not.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> model = SimpleNamespace(config=SimpleNamespace(id2label={0: "negative", 1: "positive"}, label2id={"negative": 0, "positive": 1}))
    >>> with relabelled(model, ["bad", "good"]):
    ...     model.config.id2label, model.config.label2id
    ({0: 'bad', 1: 'good'}, {'bad': 0, 'good': 1})
    >>> model.config.id2label
    {0: 'negative', 1: 'positive'}
    """
    __tracebackhide__ = True
    config = model.config
    saved = config.id2label, config.label2id
    config.id2label = dict(enumerate(names))
    config.label2id = {name: i for i, name in enumerate(names)}
    try:
        yield model
    finally:
        config.id2label, config.label2id = saved


class WatchedSplit:
    """A dataset split that records every read of its reviews or labels (its size may be read freely).

    The course's rule is that choices are made on validation data and the test
    split is scored once, at the end. A notebook's setup cell wraps the test
    split (:func:`watch_split`) and a hidden test checks that nothing read it
    (:func:`check_unread`).

    Examples
    --------
    >>> split = WatchedSplit({"text": ["a", "b"], "label": [0, 1]}, "test")
    >>> len(split), split.reads
    (2, [])
    >>> split["label"]
    [0, 1]
    >>> split.reads
    ["['label']"]
    """

    def __init__(self, data: Any, name: str):
        self._data, self.name, self.reads = data, name, []

    def _read(self, how: str) -> None:
        self.reads.append(how)

    def __len__(self) -> int:
        return len(self._data)

    def __getitem__(self, key: Any) -> Any:
        self._read(f"[{key!r}]")
        return self._data[key]

    def __iter__(self):
        self._read("iteration")
        return iter(self._data)

    def __getattr__(self, attr: str) -> Any:
        if attr.startswith("__") or attr in ("_data", "name", "reads"):
            raise AttributeError(attr)
        self._read(f".{attr}")
        return getattr(self._data, attr)

    def __repr__(self) -> str:
        return f"<the {self.name} split: {len(self._data)} reviews, kept for the final comparison>"


def watch_split(splits: Any, name: str = "test") -> dict:
    """A dict of the splits in which ``splits[name]`` is a :class:`WatchedSplit`.

    Examples
    --------
    >>> splits = watch_split({"train": [1, 2, 3], "test": [4, 5]})
    >>> splits["train"], len(splits["test"]), splits["test"].reads
    ([1, 2, 3], 2, [])
    """
    __tracebackhide__ = True
    watched = dict(splits)
    watched[name] = WatchedSplit(splits[name], name)
    return watched


def forget_reads(namespace: dict) -> None:
    """Clear the reads of every watched split in ``namespace`` (a fresh kernel starts with none).

    Examples
    --------
    >>> ns = {"splits": watch_split({"test": [1]})}
    >>> _ = ns["splits"]["test"][0]
    >>> forget_reads(ns); ns["splits"]["test"].reads
    []
    """
    __tracebackhide__ = True
    for value in list(namespace.values()):
        parts = value.values() if isinstance(value, dict) else [value]
        for part in parts:
            if isinstance(part, WatchedSplit):
                part.reads.clear()


def check_unread(splits: dict, what: str, name: str = "test") -> None:
    """Fail if anything read ``splits[name]`` since the last check (the reads are then forgotten).

    Examples
    --------
    >>> splits = watch_split({"test": {"text": ["x"]}})
    >>> check_unread(splits, "build_tfidf_lr")
    >>> _ = splits["test"]["text"]
    >>> check_unread(splits, "build_tfidf_lr")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    course_grading.checks.CheckError: build_tfidf_lr: your code read the test reviews (splits['test']['text']). Make every choice ...
    """
    __tracebackhide__ = True
    split = splits[name]
    reads, split.reads[:] = list(split.reads), []
    if reads:
        shown = ", ".join(dict.fromkeys(f"splits[{name!r}]{how}" if how.startswith(("[", ".")) else f"splits[{name!r}] ({how})" for how in reads))
        raise CheckError(
            f"{what}: your code read the {name} reviews ({shown}). Make every choice (settings, models) on the "
            f"validation reviews (val_texts, val_labels); the {name} reviews are scored once, at the end of the chapter, never used to choose."
        )
