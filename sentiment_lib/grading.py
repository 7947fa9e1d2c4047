"""Helpers for the graded test cells of the nbgrader exercises (``solutions/``).

The exercises ask learners to write pieces of the pipeline that
``sentiment_lib`` already contains. The test cells therefore:

* look the learner's function up with a friendly message when it is missing
  (:func:`get_function`);
* call it through :func:`call`, which also *watches* which functions run while
  it executes and fails, with an explanation, if sentiment_lib's own
  implementation of the graded function is among them. The watch uses
  :func:`sys.setprofile` and compares code objects, so it sees every way of
  reaching the reference: ``sentiment_lib.data.clean_text(...)``,
  ``from sentiment_lib.data import clean_text as tidy``, a lambda or
  ``functools.partial`` around it, or a higher-level library function that
  calls it internally;
* compare results with :func:`same`, which accepts lists, tuples, NumPy arrays
  and PyTorch tensors alike, and format inputs for messages with :func:`show`.

Examples
--------
>>> from sentiment_lib.data import clean_text
>>> def mine(text):
...     return " ".join(text.replace("<br />", " ").split())
>>> call(mine, "a<br />b", forbid=[clean_text])
'a b'
>>> def lazy(text):
...     return clean_text(text)
>>> call(lazy, "a<br />b", forbid=[clean_text])  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
sentiment_lib.grading.UsedReferenceError: Your `lazy` calls sentiment_lib's own `sentiment_lib.data.clean_text`. ...
"""

from __future__ import annotations

import contextlib
import inspect
import numbers
import os
import sys
import threading
from typing import Any, Callable, Iterable

__all__ = [
    "AnswerError", "NotWrittenError", "Spy", "UsedReferenceError", "call", "call_text", "check_type", "describe", "expect_error", "forward_modes",
    "get_function", "imported_modules", "quiet", "reference_codes", "relabelled", "same", "sensitive_model", "show", "substitute", "to_plain",
    "WatchedSplit", "check_unread", "forget_reads", "watch_split",
]


class UsedReferenceError(AssertionError):
    """The learner's answer ran the library's own implementation of the graded function."""


class NotWrittenError(AssertionError):
    """The learner's function (or a helper it uses) is still the unanswered stub."""


def quiet() -> None:
    """Keep library chatter off stderr, where it would cost points.

    nbgrader gives a test cell **zero** points when it writes anything to
    stderr, so an innocent warning (a tokenizer's "sequence longer than the
    maximum" notice, a progress bar) must not reach it. Call this once in a
    notebook's setup cell: Python warnings are then printed on stdout, and
    transformers' and datasets' logging and progress bars are silenced.
    :func:`call` also sends stderr to stdout while the learner's code runs.
    """
    import warnings

    def show_on_stdout(message, category, filename, lineno, file=None, line=None):
        sys.stdout.write(warnings.formatwarning(message, category, filename, lineno, line))

    warnings.showwarning = show_on_stdout  # still visible, but not on stderr
    # Libraries not imported yet read these when they are (importing transformers just to silence
    # it would cost a notebook that never uses it most of a second); imported ones are told directly.
    os.environ.update(TRANSFORMERS_VERBOSITY="error", DATASETS_VERBOSITY="error",
                      HF_HUB_DISABLE_PROGRESS_BARS="1", HF_DATASETS_DISABLE_PROGRESS_BARS="1")
    if "huggingface_hub" in sys.modules:
        sys.modules["huggingface_hub"].utils.disable_progress_bars()
    if "transformers" in sys.modules:
        transformers = sys.modules["transformers"]
        transformers.logging.set_verbosity_error()
        transformers.utils.logging.disable_progress_bar()  # "Loading weights" bars
    if "datasets" in sys.modules:
        datasets = sys.modules["datasets"]
        datasets.disable_progress_bars()
        datasets.logging.set_verbosity_error()


def get_function(namespace: dict, name: str, kind: str = "function") -> Any:
    """Return ``namespace[name]`` or fail with a message a learner understands.

    Examples
    --------
    >>> get_function({}, "clean_review")
    Traceback (most recent call last):
    ...
    AssertionError: I couldn't find a function called `clean_review`. Did you run the cell where you define it, and is the name spelled exactly `clean_review`?
    """
    if name not in namespace:
        raise AssertionError(
            f"I couldn't find a {kind} called `{name}`. Did you run the cell where you define it, "
            f"and is the name spelled exactly `{name}`?"
        )
    obj = namespace[name]
    if not callable(obj):
        raise AssertionError(f"`{name}` should be a {kind}, but it is a {type(obj).__name__}.")
    return obj


