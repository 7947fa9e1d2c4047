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
course_grading.checks.UsedReferenceError: Your `lazy` calls sentiment_lib's own `sentiment_lib.data.clean_text`. ...
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
    "AnswerError", "NotWrittenError", "UsedReferenceError", "call", "call_text", "describe", "expect_error", "get_function",
    "imported_modules", "quiet", "reference_codes", "same", "shorten", "to_plain",
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
    return shorten(value, limit)


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
    course_grading.checks.AnswerError: first_word('') raised IndexError: list index out of range ...
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
    raise AssertionError(f"{call_text(func, args, kwargs)} should raise {error.__name__}, but it returned {shorten(result, 80)}.")


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
