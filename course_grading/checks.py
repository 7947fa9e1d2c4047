"""The checks the graded test cells of the nbgrader exercises (``solutions/``) run.

The notebooks reach them as ``from sentiment_lib import grading`` (a re-export of this module,
:mod:`course_grading.probes` and :mod:`course_grading.references`), so the released notebooks'
cells, and nbgrader's checksums of them, stay as they are.

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
  and PyTorch tensors alike, and format inputs for messages with :func:`shorten`
  (``grading.show`` in the notebooks).

What a learner reads when a check fails (in JupyterLab, in ``nbgrader validate`` and in the
feedback HTML, which shows the traceback the kernel stored): the errors raised here
(:class:`CheckError` and its subclasses, all ``AssertionError``) show, instead of IPython's
traceback, the message with its key sentence first, then the test cell's lines that led to the
check and the learner's own line where the answer raised, one line each (:func:`learner_traceback`).
No frame of the grading code appears: it is left out there, and every function a test cell calls
sets ``__tracebackhide__ = True``, which IPython, pytest and pdb honour for any other error. Every
message line fits :data:`MESSAGE_WIDTH` columns, since ``nbgrader validate`` cuts each line of a
traceback after 87 characters (its ``Validator.width``, 90, less 3) and adds ``...``.

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
course_grading.checks.UsedReferenceError: Your `lazy` calls sentiment_lib's own `sentiment_lib.data.clean_text`.
The point of this exercise is to write that part yourself, so it gets no points this way. ...
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
    "AnswerError", "ChangedInputError", "CheckError", "MESSAGE_WIDTH", "NotWrittenError", "UsedReferenceError", "call",
    "call_text", "describe",
    "expect_error", "get_function", "imported_modules", "learner_traceback", "quiet", "reference_codes", "same", "shorten",
    "to_plain", "wrap_message",
]

#: Columns of a message line in the traceback a learner reads. ``nbgrader validate`` indents each line
#: by 4 and cuts it after 87 characters (``Validator.width`` 90, less 3, then ``...``): 79 leaves room.
MESSAGE_WIDTH = 79


def _is_grading_frame(frame: Any) -> bool:
    """A frame of the grading code: this package's, or any that sets ``__tracebackhide__ = True``."""
    if str(frame.f_globals.get("__name__", "")).startswith("course_grading."):
        return True
    try:
        return frame.f_locals.get("__tracebackhide__") is True
    except Exception:  # pragma: no cover - a frame whose locals cannot be read
        return False


def _is_learner_frame(frame: Any) -> bool:
    """A frame of the learner's notebook: code whose module is ``__main__`` (a kernel's cells)."""
    return frame.f_globals.get("__name__") == "__main__" and not _is_grading_frame(frame)


def _chain(entries: list[tuple[Any, int, int]]) -> Any:
    """A traceback made of ``(frame, lasti, lineno)`` entries, outermost first (``None`` when empty)."""
    import types

    tb = None
    for frame, lasti, lineno in reversed(entries):
        tb = types.TracebackType(tb, frame, lasti, lineno)
    return tb


def _learner_tail(tb: Any, keep: int = 3) -> Any:
    """The learner's own frames of traceback ``tb`` (at most ``keep``: the first and the innermost)."""
    entries = []
    while tb is not None:
        if _is_learner_frame(tb.tb_frame):
            entries.append((tb.tb_frame, tb.tb_lasti, tb.tb_lineno))
        tb = tb.tb_next
    if len(entries) > keep:
        entries = entries[:1] + entries[len(entries) - (keep - 1):]
    return _chain(entries)


def wrap_message(text: str, first: int = 0, width: int = MESSAGE_WIDTH) -> str:
    """``text`` with every line wrapped to ``width`` columns, the first ``first`` columns shorter.

    ``first`` leaves room for what precedes the message on its first line (``NotWrittenError: ``).

    Examples
    --------
    >>> print(wrap_message("one two three four five.\\nSix seven.", first=8, width=16))
    one two
    three four five.
    Six seven.
    """
    import textwrap

    lines = []
    for i, line in enumerate(text.splitlines() or [""]):
        lead = first if i == 0 else 0
        wrapped = textwrap.wrap(line, width=width, initial_indent="#" * lead, break_on_hyphens=False) or [""]
        wrapped[0] = wrapped[0][lead:]
        lines += wrapped
    return "\n".join(lines)


