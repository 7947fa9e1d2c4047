"""The full profile (all training reviews, 512 tokens, 2 epochs) against TF-IDF, on one machine.

Chapter 6 asks "was fine-tuning worth it?" at three scales; this script measures the largest one:
``sentiment-lib train --profile full`` (22,xxx training reviews after the validation split and the
duplicate filter of chapter 1), scored once on the whole standard test split (25,000 reviews), beside
TF-IDF uni+bigrams + logistic regression trained on the same training reviews, with McNemar's test on
the same reviews. Nothing is chosen here: the profile is fixed, so the test split only reports.

It is meant for a GPU (about 3 minutes of training on one H200); on a 2-core CPU it would take many
hours. The JSON records the device, the CPU flags and every version, so that the book can say which
machine produced the figure.

    python benchmarks/bench_full_profile.py --keep-dir runs/full          # writes results/full_profile_gpu.json
    python benchmarks/bench_full_profile.py --smoke                       # tiny model, a few reviews: checks the script
"""

from __future__ import annotations

import time
import numpy as np

from _common import base_parser, machine_info, resolve_model_name, setup_env, write_result


def main(argv: list[str] | None = None) -> dict:
    parser = base_parser(__doc__.splitlines()[0], "full_profile_gpu.json")
    parser.add_argument("--data-dir", default=None, help="IMDB parquet directory (default: $SENTIMENT_DATA_DIR).")
    parser.add_argument("--keep-dir", default="runs/full_profile", help="Where the fine-tuned model is written.")
    args = parser.parse_args(argv)
    setup_env(args)

    import torch

    from sentiment_lib.baseline import tfidf_pipeline
    from sentiment_lib.data import duplicate_counts, load_imdb, prepare_splits
    from sentiment_lib.evaluation import accuracy_interval, compare_paired, compute_metrics
    from sentiment_lib.inference import SentimentClassifier
    from sentiment_lib.training import make_config, fine_tune

    model = resolve_model_name(args)
    sizes = dict(train_size=64, validation_size=32, test_size=64, max_length=64, max_steps=4) if args.smoke else {}
    config = make_config("full", model=model, data_dir=args.data_dir, output_dir=args.keep_dir, overwrite=True, **sizes)
    machine = machine_info(model)
    imdb = load_imdb(config.data_dir)
    duplicates = duplicate_counts(imdb["train"], imdb["test"])
    splits = prepare_splits(config.data_dir, train_size=config.train_size, validation_size=config.validation_size,
                            test_size=config.test_size, clean=config.clean, seed=config.seed)

    result = fine_tune(config, splits=splits, progress=False)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    clf = SentimentClassifier.from_pretrained(result.output_dir, device=device)
    y_test = np.asarray(splits["test"]["label"])
    start = time.perf_counter()
    probs = clf.predict_proba(splits["test"]["text"], batch_size=64)
    predict_seconds = time.perf_counter() - start
    fine_pred = probs.argmax(1)

    tfidf = tfidf_pipeline((1, 2))
    start = time.perf_counter()
    tfidf.fit(list(splits["train"]["text"]), list(splits["train"]["label"]))
    tfidf_seconds = time.perf_counter() - start
    tfidf_pred = tfidf.predict(list(splits["test"]["text"]))

    paired = compare_paired(y_test, fine_pred, tfidf_pred)
    fine = compute_metrics(y_test, fine_pred, probs[:, 1]).to_dict()
    results = {
        "profile": "full",
        "config": {k: getattr(config, k) for k in ("train_size", "validation_size", "max_length", "truncation", "epochs",
                                                    "batch_size", "learning_rate", "pooling", "precision", "seed")},
        "duplicates_in_data": duplicates,
        "train_samples": len(splits["train"]),
        "validation_samples": len(splits["validation"]),
        "test_samples": len(y_test),
        "device": result.metrics["device"],
        "gpu": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None,
        "train_precision": result.metrics["precision"],
        "train_seconds": result.metrics["train_seconds"],
        "global_step": result.metrics["global_step"],
        "validation": result.metrics["validation"],
        "fine_tuned": {**fine, "test_accuracy_95ci": list(accuracy_interval(y_test, fine_pred)),
                       "predict_seconds": round(predict_seconds, 2)},
        "tfidf_bigrams": {"train_size": len(splits["train"]), "fit_seconds": round(tfidf_seconds, 2),
                          "test_accuracy": float((tfidf_pred == y_test).mean()),
                          "test_accuracy_95ci": list(accuracy_interval(y_test, tfidf_pred))},
        "mcnemar": {"only_fine_tuned_right": paired.only_a_right, "only_tfidf_right": paired.only_b_right,
                    "p_value": paired.p_value, "difference_points": 100 * paired.difference},
        "verdict": paired.verdict("the fine-tuned model (full profile)", "TF-IDF bigrams"),
    }
    write_result(args.output, "full_profile", args, machine, results)
    print(results["verdict"])
    return results


if __name__ == "__main__":
    main()