_PLAIN = (str, bytes, int, float, complex, bool, type(None), list, tuple, dict, set, frozenset, range)


def _is_data(value: Any) -> bool:
    """Values whose ``repr`` is data (numbers, text, containers, arrays, tensors, frames)."""
    if isinstance(value, _PLAIN):
        return True
    module = type(value).__module__.split(".")[0]
    return module in ("numpy", "pandas") or (module == "torch" and type(value).__name__ == "Tensor")


def show(value: Any, limit: int = 120) -> str:
    """``repr`` of ``value`` shortened to ``limit`` characters for messages.

    Objects that are not data (a model, a tokenizer, an optimizer) are shown
    by their type only, never by their (very long) ``repr``.

    Examples
    --------
    >>> show("x" * 500, limit=20)
    "'xxxxxxxxxxx ... (502 characters)"
    >>> class Model: pass
    >>> show(Model())
    '<a Model>'
    """
    if not _is_data(value):
        name = getattr(value, "__name__", None)
        return f"<{name}>" if isinstance(name, str) and callable(value) else f"<a {type(value).__name__}>"
    text = repr(value)
    if len(text) <= limit:
        return text
    return f"{text[: limit - 8]} ... ({len(text)} characters)"


def describe(value: Any, limit: int = 60) -> str:
    """A short description of an argument, for the call shown in a message.

    Examples
    --------
    >>> describe(["a long review " * 10, "short"])
    "[<a text of 140 characters>, 'short']"
    >>> describe(list(range(100)))
    '[0, 1, 2, ...] (100 items)'
    """
    if isinstance(value, str):
        return repr(value) if len(value) <= 30 else f"<a text of {len(value)} characters>"
    if isinstance(value, (list, tuple)):
        items = [describe(v, 30) for v in value[:3]]
        if len(value) > 3:
            items.append("...")
        text = ", ".join(items)
        text = f"[{text}]" if isinstance(value, list) else f"({text})"
        return text if len(value) <= 3 and len(text) <= limit else f"{text} ({len(value)} items)"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k!r}: {describe(v, 30)}" for k, v in list(value.items())[:4]) + (", ...}" if len(value) > 4 else "}")
    shape = getattr(value, "shape", None)
    if shape is not None and _is_data(value) and len(getattr(value, "shape", ())) > 0:
        return f"<{type(value).__name__} of shape {tuple(shape)}>"
    return show(value, limit)


def call_text(func: Any, args: tuple = (), kwargs: dict | None = None) -> str:
    """``name(arg, ...)`` with every argument shortened by :func:`describe`."""
    parts = [describe(a) for a in args] + [f"{k}={describe(v)}" for k, v in (kwargs or {}).items()]
    return f"{_learner_name(func)}({', '.join(parts)})"


class AnswerError(AssertionError):
    """The learner's function raised: the message says which call, with which input, raised what."""


def _code_objects(obj: Any) -> Iterable[tuple[Any, str]]:
    """The code objects that implement ``obj`` (a function, method, class or property)."""
    if inspect.isclass(obj):
        for attr in vars(obj).values():
            yield from _code_objects(attr)
        return
    if isinstance(obj, property):
        for accessor in (obj.fget, obj.fset, obj.fdel):
            if accessor is not None:
                yield from _code_objects(accessor)
        return
    if isinstance(obj, (staticmethod, classmethod)):
        obj = obj.__func__
    obj = getattr(obj, "__func__", obj)  # bound methods
    try:
        obj = inspect.unwrap(obj)
    except ValueError:
        pass
    code = getattr(obj, "__code__", None)
    if code is not None:
        yield code, f"{obj.__module__}.{obj.__qualname__}"


def reference_codes(refs: Iterable[Any]) -> dict[Any, str]:
    """Map each code object of ``refs`` to the dotted name shown to the learner."""
    codes: dict[Any, str] = {}
    for ref in refs:
        if ref is None:  # e.g. getattr(module, "_private_helper", None) once a helper is renamed
            continue
        for code, name in _code_objects(ref):
            codes.setdefault(code, name)
    return codes


