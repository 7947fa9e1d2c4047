"""The command line: ``sentiment-lib train | evaluate | predict | compare | export``.

Every command calls the library; errors a user can fix are printed as one line
(``error: ...``) with exit status 2, never as a traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from dataclasses import fields, replace
from typing import Any, NoReturn, Sequence

from . import training
from .checkpoints import MODEL
from .domains import BATCH_SIZE, DATA_DIR, SEED, Domain, field_domains, flag_name
from .errors import SentimentLibError
from .export import export_onnx
from .runs import first_to_report, is_main_process, main_had_time_to_report, start_processes
from .training import DEFAULT_PROFILE, PROFILES, TrainConfig, check_model_fits, config_from

SIZE = Domain("int", minimum=1, optional=True)
ENCODING = Domain(test=lambda name: None if _is_codec(name) else "is not an encoding Python knows",
                  accepts="an encoding such as utf-8, latin-1 or cp1252")


def _is_codec(name: str) -> bool:
    import codecs

    try:
        codecs.lookup(name)
    except (LookupError, ValueError):  # ValueError: a NUL byte in the name
        return False
    return True


class _Parser(argparse.ArgumentParser):
    """argparse, whose errors end, like every other error of the command line, on one ``error: ...`` line."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(2, f"error: {message} (see {self.prog} --help)\n")


