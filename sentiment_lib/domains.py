"""What each setting accepts, checked in one place for the command line and for Python callers.

A :class:`Domain` says which values a setting accepts: its kind (integer, number, text,
true/false), a range, whether ``None`` (``all`` on the command line) is allowed, whether a
path must exist as a file or a directory, or any other test. Dataclass fields carry it in
their metadata (``field(..., metadata={"domain": Domain(minimum=1)})``); the field's type
annotation supplies the kind (:func:`field_domains`). The command line uses the same object
to read a flag's text (:meth:`Domain.parse`) and to check it (:meth:`Domain.check`), so
``--batch-size 0``, ``make_config(batch_size=0)`` and ``clf.predict(..., batch_size=0)`` are
refused with the same words::

    --batch-size 0 is out of range: expected an integer ≥ 1.
    batch_size 0 is out of range: expected an integer ≥ 1.
"""

from __future__ import annotations

import math
import numbers
import os
import types
import typing
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any, Callable

from .errors import SentimentLibError

KINDS = ("int", "float", "str", "bool")
ALL_WORDS = ("all", "none")  # how the command line spells None for an optional count
TRUE_WORDS, FALSE_WORDS = ("1", "true", "yes", "on"), ("0", "false", "no", "off")
SEED_MAX = 2**32 - 1  # numpy and transformers.set_seed accept seeds in [0, 2**32 - 1]


@dataclass(frozen=True)
class Domain:
    """The values one setting accepts.

    Parameters
    ----------
    kind : {"int", "float", "str", "bool"}, default="str"
        Filled in from the field's annotation by :func:`field_domains`.
    minimum, maximum : float, default=None
        Range of a number (inclusive unless ``above``/``below``). Numbers must be finite.
    above, below : bool, default=False
        Exclude the minimum (e.g. a learning rate > 0) or the maximum.
    optional : bool, default=False
        ``None`` is accepted (from ``X | None``); the command line spells it ``all`` or ``none``.
    path : {"dir", "file", "new"}, default=None
        A path that must be an existing directory, an existing file, or (``"new"``) anything but a file.
    test : callable, default=None
        Any further check: returns why a value is refused (``"does not exist"``) or ``None``.
    accepts : str, default=None
        What the values are, in words (default: built from the settings above).
    hint : str, default=None
        Appended to the error message: what to do.

    Examples
    --------
    >>> Domain("int", minimum=1).check("batch_size", 0)
    Traceback (most recent call last):
    ...
    sentiment_lib.errors.SentimentLibError: batch_size 0 is out of range: expected an integer ≥ 1.
    >>> Domain("float", minimum=0, maximum=1).parse("nan")
    nan
    >>> Domain("int", minimum=1, optional=True).parse("all") is None
    True
    """

    kind: str = "str"
    minimum: float | None = None
    maximum: float | None = None
    above: bool = False
    below: bool = False
    optional: bool = False
    path: str | None = None
    test: Callable[[Any], str | None] | None = None
    accepts: str | None = None
    hint: str | None = None

    def describe(self) -> str:
        """What the accepted values are, in words: ``an integer ≥ 1``, ``a number in [0, 1]``."""
        if self.accepts:
            text = self.accepts
        elif self.kind in ("int", "float"):
            text = ("an integer" if self.kind == "int" else "a finite number") + self._range()
        elif self.kind == "bool":
            text = "true or false"
        else:
            text = {"dir": "an existing directory", "file": "an existing file",
                    "new": "a path that is not an existing file"}.get(self.path or "", "a non-empty text")
        return text + (" (or 'all')" if self.optional and self.kind == "int" else "")

    def _range(self) -> str:
        low, high = self.minimum, self.maximum
        if low is not None and high is not None:
            return f" in {'(' if self.above else '['}{_show(low)}, {_show(high)}{')' if self.below else ']'}"
        if low is not None:
            return f" {'>' if self.above else '≥'} {_show(low)}"
        if high is not None:
            return f" {'<' if self.below else '≤'} {_show(high)}"
        return ""

    def problem(self, value: Any) -> str | None:
        """Why ``value`` is refused (``"is out of range"``), or ``None`` when it is accepted."""
        if value is None:
            return None if self.optional else "is missing"
        problem = self._kind_problem(value)
        return problem if problem or self.test is None else self.test(value)

    def _kind_problem(self, value: Any) -> str | None:
        if self.kind in ("int", "float"):
            return self._number_problem(value)
        if self.kind == "bool":
            return None if isinstance(value, bool) else "is not true or false"
        if not isinstance(value, (str, os.PathLike)):
            return f"is a {type(value).__name__}, not a text"
        if not str(value).strip():
            return "is empty"
        return _path_problem(value, self.path) if self.path else None

    def _number_problem(self, value: Any) -> str | None:
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            return "is not a number"
        if self.kind == "int" and not isinstance(value, numbers.Integral):
            return "is not an integer"
        if not math.isfinite(value):
            return "is not a finite number"
        low, high = self.minimum, self.maximum
        if low is not None and (value < low or (self.above and value == low)):
            return "is out of range"
        if high is not None and (value > high or (self.below and value == high)):
            return "is out of range"
        return None

    def check(self, name: str, value: Any) -> Any:
        """Return ``value`` if accepted, else raise one clear error naming ``name``, the value and the domain."""
        problem = self.problem(value)
        if problem is None:
            return value
        shown = _show(value)
        if len(shown) > 80:
            shown = shown[:77] + "..."
        raise SentimentLibError(f"{name} {shown} {problem}: expected {self.describe()}.", hint=self.hint)

    def parse(self, text: str) -> Any:
        """A command-line word as a value of this kind; text that is not one comes back as it is,
        so that :meth:`check` reports it in the same words as every other refusal."""
        word = text.strip().lower()
        if self.optional and word in ALL_WORDS:
            return None
        try:
            if self.kind == "int":
                return int(text)
            if self.kind == "float":
                return float(text)
        except ValueError:  # also: more digits than Python converts
            return text
        if self.kind == "bool":
            return True if word in TRUE_WORDS else False if word in FALSE_WORDS else text
        return text

    __call__ = parse  # argparse calls the ``type`` of an argument with its text


