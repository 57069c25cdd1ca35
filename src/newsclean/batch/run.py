"""``newsclean clean`` run from its parsed options: prepare the output, run, report.

:func:`run_clean` loads the model, checks or prepares the output directory (``run.json``
records the run's identity, so ``--resume`` continues only the same run), builds or loads the
publisher memory, runs an engine, merges the counts and prints the summary. With
``--format text`` it cleans one plain-text article instead (:func:`run_text`).
"""

from __future__ import annotations

import argparse
import codecs
import dataclasses
import hashlib
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from newsclean.atomic import atomic_write_bytes, atomic_write_text
from newsclean.batch.config import BatchConfig
from newsclean.batch.engines import DASK_WORKERS_DEFAULT, run_dask, run_local, worker_pool
from newsclean.batch.layout import (
    RUN_FILE,
    Layout,
    OutputError,
    clear_output,
    make_layout,
    prepare_output,
    remove_dead_temporaries,
    remove_temporaries,
)
from newsclean.batch.pipeline import IncompleteMemoryError, build_memory, process_shard
from newsclean.batch.readers import is_url, read_jsonl_stream
from newsclean.batch.stats import format_summary, merge_stats
from newsclean.batch.writers import concat_files
from newsclean.memory import PublisherMemory, load_memory_with
from newsclean.models import SEAL_FIELD

#: BatchConfig fields of the publisher memory; left out of ``run.json`` when unset, so runs
#: without ``--repetition`` / ``--memory`` keep their identity.
_MEMORY_FIELDS = ("domain_field", "url_field", "memory", "min_support", "floor")
#: Reject reasons named when a run wrote nothing (the rest are in the stats file).
_TOP_REASONS = 3
#: ``--format text``: the input is one article of plain text, the output its cleaned text.
TEXT_FORMAT = "text"


def config_from_args(args: argparse.Namespace) -> BatchConfig:
    """The run's :class:`BatchConfig` from the parsed ``clean`` options."""
    return BatchConfig(
        text_field=args.text_field,
        id_field=args.id_field,
        output_field=args.output_field,
        annotate=args.annotate,
        threshold=args.threshold,
        model=args.model,
        max_chars=args.max_chars,
        batch_size=args.batch_size,
        fmt=args.out_format,
        domain_field=args.domain_field,
        url_field=args.url_field,
        min_support=args.min_support,
        floor=args.floor,
    )


def run_identity(cfg: BatchConfig, sources: list[str]) -> dict[str, Any]:
    """What ``run.json`` records of the options and inputs (``--resume`` needs the same)."""
    config = {
        k: v for k, v in dataclasses.asdict(cfg).items() if v is not None or k not in _MEMORY_FIELDS
    }
    inputs = [s if is_url(s) else os.path.abspath(s) for s in sources]
    return {"config": config, "inputs": inputs}


def memory_identity(args: argparse.Namespace) -> dict[str, Any]:
    """What ``run.json`` records of the memory options (nothing when they are unused)."""
    out: dict[str, Any] = {}
    if args.repetition:
        out["repetition"] = True
    if args.memory is not None:
        digest = hashlib.sha256(Path(args.memory).read_bytes()).hexdigest()
        out["memory_input"] = {"path": os.path.abspath(args.memory), "sha256": digest}
    return out


def _memory_config(cfg: BatchConfig, args: argparse.Namespace, layout: Layout) -> BatchConfig:
    """``cfg`` with the memory file the cleaning pass reads (None without the options)."""
    if args.repetition and layout.memory is not None:
        return dataclasses.replace(cfg, memory=str(layout.memory.resolve()))
    if args.memory is not None:
        return dataclasses.replace(cfg, memory=str(Path(args.memory).resolve()))
    return cfg


