"""The command line: ``sentiment-lib train | evaluate | predict | compare | export``.

Every command calls the library; errors a user can fix are printed as one line
(``error: ...``) with exit status 2, never as a traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from dataclasses import MISSING, fields
from pathlib import Path
from typing import Any, Sequence

from .errors import SentimentLibError
from .training import DEFAULT_PROFILE, PROFILES, TrainConfig


def _bool(value: str) -> bool:
    if value.lower() in ("1", "true", "yes", "on"):
        return True
    if value.lower() in ("0", "false", "no", "off"):
        return False
    raise argparse.ArgumentTypeError(f"expected true or false, got {value!r}")


def _optional_int(value: str) -> int | None:
    return None if value.lower() in ("none", "all") else int(value)


def _add_config_arguments(parser: argparse.ArgumentParser) -> None:
    """One ``--flag`` per :class:`TrainConfig` field, with its help text; defaults stay unset.

    The help shows the default profile's value (what ``train`` without ``--profile`` uses).
    """
    for f in fields(TrainConfig):
        flag = "--" + f.name.replace("_", "-")
        text = str(f.type)
        default = PROFILES[DEFAULT_PROFILE].get(f.name, f.default if f.default is not MISSING else None)
        help_text = f.metadata.get("help", "")
        if "(default:" not in help_text:
            help_text += f" (default: {default})"
        if "bool" in text:
            parser.add_argument(flag, dest=f.name, nargs="?", const=True, type=_bool, default=argparse.SUPPRESS, help=help_text)
        elif "int" in text and "None" in text:
            parser.add_argument(flag, dest=f.name, type=_optional_int, default=argparse.SUPPRESS, help=help_text + " ('all' for everything)")
        elif "int" in text:
            parser.add_argument(flag, dest=f.name, type=int, default=argparse.SUPPRESS, help=help_text)
        elif "float" in text:
            parser.add_argument(flag, dest=f.name, type=float, default=argparse.SUPPRESS, help=help_text)
        elif f.name == "profile":
            parser.add_argument(flag, dest=f.name, default=argparse.SUPPRESS,
                                help=f"Preset of the settings: {', '.join(PROFILES)}; explicit flags win (default: {DEFAULT_PROFILE}).")
        else:
            parser.add_argument(flag, dest=f.name, default=argparse.SUPPRESS, help=help_text)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sentiment-lib",
        description="Fine-tune DistilBERT (or another encoder) for IMDB sentiment analysis.",
        epilog="Offline: SENTIMENT_DATA_DIR=../shared/data/imdb SENTIMENT_MODEL=offline sentiment-lib train --profile quick",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    train = sub.add_parser("train", help="Fine-tune a model and save it with its metrics.",
                           description="Fine-tune on IMDB; writes a reloadable model directory and metrics.json.")
    _add_config_arguments(train)

    evaluate = sub.add_parser("evaluate", help="Metrics of a saved model on test (or validation) reviews, as JSON.")
    evaluate.add_argument("--model-dir", required=True, help="Directory written by `train`.")
    evaluate.add_argument("--split", choices=("test", "validation"), default="test", help="Which reviews (default: test).")
    evaluate.add_argument("--size", type=_optional_int, default=2000, help="Balanced, seeded subset size ('all' for the whole split; default 2000).")
    evaluate.add_argument("--data-dir", default=None, help="Data directory (default: $SENTIMENT_DATA_DIR, else the hub).")
    evaluate.add_argument("--batch-size", type=int, default=64)
    evaluate.add_argument("--seed", type=int, default=42)
    evaluate.add_argument("--quantize", action="store_true", help="int8 dynamic quantization (CPU).")

    predict = sub.add_parser("predict", help="Sentiment of your own texts: one JSON object per line.")
    predict.add_argument("texts", nargs="*", help="Texts to classify (or use --file, or pipe them on stdin).")
    predict.add_argument("--model-dir", required=True, help="Directory written by `train` (or a hub name).")
    predict.add_argument("--file", default=None, help="A file with one review per line.")
    predict.add_argument("--batch-size", type=int, default=32)
    predict.add_argument("--quantize", action="store_true", help="int8 dynamic quantization (CPU).")
    predict.add_argument("--precision", choices=("auto", "fp32", "bf16", "fp16"), default="auto",
                         help="Arithmetic: auto = bf16 where the hardware has it natively, else fp32 (torch backend).")
    predict.add_argument("--backend", choices=("torch", "onnx"), default="torch",
                         help="torch (default), or onnx: ONNX Runtime on the CPU, with --quantize the int8 model. "
                              "--model-dir may then be an export; a PyTorch directory is exported once into the cache.")

    compare = sub.add_parser("compare", help="Baseline comparison table (markdown, or JSON with --json).")
    compare.add_argument("--model-dir", default=None, help="A fine-tuned model to include.")
    compare.add_argument("--model", default=None, help="Pretrained model for the untrained-head baseline (default: the fine-tuned model's source).")
    compare.add_argument("--data-dir", default=None)
    compare.add_argument("--train-size", type=_optional_int, default=None, help="TF-IDF training reviews ('all' default).")
    compare.add_argument("--test-size", type=_optional_int, default=2000, help="Balanced test subset (default 2000).")
    compare.add_argument("--seed", type=int, default=42)
    compare.add_argument("--json", action="store_true", help="Print JSON instead of markdown.")
    export = sub.add_parser("export", help="Write an ONNX model with its tokenizer (for ONNX Runtime and Transformers.js).",
                            description="Export a fine-tuned model to ONNX (float32; int8 too with --quantize), laid out "
                                        "the way Transformers.js loads a local model.")
    export.add_argument("--model-dir", required=True, help="Directory written by `train`.")
    export.add_argument("--output", required=True, help="New directory for the export (an earlier export there is replaced).")
    export.add_argument("--quantize", action="store_true", help="Also write the int8 model (onnx/model_quantized.onnx).")
    return parser


def _cmd_train(args: argparse.Namespace) -> int:
    """Train; under ``torchrun``/``accelerate launch`` every process runs this, the main one prints the result."""
    from .runs import is_main_process, start_processes
    from .training import fine_tune, make_config

    start_processes()  # several processes: join first, so that one error is reported once (runs.first_to_report)
    values = {k: v for k, v in vars(args).items() if k != "command"}
    profile = values.pop("profile", DEFAULT_PROFILE)
    config = make_config(profile, **values)
    with contextlib.redirect_stdout(sys.stderr):  # Trainer's progress logs go to stderr; stdout is JSON
        result = fine_tune(config)
    if is_main_process():
        print(json.dumps({"output_dir": result.output_dir, **result.metrics}, indent=2))
    return 0


def _saved_settings(model_dir: str) -> dict[str, Any]:
    from .modeling import check_model_dir, read_json

    path = check_model_dir(model_dir) / "training_config.json"
    return read_json(path) if path.is_file() else {}


def _cmd_evaluate(args: argparse.Namespace) -> int:
    from .data import balanced_subset, clean_dataset, prepare_splits
    from .evaluation import compute_metrics
    from .inference import SentimentClassifier

    settings = _saved_settings(args.model_dir)
    # the same split the model was trained against; only the split scored here is cleaned
    splits = prepare_splits(
        args.data_dir,
        train_size=None,
        validation_size=settings.get("validation_size", 500),
        test_size=args.size if args.split == "test" else None,
        clean=False,
        seed=settings.get("seed", args.seed),
    )
    data = splits[args.split]
    if args.split == "validation" and args.size is not None:
        data = balanced_subset(data, args.size, seed=args.seed, what="validation")
    if settings.get("clean", True):
        data = clean_dataset(data)
    clf = SentimentClassifier.from_pretrained(args.model_dir, quantize=args.quantize)
    probs = clf.predict_proba(data["text"], batch_size=args.batch_size, progress=True)
    result = compute_metrics(data["label"], probs.argmax(-1), probs[:, 1])
    print(json.dumps({"model_dir": args.model_dir, "split": args.split, **result.to_dict()}, indent=2))
    return 0


def _read_texts(args: argparse.Namespace) -> list[str]:
    texts = list(args.texts)
    if args.file:
        path = Path(args.file)
        if not path.is_file():
            raise SentimentLibError(f"--file {path} does not exist.", hint="Pass a text file with one review per line.")
        texts += [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    if not texts and not sys.stdin.isatty():
        texts += [line for line in sys.stdin.read().splitlines() if line.strip()]
    if not texts:
        raise SentimentLibError("No texts to classify.", hint='Pass texts as arguments, --file FILE, or pipe them on stdin.')
    return texts


def _cmd_predict(args: argparse.Namespace) -> int:
    from .inference import SentimentClassifier

    texts = _read_texts(args)
    clf = SentimentClassifier.from_pretrained(args.model_dir, quantize=args.quantize, precision=args.precision,
                                              backend=args.backend)
    for p in clf.predict(texts, batch_size=args.batch_size):
        print(json.dumps({"text": p.text, "label": p.label, "score": round(p.score, 4)}, ensure_ascii=False))
    return 0


def _cmd_compare(args: argparse.Namespace) -> int:
    from .baseline import compare_models
    from .data import prepare_splits

    settings = _saved_settings(args.model_dir) if args.model_dir else {}
    splits = prepare_splits(
        args.data_dir,
        train_size=args.train_size,
        validation_size=settings.get("validation_size", 500),
        test_size=args.test_size,
        seed=settings.get("seed", args.seed),
    )
    table = compare_models(splits, fine_tuned_dir=args.model_dir, pretrained=args.model)
    if args.json:
        print(table.reset_index().to_json(orient="records", indent=2))
    else:
        print(table.to_markdown(floatfmt=".3f"))
    return 0


def _cmd_export(args: argparse.Namespace) -> int:
    from .export import export_onnx

    result = export_onnx(args.model_dir, args.output, quantize=args.quantize)
    print(json.dumps(result.to_dict(), indent=2))
    return 0


COMMANDS = {"train": _cmd_train, "evaluate": _cmd_evaluate, "predict": _cmd_predict, "compare": _cmd_compare,
            "export": _cmd_export}


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``sentiment-lib`` and ``python -m sentiment_lib``.

    Under ``torchrun``/``accelerate launch`` every process exits with the same status, and an
    error that all of them hit is printed by one of them only.
    """
    from .runs import first_to_report

    args = build_parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except SentimentLibError as err:
        if first_to_report("error"):
            print(f"error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        if first_to_report("interrupted"):
            print("interrupted: nothing was published; `train --resume` continues a training run.", file=sys.stderr)
        return 130
