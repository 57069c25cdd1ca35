"""The ``newsclean`` command: ``newsclean clean`` (batch cleaning) and ``newsclean train``.

Exit codes: 0 when everything completed; 1 when records were rejected under ``--strict``, an
input or shard failed, or records were read and none written; 2 for a usage or configuration
error (bad options, missing model).
"""

from __future__ import annotations

import argparse
import logging
import platform
import sys

from newsclean._version import __version__

EPILOG = (
    "exit codes: 0 all work completed; 1 records rejected under --strict, an input or shard "
    "failed, or records were read and none written (see the stats and rejects files); 2 usage "
    "or configuration error; 130 interrupted (finished shards stay: --resume does the rest)"
)
TRAIN_EPILOG = (
    "exit codes: 0 trained (and registered or exported as asked); 1 an unexpected error; "
    "2 usage, configuration or data error (the message names the file and row)"
)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with its subcommands."""
    from newsclean import serve as serve_cli
    from newsclean.batch import options as clean_options
    from newsclean.training import cli as train_cli

    parser = argparse.ArgumentParser(
        prog="newsclean",
        description="Remove publisher boilerplate from news article text.",
        epilog=EPILOG,
    )
    parser.add_argument(
        "--version",
        action="version",
        version=f"newsclean {__version__} (Python {platform.python_version()})",
    )
    parser.add_argument(
        "-v",
        "--verbose",
        action="count",
        default=0,
        help="more log output on stderr (-v info, -vv debug)",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    clean_parser = commands.add_parser(
        "clean",
        help="clean article dumps (JSONL, Parquet, CSV)",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    clean_options.add_arguments(clean_parser)
    train_parser = commands.add_parser(
        "train",
        help="train, evaluate, log to MLflow, register and export a model",
        epilog=TRAIN_EPILOG,
    )
    train_cli.add_arguments(train_parser)
    serve_parser = commands.add_parser("serve", help="clean articles over HTTP (POST /clean)")
    serve_cli.add_arguments(serve_parser)
    # so a check after parsing shows the command's own usage
    for sub in (clean_parser, train_parser, serve_parser):
        sub.set_defaults(command_parser=sub)
    return parser


def parse_args(argv: list[str]) -> argparse.Namespace:
    """Parse and validate ``argv``; usage errors exit with status 2."""
    parser = build_parser()
    args = parser.parse_args(argv)
    command_parser = args.command_parser
    del args.command_parser
    args.validate(command_parser, args)
    return args


def run(args: argparse.Namespace) -> int:
    """Run the parsed command; return its exit code."""
    level = [logging.WARNING, logging.INFO, logging.DEBUG][min(args.verbose, 2)]
    logging.basicConfig(
        level=level, stream=sys.stderr, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    return args.handler(args)


def main(argv: list[str] | None = None) -> None:
    """Console entry point."""
    sys.exit(run(parse_args(sys.argv[1:] if argv is None else argv)))


if __name__ == "__main__":
    main()