def imported_modules(func: Any, *, depth: int = 2) -> list[str]:
    """Absolute module names that ``func``'s own code imports, and that of the notebook functions it calls.

    Looks at the ``import`` statements compiled into the function (nested
    functions included) and, ``depth`` levels down, into the functions of the
    learner's notebook (``__main__``) it names. :func:`call` imports these
    before it starts watching, because the watch makes an import several
    times slower and the import is not the learner's work.

    Examples
    --------
    >>> def split(labels):
    ...     from sklearn.model_selection import train_test_split
    ...     import numpy as np
    ...     return train_test_split(np.arange(len(labels)), stratify=labels)
    >>> imported_modules(split)
    ['sklearn.model_selection', 'numpy']
    """
    return list(_imports(func, depth))


def _imports(func: Any, depth: int = 2) -> dict[str, list[str]]:
    """``{module: names imported from it}`` for :func:`imported_modules`."""
    import dis

    found: dict[str, list[str]] = {}
    seen: set[int] = set()

    def visit(obj: Any, level: int) -> None:
        obj = getattr(obj, "__func__", obj)
        code = getattr(obj, "__code__", None)
        if code is None or id(code) in seen:
            return
        seen.add(id(code))
        namespace = getattr(obj, "__globals__", {})
        codes = [code]
        while codes:
            current = codes.pop(0)
            codes.extend(c for c in current.co_consts if inspect.iscode(c))
            ops = list(dis.get_instructions(current))
            for i, op in enumerate(ops):
                if op.opname == "IMPORT_NAME" and i >= 2 and ops[i - 2].argval == 0:  # absolute imports only
                    names = found.setdefault(op.argval, [])
                    for after in ops[i + 1:]:  # from module import a, b
                        if after.opname == "IMPORT_FROM":
                            names.append(after.argval)
                        elif not after.opname.startswith("STORE"):
                            break
                elif level > 0 and op.opname == "LOAD_GLOBAL":
                    target = namespace.get(op.argval)
                    if inspect.isfunction(target) and target.__module__ == "__main__":
                        visit(target, level - 1)

    visit(func, depth)
    return found


def _preimport(func: Any) -> None:
    """Import what ``func`` will import (see :func:`imported_modules`); failures are left for the call to show."""
    import importlib

    for name, attributes in _imports(func).items():
        try:
            module = importlib.import_module(name)
            for attribute in attributes:  # ``from package import submodule``
                if not hasattr(module, attribute):
                    importlib.import_module(f"{name}.{attribute}")
        except (Exception, SystemExit):  # the learner's call will raise it again, explained
            pass


def _learner_name(func: Any) -> str:
    return getattr(func, "__name__", None) or type(func).__name__


def _invoke(func: Callable, args: tuple, kwargs: dict, forbid: Iterable[Any]) -> Any:
    """Run the learner's function, watching for the reference and explaining stubs."""
    codes = reference_codes(forbid)
    used: list[str] = []

    def watch(frame: Any, event: str, arg: Any) -> None:
        if event == "call" and frame.f_code in codes:
            used.append(codes[frame.f_code])

    previous = sys.getprofile()
    previous_thread = threading.getprofile() if hasattr(threading, "getprofile") else None
    if codes:
        with contextlib.redirect_stderr(sys.stdout):
            _preimport(func)  # the watch would slow the answer's imports, which are not the learner's work
        sys.setprofile(watch)
        threading.setprofile(watch)
    try:
        with contextlib.redirect_stderr(sys.stdout):
            result = func(*args, **kwargs)
    except NotImplementedError as err:
        tb = err.__traceback__
        while tb is not None and tb.tb_next is not None:
            tb = tb.tb_next
        where = tb.tb_frame.f_code.co_name if tb is not None else _learner_name(func)
        if where in (_learner_name(func), "call", "_invoke"):
            message = f"`{_learner_name(func)}` is not written yet: it still raises NotImplementedError."
        else:
            message = f"`{_learner_name(func)}` uses `{where}`, which is not written yet (it raises NotImplementedError)."
        raise NotWrittenError(
            f"{message} Replace the `raise NotImplementedError()` line with your code and run the cell again."
        ) from None
    except BaseException as err:
        if used:
            raise _used_error(func, used) from err
        raise
    finally:
        if codes:
            sys.setprofile(previous)
            threading.setprofile(previous_thread)
    if used:
        raise _used_error(func, used)
    return result


