"""The book's model trained with the *other* pooling, recorded for chapter 3's comparison.

Chapter 3 compares the pooling the encoder was pretrained with (mean, for the offline encoder) with
the other one ([CLS]) on the book's exact settings (``PROFILES["book"]``). Training the second model
at every build would cost minutes of a 2-core CPU, so this script trains it once and writes its
configuration, learning curve and validation scores to ``results/book_other_pooling.json``. The
chapter reads that file, and a check there fails the build when the recorded run's settings (data,
sizes, seed, recipe) no longer match the book's: then rerun this script.

The other model is compared on validation reviews only; it is never scored on the test split.

    python benchmarks/bench_pooling.py                 # about 5 minutes on 2 cores (fp32, AVX2)
    python benchmarks/bench_pooling.py --smoke         # tiny model, a few steps
"""

from __future__ import annotations

import tempfile
from dataclasses import asdict

from _common import base_parser, machine_info, resolve_model_name, setup_env, write_result

#: Settings that may differ between the book's model and the recorded run without making them incomparable.
NOT_COMPARED = ("pooling", "output_dir", "overwrite", "resume", "test_size")


def main(argv: list[str] | None = None) -> dict:
    parser = base_parser(__doc__.splitlines()[0], "book_other_pooling.json")
    args = parser.parse_args(argv)
    setup_env(args)

    from sentiment_lib.checkpoints import model_label
    from sentiment_lib.modeling import encoder_pooling
    from sentiment_lib.training import fine_tune, learning_curve, make_config

    model = resolve_model_name(args)
    smoke = dict(train_size=32, validation_size=16, max_length=32, eval_steps=1, max_steps=2) if args.smoke else {}
    book = make_config("book", model=None if not args.smoke else model, **smoke)
    other = "cls" if encoder_pooling(book.model) == "mean" else "mean"
    machine = machine_info(model)
    with tempfile.TemporaryDirectory() as out:
        config = make_config("book", model=book.model, output_dir=f"{out}/model", pooling=other,
                             test_size=2, **smoke)  # never scored on test: 2 reviews only to satisfy the splits
        result = fine_tune(config, progress=False)
    _, curve = learning_curve(result.log_history)
    results = {
        "pooling": other,
        "model_source": model_label(config.model),
        "config": {k: v for k, v in asdict(config).items() if k not in NOT_COMPARED},
        "not_compared": list(NOT_COMPARED),
        "validation": result.metrics["validation"],
        "curve": curve[["step", "accuracy", "loss"]].to_dict("records"),
        "train_seconds": result.metrics["train_seconds"],
        "precision": result.metrics["precision"],
        "log_history": result.log_history,
    }
    write_result(args.output, "book_other_pooling", args, machine, results)
    return results


if __name__ == "__main__":
    main()