def _prepare_memory(
    args: argparse.Namespace, cfg: BatchConfig, sources: list[str], layout: Layout
) -> tuple[int, str | None]:
    """Build (``--repetition``) or check (``--memory``) the memory; return (exit code, note).

    With ``--resume`` a memory the interrupted run already saved is reused: it was written
    atomically before any shard and is a function of the same inputs and options.
    """
    if cfg.memory is None:
        return 0, None
    started = time.perf_counter()
    how = f"read from {args.memory}"
    try:
        if args.repetition and not (args.resume and Path(cfg.memory).exists()):
            from tqdm.auto import tqdm

            base = PublisherMemory.load(args.memory) if args.memory else PublisherMemory()
            with tqdm(
                unit="art",
                file=sys.stderr,
                disable=args.quiet,
                desc="memory (pass 1)",
                dynamic_ncols=True,
            ) as bar:
                memory = build_memory(sources, cfg, base, on_article=lambda: bar.update(1))
            # Saved with the run's parameters, so a later --memory run cleans as this one did.
            memory.with_params(min_support=cfg.min_support, floor=cfg.floor).save(cfg.memory)
            how = (
                f"built in {time.perf_counter() - started:.1f} s"
                + (f" on top of {args.memory}" if args.memory else "")
                + f", saved to {cfg.memory}"
            )
        elif args.repetition:
            how = f"reused from {cfg.memory} (--resume)"
        memory = load_memory_with(cfg.memory, min_support=cfg.min_support, floor=cfg.floor)
    except IncompleteMemoryError as exc:
        print(
            f"newsclean clean: error: --repetition: {exc}; the memory would miss its articles, "
            "so nothing was cleaned: repair or remove that input and run again",
            file=sys.stderr,
        )
        return 1, None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        print(f"newsclean clean: error: publisher memory: {exc}", file=sys.stderr)
        return 2, None
    n_articles = memory.n_articles
    note = (
        f"newsclean clean: repetition: memory of {sum(n_articles.values()):,} articles on "
        f"{len(n_articles):,} domains ({len(memory):,} distinct paragraphs), {how}; "
        f"min support {memory.min_support}, floor {memory.floor}"
    )
    if not n_articles:
        given = (("--domain-field", args.domain_field), ("--url-field", args.url_field))
        fields = " / ".join(f"{flag} {name}" for flag, name in given if name)
        note += f"\nnewsclean clean: warning: no record had a domain: is {fields} right?"
    return 0, note


class _Progress:
    """tqdm on stderr: articles/s and the share of paragraphs removed so far."""

    def __init__(self, *, disable: bool, unit: str = "art") -> None:
        from tqdm.auto import tqdm

        self.bar = tqdm(
            unit=unit, file=sys.stderr, disable=disable, desc="cleaning", dynamic_ncols=True
        )
        self.paragraphs = self.removed = 0

    def on_batch(self, n: int, paragraphs: int, removed: int) -> None:
        self.paragraphs += paragraphs
        self.removed += removed
        self.bar.update(n)
        if self.paragraphs:
            self.bar.set_postfix_str(
                f"removed {self.removed / self.paragraphs:.1%} of paragraphs", refresh=False
            )

    def on_shard(self, summary: dict) -> None:
        if not summary.get("failed"):
            self.on_batch(
                summary["read"], summary.get("paragraphs", 0), summary.get("paragraphs_removed", 0)
            )

    def close(self) -> None:
        self.bar.close()


