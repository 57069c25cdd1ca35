"""``newsclean clean``: clean article dumps (JSONL, Parquet, CSV) in streamed batches.

Output rules
------------
* ``INPUT`` is files, directories (every ``.jsonl``, ``.ndjson``, ``.json`` (JSON Lines), each
  also ``.gz`` or ``.zst``, ``.parquet``, ``.csv`` below them; others are named and skipped) or
  globs, local or URLs (``s3://…``, with fsspec). The expanded list is sorted; input file *k*
  in that order is shard *k*.
* ``-o DIR`` (no data suffix): a directory of shards ``part-00000.<ext>`` … one per input file
  (one dataset to pandas, pyarrow, Dask or datasets), and the hidden folder ``DIR/.newsclean/``
  with ``stats.json`` (merged counts), ``rejects.jsonl`` (or ``--rejects PATH``), ``run.json``
  and per-shard ``stats/``, ``rejects/`` and ``done/`` (a marker per finished shard, written
  last). A non-empty directory needs ``--resume`` (skip shards whose marker exists) or
  ``--overwrite`` (delete newsclean's files there first and start again).
* ``-o FILE.jsonl|.jsonl.gz|.parquet|.csv``: a single output file; allowed with exactly one input
  file. Rejects go to ``FILE.ext.rejects.jsonl`` (or ``--rejects``), counts to
  ``FILE.ext.stats.json`` (``out.csv`` → ``out.csv.rejects.jsonl``).
  An existing FILE needs ``--overwrite`` and is replaced only once the new one is complete;
  ``--resume`` does not apply. A new name with a data suffix newsclean does not write
  (``out.json``, ``out.csv.gz``) is an error, not a directory; a trailing slash asks for a
  directory. No output or rejects path may be an input file.
* ``-`` as the only INPUT reads JSONL from stdin and writes JSONL to stdout (``-o`` omitted or
  ``-``); rejects go to ``--rejects PATH``, else (or with ``--rejects -``) to stderr as JSON
  lines.
* Output format: ``--format``, else the suffix of a single output file, else the input files'
  format when they all share one, else JSONL.
* ``--format text``: INPUT is one article in plain text (a file of any name, or ``-``), and
  the output is its cleaned text: stdout (``-o`` omitted or ``-``) or ``-o FILE``. The input
  is UTF-8 (a byte-order mark is dropped); one that is not, or is longer than
  ``--max-chars``, is an error (exit 1) and nothing is written. There are no records, so no
  rejects, stats, ``--annotate`` (give JSONL for per-paragraph scores) or memory options.
* ``--repetition`` first reads every input once to count, per publisher domain
  (``--domain-field``, else the host of ``--url-field``), the articles each paragraph occurs in,
  writes that memory to ``DIR/.newsclean/memory.json`` (``FILE.memory.json`` beside a single
  file), then cleans with it: a paragraph in at least ``--min-support`` articles of its domain
  is removed when its score is at least ``--repetition-floor``. ``--memory PATH`` uses a saved
  memory (extended by this run's inputs with ``--repetition``; PATH itself is not changed).

Every file appears atomically (temporary name, then :func:`os.replace`) and its bytes depend
only on the input and options, so a killed run continued with ``--resume`` gives the same bytes
as an uninterrupted run.
"""

from __future__ import annotations

import argparse
import logging
import os
import tempfile
from pathlib import Path

from newsclean.atomic import is_remote
from newsclean.batch.config import BATCH_SIZE_DEFAULT, MAX_ARTICLE_CHARS_DEFAULT
from newsclean.batch.engines import DASK_WORKERS_DEFAULT
from newsclean.batch.formats import INPUT_SUFFIXES, SUFFIXES, format_of, input_format_of
from newsclean.batch.layout import (
    OutputError,
    asks_for_directory,
    is_single_file,
    make_layout,
    output_path,
)
from newsclean.batch.readers import InputError, expand_inputs, is_url
from newsclean.batch.records import REASONS
from newsclean.batch.run import TEXT_FORMAT, run_clean
from newsclean.extras import PARQUET_MODULES, installed, missing_extra
from newsclean.memory import FLOOR_DEFAULT, MIN_SUPPORT_DEFAULT, check_floor, check_min_support
from newsclean.models import MODES, check_threshold, mode_threshold
from newsclean.predict import MLFLOW_SCHEMES

