"""Int8 dynamic quantization of a model's linear layers, for faster CPU inference.

Dynamic quantization stores the weights of a ``nn.Linear`` as int8 and
quantizes its input on the fly, one scale per tensor, so the matrix product
runs in int8 (on int8 dot-product units where the CPU has VNNI).

One scale per tensor is the weak point: a few activation channels of a
transformer's feed-forward block are far larger than the rest (outliers), and
rounding the others to the same 8-bit grid loses them. That hurts most at the
feed-forward *output* projection (the layer that projects the wide hidden
layer back down, ``in_features > out_features``), whose input holds those
outliers (Bondarenko et al., "Understanding and Overcoming the Challenges of
Efficient Transformer Quantization", EMNLP 2021). By default
:func:`quantize_int8` therefore keeps those down-projections, and the small
classification head, in float32 and quantizes the other linear layers of the
transformer blocks. ``benchmarks/bench_inference.py`` measures both choices.
"""

from __future__ import annotations

import warnings
from typing import Any


def int8_layer_names(model: Any, *, keep_down_projections: bool = True) -> list[str]:
    """Names of the linear layers :func:`quantize_int8` turns into int8.

    Every ``nn.Linear`` inside a transformer block (a module path containing
    ``.layer.``), except, with ``keep_down_projections``, the feed-forward output
    projections (``in_features > out_features``).

    Examples
    --------
    >>> from sentiment_lib.modeling import build_model
    >>> names = int8_layer_names(build_model("tiny"))
    >>> names[:2], any(n.endswith("ffn.lin2") for n in names)
    (['distilbert.transformer.layer.0.attention.q_lin', 'distilbert.transformer.layer.0.attention.k_lin'], False)
    """
    import torch

    return [
        name
        for name, module in model.named_modules()
        if isinstance(module, torch.nn.Linear)
        and ".layer." in f".{name}."
        and not (keep_down_projections and module.in_features > module.out_features)
    ]


def quantize_int8(model: Any, *, keep_down_projections: bool = True) -> Any:
    """Return a copy of ``model`` whose transformer-block linear layers compute in int8 (CPU).

    ``keep_down_projections=False`` quantizes the feed-forward output
    projections too: faster, but less accurate (chapter 7 measures both on the
    course's quick model).

    Examples
    --------
    >>> from sentiment_lib.modeling import build_model
    >>> q = quantize_int8(build_model("tiny"))
    >>> block = q.distilbert.transformer.layer[0]
    >>> type(block.attention.q_lin).__module__.startswith("torch.ao.nn.quantized"), type(block.ffn.lin2).__module__
    (True, 'torch.nn.modules.linear')
    """
    import copy

    import torch

    model = copy.deepcopy(model).to("cpu").eval()
    spec = {name: torch.ao.quantization.default_dynamic_qconfig
            for name in int8_layer_names(model, keep_down_projections=keep_down_projections)}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # torch.ao.quantization is deprecated but works
        warnings.simplefilter("ignore", UserWarning)
        return torch.ao.quantization.quantize_dynamic(model, spec, dtype=torch.qint8)
