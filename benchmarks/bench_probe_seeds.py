"""The behavioural probe over several seeds of the book's recipe: how much of a failure rate is the seed.

One build of the book trains one model, with one seed. This script trains ``PROFILES["book"]`` with
``--seeds`` different seeds (the seed picks the training sample, the head's initial weights and the
batch order), probes each model with every suite (``--cases`` per suite, the probe's own seed fixed,
so every model sees the same cases), and records each capability's failure rate per seed with its
mean, minimum, maximum and standard deviation, beside the machine block every benchmark writes.
Chapter 5 reads the result (``sentiment_lib/results/probe_seeds.json``) to say how far its one-model
table can move.

Examples::

    python benchmarks/bench_probe_seeds.py                  # 3 seeds of the book profile (minutes each on 2 cores)
    python benchmarks/bench_probe_seeds.py --seeds 0 1 2 3 4
    python benchmarks/bench_probe_seeds.py --smoke          # tiny model, checks the script only
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import base_parser, machine_info, resolve_model_name, setup_env, write_result  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = base_parser(__doc__.splitlines()[0], "probe_seeds.json")
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3], help="Training seeds (the book builds with 42).")
    parser.add_argument("--cases", type=int, default=200, help="Cases per suite (the command's default).")
    parser.add_argument("--runs-dir", default=None, help="Where the models go (default: the cache, one folder per seed).")
    args = parser.parse_args(argv)
    setup_env(args)

    import pandas as pd

    from sentiment_lib.behaviour import by_capability, probe
    from sentiment_lib.checkpoints import cache_dir, model_label
    from sentiment_lib.inference import SentimentClassifier
    from sentiment_lib.training import make_config, train_or_load

    model = resolve_model_name(args)
    runs = Path(args.runs_dir) if args.runs_dir else cache_dir() / "probe_seeds"
    overrides = dict(train_size=64, validation_size=32, test_size=32, max_length=32, epochs=1.0) if args.smoke else {}
    if args.smoke:
        args.seeds, args.cases = args.seeds[:2], 10
    rates, per_seed = {}, {}
    for seed in args.seeds:
        config = make_config("book", model=model, seed=seed, output_dir=str(runs / f"{model_label(model).replace('/', '_')}-{seed}"),
                             **overrides)
        start = time.perf_counter()
        result = train_or_load(config, progress=False)
        trained = time.perf_counter() - start
        classifier = SentimentClassifier.from_pretrained(result.output_dir)
        table = by_capability(probe(lambda texts: classifier.predict_proba(texts, batch_size=64), n=args.cases, seed=0))
        rates[seed] = table["failure rate"]
        per_seed[str(seed)] = {"validation_accuracy": result.metrics["validation"]["accuracy"],
                               "test_accuracy": result.metrics.get("test", {}).get("accuracy"),
                               "train_or_load_seconds": round(trained, 1),
                               "failure_rates": table["failure rate"].round(4).to_dict()}
        print(f"seed {seed}: validation accuracy {result.metrics['validation']['accuracy']:.3f}", flush=True)
    frame = pd.DataFrame(rates)   # capability x seed
    spread = pd.DataFrame({"mean": frame.mean(axis=1), "min": frame.min(axis=1), "max": frame.max(axis=1),
                           "std": frame.std(axis=1, ddof=1) if frame.shape[1] > 1 else 0.0}).round(4)
    measured = {
        "profile": "book",
        "model": model_label(model),
        "seeds": list(args.seeds),
        "cases_per_suite": args.cases,
        "probe_seed": 0,
        "per_seed": per_seed,
        "by_capability": spread.reset_index(names="capability").to_dict(orient="records"),
    }
    print(spread.to_string())
    write_result(args.output, "bench_probe_seeds", args, machine_info(model), measured)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
