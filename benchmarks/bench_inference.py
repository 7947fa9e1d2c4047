"""Inference throughput and accuracy: pipeline versus the library's predict, fp32, int8 and bf16.

All paths score the same balanced IMDB reviews held out of train (never test reviews: this
benchmark decides defaults) with the same fine-tuned
model (its truncation length and strategy from ``training_config.json``):

* ``pipeline``: ``transformers.pipeline("text-classification")`` called the way
  its documentation shows, a list of texts and no batch size;
* ``pipeline_batched``: the same with ``batch_size``;
* ``predict``: :meth:`sentiment_lib.inference.SentimentClassifier.predict_proba`
  (length-sorted batches, ``torch.inference_mode``), fp32;
* ``predict_int8``: the same after the library's int8 dynamic quantization
  (:func:`sentiment_lib.quantization.quantize_int8`: the transformer blocks'
  linear layers, feed-forward down-projections kept in float32);
* ``predict_int8_all``: int8 for every linear layer of the blocks, the
  down-projections included (``keep_down_projections=False``);
* ``predict_bf16``: the same with the weights in bf16, only where the CPU has
  native bf16 (otherwise reported as unsupported; ``--force-bf16`` measures it).
* ``predict_onnx`` and ``predict_onnx_int8``: the same ``predict_proba`` (same
  length-sorted batches and truncation) with ``backend="onnx"``: the model exported by
  :func:`sentiment_lib.export.export_onnx` (one graph, float32, and its int8 copy from
  ONNX Runtime's ``quantize_dynamic``), run by ONNX Runtime with as many threads as torch.

The reviews are split into chunks and every path scores every chunk, the order
rotating from chunk to chunk, so that a change of machine load hits all paths
alike. The achieved GFLOP/s of the fastest path counts the FLOPs of the real
(non-padding) tokens only: 2 FLOPs per weight of the encoder's linear layers
per token, plus 4·n·d per token per layer for attention scores and their use;
it is compared with a peak of cores × GHz × fp32 FLOPs per cycle.

Examples::

    python benchmarks/bench_inference.py --model-dir runs/quick --n 2000
    python benchmarks/bench_inference.py --smoke
    python benchmarks/bench_inference.py --model-dir runs/quick --n 2000 --skip pipeline_batched predict_int8_all
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common  # noqa: E402


def useful_gflop(model, token_counts) -> float:
    """GFLOP of one forward pass over sequences of the given (unpadded) lengths."""
    import torch

    config = getattr(model.config, "encoder", None) or model.config  # a mean-pooling model nests its encoder's
    layers = getattr(config, "num_hidden_layers", None) or getattr(config, "n_layers")
    width = getattr(config, "hidden_size", None) or getattr(config, "dim")
    encoder = getattr(model, model.base_model_prefix)
    linear = sum(m.weight.numel() for m in encoder.modules() if isinstance(m, torch.nn.Linear))
    total = 0.0
    for n in token_counts:
        total += 2 * linear * n + 4 * layers * n * n * width
    return total / 1e9


def main(argv: list[str] | None = None) -> dict:
    parser = _common.base_parser(__doc__.split("\n")[0], "inference.json")
    parser.add_argument("--model-dir", default=None, help="Fine-tuned model directory (default: --model, for smoke runs the tiny model).")
    parser.add_argument("--n", type=int, default=2000, help="Test reviews.")
    parser.add_argument("--chunks", type=int, default=4, help="Chunks the reviews are split into.")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--force-bf16", action="store_true", help="Measure bf16 even without native support (slow).")
    parser.add_argument("--skip", nargs="*", default=[], help="Paths to leave out.")
    args = parser.parse_args(argv)
    if args.smoke:
        args.n, args.chunks, args.batch_size = 16, 2, 8
    _common.setup_env(args)

    import numpy as np
    import torch
    import transformers

    from sentiment_lib.inference import SentimentClassifier
    from sentiment_lib.quantization import quantize_int8

    source = args.model_dir or _common.resolve_model_name(args)
    fp32 = SentimentClassifier.from_pretrained(source, device="cpu", precision="fp32")
    texts, labels = _common.heldout_texts(args.n, seed=42, model_dir=source)
    labels = np.asarray(labels)
    machine = _common.machine_info(str(source))
    label_ids = {v.lower(): k for k, v in fp32.id2label.items()}

    paths = {}
    pipe = fp32.pipeline()
    paths["pipeline"] = lambda chunk: [label_ids[r["label"].lower()] for r in pipe(chunk)]
    paths["pipeline_batched"] = lambda chunk: [label_ids[r["label"].lower()] for r in pipe(chunk, batch_size=args.batch_size)]
    paths["predict"] = lambda chunk: fp32.predict_proba(chunk, batch_size=args.batch_size).argmax(-1)
    int8 = SentimentClassifier(quantize_int8(fp32.model), fp32.tokenizer, max_length=fp32.max_length,
                               strategy=fp32.strategy, device="cpu")
    paths["predict_int8"] = lambda chunk: int8.predict_proba(chunk, batch_size=args.batch_size).argmax(-1)
    int8_all = SentimentClassifier(quantize_int8(fp32.model, keep_down_projections=False), fp32.tokenizer,
                                   max_length=fp32.max_length, strategy=fp32.strategy, device="cpu")
    paths["predict_int8_all"] = lambda chunk: int8_all.predict_proba(chunk, batch_size=args.batch_size).argmax(-1)
    bf16_status = "measured" if _common.bf16_supported() else (
        "measured without native support (forced)" if args.force_bf16
        else "skipped: this CPU has no avx512_bf16 or AMX, so bf16 matrix products are emulated and slower")
    if not bf16_status.startswith("skipped"):
        import copy

        bf16 = SentimentClassifier(copy.deepcopy(fp32.model).to(torch.bfloat16), fp32.tokenizer,
                                   max_length=fp32.max_length, strategy=fp32.strategy, device="cpu")
        paths["predict_bf16"] = lambda chunk: bf16.predict_proba(chunk, batch_size=args.batch_size).argmax(-1)
        autocast = SentimentClassifier(fp32.model, fp32.tokenizer, max_length=fp32.max_length, strategy=fp32.strategy,
                                       device="cpu", precision="bf16")
        paths["predict_bf16_autocast"] = lambda chunk: autocast.predict_proba(chunk, batch_size=args.batch_size).argmax(-1)
    import tempfile

    from sentiment_lib.export import export_onnx

    export_dir = Path(tempfile.mkdtemp(prefix="bench-onnx-")) / "model"
    exported = export_onnx(source, export_dir, quantize=True)  # once, not timed: like loading a model
    threads = torch.get_num_threads()
    onnx_fp32 = SentimentClassifier.from_pretrained(export_dir, backend="onnx", threads=threads)
    onnx_int8 = SentimentClassifier.from_pretrained(export_dir, backend="onnx", quantize=True, threads=threads)
    paths["predict_onnx"] = lambda chunk: onnx_fp32.predict_proba(chunk, batch_size=args.batch_size).argmax(-1)
    paths["predict_onnx_int8"] = lambda chunk: onnx_int8.predict_proba(chunk, batch_size=args.batch_size).argmax(-1)
    for name in args.skip:
        paths.pop(name, None)

    size = -(-len(texts) // args.chunks)
    starts = list(range(0, len(texts), size))
    names = list(paths)
    seconds = {n: [] for n in names}
    preds = {n: np.zeros(len(texts), dtype=int) for n in names}
    verbosity = transformers.logging.get_verbosity()
    transformers.logging.set_verbosity_error()  # the pipeline's "use a dataset" hint on CPU
    for i, start in enumerate(starts):
        chunk = texts[start : start + size]
        shift = i % len(names)
        for name in names[shift:] + names[:shift]:
            t0 = time.perf_counter()
            preds[name][start : start + len(chunk)] = paths[name](chunk)
            seconds[name].append(time.perf_counter() - t0)
        print(f"chunk {i}: " + ", ".join(f"{n} {seconds[n][-1]:.1f}s" for n in names), flush=True)
    transformers.logging.set_verbosity(verbosity)

    sizes = [len(texts[s : s + size]) for s in starts]
    rows = {}
    for name in names:
        rows[name] = {
            "reviews_per_second": len(texts) / sum(seconds[name]),
            "reviews_per_second_median_chunk": _common.median([n / t for n, t in zip(sizes, seconds[name])]),
            "seconds": sum(seconds[name]),
            "accuracy": float((preds[name] == labels).mean()),
        }
    fast = rows["predict"]["reviews_per_second"]
    for name in names:
        rows[name]["speed_vs_predict_fp32"] = rows[name]["reviews_per_second"] / fast
    from sentiment_lib.tokenization import tokenize

    lengths = [len(ids) for ids in tokenize(texts, fp32.tokenizer, max_length=fp32.max_length, strategy=fp32.strategy)["input_ids"]]
    gflop = useful_gflop(fp32.model, lengths)
    best = max(names, key=lambda n: rows[n]["reviews_per_second"])  # not a choice: the fastest path, for its GFLOP/s
    # the peak of the cores this process may use (torch threads), not of the whole machine
    peak = _common.peak_gflops(cores=min(torch.get_num_threads(), machine["cores"] or 1))
    achieved = gflop / rows[best]["seconds"]
    results = {
        "reviews": len(texts),
        "max_length": fp32.max_length,
        "truncation": fp32.strategy,
        "batch_size": args.batch_size,
        "paths": rows,
        "bf16": {"native_support": _common.bf16_supported(), "status": bf16_status},
        "int8_route": "torch.ao.quantization.quantize_dynamic (fbgemm int8 kernels) on the transformer blocks' nn.Linear layers",
        "real_tokens": int(sum(lengths)),
        "useful_gflop": gflop,
        "best_path": best,
        "best_gflops": achieved,
        "peak": peak,
        "machine_peak": _common.peak_gflops(),
        "share_of_peak": achieved / peak["gflops"],
        "predict_vs_pipeline": fast / rows["pipeline"]["reviews_per_second"],
        "int8_vs_fp32": rows["predict_int8"]["reviews_per_second"] / fast if "predict_int8" in rows else None,
        "int8_accuracy_change_points": 100 * (rows["predict_int8"]["accuracy"] - rows["predict"]["accuracy"]) if "predict_int8" in rows else None,
        "int8_all_vs_fp32": rows["predict_int8_all"]["reviews_per_second"] / fast if "predict_int8_all" in rows else None,
        "int8_all_accuracy_change_points": 100 * (rows["predict_int8_all"]["accuracy"] - rows["predict"]["accuracy"]) if "predict_int8_all" in rows else None,
    }
    if "predict_onnx_int8" in rows:
        onnx8, base = rows["predict_onnx_int8"], rows["predict"]
        results["onnx"] = {
            "route": "torch.onnx.export (torch.export) -> onnxruntime CPUExecutionProvider; int8: "
                     "onnxruntime.quantization.quantize_dynamic, QInt8 weights per channel",
            "export_seconds": exported.seconds,
            "files_mb": {k: v / 1e6 for k, v in exported.files.items() if k.endswith(".onnx")},
            "onnxruntime_threads": threads,
            "int8_vs_pipeline": onnx8["reviews_per_second"] / rows["pipeline"]["reviews_per_second"] if "pipeline" in rows else None,
            "int8_vs_predict_fp32": onnx8["reviews_per_second"] / base["reviews_per_second"],
            "int8_accuracy_change_points": 100 * (onnx8["accuracy"] - base["accuracy"]),
            "int8_label_agreement_with_predict_fp32": float((preds["predict_onnx_int8"] == preds["predict"]).mean()),
            "fp32_vs_predict_fp32": rows["predict_onnx"]["reviews_per_second"] / base["reviews_per_second"] if "predict_onnx" in rows else None,
            "fp32_label_agreement_with_predict_fp32": float((preds["predict_onnx"] == preds["predict"]).mean()) if "predict_onnx" in rows else None,
        }
    import shutil

    shutil.rmtree(export_dir.parent, ignore_errors=True)
    results["goals"] = {
        "predict >= 2x pipeline as documented": results["predict_vs_pipeline"] >= 2,
        "int8 >= 1.5x fp32 predict with <= 1 point lost": (
            results["int8_vs_fp32"] is not None and results["int8_vs_fp32"] >= 1.5 and results["int8_accuracy_change_points"] >= -1
        ),
        "predict --backend onnx int8 >= 2x pipeline as documented with <= 1 point lost": bool(
            results.get("onnx") and results["onnx"]["int8_vs_pipeline"] is not None
            and results["onnx"]["int8_vs_pipeline"] >= 2 and results["onnx"]["int8_accuracy_change_points"] >= -1
        ),
    }
    _common.write_result(args.output, "inference", args, machine, results)
    return results


if __name__ == "__main__":
    main()