def call(func: Callable, *args: Any, forbid: Iterable[Any] = (), **kwargs: Any) -> Any:
    """Call the learner's ``func(*args, **kwargs)`` and return its result.

    Anything the function writes to stderr (warnings, progress bars) is sent
    to stdout, because nbgrader scores a test cell with stderr output as zero.

    Fails with an :class:`AssertionError` that explains what to do when the
    function is still the unanswered stub (``NotImplementedError``), with a
    :class:`UsedReferenceError` when any of the ``forbid`` functions or classes
    (sentiment_lib's implementation of the graded task) ran during the call,
    and with an :class:`AnswerError` naming the call, its (shortened) input and
    the error when the function raises anything else (see
    :func:`expect_error` for calls that should raise).

    Examples
    --------
    >>> def first_word(text):
    ...     return text.split()[0]
    >>> call(first_word, "")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    sentiment_lib.grading.AnswerError: first_word('') raised IndexError: list index out of range ...
    """
    try:
        return _invoke(func, args, kwargs, forbid)
    except (UsedReferenceError, NotWrittenError):
        raise
    except Exception as err:  # the learner's own code raised, an assert of theirs included
        detail = str(err).strip().splitlines()[0] if str(err).strip() else ""
        detail = detail if len(detail) <= 200 else detail[:197] + "..."
        raise AnswerError(
            f"{call_text(func, args, kwargs)} raised {type(err).__name__}"
            + (f": {detail}" if detail else "")
            + " (the traceback above shows the line of your code where it happened)."
        ) from err


def _used_error(func: Any, used: list[str]) -> UsedReferenceError:
    names = ", ".join(f"`{n}`" for n in dict.fromkeys(used))
    return UsedReferenceError(
        f"Your `{_learner_name(func)}` calls sentiment_lib's own {names}. "
        "The point of this exercise is to write that part yourself, so it gets no points this way. "
        "You may use Python, NumPy, PyTorch, scikit-learn and transformers, and the functions you wrote earlier "
        "in this notebook."
    )


def expect_error(func: Callable, *args: Any, error: type[BaseException] = ValueError, forbid: Iterable[Any] = (), **kwargs: Any) -> None:
    """Check that ``func(*args, **kwargs)`` raises ``error``.

    Returns ``None`` on purpose: a value left as a test cell's last expression
    would be read by nbgrader as partial credit.

    Examples
    --------
    >>> def half(n):
    ...     if n % 2:
    ...         raise ValueError(f"{n} is odd")
    ...     return n // 2
    >>> expect_error(half, 3)
    >>> expect_error(half, 4)
    Traceback (most recent call last):
    ...
    AssertionError: half(4) should raise ValueError, but it returned 2.
    """
    try:
        result = _invoke(func, args, kwargs, forbid)
    except error:
        return None
    except (UsedReferenceError, NotWrittenError):
        raise
    except Exception as err:
        raise AssertionError(
            f"{call_text(func, args, kwargs)} should raise {error.__name__}, but it raised "
            f"{type(err).__name__}: {err}"
        ) from None
    raise AssertionError(f"{call_text(func, args, kwargs)} should raise {error.__name__}, but it returned {show(result, 80)}.")


def to_plain(value: Any) -> Any:
    """Turn tensors, arrays and tuples (nested) into plain Python lists and numbers.

    Examples
    --------
    >>> import numpy as np
    >>> to_plain((np.array([1, 2]), [np.float64(0.5)]))
    [[1, 2], [0.5]]
    """
    if hasattr(value, "detach") and hasattr(value, "cpu"):  # torch.Tensor
        value = value.detach().cpu().numpy()
    if hasattr(value, "tolist") and not isinstance(value, (str, bytes)):
        return value.tolist()
    if isinstance(value, (list, tuple)):
        return [to_plain(v) for v in value]
    return value


def same(got: Any, expected: Any, *, tol: float | None = None) -> bool:
    """``True`` if ``got`` equals ``expected`` once both are plain lists/numbers.

    ``tol`` compares numbers with an absolute tolerance.

    Examples
    --------
    >>> import numpy as np
    >>> same(np.array([[1, 0]]), [[1, 0]]), same([0.3333], [1 / 3], tol=1e-3), same([1], [1, 2])
    (True, True, False)
    """
    got, expected = to_plain(got), to_plain(expected)
    if isinstance(expected, list):
        return isinstance(got, list) and len(got) == len(expected) and all(
            same(g, e, tol=tol) for g, e in zip(got, expected)
        )
    if tol is not None and isinstance(expected, (int, float)) and not isinstance(expected, bool):
        try:
            return abs(float(got) - float(expected)) <= tol
        except (TypeError, ValueError):
            return False
    return got == expected