def run_clean(args: argparse.Namespace) -> int:
    """Run ``newsclean clean``; return the exit code (0 ok; 1 rejects under --strict, a failed
    shard, or records read and none written; 2 configuration error)."""
    from newsclean.predict import load_scorer

    started = time.perf_counter()
    cfg = config_from_args(args)
    try:
        _, card = load_scorer(cfg.model)  # fail fast, before any output is touched
    except Exception as exc:  # reported as a configuration error
        print(f"newsclean clean: error: cannot load model: {exc}", file=sys.stderr)
        return 2
    if cfg.fmt == TEXT_FORMAT:
        return run_text(args, cfg)
    sources = args.input_files
    layout = make_layout(args.output, cfg.fmt, args.rejects)
    try:
        prepare_output(layout, resume=args.resume)
    except OutputError as exc:
        print(f"newsclean clean: error: {exc}", file=sys.stderr)
        return 2
    cfg = _memory_config(cfg, args, layout)
    skipped = 0
    todo = list(range(len(sources)))
    if sources != ["-"]:
        if layout.root is not None:
            code = _prepare_directory(layout.root, args, cfg, sources, card)
            if code:
                return code
            done = [i for i in todo if layout.done(i).exists()] if args.resume else []
            skipped = len(done)
            todo = [i for i in todo if i not in set(done)]
        elif layout.single is not None:
            # --overwrite deletes nothing up front: the new file replaces the old one only once
            # it is complete, so a run that fails keeps the previous output.
            remove_dead_temporaries(layout)
    code, memory_note = _prepare_memory(args, cfg, sources, layout)
    if code:
        return code
    progress = _Progress(disable=args.quiet)
    try:
        if sources == ["-"]:
            with worker_pool(args.jobs or 1, cfg.model) as mapper:
                summaries = ran = [
                    process_shard(
                        0,
                        1,
                        "-",
                        cfg,
                        layout,
                        mapper=mapper,
                        on_batch=progress.on_batch,
                        items=read_jsonl_stream(sys.stdin.buffer),
                        stream=sys.stdout.buffer,
                    )
                ]
        else:
            if args.engine == "dask":
                ran = run_dask(
                    todo,
                    sources,
                    cfg,
                    layout,
                    scheduler=args.scheduler,
                    workers=args.jobs or DASK_WORKERS_DEFAULT,
                    on_shard=progress.on_shard,
                )
            else:
                ran = run_local(
                    todo, sources, cfg, layout, jobs=args.jobs or 1, on_batch=progress.on_batch
                )
            summaries = _with_skipped(ran, layout, len(sources))
    except KeyboardInterrupt:
        progress.close()
        again = "; run again with --resume to finish" if layout.root is not None else ""
        print(
            "newsclean clean: interrupted: finished shards are complete, unfinished ones left "
            f"no visible output{again}",
            file=sys.stderr,
        )
        return 130
    finally:
        progress.close()
    stats = merge_stats(summaries, len(sources))
    _write_results(stats, layout, len(sources))
    if layout.root is not None and not stats["shards_failed"]:
        # Every shard is complete: what is left is from attempts that died (a Dask worker
        # lost mid-shard, whose shard the scheduler ran again elsewhere).
        remove_temporaries(layout.root)
    processed = sum(s.get("read", 0) for s in ran)
    if memory_note:
        print(memory_note, file=sys.stderr)
    if stats["read"] and stats["rejected_by_reason"].get("missing_text", 0) == stats["read"]:
        print(
            f"newsclean clean: warning: no record has the field {cfg.text_field!r}: "
            "is --text-field right?",
            file=sys.stderr,
        )
    print(
        format_summary(
            stats, skipped=skipped, seconds=time.perf_counter() - started, processed=processed
        ),
        file=sys.stderr,
    )
    if stats["read"] and not stats["written"]:
        print(nothing_written(stats), file=sys.stderr)
        return 1
    if stats["shards_failed"] or not stats["reconciled"]:
        return 1
    return 1 if args.strict and stats["rejected"] else 0


def nothing_written(stats: dict[str, Any]) -> str:
    """The error line of a run that read records and wrote none of them (it exits 1).

    Parameters
    ----------
    stats : dict
        The merged counts (:func:`~newsclean.batch.stats.merge_stats`), with ``read > 0``.

    Returns
    -------
    str
        One line naming the most frequent reject reasons.

    Examples
    --------
    >>> print(nothing_written({"read": 3, "rejected_by_reason": {"missing_text": 3}}))
    newsclean clean: error: none of the 3 records read was written: all rejected (missing_text 3)
    """
    reasons = sorted(stats["rejected_by_reason"].items(), key=lambda kv: (-kv[1], kv[0]))
    top = ", ".join(f"{reason} {n:,}" for reason, n in reasons[:_TOP_REASONS])
    more = f", {len(reasons) - _TOP_REASONS} more reasons" if len(reasons) > _TOP_REASONS else ""
    return (
        f"newsclean clean: error: none of the {stats['read']:,} records read was written: "
        f"all rejected ({top}{more})"
    )


def run_text(args: argparse.Namespace, cfg: BatchConfig) -> int:
    """``--format text``: clean one plain-text article, a file or stdin, to its text.

    The input is read whole and decoded as UTF-8 (a leading byte-order mark is dropped); the
    cleaned text goes to stdout, or to ``-o FILE``, which appears only once complete. Kept
    paragraphs are byte-identical, with the line separators that followed them.

    Parameters
    ----------
    args : argparse.Namespace
        The parsed and checked ``clean`` options (``input_files`` holds the one input).
    cfg : BatchConfig
        The run's options: model, threshold, ``max_chars``.

    Returns
    -------
    int
        0 when the text was written; 1 when the input could not be read, is not UTF-8 or is
        longer than ``--max-chars`` (nothing is written then); 130 when interrupted.
    """
    from newsclean.predict import clean_texts

    source = args.input_files[0]
    name = "stdin" if source == "-" else source
    try:
        data = sys.stdin.buffer.read() if source == "-" else Path(source).read_bytes()
        # A byte-order mark (some editors write one) is not part of the text.
        skip = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
        text = data[skip:].decode("utf-8")
        if len(text) > cfg.max_chars:
            raise ValueError(
                f"{name} has {len(text):,} characters, more than --max-chars {cfg.max_chars:,}"
            )
        result = clean_texts([text], model=cfg.model, threshold=cfg.threshold)[0]
        cleaned = result.text.encode("utf-8")
        if args.output is None:
            sys.stdout.buffer.write(cleaned)
            sys.stdout.buffer.flush()
        else:
            atomic_write_bytes(args.output, cleaned)
    except KeyboardInterrupt:
        print("newsclean clean: interrupted: nothing was written", file=sys.stderr)
        return 130
    except UnicodeDecodeError as exc:
        print(
            f"newsclean clean: error: {name} is not UTF-8 text ({exc.reason} at byte "
            f"{skip + exc.start:,}); nothing was written",
            file=sys.stderr,
        )
        return 1
    except (OSError, ValueError) as exc:
        print(f"newsclean clean: error: {exc}; nothing was written", file=sys.stderr)
        return 1
    share = result.n_removed / result.n_paragraphs if result.n_paragraphs else 0.0
    print(
        f"newsclean clean: removed: {result.n_removed:,} of {result.n_paragraphs:,} paragraphs "
        f"({share:.1%}), {result.chars_removed:,} of {len(text):,} characters",
        file=sys.stderr,
    )
    return 0