def _show(value: Any) -> str:
    """A value as the user would have typed it: ``-1`` for -1.0, ``''`` for the empty text."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (str, os.PathLike)):
        return str(value) if str(value) else "''"
    try:
        return str(value) if isinstance(value, numbers.Number) else repr(value)
    except ValueError:  # an integer with more digits than Python prints
        return f"(an integer of about {value.bit_length() * 0.30103:.0f} digits)"


def path_kind(path: str | os.PathLike) -> str:
    """``"dir"``, ``"file"``, ``"other"`` (a device, a socket), ``"missing"``, or why the name is no
    usable path at all (``"unusable: File name too long"``): never an exception.

    Examples
    --------
    >>> path_kind("/"), path_kind("/no/such/path"), path_kind("x" * 300)
    ('dir', 'missing', 'unusable: File name too long')
    """
    if "\x00" in str(path):  # pathlib's is_dir() and exists() say False; open() and resolve() raise
        return "unusable: a NUL character in the name"
    try:
        path = Path(path).expanduser()
        if path.is_dir():
            return "dir"
        if path.is_file():
            return "file"
        return "other" if path.exists() else "missing"
    except (OSError, ValueError, RuntimeError) as err:  # too long, a NUL byte, ~user unknown
        return f"unusable: {getattr(err, 'strerror', None) or err}"


def _path_problem(path: str | os.PathLike, want: str) -> str | None:
    kind = path_kind(path)
    if kind.startswith("unusable"):
        return f"is not a usable path ({kind.partition(': ')[2]})"
    if kind == "missing":
        return None if want == "new" else "does not exist"
    if want in ("dir", "new") and kind != "dir":
        return f"is a {kind}, not a directory" if want == "dir" or kind == "file" else None
    if want == "file" and kind != "file":
        return "is a directory, not a file" if kind == "dir" else "is not a regular file"
    return None


def field_domains(cls: type) -> dict[str, Domain]:
    """The :class:`Domain` of each field of a dataclass, its kind taken from the annotation.

    Examples
    --------
    >>> from sentiment_lib.training import TrainConfig
    >>> d = field_domains(TrainConfig)["train_size"]
    >>> d.kind, d.optional, d.minimum
    ('int', True, 1)
    """
    hints = typing.get_type_hints(cls)
    result = {}
    for f in fields(cls):
        hint = hints[f.name]
        args = typing.get_args(hint) if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union else (hint,)
        base = next(a for a in args if a is not type(None))
        kind = base.__name__ if base.__name__ in KINDS else "str"
        domain = f.metadata.get("domain", Domain())
        result[f.name] = replace(domain, kind=kind, optional=type(None) in args)
    return result


def check_fields(obj: Any, *, flags: bool = False) -> None:
    """Check every field of a dataclass instance against its domain (names as flags with ``flags=True``).

    Examples
    --------
    >>> from sentiment_lib.training import TrainConfig
    >>> check_fields(TrainConfig(warmup_ratio=1.5), flags=True)
    Traceback (most recent call last):
    ...
    sentiment_lib.errors.SentimentLibError: --warmup-ratio 1.5 is out of range: expected a finite number in [0, 1].
    """
    for name, domain in field_domains(type(obj)).items():
        domain.check(flag_name(name) if flags else name, getattr(obj, name))


def flag_name(name: str) -> str:
    """``batch_size`` → ``--batch-size``.

    >>> flag_name("max_length")
    '--max-length'
    """
    return "--" + name.replace("_", "-")


#: Shared domains of settings that several commands and functions take.
COUNT = Domain("int", minimum=1)
BATCH_SIZE = Domain("int", minimum=1)
SEED = Domain("int", minimum=0, maximum=SEED_MAX)
DATA_DIR = Domain("str", path="dir", optional=True,
                  hint="Pass a directory holding train.parquet and test.parquet, or set SENTIMENT_DATA_DIR to one.")