log = logging.getLogger(__name__)

ENGINES = ("local", "dask")


#: Names that look like data files newsclean does not write: as ``-o``, an error, not a new
#: directory of that name.
_FILE_SUFFIXES = (
    ".json",
    ".txt",
    ".tsv",
    ".gz",
    ".bz2",
    ".xz",
    ".zst",
    ".zip",
    ".arrow",
    ".feather",
    ".pq",
    ".xlsx",
)


DESCRIPTION = __doc__.split("\n\n", 1)[1].split("\n\nEvery file", 1)[0].replace("``", "")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the ``clean`` options to ``parser`` (a subcommand parser)."""
    parser.description = DESCRIPTION
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    group = parser.add_argument_group("Input")
    group.add_argument(
        "inputs",
        nargs="+",
        metavar="INPUT",
        help="input files (.jsonl, .jsonl.gz, .parquet, .csv), directories or "
        "globs; '-' reads JSONL from stdin; with --format text, one plain-text file or '-'",
    )
    group.add_argument(
        "--text-field", default="text", help="field holding the article text (default: %(default)s)"
    )
    group.add_argument(
        "--id-field", default="id", help="field named in the rejects file (default: %(default)s)"
    )
    group.add_argument(
        "--max-chars",
        type=int,
        default=MAX_ARTICLE_CHARS_DEFAULT,
        help="reject texts longer than this as too_long (default: %(default)s)",
    )

    group = parser.add_argument_group("Output")
    group.add_argument(
        "-o",
        "--output",
        metavar="OUTPUT",
        help="output directory of shards, a single output file (one input only), local or a "
        "URL (s3://…, with fsspec), or '-' for stdout (with input '-')",
    )
    group.add_argument(
        "--format",
        choices=sorted([*SUFFIXES, TEXT_FORMAT]),
        dest="out_format",
        help="output format (default: from OUTPUT's suffix, else the inputs'); 'text': the "
        "input is one plain-text article and the output its cleaned text",
    )
    group.add_argument(
        "--output-field",
        metavar="NAME",
        help="write the cleaned text to NAME and keep the text field as it was",
    )
    group.add_argument(
        "--annotate",
        action="store_true",
        help=(
            "add NAME_paragraphs: per paragraph start, end, score, score_raw, label, kind "
            "(why a removed paragraph went, with a model that has a kind head; JSON in CSV)"
        ),
    )
    group.add_argument(
        "--rejects",
        metavar="PATH",
        help="rejects file (default: DIR/.newsclean/rejects.jsonl, or FILE.ext.rejects.jsonl "
        "beside a single output file; stderr for stdout)",
    )
    mode = group.add_mutually_exclusive_group()
    mode.add_argument(
        "--resume",
        action="store_true",
        help="continue a run: skip shards whose .newsclean/done marker exists",
    )
    mode.add_argument(
        "--overwrite",
        action="store_true",
        help="delete newsclean's files in OUTPUT first and start again",
    )
    group.add_argument("--strict", action="store_true", help="exit 1 if any record was rejected")

    group = parser.add_argument_group("Model")
    group.add_argument(
        "--model",
        metavar="PATH_OR_URI",
        help="model folder or MLflow URI (default: the shipped model)",
    )
    group.add_argument(
        "--threshold",
        type=float,
        help="boilerplate probability at which a paragraph is removed (default: the model's)",
    )
    group.add_argument(
        "--mode",
        choices=MODES,
        help="cut at an operating point the model card records instead of --threshold: "
        "editorial recall 0.999 (precise), 0.995 (balanced, the model's own) or 0.98 "
        "(aggressive) on reviewed articles of unseen publishers",
    )

    group = parser.add_argument_group("Execution")
    group.add_argument(
        "--engine",
        choices=ENGINES,
        default="local",
        help="local processes or Dask (default: %(default)s)",
    )
    group.add_argument(
        "-j",
        "--jobs",
        type=int,
        default=None,
        help="worker processes (local engine; default 1) or LocalCluster workers (dask; "
        f"default {DASK_WORKERS_DEFAULT})",
    )
    group.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="address of an existing Dask scheduler (with --engine dask)",
    )
    group.add_argument(
        "--batch-size",
        type=int,
        default=BATCH_SIZE_DEFAULT,
        help="articles per model call and per write (default: %(default)s)",
    )
    group.add_argument("-q", "--quiet", action="store_true", help="no progress bar")

    group = parser.add_argument_group("Repetition across the dump")
    group.add_argument(
        "--repetition",
        action="store_true",
        help="read the inputs once first to count each paragraph's articles per domain, save "
        "that memory as DIR/.newsclean/memory.json, and remove paragraphs repeated across a domain",
    )
    group.add_argument(
        "--memory",
        metavar="PATH",
        help="a saved publisher memory to clean with (with --repetition: extended by these "
        "inputs and saved beside the output; PATH is not changed)",
    )
    group.add_argument(
        "--domain-field", metavar="NAME", help="field holding each record's publisher domain"
    )
    group.add_argument(
        "--url-field",
        metavar="NAME",
        help="field holding the article URL; its host minus 'www.' is the domain when there is "
        "no --domain-field value",
    )
    group.add_argument(
        "--min-support",
        type=int,
        metavar="N",
        help="articles of a domain a paragraph must occur in to count as repeated "
        f"(default: the memory's; new memories {MIN_SUPPORT_DEFAULT})",
    )
    group.add_argument(
        "--repetition-floor",
        type=float,
        dest="floor",
        metavar="SCORE",
        help="a repeated paragraph is removed only from this boilerplate score up "
        f"(default: the memory's; new memories {FLOOR_DEFAULT})",
    )
    parser.epilog = (
        (parser.epilog or "")
        + "\n\nreject reasons:\n"
        + "\n".join(f"  {k:16} {v}" for k, v in REASONS.items())
    )
    parser.set_defaults(handler=run_clean, validate=validate_args)


def _model_problem(model: str | None) -> str | None:
    from newsclean.models import CARD_NAME, DEFAULT_MODEL_DIR

    if model is None:
        if not (DEFAULT_MODEL_DIR / CARD_NAME).exists():
            return (
                f"the shipped default model is not installed ({DEFAULT_MODEL_DIR} has no "
                f"{CARD_NAME}); pass --model DIR or an MLflow URI"
            )
        return None
    if model.startswith(MLFLOW_SCHEMES):
        return None
    path = Path(model)
    if not path.exists():
        return f"--model {model}: no such file or directory"
    if path.is_dir() and not (path / CARD_NAME).exists():
        return f"--model {model}: not a newsclean model folder (no {CARD_NAME})"
    return None


def validate_args(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """Rules argparse cannot express; each violation exits with status 2 via ``parser.error``."""
    for name in ("jobs", "batch_size", "max_chars"):
        if getattr(args, name) is not None and getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1")
    if args.threshold is not None:
        try:
            check_threshold(args.threshold, "--threshold")  # the library's rule, one place
        except (TypeError, ValueError) as exc:
            parser.error(str(exc))
    if args.scheduler and args.engine != "dask":
        parser.error("--scheduler needs --engine dask")
    if args.engine == "dask" and not all(map(installed, ("dask.dataframe", "distributed"))):
        parser.error("--engine dask needs Dask: pip install 'newsclean[dask]'")
    if args.output_field is not None and not args.output_field:
        parser.error("--output-field must not be empty")
    _validate_memory_args(parser, args)
    if args.out_format == TEXT_FORMAT:
        _validate_text_args(parser, args)
        _check_model(parser, args)
        return

    stdin = "-" in args.inputs
    if stdin:
        if args.inputs != ["-"]:
            parser.error("'-' (stdin) cannot be combined with other inputs")
        if args.output not in (None, "-"):
            parser.error("with input '-' the output is JSONL on stdout: omit -o or use -o -")
        if args.out_format not in (None, "jsonl"):
            parser.error("with input '-' the output format is jsonl")
        if args.engine != "local" or args.resume:
            parser.error("input '-' runs with the local engine and cannot --resume")
        args.input_files = ["-"]
        args.out_format = "jsonl"
        if args.rejects == "-":
            args.rejects = None  # stderr, as without --rejects
    else:
        if args.rejects == "-":
            parser.error("--rejects - (stderr) is only for input '-'; give a file")
        if args.output is None:
            parser.error("-o OUTPUT is required (a directory, or a file for one input)")
        if args.output == "-":
            parser.error("-o - (stdout) is only for input '-'")
        try:
            found, problems = expand_inputs(args.inputs)
        except InputError as exc:  # a URL's or a compression's package is missing
            parser.error(str(exc))
        out_dir = Path(args.output).resolve()
        # An output directory inside an input directory is not input (e.g. on --resume).
        files = [f for f in found if out_dir not in Path(f).resolve().parents]
        for problem in problems:
            log.warning("%s", problem)
        if any("unknown input format" in p for p in problems):
            parser.error("; ".join(p for p in problems if "unknown input format" in p))
        if not files:
            inside = sorted(set(found) - set(files))
            why = "; ".join(problems) or (
                f"{', '.join(inside[:3])}{' …' if len(inside) > 3 else ''} lie(s) inside the "
                f"output directory {args.output}, whose files newsclean treats as its own "
                "output: write the output elsewhere"
            )
            parser.error(f"no input files found: {why}")
        args.input_files = files
        try:
            out = output_path(args.output)  # a URL is not a local folder named "s3:"
        except OutputError as exc:
            parser.error(str(exc))
        single = is_single_file(args.output)
        if single:
            if len(files) != 1:
                parser.error(
                    f"-o {args.output} is a single file but there are {len(files)} "
                    "inputs: give a directory to get one part file per input"
                )
            if args.out_format is not None and args.out_format != format_of(out):
                parser.error(f"--format {args.out_format} contradicts -o {args.output}")
            if args.resume:
                parser.error("--resume needs an output directory, not a single file")
            if out.exists() and not args.overwrite:
                parser.error(f"{out} exists: pass --overwrite to replace it")
            args.out_format = format_of(out)
        else:
            if out.exists() and not out.is_dir():
                parser.error(f"-o {args.output} exists and is not a directory")
            if (
                not out.exists()
                and not asks_for_directory(args.output)
                and out.name.lower().endswith(_FILE_SUFFIXES)
            ):
                # Without this, "-o out.json" would quietly become a directory of part files.
                parser.error(
                    f"-o {args.output}: newsclean writes no {out.suffix} files; give a "
                    f"directory, or one file ending in {', '.join(s for s, _ in INPUT_SUFFIXES)}"
                )
            if out.is_dir() and any(out.iterdir()) and not (args.resume or args.overwrite):
                parser.error(
                    f"output directory {out} is not empty: pass --resume to continue "
                    "an earlier run or --overwrite to start again"
                )
            if args.out_format is None:
                formats = {input_format_of(f) for f in files}
                args.out_format = formats.pop() if len(formats) == 1 else "jsonl"
        if "parquet" in {args.out_format, *map(input_format_of, files)}:
            # Found now, not as a failed shard: pyarrow is an extra (JSONL and CSV need none).
            problem = missing_extra("Parquet", "formats", PARQUET_MODULES)
            if problem:
                parser.error(problem)
    if args.rejects and is_url(args.rejects):
        try:
            output_path(args.rejects)
        except OutputError as exc:
            parser.error(f"--rejects {exc}")
    if args.repetition and args.output and is_url(args.output):
        parser.error("--repetition writes its memory beside the output: give a local -o")
    if args.rejects and Path(args.rejects).is_dir():
        parser.error(f"--rejects {args.rejects} is a directory: give the path of a file")
    _refuse_writing_over_inputs(parser, args)
    if args.rejects and not is_url(args.rejects):
        # Found now, not after hours of cleaning: the rejects file is written at the end.
        folder = Path(args.rejects).resolve().parent
        try:
            folder.mkdir(parents=True, exist_ok=True)  # as the run would
            with tempfile.TemporaryFile(dir=folder):
                pass
        except OSError as exc:
            parser.error(f"--rejects {args.rejects}: cannot write in {folder} ({exc.strerror})")
    _check_model(parser, args)
    own = make_layout(args.output, args.out_format, None).memory
    if (
        args.memory
        and own is not None
        and not is_remote(own)
        and Path(args.memory).resolve() == own.resolve()
    ):
        parser.error(f"--memory {args.memory} is the memory this run writes: copy it elsewhere")


def _check_model(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """Refuse a model that is not there; turn ``--mode`` into the threshold it names (so the
    run, and its ``run.json``, know only the effective threshold)."""
    problem = _model_problem(args.model)
    if problem:
        parser.error(problem)
    if args.mode is None:
        return
    if args.threshold is not None:
        parser.error("give --threshold or --mode, not both")
    from newsclean.predict import load_scorer

    try:
        args.threshold = mode_threshold(load_scorer(args.model)[1], args.mode)
    except ValueError as exc:
        parser.error(f"--mode {args.mode}: {exc}")


def _validate_text_args(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """The rules of ``--format text``: one article in, its cleaned text out (exit 2 if not)."""
    if args.annotate:
        parser.error(
            "--annotate needs records: --format text writes only the cleaned text; for "
            'per-paragraph scores give JSONL input ({"text": ...} per line)'
        )
    refused = [
        flag
        for flag, given in (
            ("--output-field", args.output_field is not None),
            ("--rejects", args.rejects is not None),
            ("--resume", args.resume),
            ("--engine dask", args.engine != "local"),
            ("--jobs", (args.jobs or 1) > 1),
            ("--repetition", args.repetition),
            ("--memory", args.memory is not None),
        )
        if given
    ]
    if refused:
        parser.error(
            f"{', '.join(refused)}: not with --format text, which cleans one article to its text"
        )
    if len(args.inputs) != 1:
        parser.error(
            f"--format text cleans one article: give one file or '-', not {len(args.inputs)}"
        )
    source = args.inputs[0]
    if source != "-" and not Path(source).is_file():
        why = "is a directory" if Path(source).is_dir() else "no such file"
        parser.error(f"{source}: {why}; --format text cleans one plain-text file (or '-')")
    if args.output == "-":
        args.output = None  # stdout, as without -o
    if args.output is not None:
        out = Path(args.output)
        if asks_for_directory(args.output) or out.is_dir():
            parser.error(f"-o {args.output}: --format text writes one file, not a directory")
        if source != "-" and os.path.realpath(out) == os.path.realpath(source):
            parser.error(f"-o: {out} is also the input; newsclean does not write over inputs")
        if out.exists() and not args.overwrite:
            parser.error(f"{out} exists: pass --overwrite to replace it")
    args.input_files = [source]


def _refuse_writing_over_inputs(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """Exit (status 2) when a file the run writes is one of its inputs: ``-o in.jsonl
    --overwrite`` would delete the input before reading it, ``--rejects in.jsonl`` replace it."""
    if args.input_files == ["-"]:
        return
    layout = make_layout(args.output, args.out_format or "jsonl", args.rejects)
    inputs = {os.path.realpath(f) for f in args.input_files}
    for flag, path in (
        ("-o", layout.single),
        ("--rejects", layout.rejects),
        ("-o", layout.stats),
        ("-o", layout.memory),
    ):
        if path is not None and not is_remote(path) and os.path.realpath(path) in inputs:
            parser.error(f"{flag}: {path} is also an input; newsclean does not write over inputs")


def _validate_memory_args(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """The ``--repetition`` / ``--memory`` rules (usage errors exit with status 2)."""
    uses_memory = args.repetition or args.memory is not None
    if not uses_memory:
        given = [
            flag
            for flag, value in (
                ("--domain-field", args.domain_field),
                ("--url-field", args.url_field),
                ("--min-support", args.min_support),
                ("--repetition-floor", args.floor),
            )
            if value is not None
        ]
        if given:
            parser.error(f"{', '.join(given)} need(s) --repetition or --memory")
        return
    if not (args.domain_field or args.url_field):
        parser.error("--repetition and --memory need --domain-field NAME or --url-field NAME")
    try:  # the memory's own rules, one place
        if args.min_support is not None:
            check_min_support(args.min_support, "--min-support")
        if args.floor is not None:
            check_floor(args.floor, "--repetition-floor")
    except (TypeError, ValueError) as exc:
        parser.error(str(exc))
    if args.memory is not None and not Path(args.memory).is_file():
        parser.error(f"--memory {args.memory}: no such file")
    if args.repetition and "-" in args.inputs:
        parser.error("--repetition reads the inputs twice, so it cannot read stdin ('-')")


__all__ = ["DESCRIPTION", "ENGINES", "add_arguments", "validate_args"]