def _where(frame: Any, lineno: int, shell: Any = None) -> str:
    """``<the line of code>  # Cell In[5], line 9, in check_clean``: the code first, then where (as IPython names it).

    The code comes first because ``nbgrader validate`` cuts a long line at its end.
    """
    import linecache

    filename, function = frame.f_code.co_filename, frame.f_code.co_name
    named = None
    try:
        named = shell.compile.format_code_name(filename) if shell is not None else None
    except Exception:  # pragma: no cover - another IPython's compiler
        named = None
    place = f"{named[0]} {named[1]}" if named else f"File {filename}"
    place += f", line {lineno}" + ("" if function == "<module>" else f", in {function}")
    code = linecache.getline(filename, lineno, frame.f_globals).strip()
    return f"{code}  # {place}" if code else f"# {place}"


def learner_traceback(exc: BaseException, shell: Any = None) -> list[str]:
    """What a learner reads when a check fails: the message, then where, one line per frame.

    IPython shows this instead of its traceback for a :class:`CheckError` (its
    ``_render_traceback_``), in the notebook, in ``nbgrader validate`` and in the feedback HTML
    (the traceback the kernel stored). First the message (its first line is the key sentence;
    every line wrapped to :data:`MESSAGE_WIDTH` columns, which ``nbgrader validate`` does not
    cut); then the test cell's lines that led to the check (``the test:``), and the learner's
    own lines where the answer raised or called the library (``your code:``), each a frame's
    first line: the line of code, then where it is (``# Cell In[4], line 7, in clean_review``; a
    plain ``assert`` of a test cell, shown so by :func:`quiet`'s handler, has no labels). The
    frames of the grading code (this package's, and any that sets ``__tracebackhide__ = True``),
    of IPython and of the libraries are left out: ``%tb`` still shows the whole traceback.

    Examples
    --------
    >>> def answer(text):
    ...     raise NotImplementedError()
    >>> try:
    ...     call(answer, "a")
    ... except NotWrittenError as err:
    ...     print("\\n".join(learner_traceback(err)))  # a doctest's code is not a notebook's: no frame shown
    NotWrittenError: `answer` is not written yet.
    Replace `raise NotImplementedError()` with your code, then run that cell again.
    """
    name = type(exc).__name__
    shown = f"\x1b[0;31m{name}\x1b[0m" if shell is not None else name  # in red, as IPython shows it
    message = str(exc).strip()
    lines = [f"{shown}: {wrap_message(message, first=len(name) + 2)}" if message else shown]
    entries = []
    tb = exc.__traceback__
    while tb is not None:
        entries.append((tb.tb_frame, tb.tb_lineno, _is_grading_frame(tb.tb_frame)))
        tb = tb.tb_next
    checks = [i for i, (_, _, grading) in enumerate(entries) if grading]
    for i, (frame, lineno, grading) in enumerate(entries):
        if grading or frame.f_globals.get("__name__") != "__main__":
            continue
        label = ("your code: " if i > checks[-1] else "the test:  ") if checks else ""  # a plain assert: no labels
        lines.append(f"  {label}{_where(frame, lineno, shell)}")
    return lines


class CheckError(AssertionError):
    """A check of a test cell failed; the message says what came back and what was expected.

    In IPython (a notebook, ``nbgrader validate``, the feedback HTML) its traceback shows the
    test cell and the learner's code, never the grading code: see :func:`learner_traceback`.
    """

    def _render_traceback_(self) -> list[str]:
        __tracebackhide__ = True
        try:
            from IPython import get_ipython

            return learner_traceback(self, get_ipython())
        except Exception:  # never lose the message over its formatting
            import traceback

            return traceback.format_exception_only(type(self), self)


class UsedReferenceError(CheckError):
    """The learner's answer ran the library's own implementation of the graded function."""


class NotWrittenError(CheckError):
    """The learner's function (or a helper it uses) is still the unanswered stub."""


class ChangedInputError(CheckError):
    """The learner's function changed one of its inputs in place (the caller's list, dict or array)."""


