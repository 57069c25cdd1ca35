"""``newsclean train``: options and handler (MLflow is imported only when the command runs)."""

from __future__ import annotations

import argparse
import ast
import json
import os
import sys
from pathlib import Path

DATA_ENV = "NEWSCLEAN_DATA"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the ``train`` options to ``parser``."""
    data = parser.add_argument_group("Data")
    data.add_argument(
        "--data",
        type=Path,
        default=os.environ.get(DATA_ENV),
        help=f"the shared data folder, or a Parquet/CSV/JSONL table (or folder) of "
        f"labelled paragraphs (default: ${DATA_ENV})",
    )
    data.add_argument(
        "--sample",
        type=int,
        default=None,
        metavar="N",
        help="train on about N paragraphs, drawn as whole articles",
    )
    data.add_argument("--seed", type=int, default=0, help="seed of the split and sampling")
    data.add_argument(
        "--no-augment",
        dest="augment",
        action="store_false",
        help="do not implant appeal blocks into training articles",
    )
    data.add_argument(
        "--blocks",
        type=Path,
        default=None,
        metavar="PATH",
        help="also implant the reviewed appeal blocks of this blocks_reviewed.parquet "
        "(train-split publishers into train articles), at every placement",
    )
    data.add_argument(
        "--implant-weight",
        type=float,
        default=None,
        metavar="W",
        help="training weight of each implanted appeal line "
        "(default: newsclean.training.augment.IMPLANT_WEIGHT, 3)",
    )
    model = parser.add_argument_group("Model")
    model.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a ParagraphClassifier parameter, e.g. --param alpha=1e-4 "
        "--param context=False (repeatable)",
    )
    tracking = parser.add_argument_group("MLflow")
    tracking.add_argument("--experiment", default="newsclean", help="MLflow experiment name")
    tracking.add_argument(
        "--note", default=None, help="what this run changes (the run's MLflow description)"
    )
    tracking.add_argument(
        "--register", metavar="NAME", default=None, help="register the cleaner model under NAME"
    )
    tracking.add_argument(
        "--alias",
        default="champion",
        help="alias to move to the new version when it beats the holder",
    )
    tracking.add_argument(
        "--promote", action="store_true", help="move the alias even if the holder scores better"
    )
    output = parser.add_argument_group("Output")
    output.add_argument(
        "--export",
        type=Path,
        metavar="DIR",
        default=None,
        help="write model.npz and model_card.json to DIR",
    )
    parser.set_defaults(handler=run_train, validate=validate_args)


def validate_args(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """Rules argparse cannot express."""
    if args.data is None:
        parser.error(f"--data is required (or set ${DATA_ENV})")
    if not Path(args.data).exists():
        parser.error(f"--data {args.data} does not exist")
    if args.blocks is not None and not Path(args.blocks).is_file():
        parser.error(
            f"--blocks {args.blocks} is not a file (build it: python -m benchmarks.blocks.build)"
        )
    if args.sample is not None and args.sample < 100:
        parser.error("--sample must be at least 100")
    from newsclean.extras import missing_extra

    if missing_extra("training", "train", TRAIN_EXTRA):
        return  # run_train says what to install; --param needs scikit-learn to be checked
    try:
        args.model_params = parse_params(args.param)
    except (TypeError, ValueError) as exc:
        message = str(exc)
        parser.error(message if message.startswith("--param") else f"--param: {message}")
    if args.export is not None and args.export.exists() and not args.export.is_dir():
        # Found now, not after training and registering: --export writes a folder.
        parser.error(f"--export {args.export} is a file; give a folder (new or existing)")


#: ParagraphClassifier parameters a training run sets itself, with what to use instead.
RUN_SET_PARAMS = {
    "random_state": "the run seeds the model with --seed",
    "threshold": "the run chooses the threshold on the validation split",
}


def parse_params(pairs: list[str]) -> dict:
    """``["alpha=1e-4", "context=False"]`` -> ``{"alpha": 0.0001, "context": False}``."""
    from newsclean.classifier import ParagraphClassifier, _validate_params

    # The run sets these itself: the seed from --seed, the threshold on validation.
    known = {k for k in ParagraphClassifier().get_params() if k not in RUN_SET_PARAMS}
    params = {}
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        if key in RUN_SET_PARAMS:
            raise ValueError(f"--param {pair!r}: {RUN_SET_PARAMS[key]}")
        if not sep or key not in known:
            raise ValueError(
                f"--param {pair!r}: expected KEY=VALUE with KEY one of {sorted(known)}"
            )
        try:
            params[key] = ast.literal_eval(raw)
        except (ValueError, SyntaxError):
            raise ValueError(f"--param {pair!r}: {raw!r} is not a Python literal") from None
    # Checked now, not when the fit starts inside an MLflow run.
    _validate_params(ParagraphClassifier(**params))
    return params


#: Modules of the ``train`` extra that a training run imports.
TRAIN_EXTRA = ("sklearn", "scipy", "pandas", "pyarrow", "mlflow", "matplotlib")


def run_train(args: argparse.Namespace) -> int:
    """Run a training; print the test metrics as JSON on stdout."""
    from newsclean.extras import missing_extra

    problem = missing_extra("training", "train", TRAIN_EXTRA)
    if problem:
        print(f"newsclean train: error: {problem}", file=sys.stderr)
        return 2
    from newsclean.training.data import DataError
    from newsclean.training.train import TrainConfig, run_training

    config = TrainConfig(
        data=Path(args.data),
        experiment=args.experiment,
        register=args.register,
        alias=args.alias,
        promote=args.promote,
        sample=args.sample,
        seed=args.seed,
        export=args.export,
        augment=args.augment,
        blocks=args.blocks,
        **({} if args.implant_weight is None else {"implant_weight": args.implant_weight}),
        model_params=args.model_params,
        note=args.note,
    )
    try:
        result = run_training(config)
    except DataError as exc:
        print(f"newsclean train: error: {exc}", file=sys.stderr)
        return 2
    summary = {
        "threshold": result.threshold,
        "test": result.test["all"],
        "appeal": result.appeal.get("all", {}),
        "seconds": result.seconds,
    }
    json.dump(summary, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0
