"""Int8 dynamic quantization of a model's linear layers, for faster CPU inference.

Dynamic quantization stores the weights of every ``nn.Linear`` as int8 and
quantizes activations on the fly; on CPUs with VNNI instructions matrix
products then run on int8 units. Accuracy usually moves by well under a point
(measure it: ``benchmarks/bench_inference.py``).
"""

from __future__ import annotations

import warnings
from typing import Any


def quantize_int8(model: Any) -> Any:
    """Return a copy of ``model`` with int8 dynamic quantization of its linear layers (CPU).

    Examples
    --------
    >>> from sentiment_lib.modeling import build_model
    >>> q = quantize_int8(build_model("tiny"))
    >>> type(q.classifier).__name__
    'Linear'
    """
    import copy

    import torch

    model = copy.deepcopy(model).to("cpu").eval()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # torch.ao.quantization is deprecated but works
        warnings.simplefilter("ignore", UserWarning)
        return torch.ao.quantization.quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8)