def quiet() -> None:
    """Keep library chatter off stderr, where it would cost points.

    nbgrader gives a test cell **zero** points when it writes anything to
    stderr, so an innocent warning (a tokenizer's "sequence longer than the
    maximum" notice, a progress bar) must not reach it. Call this once in a
    notebook's setup cell: Python warnings are then printed on stdout, and
    transformers' and datasets' logging and progress bars are silenced.
    :func:`call` also sends stderr to stdout while the learner's code runs.

    In IPython it also shows a failed ``assert`` of a test cell the way a failed check shows
    (:func:`learner_traceback`): the message first, whole, then the notebook's lines.
    """
    __tracebackhide__ = True
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
    shell = sys.modules["IPython"].get_ipython() if "IPython" in sys.modules else None
    if shell is not None and getattr(shell, "custom_exceptions", None) in ((), (AssertionError,)):
        shell.set_custom_exc((AssertionError,), _show_assertion)  # a failed assert reads like a failed check


def _show_assertion(shell: Any, etype: type, value: BaseException, tb: Any, tb_offset: int | None = None) -> None:
    """IPython's handler of an ``AssertionError`` in a notebook (set by :func:`quiet`).

    An assert of a test cell, or a :class:`CheckError`, is shown as :func:`learner_traceback`
    shows a check: the message first, wrapped so that ``nbgrader validate`` does not cut it, then
    the lines of the notebook that led to it. Any other ``AssertionError`` (raised inside a
    library) keeps IPython's traceback. ``%tb`` and ``%debug`` still see the whole traceback.
    """
    sys.last_type, sys.last_value, sys.last_traceback = etype, value, tb
    innermost = tb
    while innermost is not None and innermost.tb_next is not None:
        innermost = innermost.tb_next
    try:
        if isinstance(value, CheckError) or (innermost is not None and innermost.tb_frame.f_globals.get("__name__") == "__main__"):
            stb = learner_traceback(value, shell)
        else:
            stb = shell.InteractiveTB.structured_traceback(etype, value, tb, tb_offset=tb_offset)
    except Exception:  # never lose the error over its formatting
        stb = shell.InteractiveTB.structured_traceback(etype, value, tb, tb_offset=tb_offset)
    shell._showtraceback(etype, value, stb)


def get_function(namespace: dict, name: str, kind: str = "function") -> Any:
    """Return ``namespace[name]`` or fail with a message a learner understands.

    Examples
    --------
    >>> get_function({}, "clean_review")
    Traceback (most recent call last):
    ...
    course_grading.checks.CheckError: I couldn't find a function called `clean_review`.
    Did you run the cell where you define it, and is the name spelled exactly `clean_review`?
    """
    __tracebackhide__ = True
    if name not in namespace:
        raise CheckError(
            f"I couldn't find a {kind} called `{name}`.\nDid you run the cell where you define it, "
            f"and is the name spelled exactly `{name}`?"
        )
    obj = namespace[name]
    if not callable(obj):
        raise CheckError(f"`{name}` should be a {kind}, but it is a {type(obj).__name__}.")
    return obj


_PLAIN = (str, bytes, int, float, complex, bool, type(None), list, tuple, dict, set, frozenset, range)


def _is_data(value: Any) -> bool:
    """Values whose ``repr`` is data (numbers, text, containers, arrays, tensors, frames)."""
    if isinstance(value, _PLAIN):
        return True
    module = type(value).__module__.split(".")[0]
    return module in ("numpy", "pandas") or (module == "torch" and type(value).__name__ == "Tensor")


def shorten(value: Any, limit: int = 120) -> str:
    """``repr`` of ``value`` shortened to ``limit`` characters for messages.

    Objects that are not data (a model, a tokenizer, an optimizer) are shown
    by their type only, never by their (very long) ``repr``.

    Examples
    --------
    >>> shorten("x" * 500, limit=20)
    "'xxxxxxxxxxx ... (502 characters)"
    >>> class Model: pass
    >>> shorten(Model())
    '<a Model>'
    """
    __tracebackhide__ = True
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
    __tracebackhide__ = True
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
    return shorten(value, limit)


def call_text(func: Any, args: tuple = (), kwargs: dict | None = None) -> str:
    """``name(arg, ...)`` with every argument shortened by :func:`describe`."""
    __tracebackhide__ = True
    parts = [describe(a) for a in args] + [f"{k}={describe(v)}" for k, v in (kwargs or {}).items()]
    return f"{_learner_name(func)}({', '.join(parts)})"


