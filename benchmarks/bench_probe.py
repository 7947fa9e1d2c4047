"""How long ``sentiment-lib probe`` takes, and what it finds, on one fine-tuned model.

Runs every behavioural suite (:mod:`sentiment_lib.behaviour`) the way the command does: the model
loaded with :meth:`SentimentClassifier.from_pretrained` (its precision ``auto``: bf16 where the CPU has
it natively, else fp32), ``--cases`` cases per suite, one seed. It records the wall time of loading and
of probing (``--repeats`` runs, median), the cases per capability, and the failure table, with the
machine block (cores, CPU flags, load) every benchmark writes. The goal of issue 27: at least 6
capabilities of at least 200 cases each, probed in under 60 s on 2 cores.

Examples::

    python benchmarks/bench_probe.py --model-dir _build/models/book      # after `make book`
    python benchmarks/bench_probe.py --smoke
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import base_parser, machine_info, median, setup_env, write_result  # noqa: E402

GOAL_SECONDS, GOAL_CAPABILITIES, GOAL_CASES = 60.0, 6, 200


def main(argv: list[str] | None = None) -> int:
    parser = base_parser(__doc__.splitlines()[0], "probe_book.json")
    parser.add_argument("--model-dir", default=None, help="A directory written by `sentiment-lib train` (required unless --smoke).")
    parser.add_argument("--cases", type=int, default=200, help="Cases per suite (the command's default).")
    parser.add_argument("--repeats", type=int, default=3, help="Timed probe runs (the median is reported).")
    args = parser.parse_args(argv)
    setup_env(args)

    from sentiment_lib.behaviour import by_capability, failure_table, probe
    from sentiment_lib.inference import SentimentClassifier

    model_dir = args.model_dir
    if args.smoke:                     # the tiny random model: checks the script, measures nothing
        model_dir, args.cases, args.repeats = model_dir or "tiny", 20, 1
    if model_dir is None:
        parser.error("--model-dir is required (or --smoke)")

    start = time.perf_counter()
    classifier = SentimentClassifier.from_pretrained(model_dir)
    load_seconds = time.perf_counter() - start
    seconds, results = [], None
    for _ in range(args.repeats):
        start = time.perf_counter()
        results = probe(lambda texts: classifier.predict_proba(texts, batch_size=64), n=args.cases, seed=args.seed)
        seconds.append(time.perf_counter() - start)
    capabilities = by_capability(results)
    probe_seconds = median(seconds)
    measured = {
        "model_dir": str(model_dir),
        "precision": str(classifier.model.dtype).replace("torch.", ""),
        "cases_per_suite": args.cases,
        "suites": len(results),
        "cases": int(sum(r.n for r in results)),
        "cases_per_capability": {c: int(n) for c, n in capabilities["cases"].items()},
        "load_seconds": round(load_seconds, 2),
        "probe_seconds": [round(s, 2) for s in seconds],
        "probe_seconds_median": round(probe_seconds, 2),
        "failure_table": failure_table(results).round(4).reset_index().to_dict(orient="records"),
        "by_capability": capabilities.round(4).reset_index().to_dict(orient="records"),
        "goal": {
            "text": f">= {GOAL_CAPABILITIES} capabilities of >= {GOAL_CASES} cases each, load + probe under {GOAL_SECONDS:.0f} s",
            "capabilities_with_enough_cases": int((capabilities["cases"] >= GOAL_CASES).sum()),
            "seconds": round(load_seconds + probe_seconds, 2),
            "met": bool((capabilities["cases"] >= GOAL_CASES).sum() >= GOAL_CAPABILITIES
                        and load_seconds + probe_seconds < GOAL_SECONDS),
        },
    }
    print(capabilities.round(3).to_string())
    print(f"load {load_seconds:.1f} s, probe {probe_seconds:.1f} s (median of {len(seconds)}), {measured['cases']} cases")
    write_result(args.output, "bench_probe", args, machine_info(str(model_dir)), measured)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
