"""Tokenization: the slow pure-Python WordPiece tokenizer versus the fast Rust one, batched.

Both tokenizers read the same vocabulary (the model's ``vocab.txt`` /
``tokenizer.json``): ``transformers.BertTokenizerLegacy`` is the pure-Python
implementation, ``AutoTokenizer`` gives the Rust-backed one the library uses.
The reviews are split into chunks; every chunk is tokenized by both, the order
alternating from chunk to chunk, so that a change of machine load hits both
sides alike. Reported: reviews per second (median over chunks, and over all
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
    parser.add_argument("--n", type=int, default=5000, help="Number of test reviews.")
    parser.add_argument("--chunks", type=int, default=5, help="Chunks the reviews are split into (one timing each).")
    parser.add_argument("--max-length", type=int, default=512, help="Truncation length.")
    args = parser.parse_args(argv)
    if args.smoke:
        args.n, args.chunks = 40, 2
    _common.setup_env(args)

    from transformers import BertTokenizerLegacy

    from sentiment_lib.modeling import resolve_model
    from sentiment_lib.tokenization import load_tokenizer

    # only the tokenizer matters here, so the smoke run uses the real vocabulary too
    model = args.model or os.environ.get("SENTIMENT_MODEL") or "offline"
    path = resolve_model(model)
    if not (Path(path) / "vocab.txt").is_file():
        raise SystemExit(f"{path} has no vocab.txt, which the slow tokenizer needs; use --model offline.")
    tokenizers = {"slow (Python)": BertTokenizerLegacy.from_pretrained(path), "fast (Rust)": load_tokenizer(path)}
    texts, _ = _common.test_texts(args.n, seed=args.seed)
    machine = _common.machine_info(model)

    size = -(-len(texts) // args.chunks)
    chunks = [texts[i : i + size] for i in range(0, len(texts), size)]
    timings = {name: [] for name in tokenizers}
    same = True
    for i, chunk in enumerate(chunks):
        order = list(tokenizers) if i % 2 == 0 else list(tokenizers)[::-1]
        ids = {}
        for name in order:
            cpu = time.process_time()
            seconds, enc = _common.timed(lambda: tokenizers[name](chunk, truncation=True, max_length=args.max_length))
            timings[name].append({"reviews": len(chunk), "seconds": seconds, "cpu_seconds": time.process_time() - cpu})
            ids[name] = enc["input_ids"]
        same = same and ids["slow (Python)"] == ids["fast (Rust)"]
        print(f"chunk {i}: " + ", ".join(f"{n} {t[-1]['seconds']:.2f}s" for n, t in timings.items()), flush=True)

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
    slow, fast = rows["slow (Python)"], rows["fast (Rust)"]
    results = {
        "reviews": len(texts),
        "max_length": args.max_length,
        "tokenizers": rows,
        "speedup_median": fast["reviews_per_second_median"] / slow["reviews_per_second_median"],
        "speedup_total": slow["seconds_total"] / fast["seconds_total"],
        # CPU time is less sensitive than wall time to other jobs on a shared machine
        "speedup_cpu": slow["cpu_seconds_total"] / fast["cpu_seconds_total"],
        "identical_ids": bool(same),
        "goal": {"name": "fast tokenizer >= 10x the slow one", "target": 10.0},
    }
    results["goal"]["met"] = results["speedup_median"] >= 10.0
    _common.write_result(args.output, "tokenization", args, machine, results)
    return results


if __name__ == "__main__":
    main()