class AnswerError(CheckError):
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
    __tracebackhide__ = True
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


# --------------------------------------------------------------------------------------
# Inputs left unchanged: every graded call compares its data arguments before and after
# --------------------------------------------------------------------------------------


class _Unseen:
    """A part of an input that is not compared: not data (a model, a tokenizer, a function), or too large."""

    def __repr__(self) -> str:
        return "..."


_UNSEEN = _Unseen()
_IMMUTABLE = (str, bytes, int, float, complex, bool, type(None), range, numbers.Number)
#: Inputs larger than this (items of containers plus array elements) are not copied and compared.
_COPY_BUDGET = 5_000_000


class _TooLarge(Exception):
    pass


def _copy_data(value: Any, budget: list[int]) -> Any:
    """A copy of the data in ``value`` (lists, tuples, dicts, sets, arrays, tensors, pandas objects, nested).

    Immutable values are kept as they are; anything else (a model, a tokenizer, a dataset, a
    generator) is :data:`_UNSEEN`, never read or copied.
    """
    if isinstance(value, _IMMUTABLE) and not hasattr(value, "shape"):
        return value
    budget[0] -= 1
    if budget[0] < 0:
        raise _TooLarge
    if isinstance(value, list):
        return [_copy_data(v, budget) for v in value]
    if isinstance(value, tuple):
        return tuple(_copy_data(v, budget) for v in value)
    if isinstance(value, dict):
        return {k: _copy_data(v, budget) for k, v in value.items()}
    if isinstance(value, (set, frozenset)):
        budget[0] -= len(value)
        return set(value)
    module = type(value).__module__.split(".")[0]
    if module == "numpy" and hasattr(value, "copy") and hasattr(value, "shape"):
        budget[0] -= int(getattr(value, "size", 1))
        if budget[0] < 0:
            raise _TooLarge
        return value.copy()
    if module == "torch" and type(value).__name__ in ("Tensor", "Parameter"):
        budget[0] -= int(value.numel())
        if budget[0] < 0:
            raise _TooLarge
        return value.detach().clone()
    if module == "pandas" and type(value).__name__ in ("DataFrame", "Series", "Index"):
        budget[0] -= int(getattr(value, "size", 1))
        if budget[0] < 0:
            raise _TooLarge
        return value.copy(deep=True)
    return _UNSEEN


def _unchanged(before: Any, after: Any) -> bool:
    """``True`` if ``after`` (the input now) holds the same data as ``before`` (its copy from before the call)."""
    if before is _UNSEEN:
        return True
    if isinstance(before, list):
        return isinstance(after, list) and len(after) == len(before) and all(_unchanged(b, a) for b, a in zip(before, after))
    if isinstance(before, tuple):
        return isinstance(after, tuple) and len(after) == len(before) and all(_unchanged(b, a) for b, a in zip(before, after))
    if isinstance(before, dict):
        return isinstance(after, dict) and set(after) == set(before) and all(_unchanged(before[k], after[k]) for k in before)
    if isinstance(before, set):
        return isinstance(after, (set, frozenset)) and set(after) == before
    module = type(before).__module__.split(".")[0]
    try:
        if module == "numpy" and hasattr(before, "shape"):
            import numpy as np

            if not (isinstance(after, type(before)) and after.shape == before.shape and after.dtype == before.dtype):
                return False
            return bool(np.array_equal(before, after, equal_nan=before.dtype.kind in "fc"))
        if module == "torch":
            import torch

            return (isinstance(after, torch.Tensor) and after.shape == before.shape and after.dtype == before.dtype
                    and bool(torch.equal(before, after) or torch.allclose(before, after, rtol=0, atol=0, equal_nan=True)))
        if module == "pandas":
            return type(after) is type(before) and bool(before.equals(after))
        if before is after or bool(before == after):
            return True
        return isinstance(before, float) and isinstance(after, float) and before != before and after != after  # nan
    except Exception:  # data that cannot be compared this way: say nothing
        return True


