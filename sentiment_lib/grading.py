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
import sys
import threading
from typing import Any, Callable, Iterable

__all__ = ["UsedReferenceError", "call", "quiet", "expect_error", "get_function", "reference_codes", "same", "show", "to_plain"]


class UsedReferenceError(AssertionError):
    """The learner's answer ran the library's own implementation of the graded function."""


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
    try:
        import transformers

        transformers.logging.set_verbosity_error()
    except ImportError:  # pragma: no cover
        pass
    try:
        import datasets

        datasets.disable_progress_bars()
        datasets.logging.set_verbosity_error()
    except ImportError:  # pragma: no cover
        pass


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


def show(value: Any, limit: int = 120) -> str:
    """``repr`` of ``value`` shortened to ``limit`` characters for messages.

    Examples
    --------
    >>> show("x" * 500, limit=20)
    "'xxxxxxxxxxx ... (502 characters)"
    """
    text = repr(value)
    if len(text) <= limit:
        return text
    return f"{text[: limit - 8]} ... ({len(text)} characters)"


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


def _learner_name(func: Any) -> str:
    return getattr(func, "__name__", None) or type(func).__name__


def call(func: Callable, *args: Any, forbid: Iterable[Any] = (), **kwargs: Any) -> Any:
    """Call the learner's ``func(*args, **kwargs)`` and return its result.

    Anything the function writes to stderr (warnings, progress bars) is sent
    to stdout, because nbgrader scores a test cell with stderr output as zero.

    Fails with an :class:`AssertionError` that explains what to do when the
    function is still the unanswered stub (``NotImplementedError``), and with a
    :class:`UsedReferenceError` when any of the ``forbid`` functions or classes
    (sentiment_lib's implementation of the graded task) ran during the call.
    Other exceptions propagate unchanged, so that tests can expect them.
    """
    codes = reference_codes(forbid)
    used: list[str] = []

    def watch(frame: Any, event: str, arg: Any) -> None:
        if event == "call" and frame.f_code in codes:
            used.append(codes[frame.f_code])

    previous = sys.getprofile()
    previous_thread = threading.getprofile() if hasattr(threading, "getprofile") else None
    if codes:
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
        if where in (_learner_name(func), "call"):
            message = f"`{_learner_name(func)}` is not written yet: it still raises NotImplementedError."
        else:
            message = f"`{_learner_name(func)}` uses `{where}`, which is not written yet (it raises NotImplementedError)."
        raise AssertionError(
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
    arguments = ", ".join([*(show(a, 60) for a in args), *(f"{k}={show(v, 40)}" for k, v in kwargs.items())])
    try:
        result = call(func, *args, forbid=forbid, **kwargs)
    except error:
        return None
    except (UsedReferenceError, AssertionError):
        raise
    except Exception as err:
        raise AssertionError(
            f"{_learner_name(func)}({arguments}) should raise {error.__name__}, but it raised "
            f"{type(err).__name__}: {err}"
        ) from None
    raise AssertionError(f"{_learner_name(func)}({arguments}) should raise {error.__name__}, but it returned {show(result, 80)}.")


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