def _prepare_directory(
    root: Path, args, cfg: BatchConfig, sources: list[str], card: dict[str, Any]
) -> int:
    """Clear (``--overwrite``) or check (``--resume``) an output directory and write its
    ``run.json``; return an exit code (0: go on)."""
    root.mkdir(parents=True, exist_ok=True)
    # The memory --repetition writes lies in the output: its path is not an option.
    own = dataclasses.replace(cfg, memory=None) if args.repetition else cfg
    identity = run_identity(own, sources) | memory_identity(args)
    # The model's own hash, not its path: the shipped default changes with the package; and
    # the seal of its checked card, which covers the card's threshold.
    model_sha256 = card["sha256"]
    identity["model_sha256"] = model_sha256
    identity["model_card_seal"] = card.get(SEAL_FIELD)
    # The threshold paragraphs are removed at: --threshold, else the model card's.
    threshold = card["threshold"] if cfg.threshold is None else cfg.threshold
    identity["threshold"] = threshold
    run_file = root / RUN_FILE
    if args.overwrite:
        clear_output(root)
    elif args.resume and run_file.exists():
        previous = json.loads(run_file.read_text())
        if previous.get("model_sha256") != model_sha256:
            print(
                f"newsclean clean: error: {root} was cleaned with another model (or by a "
                f"newsclean that did not record it; see {run_file}); --resume would mix two "
                "models' output: use --overwrite",
                file=sys.stderr,
            )
            return 2
        # The seal adds nothing to compare: it covers the model's hash and the threshold.
        decided = ("threshold", "model_card_seal")
        if _without(previous, decided) != _without(identity, decided):
            print(
                f"newsclean clean: error: {root} was written with other inputs or options "
                f"(see {run_file}); --resume needs the same ones, or use --overwrite",
                file=sys.stderr,
            )
            return 2
        if previous.get("threshold") != threshold:
            print(
                f"newsclean clean: error: {root} was cleaned at threshold "
                f"{previous.get('threshold', '(not recorded)')} and this run's is {threshold} "
                f"(see {run_file}); --resume would mix two thresholds' output: use --overwrite",
                file=sys.stderr,
            )
            return 2
    remove_temporaries(root)  # left by a killed run
    atomic_write_text(run_file, json.dumps(identity, indent=2, sort_keys=True) + "\n")
    return 0


def _without(record: dict[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if k not in keys}


def _with_skipped(ran: list[dict], layout: Layout, n: int) -> list[dict]:
    """This run's shard counts plus the saved counts of shards skipped by ``--resume``."""
    by_shard = {s["shard"]: s for s in ran}
    for i in range(n):
        if i not in by_shard and layout.shard_stats(i) is not None:
            by_shard[i] = json.loads(layout.shard_stats(i).read_text())
    return [by_shard[i] for i in sorted(by_shard)]


def _write_results(stats: dict, layout: Layout, n: int) -> None:
    if layout.root is not None:
        parts = [layout.shard_rejects(i) for i in range(n)]
        layout.rejects.parent.mkdir(parents=True, exist_ok=True)
        concat_files(parts, layout.rejects)
    # Beside a single output file the stats describe that file: a run that failed before
    # replacing it (the summary on stderr says so) leaves them as they were.
    if layout.stats is not None and not (layout.single is not None and stats["shards_failed"]):
        atomic_write_text(layout.stats, json.dumps(stats, indent=2, sort_keys=True) + "\n")


__all__ = ["TEXT_FORMAT", "config_from_args", "nothing_written", "run_clean", "run_text"]