def _inputs(func: Any, args: tuple, kwargs: dict) -> list[tuple[str, Any, Any]]:
    """``(name, the input, a copy of its data)`` for every argument of the call whose data can be copied cheaply."""
    __tracebackhide__ = True
    try:
        bound = inspect.signature(func).bind_partial(*args, **kwargs).arguments
        named = [(name, value) for name, value in bound.items()]
        params = inspect.signature(func).parameters
        flat = []
        for name, value in named:
            kind = params[name].kind if name in params else None
            if kind is inspect.Parameter.VAR_POSITIONAL:
                flat += [(f"{name}[{i}]", v) for i, v in enumerate(value)]
            elif kind is inspect.Parameter.VAR_KEYWORD:
                flat += list(value.items())
            else:
                flat.append((name, value))
    except (TypeError, ValueError):  # no signature, or one the arguments do not fit (the call will say so)
        flat = [(f"argument {i + 1}", v) for i, v in enumerate(args)] + list(kwargs.items())
    copies = []
    for name, value in flat:
        try:
            copy = _copy_data(value, [_COPY_BUDGET])
        except Exception:  # too large, or a copy that fails: not compared
            continue
        if copy is not _UNSEEN and not isinstance(value, _IMMUTABLE):
            copies.append((name, value, copy))
    return copies


def _check_inputs(func: Any, inputs: list[tuple[str, Any, Any]]) -> None:
    """Fail with a :class:`ChangedInputError` if the call changed any of ``inputs`` in place."""
    __tracebackhide__ = True
    for name, value, before in inputs:
        if not _unchanged(before, value):
            raise ChangedInputError(
                f"`{_learner_name(func)}` changed its input `{name}` in place; work on a copy.\n"
                f"The caller still needs it as it was: {_difference(before, value, name)}."
            )


def _difference(before: Any, after: Any, where: str) -> str:
    """Where an input changed, for the message: the innermost item of lists, tuples and dicts that differs."""
    if isinstance(before, (list, tuple)) and isinstance(after, (list, tuple)) and len(before) == len(after):
        for i, (b, a) in enumerate(zip(before, after)):
            if not _unchanged(b, a):
                return _difference(b, a, f"{where}[{i}]")
    if isinstance(before, dict) and isinstance(after, dict):
        lost, gained = [k for k in before if k not in after], [k for k in after if k not in before]
        if lost or gained:
            return f"`{where}` " + " and ".join(
                ([f"lost the key {shorten(lost[0], 30)}"] if lost else []) + ([f"gained the key {shorten(gained[0], 30)}"] if gained else []))
        for k in before:
            if not _unchanged(before[k], after[k]):
                return _difference(before[k], after[k], f"{where}[{k!r}]")
    return f"`{where}` was {shorten(before, 70)} before the call and is {shorten(after, 70)} after it"


def _invoke(func: Callable, args: tuple, kwargs: dict, forbid: Iterable[Any], inputs: list | None = None) -> Any:
    """Run the learner's function, watching for the reference and explaining stubs.

    The errors it raises carry the learner's own frames as their traceback (where the stub
    raised, or the line that called the reference), so that is the last frame a learner sees.
    """
    __tracebackhide__ = True
    codes = reference_codes(forbid)
    used: list[str] = []
    where_used: list[tuple[Any, int, int]] = []  # the learner's line that first reached the reference

    here = sys._getframe()

    def watch(frame: Any, event: str, arg: Any) -> None:
        if event == "call" and frame.f_code in codes:
            used.append(codes[frame.f_code])
            caller = frame.f_back  # up to this call, not beyond: the innermost frame of the learner's
            while not where_used and caller is not None and caller is not here:
                if _is_learner_frame(caller):
                    where_used.append((caller, caller.f_lasti, caller.f_lineno))
                caller = caller.f_back

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
            message = f"`{_learner_name(func)}` is not written yet."
        else:
            message = f"`{_learner_name(func)}` uses `{where}`, which is not written yet."
        raise NotWrittenError(
            f"{message}\nReplace `raise NotImplementedError()` with your code, then run that cell again."
        ).with_traceback(_learner_tail(err.__traceback__)) from None
    except BaseException as err:
        if used:
            raise _used_error(func, used).with_traceback(_chain(where_used[:1])) from None
        raise
    finally:
        if codes:
            sys.setprofile(previous)
            threading.setprofile(previous_thread)
    if used:
        raise _used_error(func, used).with_traceback(_chain(where_used[:1]))
    _check_inputs(func, inputs if inputs is not None else [])
    return result


