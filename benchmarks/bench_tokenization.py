"""Tokenization: the slow pure-Python WordPiece tokenizer versus the fast Rust one, batched.

Both tokenizers read the same vocabulary (the model's ``vocab.txt`` /
``tokenizer.json``): ``transformers.BertTokenizerLegacy`` is the pure-Python
implementation, ``AutoTokenizer`` gives the Rust-backed one the library uses.
The fast one is timed twice: on one thread (``TOKENIZERS_PARALLELISM=false``,
what it does inside a forked worker) and with its default parallelism (a batch
is split over all cores). The reviews are split into chunks; every chunk is
tokenized by every side, the order rotating from chunk to chunk, so that a
change of machine load hits all sides alike. Reported: reviews per second (median over chunks, and over all
reviews), the ratios of wall time and of process CPU time, and whether both
produce the same token ids.

Examples::

    python benchmarks/bench_tokenization.py                # 5,000 reviews
    python benchmarks/bench_tokenization.py --smoke        # 40 reviews
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common  # noqa: E402


def main(argv: list[str] | None = None) -> dict:
    parser = _common.base_parser(__doc__.split("\n")[0], "tokenization.json")
    parser.add_argument("--n", type=int, default=5000, help="Number of training reviews to tokenize.")
    parser.add_argument("--chunks", type=int, default=5, help="Chunks the reviews are split into (one timing each).")
    parser.add_argument("--max-length", type=int, default=512, help="Truncation length.")
    args = parser.parse_args(argv)
    if args.smoke:
        args.n, args.chunks = 40, 2
    _common.setup_env(args)

    from transformers import BertTokenizerLegacy

    from sentiment_lib.checkpoints import resolve_model
    from sentiment_lib.tokenization import load_tokenizer

    # only the tokenizer matters here, so the smoke run uses the real vocabulary too
    model = args.model or os.environ.get("SENTIMENT_MODEL") or "offline"
    path = resolve_model(model)
    if not (Path(path) / "vocab.txt").is_file():
        raise SystemExit(f"{path} has no vocab.txt, which the slow tokenizer needs; use --model offline.")
    fast = load_tokenizer(path)
    tokenizers = {"slow (Python)": BertTokenizerLegacy.from_pretrained(path), "fast (Rust)": fast,
                  "fast (Rust, all cores)": fast}
    parallel = {"slow (Python)": "false", "fast (Rust)": "false", "fast (Rust, all cores)": "true"}
    texts, _ = _common.review_texts(args.n, seed=args.seed)
    machine = _common.machine_info(model)

    size = -(-len(texts) // args.chunks)
    chunks = [texts[i : i + size] for i in range(0, len(texts), size)]
    timings = {name: [] for name in tokenizers}
    same = True
    for i, chunk in enumerate(chunks):
        names = list(tokenizers)
        order = names[i % len(names):] + names[: i % len(names)]
        ids = {}
        for name in order:
            os.environ["TOKENIZERS_PARALLELISM"] = parallel[name]  # read by the Rust library at each call
            cpu = time.process_time()
            seconds, enc = _common.timed(lambda: tokenizers[name](chunk, truncation=True, max_length=args.max_length))
            timings[name].append({"reviews": len(chunk), "seconds": seconds, "cpu_seconds": time.process_time() - cpu})
            ids[name] = enc["input_ids"]
        same = same and ids["slow (Python)"] == ids["fast (Rust)"] == ids["fast (Rust, all cores)"]
        print(f"chunk {i}: " + ", ".join(f"{n} {t[-1]['seconds']:.2f}s" for n, t in timings.items()), flush=True)
    os.environ["TOKENIZERS_PARALLELISM"] = "false"

    rows = {}
    for name, runs in timings.items():
        total = sum(r["seconds"] for r in runs)
        rows[name] = {
            "reviews_per_second_median": _common.median([r["reviews"] / r["seconds"] for r in runs]),
            "reviews_per_second_total": len(texts) / total,
            "seconds_total": total,
            "cpu_seconds_total": sum(r["cpu_seconds"] for r in runs),
            "chunks": runs,
        }
    slow, fast = rows["slow (Python)"], rows["fast (Rust)"]  # fast: one thread
    results = {
        "reviews": len(texts),
        "max_length": args.max_length,
        "tokenizers": rows,
        "speedup_median": fast["reviews_per_second_median"] / slow["reviews_per_second_median"],
        "speedup_total": slow["seconds_total"] / fast["seconds_total"],
        # CPU time is less sensitive than wall time to other jobs on a shared machine
        "speedup_cpu": slow["cpu_seconds_total"] / fast["cpu_seconds_total"],
        # the fast tokenizer as it runs by default: a batch spread over all cores
        "speedup_parallel_median": rows["fast (Rust, all cores)"]["reviews_per_second_median"] / slow["reviews_per_second_median"],
        "identical_ids": bool(same),
        "goal": {"name": "fast tokenizer >= 10x the slow one (default parallelism)", "target": 10.0},
    }
    results["goal"]["measured"] = results["speedup_parallel_median"]
    results["goal"]["met"] = results["speedup_parallel_median"] >= 10.0
    _common.write_result(args.output, "tokenization", args, machine, results)
    return results


if __name__ == "__main__":
    main()
