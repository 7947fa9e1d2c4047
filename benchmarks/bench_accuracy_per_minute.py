"""Accuracy per CPU minute: how good does the quick profile get within 10 minutes of training?

Each run of the grid fine-tunes the encoder with the quick profile plus a few
overrides (training-set size, max length, truncation, learning rate, epochs)
and records the test accuracy and the training time (``Trainer.train``,
validation included) both as wall time and as process CPU time per torch
thread (the machine may be shared; CPU time is what the budget is judged on).
All runs score the same balanced test reviews (``--test-size``, default the
quick profile's, seed 42), so they compare directly, and a TF-IDF +
logistic-regression bigram baseline trained on the training split (all but
2,500 validation reviews) is scored on them too. Runs go one at a time; the JSON is rewritten after each, so
an interrupted grid keeps what finished.

Examples::

    python benchmarks/bench_accuracy_per_minute.py --runs 128_4000_head_tail 384_1500_head_tail
    python benchmarks/bench_accuracy_per_minute.py --existing runs/quick   # add a model trained already
    python benchmarks/bench_accuracy_per_minute.py --smoke                 # CI: tiny model, 2 steps
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common  # noqa: E402

#: The grid: name -> overrides of PROFILES["quick"]. Chosen to fit about 10 minutes each on 2 cores.
GRID = {
    "128_480_head_tail": dict(max_length=128, train_size=480, truncation="head_tail", learning_rate=1e-4, epochs=1.0),
    "128_480_head": dict(max_length=128, train_size=480, truncation="head", learning_rate=1e-4, epochs=1.0),
    "256_480_head_tail": dict(max_length=256, train_size=480, truncation="head_tail", learning_rate=1e-4, epochs=1.0),
    "128_2000_head_tail": dict(max_length=128, train_size=2000, truncation="head_tail", learning_rate=1e-4, epochs=1.0),
    "128_2000_head": dict(max_length=128, train_size=2000, truncation="head", learning_rate=1e-4, epochs=1.0),
    "256_2000_head_tail": dict(max_length=256, train_size=2000, truncation="head_tail", learning_rate=1e-4, epochs=1.0),
    "128_4000_head_tail": dict(max_length=128, train_size=4000, truncation="head_tail", learning_rate=1e-4, epochs=1.0),
    "128_4000_head": dict(max_length=128, train_size=4000, truncation="head", learning_rate=1e-4, epochs=1.0),
    "128_2000_head_tail_2ep": dict(max_length=128, train_size=2000, truncation="head_tail", learning_rate=1e-4, epochs=2.0),
    "384_1400_head_tail": dict(max_length=384, train_size=1400, truncation="head_tail", learning_rate=1e-4, epochs=1.0),
    "128_4000_head_tail_lr5e-5": dict(max_length=128, train_size=4000, truncation="head_tail", learning_rate=5e-5, epochs=1.0),
    # lr 2e-4: the offline encoder's [CLS] head starts weak and learns sooner with a larger step
    "256_2000_head_tail_lr2e-4": dict(max_length=256, train_size=2000, truncation="head_tail", learning_rate=2e-4, epochs=1.0),
    "128_4000_head_tail_lr2e-4": dict(max_length=128, train_size=4000, truncation="head_tail", learning_rate=2e-4, epochs=1.0),
    "384_1300_head_tail_lr2e-4": dict(max_length=384, train_size=1300, truncation="head_tail", learning_rate=2e-4, epochs=1.0),
    "128_2000_head_tail_lr2e-4": dict(max_length=128, train_size=2000, truncation="head_tail", learning_rate=2e-4, epochs=1.0),
    "256_1000_head_tail_lr2e-4": dict(max_length=256, train_size=1000, truncation="head_tail", learning_rate=2e-4, epochs=1.0),
    "256_2000_head_lr2e-4": dict(max_length=256, train_size=2000, truncation="head", learning_rate=2e-4, epochs=1.0),
    "384_1300_head_tail": dict(max_length=384, train_size=1300, truncation="head_tail", learning_rate=1e-4, epochs=1.0),
    "128_5000_head_tail": dict(max_length=128, train_size=5000, truncation="head_tail", learning_rate=1e-4, epochs=1.0),
    "256_2400_head_tail": dict(max_length=256, train_size=2400, truncation="head_tail", learning_rate=1e-4, epochs=1.0),
    "256_1000_head_tail": dict(max_length=256, train_size=1000, truncation="head_tail", learning_rate=1e-4, epochs=1.0),
    "128_2000_head_tail_lr2e-4_2ep": dict(max_length=128, train_size=2000, truncation="head_tail", learning_rate=2e-4, epochs=2.0),
    # the same compute in twice as many, smaller optimizer steps
    "256_2000_head_tail_bs8": dict(max_length=256, train_size=2000, truncation="head_tail", learning_rate=1e-4, epochs=1.0, batch_size=8),
}
SMOKE_RUN = dict(max_length=64, train_size=32, validation_size=16, test_size=16, max_steps=2, eval_batch_size=16)


class TrainCpuClock:
    """Measure the process CPU time spent inside ``Trainer.train`` (all threads together).

    On a shared machine the wall time of a run grows with other people's load;
    CPU seconds divided by the torch threads give the minutes the same run
    takes on a machine of its own (an estimate: contention also costs cache).
    """

    def __init__(self) -> None:
        self.seconds = 0.0

    def __enter__(self) -> "TrainCpuClock":
        import transformers

        self._original = original = transformers.Trainer.train
        clock = self

        def train(trainer, *a, **kw):
            start = time.process_time()
            try:
                return original(trainer, *a, **kw)
            finally:
                clock.seconds += time.process_time() - start

        transformers.Trainer.train = train
        return self

    def __exit__(self, *exc) -> None:
        import transformers

        transformers.Trainer.train = self._original


def run_row(name: str, overrides: dict, metrics: dict, settings: dict, cpu_seconds: float | None = None) -> dict:
    import torch

    cpu_minutes = None if cpu_seconds is None else round(cpu_seconds / torch.get_num_threads() / 60, 2)
    return {
        "name": name,
        "overrides": overrides,
        "max_length": settings["max_length"],
        "train_size": metrics["train_samples"],
        "truncation": settings["truncation"],
        "learning_rate": settings["learning_rate"],
        "epochs": settings["epochs"],
        "batch_size": settings["batch_size"],
        "train_seconds": metrics["train_seconds"],
        "train_minutes": round(metrics["train_seconds"] / 60, 2),
        "train_cpu_seconds": None if cpu_seconds is None else round(cpu_seconds, 1),
        "train_cpu_minutes_per_thread": cpu_minutes,
        # minutes judged against the budget: CPU time per thread where measured, else wall time
        "minutes": cpu_minutes if cpu_minutes is not None else round(metrics["train_seconds"] / 60, 2),
        "clock": "cpu" if cpu_minutes is not None else "wall",
        "test_accuracy": metrics["test"]["accuracy"] if metrics.get("test") else None,
        "test_f1": metrics["test"]["f1"] if metrics.get("test") else None,
        "validation_accuracy": metrics["validation"].get("accuracy"),
        "test_samples": metrics["test_samples"],
        "global_step": metrics["global_step"],
        "load_average_after": _common.load_average(),
    }


def tfidf_reference(test_size: int | None, seed: int, smoke: bool) -> dict:
    """The TF-IDF bigram baseline on the same test reviews, trained on the whole training split."""
    from sentiment_lib.baseline import tfidf_pipeline
    from sentiment_lib.data import prepare_splits

    splits = prepare_splits(train_size=200 if smoke else None, validation_size=50 if smoke else 2500,
                            test_size=test_size, seed=seed)
    start = time.perf_counter()
    pipe = tfidf_pipeline((1, 2)).fit(splits["train"]["text"], splits["train"]["label"])
    fit_seconds = time.perf_counter() - start
    accuracy = float((pipe.predict(splits["test"]["text"]) == splits["test"]["label"]).mean())
    return {"test_accuracy": accuracy, "fit_seconds": round(fit_seconds, 2), "train_size": len(splits["train"])}


def main(argv: list[str] | None = None) -> dict:
    parser = _common.base_parser(__doc__.split("\n")[0], "accuracy_per_minute.json")
    parser.add_argument("--runs", nargs="*", default=None, help=f"Grid runs to do, in order (default: all). Known: {', '.join(GRID)}.")
    parser.add_argument("--existing", nargs="*", default=[], help="Model directories trained already (metrics.json + training_config.json) to add as rows.")
    parser.add_argument("--budget-minutes", type=float, default=10.0, help="The training-time budget the frontier is judged against.")
    parser.add_argument("--keep-dir", default=None, help="Keep each run's model in KEEP_DIR/<run name> (default: a temporary directory).")
    parser.add_argument("--train-size", type=int, default=None, help="Override the training-set size of every run.")
    parser.add_argument("--validation-size", type=int, default=None, help="Validation reviews for every run (default: the quick profile's).")
    parser.add_argument("--test-size", type=int, default=None, help="Test reviews for every run and the baseline (default: the quick profile's).")
    parser.add_argument("--append", action="store_true", help="Keep the rows of an existing --output file and add to them.")
    args = parser.parse_args(argv)
    _common.setup_env(args)

    from sentiment_lib.training import PROFILES, fine_tune, make_config

    model = _common.resolve_model_name(args)
    machine = _common.machine_info(model)
    out = Path(args.output)
    rows = []
    if args.append and out.is_file():
        rows = json.loads(out.read_text())["results"]["runs"]
    quick = PROFILES["quick"]
    test_size = args.test_size or quick["test_size"]
    shared = {k: v for k, v in (("validation_size", args.validation_size), ("test_size", args.test_size),
                                 ("train_size", args.train_size)) if v}
    results = {
        "budget_minutes": args.budget_minutes,
        "quick_profile": quick,
        "test_set": f"{test_size} balanced IMDB test reviews (seed 42), the same for every run",
        "runs": rows,
    }
    for directory in args.existing:
        d = Path(directory)
        metrics = json.loads((d / "metrics.json").read_text())
        settings = json.loads((d / "training_config.json").read_text())
        name = f"{settings['max_length']}_{metrics['train_samples']}_{settings['truncation']} ({d.name}, trained before)"
        rows.append({**run_row(name, {}, metrics, settings), "load_average_after": None})

    results["tfidf_bigram_baseline"] = tfidf_reference(8 if args.smoke else test_size, 42, args.smoke)
    names = ["smoke"] if args.smoke else (args.runs if args.runs is not None else list(GRID))
    for name in names:
        overrides = SMOKE_RUN if args.smoke else {**GRID[name], **shared}
        print(f"== {name}: {overrides}", flush=True)
        with tempfile.TemporaryDirectory() as tmp:
            where = Path(args.keep_dir) / name if args.keep_dir else Path(tmp) / "model"
            config = make_config("quick", model=model, output_dir=str(where), overwrite=True, **overrides)
            with TrainCpuClock() as clock:
                result = fine_tune(config, progress=False)
            settings = json.loads((Path(result.output_dir) / "training_config.json").read_text())
        rows.append(run_row(name, overrides, result.metrics, settings, clock.seconds))
        print(json.dumps(rows[-1]), flush=True)
        _common.write_result(args.output, "accuracy_per_minute", args, machine, results)
    within = [r for r in rows if r["minutes"] <= args.budget_minutes and r["test_accuracy"] is not None]
    results["best_within_budget"] = max(within, key=lambda r: r["test_accuracy"]) if within else None
    _common.write_result(args.output, "accuracy_per_minute", args, machine, results)
    return results


if __name__ == "__main__":
    main()