# --------------------------------------------------------------------------------------
# Checking what outputs cannot show: return types, helpers, calls, modes
# --------------------------------------------------------------------------------------

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
    AssertionError: accuracy(model, batches) should return a float, but it returned a list.
    """
    types = expected if isinstance(expected, tuple) else (expected,)
    ok = isinstance(value, types) and not (isinstance(value, bool) and bool not in types)
    if not ok:
        wanted = " or ".join(_TYPE_NAMES.get(t, f"a {t.__module__.split('.')[0]}.{t.__name__}" if t.__module__ != "builtins" else f"a {t.__name__}") for t in types)
        raise AssertionError(f"{what} {wanted}, but it returned a {_kind(value)}.")


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
    AssertionError: build_tfidf_lr: your code read the test reviews (splits['test']['text']). Make every choice ...
    """
    split = splits[name]
    reads, split.reads[:] = list(split.reads), []
    if reads:
        shown = ", ".join(dict.fromkeys(f"splits[{name!r}]{how}" if how.startswith(("[", ".")) else f"splits[{name!r}] ({how})" for how in reads))
        raise AssertionError(
            f"{what}: your code read the {name} reviews ({shown}). Make every choice (settings, models) on the "
            f"validation reviews (val_texts, val_labels); the {name} reviews are scored once, at the end of the chapter, never used to choose."
        )


# --------------------------------------------------------------------------------------
# A test model whose outputs show mistakes
# --------------------------------------------------------------------------------------

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
    longest = max((len(s) for s in sequences), default=0)
    return [list(s) + [pad_id] * (longest - len(s)) for s in sequences], [[1] * len(s) + [0] * (longest - len(s)) for s in sequences]


def ref_head_tail(ids, budget, head):
    """The first ``head`` and last ``budget - head`` ids when longer than ``budget``."""
    if budget < 1:
        raise ValueError(f"budget must be at least 1, got {budget}.")
    ids = list(ids)
    if len(ids) <= budget:
        return ids
    return ids[:head] + ids[len(ids) - (budget - head):] if budget > head else ids[:head]


def ref_training_step(model, batch, optimizer):
    """model.train(); forward; backward; step; zero_grad; the loss as a float."""
    model.train()
    optimizer.zero_grad()
    loss = model(**batch).loss
    loss.backward()
    optimizer.step()
    return loss.item()


def ref_compute_metrics(eval_pred):
    """Accuracy and F1 (positive class 1) of the larger logit, as ``Trainer(compute_metrics=...)`` wants."""
    import numpy as np
    from sklearn.metrics import f1_score

    logits, labels = eval_pred
    predictions, labels = np.asarray(logits).argmax(axis=-1), np.asarray(labels)
    return {"accuracy": float((predictions == labels).mean()), "f1": float(f1_score(labels, predictions, zero_division=0))}


def ref_confusion_counts(y_true, y_pred):
    """[[TN, FP], [FN, TP]]."""
    matrix = [[0, 0], [0, 0]]
    for t, p in zip(y_true, y_pred):
        matrix[int(t)][int(p)] += 1
    return matrix


def ref_check_reviews(texts):
    """A list of non-blank strings, or ValueError."""
    if texts is None:
        raise ValueError("No reviews given.")
    texts = [texts] if isinstance(texts, str) else list(texts)
    if not texts or any(not isinstance(t, str) or not t.strip() for t in texts):
        raise ValueError("Need a non-empty list of non-blank strings.")
    return texts


def ref_length_batches(texts, batch_size):
    """Positions in batches, longest text first."""
    order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
    return [order[i : i + batch_size] for i in range(0, len(order), batch_size)]


def ref_predict_proba(model, tokenizer, texts, max_length=512):
    """Probabilities (n, 2) as a NumPy array, evaluation mode, no gradients."""
    import torch

    model.eval()
    enc = tokenizer(list(texts), truncation=True, max_length=max_length, padding=True, return_tensors="pt")
    with torch.inference_mode():
        logits = model(input_ids=enc["input_ids"], attention_mask=enc["attention_mask"]).logits
    return torch.softmax(logits.float(), dim=-1).numpy()


REFERENCE_HELPERS = [ref_pad_and_mask, ref_head_tail, ref_training_step, ref_compute_metrics, ref_confusion_counts,
                     ref_check_reviews, ref_length_batches, ref_predict_proba]