def call(func: Callable, *args: Any, forbid: Iterable[Any] = (), **kwargs: Any) -> Any:
    """Call the learner's ``func(*args, **kwargs)`` and return its result.

    Anything the function writes to stderr (warnings, progress bars) is sent
    to stdout, because nbgrader scores a test cell with stderr output as zero.

    Fails with a :class:`NotWrittenError` that explains what to do when the
    function is still the unanswered stub (``NotImplementedError``), with a
    :class:`UsedReferenceError` when any of the ``forbid`` functions or classes
    (sentiment_lib's implementation of the graded task) ran during the call,
    and with an :class:`AnswerError` naming the call, its (shortened) input and
    the error when the function raises anything else (see
    :func:`expect_error` for calls that should raise). Each is a
    :class:`CheckError` (an ``AssertionError``) whose traceback ends in the
    learner's own code.

    The call must leave its inputs as they were: lists, tuples, dicts, sets, NumPy arrays, PyTorch
    tensors and pandas objects (nested too) are copied before the call and compared after it, and
    a :class:`ChangedInputError` says which one the function changed in place. Other objects (a
    model, a tokenizer, a dataset, a function) and very large inputs are not compared.

    Examples
    --------
    >>> def first_word(text):
    ...     return text.split()[0]
    >>> call(first_word, "")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    course_grading.checks.AnswerError: first_word('') raised IndexError: list index out of range
    >>> def smallest(numbers):
    ...     numbers.sort()
    ...     return numbers[0]
    >>> call(smallest, [3, 1, 2])
    Traceback (most recent call last):
    ...
    course_grading.checks.ChangedInputError: `smallest` changed its input `numbers` in place; work on a copy.
    The caller still needs it as it was: `numbers[0]` was 3 before the call and is 1 after it.
    >>> def table(rows):
    ...     return {row.pop("model"): row for row in rows}
    >>> call(table, [{"model": "tf-idf", "accuracy": 0.8}])
    Traceback (most recent call last):
    ...
    course_grading.checks.ChangedInputError: `table` changed its input `rows` in place; work on a copy.
    The caller still needs it as it was: `rows[0]` lost the key 'model'.
    """
    __tracebackhide__ = True
    try:
        return _invoke(func, args, kwargs, forbid, _inputs(func, args, kwargs))
    except (UsedReferenceError, NotWrittenError, ChangedInputError):
        raise
    except Exception as err:  # the learner's own code raised, an assert of theirs included
        raise AnswerError(
            f"{call_text(func, args, kwargs)} raised {_error_text(err)}"
        ).with_traceback(_learner_tail(err.__traceback__)) from None


def _error_text(err: BaseException) -> str:
    """``Type: first line of the message`` (shortened) of an error the learner's code raised."""
    detail = str(err).strip().splitlines()[0] if str(err).strip() else ""
    detail = detail if len(detail) <= 200 else detail[:197] + "..."
    return type(err).__name__ + (f": {detail}" if detail else "")


def _used_error(func: Any, used: list[str]) -> UsedReferenceError:
    names = ", ".join(f"`{n}`" for n in dict.fromkeys(used))
    return UsedReferenceError(
        f"Your `{_learner_name(func)}` calls sentiment_lib's own {names}.\n"
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
    course_grading.checks.CheckError: half(4) should raise ValueError, but it returned 2.
    """
    __tracebackhide__ = True
    inputs = _inputs(func, args, kwargs)
    try:
        result = _invoke(func, args, kwargs, forbid, inputs)
    except error:
        _check_inputs(func, inputs)  # raising is right, but not after changing the caller's data
        return None
    except (UsedReferenceError, NotWrittenError, ChangedInputError):
        raise
    except Exception as err:
        raise CheckError(
            f"{call_text(func, args, kwargs)} should raise {error.__name__}, but it raised {_error_text(err)}"
        ).with_traceback(_learner_tail(err.__traceback__)) from None
    raise CheckError(f"{call_text(func, args, kwargs)} should raise {error.__name__}, but it returned {shorten(result, 80)}.")


def to_plain(value: Any) -> Any:
    """Turn tensors, arrays and tuples (nested) into plain Python lists and numbers.

    Examples
    --------
    >>> import numpy as np
    >>> to_plain((np.array([1, 2]), [np.float64(0.5)]))
    [[1, 2], [0.5]]
    """
    __tracebackhide__ = True
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
    __tracebackhide__ = True
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
