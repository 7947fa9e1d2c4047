"""Shared helpers for the benchmark scripts: machine facts, timing, JSON output.

Every benchmark writes one JSON file with a ``machine`` block (cores, torch
threads, CPU flags, load average, accelerator) so that a result is never read
without knowing where it came from.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import time
from pathlib import Path
from typing import Any, Callable

from sentiment_lib.environment import course_environment  # the course's offline environment
from sentiment_lib.hardware import cpu_flags, load_average  # the library's reading of the machine

RESULTS_DIR = Path(__file__).resolve().parents[1] / "sentiment_lib" / "results"  # package data: the chapters read them

#: CPU flags that decide which speed-ups can work (bf16 and int8 units, vector width).
INTERESTING_FLAGS = (
    "avx2", "fma", "avx512f", "avx512_bf16", "avx512_vnni", "avx_vnni", "amx_bf16", "amx_int8", "amx_tile",
)


def setup_env(args: argparse.Namespace | None = None) -> None:
    """Offline defaults (the shared IMDB copy and the packaged encoder) unless set already; ``--threads``."""
    os.environ.update(course_environment(offline=True, root=Path(__file__).resolve().parents[1]))
    if args is not None and getattr(args, "threads", None):
        import torch

        torch.set_num_threads(args.threads)


def cpu_mhz() -> float | None:
    """Clock speed reported by ``/proc/cpuinfo`` (MHz), if any."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("cpu MHz"):
                return float(line.split(":", 1)[1])
    except (OSError, ValueError):
        pass
    return None


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def bf16_supported() -> bool:
    """Whether the hardware has native bf16 arithmetic: a GPU that supports it, else the CPU's flags
    (the library's own detection, :func:`sentiment_lib.hardware.cpu_has_native_bf16`)."""
    import torch

    from sentiment_lib.hardware import cpu_has_native_bf16

    if torch.cuda.is_available():
        return bool(torch.cuda.is_bf16_supported())
    return cpu_has_native_bf16()


def peak_gflops(cores: int | None = None) -> dict[str, Any]:
    """A rough fp32 peak of this CPU: cores × GHz × FLOPs per cycle per core.

    FLOPs per cycle: 2 FMA units × (16 fp32 lanes with AVX-512, 8 with AVX2) ×
    2 (multiply and add), i.e. 64 or 32; 8 without FMA. Real kernels reach a
    fraction of this; it is an upper bound to compare against, not a promise.
    """
    flags = cpu_flags()
    cores = cores or os.cpu_count() or 1
    mhz = cpu_mhz()
    if "avx512f" in flags:
        per_cycle, how = 64, "2 FMA units x 16 fp32 lanes (AVX-512) x 2"
    elif "fma" in flags and "avx2" in flags:
        per_cycle, how = 32, "2 FMA units x 8 fp32 lanes (AVX2) x 2"
    else:
        per_cycle, how = 8, "no FMA: 8 fp32 FLOPs per cycle assumed"
    ghz = (mhz or 2000.0) / 1000
    return {
        "gflops": round(cores * ghz * per_cycle, 1),
        "cores": cores,
        "ghz": round(ghz, 3),
        "flops_per_cycle": per_cycle,
        "how": f"{cores} cores x {ghz:.2f} GHz ({'cpuinfo' if mhz else 'assumed'}) x {per_cycle} ({how})",
    }


def machine_info(model: str | None = None) -> dict[str, Any]:
    """Facts about this machine that a benchmark result depends on."""
    import torch
    import transformers

    flags = cpu_flags()
    info = {
        "cpu": cpu_model(),
        "cpu_mhz": cpu_mhz(),
        "cores": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "cpu_flags": sorted(flags & set(INTERESTING_FLAGS)),
        "bf16_native": bf16_supported(),
        "cuda": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None,
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "load_average": load_average(),
        "tokenizers_parallelism": os.environ.get("TOKENIZERS_PARALLELISM"),
    }
    if model is not None:
        info["model"] = model
    return info


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    """Run ``fn`` once; return (seconds, result)."""
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def median(values: list[float]) -> float:
    return float(statistics.median(values))


def base_parser(description: str, default_output: str) -> argparse.ArgumentParser:
    """An argument parser with the options every benchmark shares."""
    parser = argparse.ArgumentParser(description=description, formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--output", default=str(RESULTS_DIR / default_output), help="JSON file to write.")
    parser.add_argument("--model", default=None, help="Model: 'offline', 'tiny', a directory (default: $SENTIMENT_MODEL or offline).")
    parser.add_argument("--smoke", action="store_true", help="A tiny run (tiny model, a few steps) that only checks the script works.")
    parser.add_argument("--seed", type=int, default=0, help="Random seed for the review sample.")
    parser.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's choice). On a machine "
                        "shared with other jobs, 1 thread can be faster than all cores: threads wait for each other.")
    return parser


def resolve_model_name(args: argparse.Namespace) -> str:
    if args.smoke and args.model is None:
        return "tiny"
    return args.model or os.environ.get("SENTIMENT_MODEL") or "offline"


def write_result(path: str | os.PathLike, name: str, args: argparse.Namespace, machine: dict, results: dict) -> Path:
    """Write ``{"benchmark", "created", "smoke", "args", "machine", "results"}`` as JSON."""
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    machine = {**machine, "load_average_end": load_average()}
    payload = {
        "benchmark": name,
        "created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "smoke": bool(args.smoke),
        "args": {k: v for k, v in vars(args).items()},
        "machine": machine,
        "results": results,
    }
    out.write_text(json.dumps(payload, indent=2))
    print(f"wrote {out}")
    return out


def heldout_texts(n: int, seed: int = 0, model_dir: str | os.PathLike | None = None) -> tuple[list[str], list[int]]:
    """``n`` balanced, cleaned IMDB training reviews that the model in ``model_dir`` never trained on.

    Benchmarks decide defaults, and choices are made on validation data only, never on
    the test split. The reviews are the training split minus the model's own training
    subset (its :func:`~sentiment_lib.data.saved_run`'s splits: data directory, sizes, cleaning,
    seed); without a model directory, or for a model saved without settings, the quick profile's
    subset is left out.
    """
    from sentiment_lib.data import SavedRun, balanced_subset, clean_text, load_imdb, saved_run
    from sentiment_lib.training import PROFILES

    run = saved_run(model_dir, required=False) if model_dir is not None else SavedRun()
    if not run.settings:
        run = SavedRun(settings=dict(PROFILES["quick"]))
    splits = run.splits(test_size=2)
    seen = set(splits["train"]["text"])
    prepared = clean_text if run.setting("clean") else str
    train = load_imdb(run.setting("data_dir"))["train"]
    unseen = train.select([i for i, t in enumerate(train["text"]) if prepared(t) not in seen])
    picked = balanced_subset(unseen, n, seed=seed, what="held-out")
    return [prepared(t) for t in picked["text"]], list(picked["label"])


def review_texts(n: int, seed: int = 0) -> tuple[list[str], list[int]]:
    """``n`` balanced, cleaned IMDB training reviews (for speed alone: nothing is scored on them)."""
    from sentiment_lib.data import balanced_subset, clean_text, load_imdb

    picked = balanced_subset(load_imdb()["train"], n, seed=seed, what="training")
    return [clean_text(t) for t in picked["text"]], list(picked["label"])
