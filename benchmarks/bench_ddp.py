"""Data-parallel sanity figure: one process versus ``torchrun`` with N processes, same global batch.

Both sides run ``sentiment-lib train`` as a user would (a fresh process each, so the start-up of
``torchrun`` is not part of the timed training): one process with batch ``G`` and all of torch's
threads, then ``torchrun --standalone --nproc_per_node N`` with ``G / N`` reviews per process
(torchrun gives each process one thread). The sides alternate ``--repeats`` times so that changes
of machine load hit both. Reported per run: training seconds and samples per second from the run's
``metrics.json`` (the ``Trainer``'s training loop, evaluation at the epoch's end included), and the
validation accuracy, which should agree between the sides (same reviews per optimizer step).

On a 2-core CPU this is a check that DDP works and what it costs, not a speed claim: two processes
with one thread each do the same arithmetic as one process with two threads, plus a gradient
all-reduce per step. DDP pays off with one GPU per process.

Examples::

    python benchmarks/bench_ddp.py                      # offline encoder, 2 processes
    python benchmarks/bench_ddp.py --smoke              # tiny model, a few steps
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common  # noqa: E402


def train(command: list[str], settings: dict, out: Path, threads: int | None = None) -> dict:
    args = ["train", "--output-dir", str(out)]
    for key, value in settings.items():
        args += ["--" + key.replace("_", "-"), str(value)]
    env = {**os.environ, **({"OMP_NUM_THREADS": str(threads)} if threads else {})}
    start = time.perf_counter()
    proc = subprocess.run([*command, "-m", "sentiment_lib", *args], capture_output=True, text=True, env=env)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"failed: {' '.join(command)}\n{proc.stderr[-3000:]}")
    metrics = json.loads((out / "metrics.json").read_text())
    samples = metrics["train_samples"] * settings["epochs"]
    return {
        "processes": metrics["processes"],
        "torch_threads_per_process": metrics["torch_threads"],
        "global_step": metrics["global_step"],
        "train_seconds": metrics["train_seconds"],
        "samples_per_second": round(samples / metrics["train_seconds"], 2),
        "wall_seconds_with_startup": round(wall, 1),
        "validation_accuracy": metrics["validation"]["accuracy"],
        "validation_loss": round(metrics["validation"]["loss"], 5),
    }


def main() -> None:
    parser = _common.base_parser(__doc__.splitlines()[0], "ddp.json")
    parser.add_argument("--processes", type=int, default=2, help="Processes under torchrun.")
    parser.add_argument("--global-batch", type=int, default=16, help="Reviews per optimizer step, all processes together.")
    parser.add_argument("--train-size", type=int, default=256)
    parser.add_argument("--max-length", type=int, default=128)
    parser.add_argument("--precision", default="fp32", help="fp32, bf16 or auto (as `train --precision`).")
    parser.add_argument("--repeats", type=int, default=2, help="Alternating runs per side.")
    parser.add_argument("--single-threads", type=int, default=None,
                        help="Threads of the single process (default: torch's choice, all cores).")
    args = parser.parse_args()
    _common.setup_env(args)
    model = _common.resolve_model_name(args)
    if args.global_batch % args.processes:
        sys.exit("--global-batch must be a multiple of --processes")
    settings = dict(
        model=model, train_size=32 if args.smoke else args.train_size, validation_size=64, test_size=16,
        max_length=32 if args.smoke else args.max_length, epochs=1, precision=args.precision, seed=args.seed,
    )
    bin_dir = Path(sys.executable).parent
    sides = {
        "single": ([sys.executable], args.global_batch),
        "ddp": ([str(bin_dir / "torchrun"), "--standalone", "--nproc_per_node", str(args.processes)],
                args.global_batch // args.processes),
    }
    machine = _common.machine_info(model)
    runs: dict[str, list[dict]] = {name: [] for name in sides}
    with tempfile.TemporaryDirectory() as tmp:
        for repeat in range(1 if args.smoke else args.repeats):
            for name, (command, batch) in sides.items():
                threads = args.single_threads if name == "single" else None
                result = train(command, {**settings, "batch_size": batch}, Path(tmp) / f"{name}-{repeat}", threads)
                runs[name].append(result)
                print(name, json.dumps(result), flush=True)
    summary = {
        name: {
            "batch_size_per_process": batch,
            "samples_per_second_median": round(_common.median([r["samples_per_second"] for r in runs[name]]), 2),
            "runs": runs[name],
        }
        for name, (_, batch) in sides.items()
    }
    ratio = summary["ddp"]["samples_per_second_median"] / summary["single"]["samples_per_second_median"]
    results = {"settings": {**settings, "global_batch": args.global_batch}, **summary, "ddp_over_single": round(ratio, 3)}
    print(f"ddp/single samples per second: {ratio:.2f}")
    _common.write_result(args.output, "ddp", args, machine, results)


if __name__ == "__main__":
    main()