def _add_config_arguments(parser: argparse.ArgumentParser) -> None:
    """One ``--flag`` per :class:`TrainConfig` field, with its help text; defaults stay unset.

    A flag's kind comes from the field's annotation and its accepted values from the field's
    ``domain`` metadata (:func:`sentiment_lib.domains.field_domains`): the :class:`Domain` is the
    argument's ``type``, so :func:`check_arguments` checks it as ``make_config`` does.
    The help shows the default profile's value (what ``train`` without ``--profile`` uses).
    """
    for f, domain in zip(fields(TrainConfig), field_domains(TrainConfig).values()):
        default = PROFILES[DEFAULT_PROFILE].get(f.name, f.default)
        help_text = f.metadata.get("help", "")
        if "(default:" not in help_text:
            help_text += f" (default: {default})"
        options: dict[str, Any] = {"dest": f.name, "type": domain, "default": argparse.SUPPRESS, "help": help_text}
        if domain.kind == "bool":
            options.update(nargs="?", const=True)
        elif domain.kind == "int" and domain.optional:
            options["help"] += " ('all' for everything)"
        if f.name == "profile":
            options["help"] = f"Preset of the settings: {', '.join(PROFILES)}; explicit flags win (default: {DEFAULT_PROFILE})."
        parser.add_argument(flag_name(f.name), **options)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="sentiment-lib",
        description="Fine-tune DistilBERT (or another encoder) for IMDB sentiment analysis.",
        epilog="Offline: SENTIMENT_DATA_DIR=../shared/data/imdb SENTIMENT_MODEL=offline sentiment-lib train --profile quick",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    train = sub.add_parser("train", help="Fine-tune a model and save it with its metrics.",
                           description="Fine-tune on IMDB; writes a reloadable model directory and metrics.json.")
    _add_config_arguments(train)

    optional_model = replace(MODEL, optional=True)
    evaluate = sub.add_parser("evaluate", help="Metrics of a saved model on test (or validation) reviews, as JSON.")
    evaluate.add_argument("--model-dir", required=True, type=MODEL, help="Directory written by `train`.")
    evaluate.add_argument("--split", choices=("test", "validation"), default="test", help="Which reviews (default: test).")
    evaluate.add_argument("--size", type=SIZE, default=2000, help="Balanced, seeded subset size ('all' for the whole split; default 2000).")
    evaluate.add_argument("--data-dir", type=DATA_DIR, default=None, help="Data directory (default: the one the model was trained on, else $SENTIMENT_DATA_DIR, else the hub).")
    evaluate.add_argument("--batch-size", type=BATCH_SIZE, default=64)
    evaluate.add_argument("--seed", type=SEED, default=42)
    evaluate.add_argument("--quantize", action="store_true", help="int8 dynamic quantization (CPU).")

    predict = sub.add_parser("predict", help="Sentiment of your own texts: one JSON object per line.")
    predict.add_argument("texts", nargs="*", help="Texts to classify (or use --file, or pipe them on stdin).")
    predict.add_argument("--model-dir", required=True, type=MODEL, help="Directory written by `train` (or a hub name).")
    predict.add_argument("--file", type=replace(Domain(path="file"), optional=True), default=None,
                         help="A file with one review per line.")
    predict.add_argument("--encoding", type=ENCODING, default="utf-8", help="Encoding of --file and stdin (default: utf-8).")
    predict.add_argument("--batch-size", type=BATCH_SIZE, default=32)
    predict.add_argument("--quantize", action="store_true", help="int8 dynamic quantization (CPU).")
    predict.add_argument("--precision", choices=("auto", "fp32", "bf16", "fp16"), default="auto",
                         help="Arithmetic: auto = bf16 where the hardware has it natively, else fp32 (torch backend).")
    predict.add_argument("--backend", choices=("torch", "onnx"), default="torch",
                         help="torch (default), or onnx: ONNX Runtime on the CPU, with --quantize the int8 model. "
                              "--model-dir may then be an export; a PyTorch directory is exported once into the cache.")

    compare = sub.add_parser("compare", help="Baseline comparison table (markdown, or JSON with --json).")
    compare.add_argument("--model-dir", type=optional_model, default=None, help="A fine-tuned model to include.")
    compare.add_argument("--model", type=optional_model, default=None, help="Pretrained model for the untrained-head baseline (default: the fine-tuned model's source).")
    compare.add_argument("--data-dir", type=DATA_DIR, default=None, help="Data directory (default: the one the --model-dir model was trained on, else $SENTIMENT_DATA_DIR, else the hub).")
    compare.add_argument("--train-size", type=replace(SIZE, minimum=2), default=None, help="TF-IDF training reviews ('all' default).")
    compare.add_argument("--test-size", type=SIZE, default=2000, help="Balanced test subset (default 2000).")
    compare.add_argument("--seed", type=SEED, default=42)
    compare.add_argument("--json", action="store_true", help="Print JSON instead of markdown.")
    export = sub.add_parser("export", help="Write an ONNX model with its tokenizer (for ONNX Runtime and Transformers.js).",
                            description="Export a fine-tuned model to ONNX (float32; int8 too with --quantize), laid out "
                                        "the way Transformers.js loads a local model.")
    export.add_argument("--model-dir", required=True, type=MODEL, help="Directory written by `train`.")
    export.add_argument("--output", required=True, type=Domain(path="new"),
                        help="New directory for the export (an earlier export there is replaced).")
    export.add_argument("--quantize", action="store_true", help="Also write the int8 model (onnx/model_quantized.onnx).")

    probe = sub.add_parser("probe", help="Behavioural tests (CheckList): failure rate per capability, with intervals.",
                           description="Run template-generated behavioural tests (negation, contrast, names, typos, "
                                       "appended verdicts, long reviews, ...) on a model; see sentiment_lib.behaviour.")
    probe.add_argument("--model-dir", required=True, type=MODEL, help="Directory written by `train` (or an ONNX export with --backend onnx).")
    probe.add_argument("--cases", type=Domain("int", minimum=1, maximum=5000), default=200,
                       help="Cases drawn per suite (default 200; at most 5000).")
    probe.add_argument("--seed", type=SEED, default=0, help="Seed of the drawn cases (default 0).")
    probe.add_argument("--suites", type=replace(Domain(path="file"), optional=True), default=None,
                       help="A JSON file of suites and vocabulary (default: the package's behaviour_suites.json).")
    probe.add_argument("--backend", choices=("torch", "onnx"), default="torch", help="torch (default) or onnx.")
    probe.add_argument("--batch-size", type=BATCH_SIZE, default=64)
    probe.add_argument("--json", action="store_true", help="Print JSON (every suite, with its worst cases) instead of markdown.")
    return parser


def subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    """The parser of each command (``train``, ``evaluate``, ...), from the main parser.

    Examples
    --------
    >>> sorted(subcommands(build_parser()))
    ['compare', 'evaluate', 'export', 'predict', 'probe', 'train']
    """
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


def check_arguments(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """Check every given argument against its :class:`~sentiment_lib.domains.Domain` (its ``type``),
    before any work; the error names the flag, the value and what would be accepted.

    Examples
    --------
    >>> parser = build_parser()
    >>> check_arguments(parser, parser.parse_args(["predict", "--model-dir", "tiny", "--batch-size", "-3", "x"]))
    Traceback (most recent call last):
    ...
    sentiment_lib.errors.SentimentLibError: --batch-size -3 is out of range: expected an integer ≥ 1.
    """
    for action in subcommands(parser)[args.command]._actions:
        if isinstance(action.type, Domain) and hasattr(args, action.dest):
            name = action.option_strings[0] if action.option_strings else action.dest
            action.type.check(name, getattr(args, action.dest))


def _cmd_train(args: argparse.Namespace) -> int:
    """Train; under ``torchrun``/``accelerate launch`` every process runs this, the main one prints the result."""
    start_processes()  # several processes: join first, so that one error is reported once (runs.first_to_report)
    values = {k: v for k, v in vars(args).items() if k != "command"}
    profile = values.pop("profile", DEFAULT_PROFILE)
    config = config_from(profile, values, flags=True)
    check_model_fits(config, flags=True)  # --max-length against the model's position limit, before any work
    with contextlib.redirect_stdout(sys.stderr):  # Trainer's progress logs go to stderr; stdout is JSON
        result = training.fine_tune(config)
    if is_main_process():
        print(json.dumps({"output_dir": result.output_dir, **result.metrics}, indent=2))
    return 0


def _cmd_evaluate(args: argparse.Namespace) -> int:
    from .inference import evaluate_model

    result = evaluate_model(args.model_dir, split=args.split, size=args.size, data_dir=args.data_dir,
                            batch_size=args.batch_size, seed=args.seed, quantize=args.quantize, progress=True)
    print(json.dumps({"model_dir": args.model_dir, "split": args.split, **result.to_dict()}, indent=2))
    return 0


def _read_texts(args: argparse.Namespace) -> list[str]:
    """The texts to classify: arguments, then ``--file``, else stdin; each clipped to
    :data:`~sentiment_lib.inference.MAX_TEXT_CHARS` with one warning line on stderr."""
    from .inference import MAX_TEXT_CHARS, clip_text, decode_reviews, read_reviews

    texts = [clip_text(t) for t in args.texts]
    clipped = [f"argument {i + 1}" for i, t in enumerate(args.texts) if len(t) > MAX_TEXT_CHARS]
    if args.file:
        reviews, lines = read_reviews(args.file, encoding=args.encoding, where=f"--file {args.file}")
        texts += reviews
        clipped += [f"line {n} of {args.file}" for n in lines]
    if not texts and not sys.stdin.isatty():
        raw = getattr(sys.stdin, "buffer", None)
        data = raw.read() if raw is not None else sys.stdin.read().encode("utf-8", "surrogatepass")
        reviews, lines = decode_reviews(data, "stdin", encoding=args.encoding if raw is not None else "utf-8")
        texts += reviews
        clipped += [f"line {n} of stdin" for n in lines]
    if clipped:
        print(f"warning: {len(clipped)} review(s) longer than {MAX_TEXT_CHARS:,} characters kept their first and "
              f"last {MAX_TEXT_CHARS // 2:,} ({', '.join(clipped[:5])}{', ...' if len(clipped) > 5 else ''}).", file=sys.stderr)
    if not texts:
        raise SentimentLibError("No texts to classify.", hint='Pass texts as arguments, --file FILE, or pipe them on stdin.')
    return texts


def _cmd_predict(args: argparse.Namespace) -> int:
    from .inference import SentimentClassifier, preview

    texts = _read_texts(args)
    clf = SentimentClassifier.from_pretrained(args.model_dir, quantize=args.quantize, precision=args.precision,
                                              backend=args.backend)
    for p in clf.predict(texts, batch_size=args.batch_size):
        print(json.dumps({"text": preview(p.text), "label": p.label, "score": round(p.score, 4)}, ensure_ascii=False))
    return 0


def _cmd_compare(args: argparse.Namespace) -> int:
    from .baseline import compare_models
    from .data import SavedRun, saved_run

    # the fine-tuned model's own reviews (data directory, validation size, cleaning, seed), as `evaluate` scores them
    run = saved_run(args.model_dir, required=False) if args.model_dir else SavedRun()
    splits = run.splits(args.data_dir, train_size=args.train_size, test_size=args.test_size,
                        seed=run.setting("seed", args.seed))
    table = compare_models(splits, fine_tuned_dir=args.model_dir, pretrained=args.model)
    if args.json:
        print(table.reset_index().to_json(orient="records", indent=2))
    else:
        print(table.to_markdown(floatfmt=".3f"))
    return 0


def _cmd_export(args: argparse.Namespace) -> int:
    result = export_onnx(args.model_dir, args.output, quantize=args.quantize)
    print(json.dumps(result.to_dict(), indent=2))
    return 0


def _cmd_probe(args: argparse.Namespace) -> int:
    from .behaviour import by_capability, failure_table, load_suites, probe
    from .inference import SentimentClassifier

    def tail(text: str) -> str:  # the end of a case: where a long case keeps its verdict
        return text if len(text) <= 120 else "…" + text[-120:]

    suites = load_suites(args.suites)
    clf = SentimentClassifier.from_pretrained(args.model_dir, backend=args.backend)
    results = probe(lambda texts: clf.predict_proba(texts, batch_size=args.batch_size), n=args.cases, seed=args.seed,
                    suites=suites)
    if args.json:
        print(json.dumps([{**{k: v for k, v in vars(r).items() if k != "worst"}, "failure_rate": r.failure_rate,
                           "worst": r.worst} for r in results], indent=2, ensure_ascii=False))
        return 0
    print("## Failure rate by suite (95% Wilson interval)\n")
    print(failure_table(results).to_markdown(floatfmt=".3f"))
    print("\n## By capability, worst first\n")
    print(by_capability(results).to_markdown(floatfmt=".3f"))
    print("\n## Worst case of each failing suite\n")
    for r in results:
        for case in r.worst[:1]:
            changed = f" -> {tail(case['variant'])!r}: {case['p_positive_variant']:.2f}" if "variant" in case else ""
            wanted = f" (expected {case['expected']})" if "expected" in case else ""
            print(f"- {r.name}: {tail(case['text'])!r}{wanted}: P(positive) {case['p_positive']:.2f}{changed}")
    return 0


COMMANDS = {"probe": _cmd_probe, "train": _cmd_train, "evaluate": _cmd_evaluate, "predict": _cmd_predict, "compare": _cmd_compare,
            "export": _cmd_export}


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``sentiment-lib`` and ``python -m sentiment_lib``.

    Under ``torchrun``/``accelerate launch`` every process exits with the same status, and an
    error that all of them hit is printed by one of them only.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        check_arguments(parser, args)
        return COMMANDS[args.command](args)
    except SentimentLibError as err:
        if first_to_report("error") or main_had_time_to_report():
            print(f"error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        if first_to_report("interrupted"):
            print("interrupted: nothing was published; `train --resume` continues a training run.", file=sys.stderr)
        return 130
