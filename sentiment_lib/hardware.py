"""The machine: which device to compute on, what the CPU can do, which arithmetic to use (a shared helper).

Examples
--------
>>> resolve_precision("fp32")
'fp32'
"""

from __future__ import annotations

import os
from pathlib import Path

from .errors import SentimentLibError


def pick_device() -> str:
    """``cuda`` if available, then ``mps``, else ``cpu``."""
    import torch

    if torch.cuda.is_available():
        return "cuda"
    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        return "mps"
    return "cpu"


PRECISIONS = ("auto", "fp32", "bf16", "fp16")


def cpu_flags() -> set[str]:
    """The processor's feature flags (``/proc/cpuinfo`` on Linux; empty elsewhere)."""
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return set()
    line = next((l for l in text.splitlines() if l.startswith(("flags", "Features"))), "")
    return set(line.partition(":")[2].split())


def load_average() -> list[float] | None:
    """The machine's load averages over 1, 5 and 15 minutes (``None`` where the OS has none, e.g. Windows).

    A timing taken while the load exceeds the number of cores was shared with other work.

    Examples
    --------
    >>> load = load_average()
    >>> load is None or len(load) == 3
    True
    """
    return [round(x, 2) for x in os.getloadavg()] if hasattr(os, "getloadavg") else None


def cpu_has_native_bf16() -> bool:
    """True when the CPU computes bfloat16 in hardware (AVX512-BF16 or AMX); elsewhere bf16 is emulated and slow.

    Returns
    -------
    bool
        Whether ``/proc/cpuinfo`` (Linux) lists ``avx512_bf16`` or ``amx_bf16``; False where the
        flags cannot be read.

    Examples
    --------
    >>> resolve_precision("auto", "cpu") == ("bf16" if cpu_has_native_bf16() else "fp32")   # what it decides
    True
    """
    return bool({"avx512_bf16", "amx_bf16"} & cpu_flags())


def resolve_precision(precision: str = "auto", device: str | None = None) -> str:
    """The arithmetic to train and predict in: ``"fp32"``, ``"bf16"`` or ``"fp16"``.

    ``"auto"`` picks bf16 on a GPU that supports it (else fp16), bf16 on a CPU
    with native bf16 (:func:`cpu_has_native_bf16`), and fp32 everywhere else.
    An explicit value is used as given (bf16 on a CPU without it works, slowly).
    Weights are always kept and saved in fp32; bf16 is autocast.

    Parameters
    ----------
    precision : {"auto", "fp32", "bf16", "fp16"}, default="auto"
    device : {"cpu", "cuda", "mps"}, default=None
        Where the model runs (``None``: the best device available, as the library picks it).

    Returns
    -------
    str
        ``"fp32"``, ``"bf16"`` or ``"fp16"``. An unknown ``precision`` is a clear error.

    Examples
    --------
    >>> resolve_precision("fp32")
    'fp32'
    >>> resolve_precision("auto", "cpu") in ("fp32", "bf16")
    True
    """
    if precision not in PRECISIONS:
        raise SentimentLibError(f"Unknown precision {precision!r}.", hint=f"Choose one of {', '.join(PRECISIONS)}.")
    if precision != "auto":
        return precision
    device = device or pick_device()
    if device == "cuda":
        import torch

        return "bf16" if torch.cuda.is_bf16_supported() else "fp16"
    if device == "cpu":
        return "bf16" if cpu_has_native_bf16() else "fp32"
    return "fp32"
