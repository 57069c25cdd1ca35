"""Batch cleaning (``newsclean clean``): steps, formats, nothing lost, resume, CLI rules."""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import json
import os
import random
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from newsclean.models import SEAL_FIELD, seal_card

from newsclean import batch
from newsclean.batch import engines, pipeline
from newsclean.batch import run as batch_run
from newsclean.batch.config import BatchConfig
from newsclean.batch.readers import expand_inputs, read_csv, read_jsonl
from newsclean.batch.records import REASONS, Item, items_from_dicts
from newsclean.batch.steps import (
    CleanJob,
    Shard,
    batched,
    clean_batches,
    validate,
    write_batches,
)
from newsclean.cli import parse_args
from tests.corpus import make_article

ROOT = Path(__file__).resolve().parents[1]


def parse_clean(argv: list[str]):
    """``newsclean clean ARGV`` parsed by the real CLI parser."""
    return parse_args(["clean", *argv])


def article(seed: int) -> str:
    paragraphs, _ = make_article(random.Random(seed))
    return "\n".join(paragraphs)


def good_records(n: int, start: int = 0) -> list[dict]:
    return [
        {
            "id": f"a{i}",
            "text": article(i),
            "section": ["news", "local"][i % 2],
            "words": 100 + i,
            "score": i / 7,
            "flag": i % 3 == 0,
            "tags": ["x", str(i)],
            "meta": {"author": f"writer {i}", "pages": [i, i + 1]},
            "note": None,
        }
        for i in range(start, start + n)
    ]


def write_jsonl(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def run(argv: list[str]) -> int:
    return batch.run_clean(parse_clean(argv))


def read_lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def tree_bytes(root: Path) -> dict[str, bytes]:
    """Every file under ``root``, by relative path."""
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


# --------------------------------------------------------------------------------------------
# Steps on lists of dicts


def test_validate_rejects_with_exact_reasons():
    shard = Shard(index=3, n_shards=5, source="mem.jsonl")
    items = [
        Item(1, {"id": 1, "text": "Fine."}),
        Item(2, {"id": 2}),
        Item(3, {"id": 3, "text": None}),
        Item(4, {"id": 4, "text": 12}),
        Item(5, {"id": 5, "text": "x" * 11}),
        Item(6, {"id": 6, "text": "bad \udc80 byte"}),
        Item(7, None, "malformed_json", "invalid JSON", '{"id": 7, "text": '),
    ]
    kept = list(validate(items, shard, max_chars=10))
    assert [it.record["id"] for it in kept] == [1]
    assert [(r["line"], r["id"], r["reason"]) for r in shard.rejected] == [
        (2, 2, "missing_text"),
        (3, 3, "missing_text"),
        (4, 4, "text_not_string"),
        (5, 5, "too_long"),
        (6, 6, "undecodable"),
        (7, 7, "malformed_json"),
    ]
    assert shard.stats["read"] == 7 and shard.stats["rejected"] == 6
    assert shard.stats["rejected_missing_text"] == 2
    assert shard.rejected[2]["detail"] == "field 'text' is a number, not a string"
    assert shard.rejected[-1]["raw"] == '{"id": 7, "text": '
    assert all(r["source"] == "mem.jsonl" for r in shard.rejected)
    assert set(r["reason"] for r in shard.rejected) <= set(REASONS)


def test_batched_keeps_order():
    items = list(items_from_dicts({"i": i} for i in range(7)))
    assert [[it.record["i"] for it in b] for b in batched(items, 3)] == [[0, 1, 2], [3, 4, 5], [6]]


def test_clean_step_with_a_stub_job_counts_and_sets_fields():
    def job(texts):
        return [(t.upper(), 2, 1, 5, [{"label": "x"}]) for t in texts]

    seen = []
    shard = Shard(index=0, n_shards=1, source="mem", on_batch=lambda *a: seen.append(a))
    batches = batched(items_from_dicts([{"text": "ab"}, {"text": "cd"}, {"text": "e"}]), 2)
    out = [
        it.record
        for b in clean_batches(
            batches, shard, job=job, output_field="clean", annotation_field="clean_paragraphs"
        )
        for it in b
    ]
    assert out[0] == {"text": "ab", "clean": "AB", "clean_paragraphs": [{"label": "x"}]}
    assert shard.stats["paragraphs"] == 6 and shard.stats["paragraphs_removed"] == 3
    assert shard.stats["chars"] == 5 and shard.stats["chars_removed"] == 15
    assert seen == [(2, 4, 2), (1, 2, 1)]


def test_write_step_counts_and_routes_writer_rejects():
    class HalfWriter:
        def write_batch(self, records):
            shard.reject_written(records[-1], "schema_mismatch", "test")
            return len(records) - 1

    shard = Shard(index=0, n_shards=1, source="mem", pos_name="row")
    write_batches(batched(items_from_dicts([{"id": i} for i in range(4)]), 2), shard, HalfWriter())
    assert shard.stats["written"] == 2
    assert [(r["row"], r["id"], r["reason"]) for r in shard.rejected] == [
        (2, 1, "schema_mismatch"),
        (4, 3, "schema_mismatch"),
    ]


def test_clean_job_matches_library(tiny_model_dir):
    from newsclean import clean_texts

    texts = [article(1), article(2)]
    got = CleanJob(BatchConfig(model=str(tiny_model_dir), annotate=True))(texts)
    want = clean_texts(texts, model=str(tiny_model_dir), annotate=True)
    assert [g[0] for g in got] == [w.text for w in want]
    assert [len(g[4]) for g in got] == [w.n_paragraphs for w in want]


def test_readers_report_bad_lines(tmp_path):
    path = tmp_path / "x.jsonl"
    path.write_bytes(b'{"id": 1, "text": "a"}\n\n[1, 2]\n{"id": "q", "text": \n\xff\xfe\n')
    got = [(it.pos, it.reason) for it in read_jsonl(str(path))]
    assert got == [(1, None), (3, "not_an_object"), (4, "malformed_json"), (5, "undecodable")]
    csv_path = tmp_path / "x.csv"
    csv_path.write_text('id,text\n1,"two\nlines"\n2,a,extra\n', encoding="utf-8")
    rows = list(read_csv(str(csv_path)))
    assert rows[0].record == {"id": "1", "text": "two\nlines"}
    assert (rows[1].pos, rows[1].reason) == (2, "malformed_csv")


def _read_csv_text(tmp_path, text: str) -> list:
    path = tmp_path / "x.csv"
    path.write_text(text, encoding="utf-8")
    return list(read_csv(str(path)))


def test_csv_rows_with_broken_quoting_are_rejected_not_merged(tmp_path):
    rows = _read_csv_text(
        tmp_path, 'id,text\n1,"a stray" quote\n\n3,fine\n4,"opened\nand never closed\n5,lost\n'
    )
    got = [(r.pos, r.reason) for r in rows]
    assert got == [(1, "malformed_csv"), (3, None), (4, "malformed_csv")]
    assert rows[0].detail.startswith("line 2: broken quoting")
    assert rows[0].raw == '1,"a stray" quote\n'
    assert rows[1].record == {"id": "3", "text": "fine"}
    # A lax reader would have returned the last three lines as one row with a three-line text.
    assert rows[2].detail.startswith("lines 5-7: a quoted cell is never closed")
    assert rows[2].raw == '4,"opened\nand never closed\n5,lost\n'


def test_a_broken_multi_line_csv_row_is_rejected_whole(tmp_path):
    rows = _read_csv_text(
        tmp_path, 'id,text\n1,"First line.\nHe said "no" here.\nLater, the vote.",\n2,Second.\n'
    )
    # The error comes on line 3, inside the quoted cell; its last line is not a row of its own.
    assert [(r.pos, r.reason) for r in rows] == [(1, "malformed_csv"), (2, None)]
    assert rows[0].detail.startswith("lines 2-4: broken quoting")
    assert rows[0].raw == '1,"First line.\nHe said "no" here.\nLater, the vote.",\n'
    assert rows[1].record == {"id": "2", "text": "Second."}


def test_expand_inputs_sorts_dirs_and_globs(tmp_path):
    (tmp_path / "d").mkdir()
    for name in ("d/b.jsonl", "d/a.parquet", "d/_skip.jsonl", "d/readme.txt", "c.csv"):
        (tmp_path / name).write_text("")
    files, problems = expand_inputs(
        [str(tmp_path / "d"), str(tmp_path / "*.csv"), str(tmp_path / "nothing*.jsonl")]
    )
    assert [Path(f).name for f in files] == ["c.csv", "a.parquet", "b.jsonl"]
    skipped, unmatched = problems  # readme.txt is named, not skipped silently
    assert "skipped 1 file(s) newsclean cannot read" in skipped and "readme.txt" in skipped
    assert "no input files match" in unmatched


# --------------------------------------------------------------------------------------------
# Nothing lost


def make_bad_dump(path: Path) -> list[tuple[int, object, str]]:
    """Good records mixed with every kind of bad one; returns (line, id, reason) of the bad."""
    lines: list[bytes] = []
    bad = []
    good = iter(good_records(12))

    def add(raw: bytes, reason: str | None = None, rid=None):
        lines.append(raw)
        if reason:
            bad.append((len(lines), rid, reason))

    for rec in [next(good) for _ in range(3)]:
        add(json.dumps(rec).encode())
    add(b'{"id": "m1", "text": "unterminated', "malformed_json", "m1")
    add(b'["an", "array"]', "not_an_object")
    add(json.dumps(good_records(1, 50)[0]).encode())
    add(b'{"id": "u1", "text": "caf\xe9 au lait"}', "undecodable", "u1")
    add(json.dumps({"id": "s1", "text": "lone \udc80 surrogate"}).encode(), "undecodable", "s1")
    add(json.dumps({"id": "n1", "body": "no text field"}).encode(), "missing_text", "n1")
    add(json.dumps({"id": "n2", "text": None}).encode(), "missing_text", "n2")
    add(json.dumps({"id": "t1", "text": 42}).encode(), "text_not_string", "t1")
    add(json.dumps({"id": "t2", "text": ["a", "list"]}).encode(), "text_not_string", "t2")
    add(json.dumps({"id": "l1", "text": "word " * 2000}).encode(), "too_long", "l1")
    lines.append(b"")  # a blank line is not a record
    for rec in good:
        add(json.dumps(rec).encode())
    path.write_bytes(b"\n".join(lines) + b"\n")
    return bad


def test_bad_records_are_rejected_with_reasons_and_counts_reconcile(
    tmp_path, tiny_model_dir, capsys
):
    src = tmp_path / "dump.jsonl"
    bad = make_bad_dump(src)
    out = tmp_path / "out"
    code = run(
        [str(src), "-o", str(out), "--model", str(tiny_model_dir), "--max-chars", "5000", "-q"]
    )
    assert code == 0
    stats = json.loads((out / ".newsclean" / "stats.json").read_text())
    assert stats["read"] == 13 + len(bad)
    assert stats["written"] == 13 and stats["rejected"] == len(bad)
    assert stats["reconciled"] is True
    assert stats["rejected_by_reason"] == {
        "malformed_json": 1,
        "missing_text": 2,
        "not_an_object": 1,
        "text_not_string": 2,
        "too_long": 1,
        "undecodable": 2,
    }
    rejects = read_lines(out / ".newsclean" / "rejects.jsonl")
    assert [(r["line"], r["id"], r["reason"]) for r in rejects] == bad
    assert all(r["source"] == str(src) and r["detail"] and "\n" not in r["detail"] for r in rejects)
    assert len(read_lines(out / "part-00000.jsonl")) == 13
    err = capsys.readouterr().err
    assert "counts reconcile: read 22 = written 13 + rejected 9" in err
    # --strict turns rejects into exit status 1
    code = run(
        [
            str(src),
            "-o",
            str(out),
            "--model",
            str(tiny_model_dir),
            "--max-chars",
            "5000",
            "-q",
            "--overwrite",
            "--strict",
        ]
    )
    assert code == 1


def test_unreadable_input_fails_its_shard_only(tmp_path, tiny_model_dir, capsys):
    good = write_jsonl(tmp_path / "a.jsonl", good_records(3))
    broken = tmp_path / "b.jsonl.gz"
    broken.write_bytes(b"this is not gzip data")
    out = tmp_path / "out"
    code = run([str(good), str(broken), "-o", str(out), "--model", str(tiny_model_dir), "-q"])
    assert code == 1
    stats = json.loads((out / ".newsclean" / "stats.json").read_text())
    assert stats["shards_completed"] == 1
    assert [f["shard"] for f in stats["shards_failed"]] == [1]
    assert (out / "part-00000.jsonl").exists() and not (out / "part-00001.jsonl").exists()
    assert not (out / ".newsclean" / "done" / "00001").exists()
    assert not list(out.glob(".*tmp*"))
    assert "failed shard 00001" in capsys.readouterr().err


# --------------------------------------------------------------------------------------------
# Resume


def _three_shards(tmp_path: Path) -> list[str]:
    src = tmp_path / "in"
    src.mkdir()
    write_jsonl(src / "s0.jsonl", [*good_records(5, 0), {"id": "bad"}])
    write_jsonl(src / "s1.jsonl", good_records(7, 10))
    write_jsonl(src / "s2.jsonl", good_records(4, 20))
    return [str(src)]


def _shard_folder(src: Path, *, shards: int, records: int) -> Path:
    """A folder of ``shards`` JSONL inputs of ``records`` good records each (ids all distinct)."""
    src.mkdir()
    for s in range(shards):
        write_jsonl(src / f"s{s}.jsonl", good_records(records, 1000 * s))
    return src


def test_resume_after_lost_shard_is_byte_identical(tmp_path, tiny_model_dir):
    inputs = _three_shards(tmp_path)
    opts = ["--model", str(tiny_model_dir), "-q", "--batch-size", "3"]
    clean_run, resumed = tmp_path / "clean", tmp_path / "resumed"
    assert run([*inputs, "-o", str(clean_run), *opts]) == 0
    assert run([*inputs, "-o", str(resumed), *opts]) == 0
    # As if killed after shard 1 was renamed but before its marker: redo exactly that shard.
    (resumed / ".newsclean" / "done" / "00001").unlink()
    (resumed / "part-00001.jsonl").unlink()
    (resumed / ".newsclean" / "rejects.jsonl").unlink()
    mtime = (resumed / "part-00000.jsonl").stat().st_mtime_ns
    assert run([*inputs, "-o", str(resumed), *opts, "--resume"]) == 0
    assert (resumed / "part-00000.jsonl").stat().st_mtime_ns == mtime  # skipped
    assert tree_bytes(resumed) == tree_bytes(clean_run)


def test_kill_midway_then_resume_is_byte_identical(tmp_path, tiny_model_dir, monkeypatch):
    inputs = _three_shards(tmp_path)
    opts = ["--model", str(tiny_model_dir), "-q", "--batch-size", "3"]
    clean_run, killed = tmp_path / "clean", tmp_path / "killed"
    assert run([*inputs, "-o", str(clean_run), *opts]) == 0

    real_write = pipeline.write_batches

    def dying_write(batches, shard, writer):
        if shard.index == 1:
            for n, b in enumerate(batches):
                writer.write_batch([it.record for it in b])
                if n == 1:
                    raise KeyboardInterrupt  # the process dies mid-shard
        real_write(batches, shard, writer)

    monkeypatch.setattr(pipeline, "write_batches", dying_write)
    assert run([*inputs, "-o", str(killed), *opts]) == 130  # Ctrl-C: a message, no traceback
    monkeypatch.setattr(pipeline, "write_batches", real_write)
    assert (killed / ".newsclean" / "done" / "00000").exists() and not (
        killed / ".newsclean" / "done" / "00001"
    ).exists()
    assert not (killed / "part-00001.jsonl").exists()  # only its temporary file

    with pytest.raises(SystemExit):  # a non-empty output needs --resume or --overwrite
        parse_clean([*inputs, "-o", str(killed), *opts])
    assert run([*inputs, "-o", str(killed), *opts, "--resume"]) == 0
    assert tree_bytes(killed) == tree_bytes(clean_run)


def test_resume_with_other_options_is_refused(tmp_path, tiny_model_dir, capsys):
    inputs = _three_shards(tmp_path)
    out = tmp_path / "out"
    assert run([*inputs, "-o", str(out), "--model", str(tiny_model_dir), "-q"]) == 0
    code = run(
        [
            *inputs,
            "-o",
            str(out),
            "--model",
            str(tiny_model_dir),
            "-q",
            "--resume",
            "--threshold",
            "0.9",
        ]
    )
    assert code == 2
    assert "--resume needs the same" in capsys.readouterr().err


def test_resume_with_another_model_is_refused(tmp_path, tiny_model_dir, capsys):
    inputs = _three_shards(tmp_path)
    out, model = tmp_path / "out", tmp_path / "model"
    shutil.copytree(tiny_model_dir, model)
    opts = [*inputs, "-o", str(out), "--model", str(model), "-q"]
    assert run(opts) == 0
    (out / ".newsclean" / "done" / "00001").unlink()
    run_file = out / ".newsclean" / "run.json"
    recorded = json.loads(run_file.read_text())
    # A run directory from a newsclean that did not record its model cannot be resumed.
    run_file.write_text(json.dumps({k: v for k, v in recorded.items() if k != "model_sha256"}))
    assert run([*opts, "--resume"]) == 2
    assert "cleaned with another model" in capsys.readouterr().err
    run_file.write_text(json.dumps(recorded))
    # Other weights at the same path, as when the package's default model changes (in a new
    # process: this one keeps the model it loaded first).
    arrays = dict(np.load(model / "model.npz"))
    name = next(k for k, v in arrays.items() if v.dtype.kind == "f" and v.size)
    arrays[name] = arrays[name] + 1e-3
    np.savez_compressed(model / "model.npz", **arrays)
    card = json.loads((model / "model_card.json").read_text())
    card["sha256"] = hashlib.sha256((model / "model.npz").read_bytes()).hexdigest()
    (model / "model_card.json").write_text(json.dumps(card))
    seal_card(model)  # a consistent folder of other weights, not a damaged one
    cmd = [sys.executable, "-m", "newsclean.cli", "clean", *opts, "--resume"]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=tmp_path, check=False)
    assert proc.returncode == 2 and "cleaned with another model" in proc.stderr
    assert not (out / ".newsclean" / "done" / "00001").exists()


def test_run_file_records_the_effective_threshold_and_the_checked_card(tmp_path, tiny_model_dir):
    inputs = _three_shards(tmp_path)
    card = json.loads((tiny_model_dir / "model_card.json").read_text())
    base = [*inputs, "--model", str(tiny_model_dir), "-q"]
    assert run([*base, "-o", str(tmp_path / "own")]) == 0
    recorded = json.loads((tmp_path / "own" / ".newsclean" / "run.json").read_text())
    assert recorded["threshold"] == card["threshold"]
    assert recorded["model_card_seal"] == card[SEAL_FIELD]
    assert run([*base, "-o", str(tmp_path / "given"), "--threshold", "0.25"]) == 0
    assert (
        json.loads((tmp_path / "given" / ".newsclean" / "run.json").read_text())["threshold"]
        == 0.25
    )


def test_resume_with_a_card_of_another_threshold_is_refused(tmp_path, tiny_model_dir, capsys):
    inputs = _three_shards(tmp_path)
    out, model = tmp_path / "out", tmp_path / "model"
    shutil.copytree(tiny_model_dir, model)
    opts = [*inputs, "-o", str(out), "--model", str(model), "-q"]
    assert run(opts) == 0
    (out / ".newsclean" / "done" / "00001").unlink()
    # The same weights with another threshold chosen on purpose (resealed), resumed in a new
    # process (this one keeps the card it loaded first).
    card = json.loads((model / "model_card.json").read_text())
    card["threshold"] = 0.05
    (model / "model_card.json").write_text(json.dumps(card))
    seal_card(model)
    cmd = [sys.executable, "-m", "newsclean.cli", "clean", *opts, "--resume"]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=tmp_path, check=False)
    assert proc.returncode == 2 and "would mix two thresholds" in proc.stderr
    assert not (out / ".newsclean" / "done" / "00001").exists()


def test_a_card_whose_threshold_was_edited_stops_the_run(tmp_path, tiny_model_dir):
    inputs = _three_shards(tmp_path)
    model = tmp_path / "model"
    shutil.copytree(tiny_model_dir, model)
    card = json.loads((model / "model_card.json").read_text())
    card["threshold"] = 0.05
    (model / "model_card.json").write_text(json.dumps(card))
    cmd = [sys.executable, "-m", "newsclean.cli", "clean", *inputs, "-o", "out", "-q"]
    proc = subprocess.run(
        [*cmd, "--model", str(model)], capture_output=True, text=True, cwd=tmp_path, check=False
    )
    assert proc.returncode == 2
    assert "model_card.json" in proc.stderr and "'threshold'" in proc.stderr
    assert not (tmp_path / "out" / "part-00000.jsonl").exists()


def test_jobs_2_gives_the_same_bytes_as_jobs_1(tmp_path, tiny_model_dir):
    inputs = _three_shards(tmp_path)
    opts = ["--model", str(tiny_model_dir), "-q", "--batch-size", "2"]
    assert run([*inputs, "-o", str(tmp_path / "j1"), *opts]) == 0
    assert run([*inputs, "-o", str(tmp_path / "j2"), *opts, "--jobs", "2"]) == 0
    assert tree_bytes(tmp_path / "j1") == tree_bytes(tmp_path / "j2")


def test_stdin_with_jobs_2_gives_the_same_bytes_as_jobs_1(tiny_model_dir):
    lines = "".join(json.dumps(record) + "\n" for record in good_records(7)).encode()
    cmd = [sys.executable, "-m", "newsclean.cli", "clean", "-", "--model", str(tiny_model_dir)]
    cmd += ["-q", "--batch-size", "2"]
    outs = [
        subprocess.run(cmd + extra, input=lines, capture_output=True, cwd=ROOT, check=True).stdout
        for extra in ([], ["--jobs", "2"])
    ]
    assert outs[0] == outs[1] and outs[0].count(b"\n") == 7


# --------------------------------------------------------------------------------------------
# Formats keep every other field


def _without(records: list[dict], *fields: str) -> list[dict]:
    return [{k: v for k, v in r.items() if k not in fields} for r in records]


def test_jsonl_round_trip_keeps_fields(tmp_path, tiny_model_dir):
    records = good_records(6)
    records[2]["text"] = "Ünïcödé headline — “quoted”\n" + records[2]["text"]
    src = write_jsonl(tmp_path / "in.jsonl.gz", [])
    with gzip.open(src, "wt", encoding="utf-8") as fh:
        fh.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
    out = tmp_path / "out.jsonl"
    assert (
        run(
            [
                str(src),
                "-o",
                str(out),
                "--model",
                str(tiny_model_dir),
                "-q",
                "--output-field",
                "clean",
                "--annotate",
            ]
        )
        == 0
    )
    got = read_lines(out)
    assert _without(got, "clean", "clean_paragraphs") == records
    assert list(got[0]) == [*records[0], "clean", "clean_paragraphs"]
    assert all(
        set(p) == {"index", "start", "end", "score", "score_raw", "label", "kind"}
        for r in got
        for p in r["clean_paragraphs"]
    )
    assert (tmp_path / "out.jsonl.stats.json").exists()
    assert (tmp_path / "out.jsonl.rejects.jsonl").read_text() == ""


def test_parquet_round_trip_keeps_types(tmp_path, tiny_model_dir):
    import datetime as dt
    from decimal import Decimal

    records = good_records(5)
    for i, r in enumerate(records):
        r["published"] = dt.datetime(2024, 3, i + 1, 12, 30)
        r["price"] = Decimal("1.25") * i
        r["blob"] = bytes([i, 255])
    table = pa.Table.from_pylist(records)
    table = table.cast(
        table.schema.set(table.schema.get_field_index("words"), pa.field("words", pa.int16()))
    )
    src = tmp_path / "in.parquet"
    pq.write_table(table, src, row_group_size=2)
    out = tmp_path / "out"
    assert (
        run(
            [
                str(src),
                "-o",
                str(out),
                "--model",
                str(tiny_model_dir),
                "-q",
                "--annotate",
                "--batch-size",
                "2",
            ]
        )
        == 0
    )
    got = pq.read_table(out / "part-00000.parquet")
    assert got.schema.field("words").type == pa.int16()
    assert got.drop_columns(["text", "text_paragraphs"]).equals(table.drop_columns(["text"]))
    assert got.column("text").to_pylist() == [
        r.text
        for r in __import__("newsclean").clean_texts(
            [r["text"] for r in records], model=str(tiny_model_dir)
        )
    ]


def test_csv_round_trip_keeps_strings(tmp_path, tiny_model_dir):
    import csv

    src = tmp_path / "in.csv"
    rows = [
        {
            "id": f"{i:03d}",
            "text": article(i),
            "quote": 'said "yes", then left',
            "empty": "",
            "multi": "line one\r\nline two",
            "num": "1.50",
        }
        for i in range(5)
    ]
    with open(src, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    out = tmp_path / "out"
    assert run([str(src), "-o", str(out), "--model", str(tiny_model_dir), "-q", "--annotate"]) == 0
    with open(out / "part-00000.csv", newline="", encoding="utf-8") as fh:
        got = list(csv.DictReader(fh))
    assert _without(got, "text", "text_paragraphs") == _without(rows, "text")
    assert isinstance(json.loads(got[0]["text_paragraphs"]), list)


def test_jsonl_to_parquet_rejects_records_that_do_not_fit_the_schema(tmp_path, tiny_model_dir):
    records = good_records(4)
    records[3]["words"] = "many"  # the first batch made it an integer column
    src = write_jsonl(tmp_path / "in.jsonl", records)
    out = tmp_path / "out"
    assert (
        run(
            [
                str(src),
                "-o",
                str(out),
                "--format",
                "parquet",
                "--batch-size",
                "2",
                "--model",
                str(tiny_model_dir),
                "-q",
            ]
        )
        == 0
    )
    assert pq.read_table(out / "part-00000.parquet").num_rows == 3
    (reject,) = read_lines(out / ".newsclean" / "rejects.jsonl")
    assert (reject["line"], reject["id"], reject["reason"]) == (4, "a3", "schema_mismatch")
    assert reject["record"] == records[3]  # as read, with its boilerplate: no text is lost


def test_jsonl_to_parquet_never_changes_a_value_silently(tmp_path, tiny_model_dir):
    import pyarrow.parquet as pq

    records = good_records(4)
    for i, r in enumerate(records):
        r["n"], r["meta"], r["tags"] = i, {"a": i}, []
    records[2]["n"] = 2.75  # Arrow would truncate it in the integer column
    records[3]["meta"] = {"a": 3, "b": "x"}  # and drop the key the struct lacks
    records[3]["tags"] = ["politics"]  # an empty list first: typed as a list of strings
    src = write_jsonl(tmp_path / "in.jsonl", records)
    model = ["--model", str(tiny_model_dir), "-q", "--format", "parquet"]
    # One record per batch: the schema comes from the first record alone.
    out = tmp_path / "one"
    assert run([str(src), "-o", str(out), "--batch-size", "1", *model]) == 0
    written = pq.read_table(out / "part-00000.parquet").to_pylist()
    rejects = read_lines(out / ".newsclean" / "rejects.jsonl")
    assert [w["id"] for w in written] == ["a0", "a1"]
    assert [(r["line"], r["reason"]) for r in rejects] == [
        (3, "schema_mismatch"),
        (4, "schema_mismatch"),
    ]
    assert "n (int64)" in rejects[0]["detail"] and "meta" in rejects[1]["detail"]
    # One batch: its schema holds every record as it is.
    out = tmp_path / "all"
    assert run([str(src), "-o", str(out), *model]) == 0
    written = pq.read_table(out / "part-00000.parquet").to_pylist()
    assert [(w["n"], w["tags"]) for w in written] == [(r["n"], r["tags"]) for r in records]
    assert str(pq.read_schema(out / "part-00000.parquet").field("n").type) == "double"
    assert not (out / ".newsclean" / "rejects.jsonl").exists() or not read_lines(
        out / ".newsclean" / "rejects.jsonl"
    )


def test_a_value_arrow_cannot_type_goes_to_the_rejects(tmp_path, tiny_model_dir):
    records = [{"id": f"t{i}", "text": article(i)} for i in range(3)]
    records[1]["tags"] = [1, "x"]  # a list Arrow cannot type: no column can hold it
    src = write_jsonl(tmp_path / "in.jsonl", records)
    out = tmp_path / "out.parquet"
    assert run([str(src), "-o", str(out), "--model", str(tiny_model_dir), "-q"]) == 0
    assert [w["id"] for w in pq.read_table(out).to_pylist()] == ["t0", "t2"]
    (reject,) = read_lines(tmp_path / "out.parquet.rejects.jsonl")
    assert (reject["id"], reject["reason"]) == ("t1", "schema_mismatch")


def test_a_schema_mismatch_names_the_field(tmp_path, tiny_model_dir):
    records = [{"id": f"t{i}", "text": article(i), "site": "a.example"} for i in range(3)]
    records[2]["site"] = 123  # a number in a column of strings
    src = write_jsonl(tmp_path / "in.jsonl", records)
    out = tmp_path / "out.parquet"
    opts = ["--model", str(tiny_model_dir), "-q", "--batch-size", "2"]
    assert run([str(src), "-o", str(out), *opts]) == 0
    (reject,) = read_lines(tmp_path / "out.parquet.rejects.jsonl")
    assert reject["reason"] == "schema_mismatch"
    assert reject["detail"].startswith("field 'site': 123 does not fit the type string")


def test_jsonl_to_parquet_keeps_keys_that_only_later_records_have(tmp_path, tiny_model_dir):
    records = [{"id": f"k{i}", "text": article(i)} for i in range(3)]
    records[1]["author"] = "A. Writer"  # the first record has no author
    records[2]["author"] = "B. Writer"
    src = write_jsonl(tmp_path / "in.jsonl", records)
    out = tmp_path / "out.parquet"
    assert run([str(src), "-o", str(out), "--model", str(tiny_model_dir), "-q"]) == 0
    written = pq.read_table(out).to_pylist()
    assert [w.get("author") for w in written] == [None, "A. Writer", "B. Writer"]
    assert not read_lines(tmp_path / "out.parquet.rejects.jsonl")


def test_mixed_id_types_in_the_first_batch_do_not_fail_the_shard(tmp_path, tiny_model_dir):
    import pyarrow.parquet as pq

    records = good_records(3)
    records[1]["id"] = 12  # the others are strings
    src = write_jsonl(tmp_path / "in.jsonl", records)
    out = tmp_path / "out"
    argv = [str(src), "-o", str(out), "--format", "parquet", "--model", str(tiny_model_dir)]
    assert run([*argv, "-q"]) == 0
    assert pq.read_table(out / "part-00000.parquet").num_rows == 2
    (reject,) = read_lines(out / ".newsclean" / "rejects.jsonl")
    assert (reject["line"], reject["reason"]) == (2, "schema_mismatch")


# --------------------------------------------------------------------------------------------
# stdin → stdout


def test_stdin_to_stdout(tmp_path, tiny_model_dir):
    records = good_records(3)
    data = "".join(json.dumps(r) + "\n" for r in records) + "not json\n"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "newsclean.cli",
            "clean",
            "-",
            "--model",
            str(tiny_model_dir),
            "-q",
            "--rejects",
            str(tmp_path / "rej.jsonl"),
        ],
        input=data.encode(),
        capture_output=True,
        cwd=ROOT,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr.decode()
    got = [json.loads(line) for line in proc.stdout.decode().splitlines()]
    assert _without(got, "text") == _without(records, "text")
    assert [r["reason"] for r in read_lines(tmp_path / "rej.jsonl")] == ["malformed_json"]
    assert b"counts reconcile: read 4 = written 3 + rejected 1" in proc.stderr


# --------------------------------------------------------------------------------------------
# CLI rules


@pytest.fixture()
def dump(tmp_path) -> Path:
    return write_jsonl(tmp_path / "in.jsonl", good_records(2))


@pytest.mark.parametrize(
    "argv",
    [
        ["-", "IN", "-o", "out"],  # stdin mixed with files
        ["-", "-o", "somewhere"],  # stdin writes to stdout only
        ["-", "--format", "parquet"],  # stdin writes JSONL
        ["-", "--engine", "dask"],
        ["IN"],  # -o missing
        ["IN", "-o", "-"],  # stdout only for stdin
        ["IN", "IN2", "-o", "one.jsonl"],  # single file needs a single input
        ["IN", "-o", "one.jsonl", "--format", "csv"],  # format contradicts suffix
        ["IN", "-o", "one.jsonl", "--resume"],  # resume needs a directory
        ["IN", "-o", "out", "--resume", "--overwrite"],
        ["IN", "-o", "out", "--scheduler", "tcp://127.0.0.1:8786"],
        ["IN", "-o", "out", "--jobs", "0"],
        ["IN", "-o", "out", "--batch-size", "0"],
        ["IN", "-o", "out", "--threshold", "1.5"],
        ["IN", "-o", "out", "--engine", "spark"],
        ["IN", "-o", "out", "--model", "/no/such/model"],
        ["IN.txt", "-o", "out"],  # unknown input format
        ["NOTHING*.jsonl", "-o", "out"],  # glob matching nothing
        ["IN", "-o", "out.json"],  # a file format newsclean does not write
        ["IN", "-o", "out.csv.gz"],
        ["IN", "-o", "IN", "--overwrite"],  # would delete the input before reading it
        ["IN", "-o", "out", "--rejects", "IN"],  # would replace the input with the rejects
        ["IN", "-o", "out", "--rejects", "a_dir"],
        ["IN", "-o", "out", "--rejects", "-"],  # stderr rejects are for input '-' only
    ],
)
def test_bad_argument_combinations_exit_2(argv, dump, tmp_path, tiny_model_dir):
    other = write_jsonl(tmp_path / "in2.jsonl", good_records(1))
    (tmp_path / "in.txt").write_text("x")
    subst = {
        "IN": str(dump),
        "IN2": str(other),
        "IN.txt": str(tmp_path / "in.txt"),
        "NOTHING*.jsonl": str(tmp_path / "nothing*.jsonl"),
        "out": str(tmp_path / "out"),
        "out.json": str(tmp_path / "out.json"),
        "out.csv.gz": str(tmp_path / "out.csv.gz"),
        "one.jsonl": str(tmp_path / "one.jsonl"),
        "a_dir": str(tmp_path),
    }
    argv = [subst.get(a, a) for a in argv]
    if "--model" not in argv:
        argv += ["--model", str(tiny_model_dir)]
    with pytest.raises(SystemExit) as exc:
        parse_clean(argv)
    assert exc.value.code == 2


def test_engine_dask_without_dask_is_a_usage_error(dump, tmp_path, tiny_model_dir, monkeypatch):
    # None in sys.modules makes importing dask fail as if it were not installed; finding
    # "dask.dataframe" then raises ModuleNotFoundError rather than returning None. Every
    # dask module goes, since find_spec returns a module already imported by an earlier test.
    for name in [m for m in sys.modules if m.split(".")[0] in ("dask", "distributed")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "dask", None)
    out = tmp_path / "out"
    with pytest.raises(SystemExit) as exc:
        parse_clean([str(dump), "-o", str(out), "--engine", "dask", "--model", str(tiny_model_dir)])
    assert exc.value.code == 2
    assert not out.exists()  # found before anything is written


def test_one_file_under_two_spellings_is_one_input(dump, tmp_path, tiny_model_dir, monkeypatch):
    monkeypatch.chdir(tmp_path)
    spellings = [str(dump), f"./{dump.name}", dump.name]
    args = parse_clean([*spellings, "-o", "out", "--model", str(tiny_model_dir), "-q"])
    assert len(args.input_files) == 1
    assert batch.run_clean(args) == 0
    assert len(read_lines(tmp_path / "out" / "part-00000.jsonl")) == 2


def test_a_failed_overwrite_keeps_the_previous_output(dump, tmp_path, tiny_model_dir):
    src = tmp_path / "in.jsonl.gz"
    src.write_bytes(gzip.compress(dump.read_bytes()))
    out = tmp_path / "out.jsonl"
    opts = ["--model", str(tiny_model_dir), "-q"]
    assert run([str(src), "-o", str(out), *opts]) == 0
    previous = out.read_bytes()
    src.write_bytes(b"not a gzip stream")  # the shard fails
    stats = out.with_name(out.name + ".stats.json")
    previous_stats = stats.read_bytes()
    assert run([str(src), "-o", str(out), *opts, "--overwrite"]) == 1
    assert out.read_bytes() == previous
    assert stats.read_bytes() == previous_stats  # the files beside it still describe it


def test_stdin_rejects_dash_means_stderr(tmp_path, tiny_model_dir):
    lines = b'{"id": 1, "text": "A story."}\nnot json\n'
    cmd = [sys.executable, "-m", "newsclean.cli", "clean", "-", "--rejects", "-", "-q"]
    cmd += ["--model", str(tiny_model_dir)]
    proc = subprocess.run(cmd, input=lines, capture_output=True, cwd=tmp_path, check=False)
    assert proc.returncode == 0, proc.stderr.decode()
    assert not (tmp_path / "-").exists()
    assert b'"reason": "malformed_json"' in proc.stderr or b'"malformed_json"' in proc.stderr


def test_an_interrupted_shard_leaves_no_temporary_file(dump, tmp_path, tiny_model_dir):
    out = tmp_path / "out.jsonl"
    args = parse_clean([str(dump), "-o", str(out), "--model", str(tiny_model_dir), "-q"])
    layout = batch.make_layout(args.output, args.out_format, args.rejects)

    def interrupted(job, texts):  # Ctrl-C while the first batch is cleaned
        raise KeyboardInterrupt
        yield  # a generator, as the real mappers are

    with pytest.raises(KeyboardInterrupt):
        batch.process_shard(
            0, 1, str(dump), batch_run.config_from_args(args), layout, mapper=interrupted
        )
    assert not [p.name for p in tmp_path.iterdir() if ".tmp-" in p.name]


def test_annotate_rejects_a_record_that_already_has_the_field(tmp_path, tiny_model_dir):
    records = good_records(3)
    records[0]["text_paragraphs"] = "the user's own data"
    records[1]["text_paragraphs"] = []  # no value: nothing to lose
    records[2]["text_paragraphs"] = None
    src = write_jsonl(tmp_path / "in.jsonl", records)
    out = tmp_path / "out.jsonl"
    argv = [str(src), "-o", str(out), "--model", str(tiny_model_dir), "-q", "--annotate"]
    assert run(argv) == 0
    assert [r["id"] for r in read_lines(out)] == ["a1", "a2"]
    (reject,) = read_lines(tmp_path / "out.jsonl.rejects.jsonl")
    assert reject["reason"] == "field_exists" and "'text_paragraphs'" in reject["detail"]
    assert reject["record"] == records[0]  # as it was read, the user's value included
    stats = json.loads((tmp_path / "out.jsonl.stats.json").read_text())
    assert stats["read"] == 3 and stats["written"] == 2 and stats["rejected"] == 1


@pytest.mark.parametrize("name", ["cleaned.jsonl", "cleaned.jsonl.gz", "cleaned.json"])
def test_output_with_a_trailing_slash_is_a_directory(dump, tmp_path, tiny_model_dir, name):
    out = tmp_path / name
    assert run([str(dump), "-o", f"{out}/", "--model", str(tiny_model_dir), "-q"]) == 0
    assert (out / "part-00000.jsonl").is_file()


def test_two_links_to_one_file_stay_two_inputs(dump, tmp_path, tiny_model_dir):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.jsonl").write_bytes(dump.read_bytes())
    (folder / "b.jsonl").symlink_to(folder / "a.jsonl")  # as a dataset cache stores copies
    args = parse_clean([str(folder), "-o", str(tmp_path / "out"), "--model", str(tiny_model_dir)])
    assert [Path(f).name for f in args.input_files] == ["a.jsonl", "b.jsonl"]


def test_an_input_inside_the_output_directory_is_named(tmp_path, tiny_model_dir, capsys):
    src = write_jsonl(tmp_path / "in.jsonl", good_records(1))
    with pytest.raises(SystemExit) as exc:
        parse_clean([str(src), "-o", str(tmp_path), "--model", str(tiny_model_dir)])
    assert exc.value.code == 2
    assert f"{src} lie(s) inside the output directory" in capsys.readouterr().err


def test_nonempty_output_needs_resume_or_overwrite(dump, tmp_path, tiny_model_dir):
    out = tmp_path / "out"
    out.mkdir()
    (out / "something").write_text("")
    (out / "part-time-schedule.txt").write_text("")  # a user's file named like a part
    with pytest.raises(SystemExit):
        parse_clean([str(dump), "-o", str(out), "--model", str(tiny_model_dir)])
    args = parse_clean(
        [str(dump), "-o", str(out), "--model", str(tiny_model_dir), "--overwrite", "-q"]
    )
    assert batch.run_clean(args) == 0
    assert (out / "something").exists()  # --overwrite deletes only newsclean's own files
    assert (out / "part-time-schedule.txt").exists()


def test_byte_order_marks_are_not_data(tmp_path, tiny_model_dir):
    jsonl = tmp_path / "bom.jsonl"
    jsonl.write_bytes(b"\xef\xbb\xbf" + json.dumps({"id": "b1", "text": "A story."}).encode())
    csv_file = tmp_path / "bom.csv"
    csv_file.write_bytes(b"\xef\xbb\xbftext,id\nA story.,b2\n")
    for src, name in ((jsonl, "one.jsonl"), (csv_file, "two.csv")):
        out = tmp_path / name
        assert run([str(src), "-o", str(out), "--model", str(tiny_model_dir), "-q"]) == 0
        assert not (tmp_path / f"{name}.rejects.jsonl").exists() or not read_lines(
            tmp_path / f"{name}.rejects.jsonl"
        )
        written = out.read_text(encoding="utf-8")
        assert ("b1" in written or "b2" in written) and "\ufeff" not in written
        assert not written.startswith("text,text")  # no second text column beside one with a BOM


def test_nan_survives_jsonl_and_parquet_to_parquet(tmp_path, tiny_model_dir):
    import pyarrow as pa
    import pyarrow.parquet as pq

    model = ["--model", str(tiny_model_dir), "-q"]
    src = tmp_path / "in.jsonl"
    src.write_text('{"id": "n1", "text": "A story.", "score": NaN}\n')
    assert run([str(src), "-o", str(tmp_path / "out.parquet"), *model]) == 0
    assert pq.read_table(tmp_path / "out.parquet").num_rows == 1
    nan = float("nan")
    table = pa.table({"id": ["p1", "p2"], "text": ["A story.", "Another."], "s": [0.5, nan]})
    pq.write_table(table, tmp_path / "in.parquet")
    assert run([str(tmp_path / "in.parquet"), "-o", str(tmp_path / "out2.parquet"), *model]) == 0
    assert pq.read_table(tmp_path / "out2.parquet").num_rows == 2


def test_json_output_is_strict_json_without_nan(tmp_path, tiny_model_dir):
    src = tmp_path / "in.jsonl"
    src.write_text('{"id": "n1", "text": "A story.", "score": NaN, "more": [Infinity]}\n')
    out = tmp_path / "out.jsonl"
    assert run([str(src), "-o", str(out), "--model", str(tiny_model_dir), "-q"]) == 0

    def refuse(token):
        raise ValueError(f"not strict JSON: {token}")

    (line,) = out.read_text().splitlines()
    record = json.loads(line, parse_constant=refuse)
    assert (record["score"], record["more"]) == (None, [None])


def test_unwritable_rejects_path_is_a_usage_error(tmp_path, tiny_model_dir):
    src = write_jsonl(tmp_path / "in.jsonl", good_records(1))
    (tmp_path / "a-file").write_text("")
    model = ["--model", str(tiny_model_dir), "-q"]
    argv = [str(src), "-o", str(tmp_path / "o.jsonl"), "--rejects"]
    with pytest.raises(SystemExit):  # a folder cannot be made under a file
        parse_clean([*argv, str(tmp_path / "a-file" / "r.jsonl"), *model])
    # A folder that does not exist yet is made, as before.
    assert run([*argv, str(tmp_path / "new" / "r.jsonl"), *model]) == 0
    assert (tmp_path / "new" / "r.jsonl").exists()


def test_a_wrong_text_field_is_warned_about(tmp_path, tiny_model_dir, capsys):
    src = write_jsonl(tmp_path / "in.jsonl", good_records(2))
    argv = [str(src), "-o", str(tmp_path / "o.jsonl"), "--text-field", "body", "-q"]
    assert run([*argv, "--model", str(tiny_model_dir)]) == 1  # and nothing was written
    assert "no record has the field 'body'" in capsys.readouterr().err


def test_a_csv_header_that_repeats_a_column_fails_its_shard(tmp_path, tiny_model_dir):
    src = tmp_path / "dup.csv"
    src.write_text("id,text,tag,tag\n1,A story.,x,y\n")
    out = tmp_path / "out.csv"
    assert run([str(src), "-o", str(out), "--model", str(tiny_model_dir), "-q"]) == 1


def test_good_arguments_parse(dump, tmp_path, tiny_model_dir):
    args = parse_clean(
        [
            str(dump),
            "-o",
            str(tmp_path / "o"),
            "--model",
            str(tiny_model_dir),
            "--jobs",
            "2",
            "--annotate",
            "--output-field",
            "clean",
            "--threshold",
            "0.7",
        ]
    )
    assert args.input_files == [str(dump)] and args.out_format == "jsonl"
    assert args.handler is batch.run_clean and args.jobs == 2
    assert parse_clean(["-", "--model", str(tiny_model_dir)]).out_format == "jsonl"


def test_missing_default_model_is_a_usage_error(dump, tmp_path, monkeypatch):
    import newsclean.models as models

    monkeypatch.setattr(models, "DEFAULT_MODEL_DIR", tmp_path / "no-model")
    with pytest.raises(SystemExit) as exc:
        parse_clean([str(dump), "-o", str(tmp_path / "o")])
    assert exc.value.code == 2


def test_main_cli_wires_the_clean_subcommand(dump, tmp_path, tiny_model_dir):
    pytest.importorskip("newsclean.training.cli")
    from newsclean import cli

    args = cli.parse_args(
        ["clean", str(dump), "-o", str(tmp_path / "o"), "--model", str(tiny_model_dir), "-q"]
    )
    assert cli.run(args) == 0
    with pytest.raises(SystemExit):
        cli.parse_args(["clean", str(dump), "--model", str(tiny_model_dir)])


def test_real_kill_then_resume_is_byte_identical(tmp_path, tiny_model_dir):
    import signal
    import time

    src = _shard_folder(tmp_path / "in", shards=4, records=60)
    opts = ["--model", str(tiny_model_dir), "-q", "--batch-size", "4"]
    clean_run, killed = tmp_path / "clean", tmp_path / "killed"
    assert run([str(src), "-o", str(clean_run), *opts]) == 0

    cmd = [sys.executable, "-m", "newsclean.cli", "clean", str(src), "-o", str(killed), *opts]
    proc = subprocess.Popen(cmd, cwd=ROOT, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while not (killed / ".newsclean" / "done" / "00000").exists() and time.monotonic() < deadline:
        time.sleep(0.005)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert not (killed / ".newsclean" / "done" / "00003").exists(), (
        "the run finished before the kill"
    )
    assert not (killed / ".newsclean" / "stats.json").exists()
    assert run([str(src), "-o", str(killed), *opts, "--resume"]) == 0
    assert tree_bytes(killed) == tree_bytes(clean_run)


def _children(pid: int) -> set[int]:
    """PIDs whose parent is ``pid`` (Linux: read from /proc)."""
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process ended while we looked
            continue
        if int(fields[1]) == pid:
            found.add(int(stat.parent.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_pool_workers_exit_when_the_parent_is_killed(tiny_model_dir):
    import signal
    import time

    # The parent waits on stdin, which this test keeps open, so its pool is alive and idle.
    cmd = [sys.executable, "-m", "newsclean.cli", "clean", "-", "--model", str(tiny_model_dir)]
    cmd += ["-q", "--batch-size", "1", "--jobs", "2"]
    proc = subprocess.Popen(
        cmd, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        for record in good_records(4):
            proc.stdin.write((json.dumps(record) + "\n").encode())
        proc.stdin.flush()
        workers = _pool_workers(proc.pid)
        time.sleep(1.0)  # let them load the model and take their first batches
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        deadline = time.monotonic() + 30
        while any(_alive(w) for w in workers) and time.monotonic() < deadline:
            time.sleep(0.1)
        left = [w for w in workers if _alive(w)]
    finally:
        proc.kill()
        proc.stdin.close()
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    assert not left, "pool workers outlived their killed parent"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize(
    "settle",
    [0.0, 1.0],
    ids=["while-the-workers-start", "once-they-loaded-the-model"],
)
def test_ctrl_c_with_jobs_2_stops_quietly(tiny_model_dir, settle):
    import signal
    import time

    cmd = [sys.executable, "-m", "newsclean.cli", "clean", "-", "--model", str(tiny_model_dir)]
    cmd += ["-q", "--batch-size", "1", "--jobs", "2"]
    proc = subprocess.Popen(
        cmd,
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,  # its own process group, as a terminal's job would be
        # A shell starts background jobs with SIGINT ignored, and newsclean rightly keeps
        # ignoring it then: give it the default, however this test was started.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        proc.stdin.write("".join(json.dumps(r) + "\n" for r in good_records(4)).encode())
        proc.stdin.flush()
        workers = _pool_workers(proc.pid)
        # 0: the workers are still importing, before they could ignore SIGINT themselves.
        time.sleep(settle)
        os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
        _, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 130
    assert b"Traceback" not in err, err.decode()[-2000:]
    assert not any(_alive(w) for w in workers)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_a_dead_worker_costs_a_retry_not_the_run(tmp_path, tiny_model_dir):
    import signal
    import time

    src = _shard_folder(tmp_path / "in", shards=6, records=300)
    opts = ["--model", str(tiny_model_dir), "-q", "--batch-size", "2"]
    assert run([str(src), "-o", str(tmp_path / "one"), *opts]) == 0
    out = tmp_path / "two"
    cmd = [sys.executable, "-m", "newsclean.cli", "clean", str(src), "-o", str(out), *opts]
    proc = subprocess.Popen([*cmd, "--jobs", "2"], cwd=ROOT, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 120
        while not (out / ".newsclean" / "done" / "00000").exists() and time.monotonic() < deadline:
            time.sleep(0.01)
        workers = sorted(_pool_workers(proc.pid))
        assert not (out / ".newsclean" / "done" / "00005").exists(), "too late to kill a worker"
        os.kill(workers[0], signal.SIGKILL)  # as the out-of-memory killer would
        _, err = proc.communicate(timeout=300)
    finally:
        proc.kill()
    assert proc.returncode == 0, err.decode()[-2000:]
    assert b"a worker process died; running it again" in err
    assert tree_bytes(out) == tree_bytes(tmp_path / "one")


def test_a_retried_shard_counts_once_in_the_progress(monkeypatch):
    pool = object.__new__(engines.PoolMap)  # no processes: the shard runs are faked below
    pool.broken = False
    pool.renew = lambda: setattr(pool, "broken", False)
    attempts = []

    def fake_shard(index, n, source, cfg, layout, *, mapper, on_batch):
        attempts.append(index)
        on_batch(2, 10, 3)
        if len(attempts) == 2:  # shard 1's first attempt: a batch is counted, then a worker dies
            on_batch(2, 10, 3)
            mapper.broken = True
        return {"shard": index}

    @contextlib.contextmanager
    def fake_pool(jobs, model):
        yield pool

    monkeypatch.setattr(engines, "process_shard", fake_shard)
    monkeypatch.setattr(engines, "worker_pool", fake_pool)
    totals = [0, 0, 0]

    def on_batch(*counts):
        totals[:] = [t + c for t, c in zip(totals, counts)]

    cfg = BatchConfig()
    batch.run_local([0, 1, 2], ["a", "b", "c"], cfg, layout=None, jobs=2, on_batch=on_batch)
    assert attempts == [0, 1, 1, 2]
    assert totals == [6, 30, 9]  # three shards of one batch each, shard 1 counted once


def _pool_workers(pid: int, n: int = 2, timeout: float = 60) -> set[int]:
    """The ``n`` spawned pool workers of process ``pid``, once they have all started."""
    import time

    deadline = time.monotonic() + timeout
    workers: set[int] = set()
    while len(workers) < n and time.monotonic() < deadline:
        time.sleep(0.1)
        workers = {c for c in _children(pid) if "spawn_main" in _cmdline(c)}
    assert len(workers) == n, "the pool did not start"
    return workers


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def test_a_finished_run_leaves_no_temporaries_of_dead_attempts(
    dump, tmp_path, tiny_model_dir, monkeypatch
):
    out = tmp_path / "out"
    real_process_shard = batch.process_shard

    def with_a_dead_attempt(index, n, source, cfg, layout, **kwargs):
        # What a Dask worker lost mid-shard leaves before the scheduler reruns its shard.
        (layout.root / f".part-{index:05d}.jsonl.tmp-4000000").write_text("partial")
        (layout.root / ".newsclean" / "rejects").mkdir(parents=True, exist_ok=True)
        (layout.root / ".newsclean" / "rejects" / f".{index:05d}.jsonl.tmp-4000000").write_text(
            "partial"
        )
        return real_process_shard(index, n, source, cfg, layout, **kwargs)

    monkeypatch.setattr(engines, "process_shard", with_a_dead_attempt)
    assert run([str(dump), "-o", str(out), "--model", str(tiny_model_dir), "-q"]) == 0
    assert not [p for p in out.rglob("*") if ".tmp-" in p.name]
    assert (out / "part-00000.jsonl").exists()


def test_single_file_run_removes_a_killed_runs_temporaries(dump, tmp_path, tiny_model_dir):
    # A SIGKILL leaves ".out.jsonl.tmp-PID" files beside a single output; the next run deletes
    # those of processes that are gone and leaves a live process's alone.
    out = tmp_path / "out.jsonl"
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        text=True,
        capture_output=True,
        check=True,
    )
    dead_pid = int(gone.stdout)
    dead = [
        tmp_path / f".out.jsonl.tmp-{dead_pid}",
        tmp_path / f".out.jsonl.stats.json.tmp-{dead_pid}",
    ]
    live = tmp_path / f".out.jsonl.tmp-{os.getppid()}"  # not ours: this run writes its own
    unrelated = [
        tmp_path / f".other.jsonl.tmp-{dead_pid}",
        tmp_path / f".out.jsonl.gz.tmp-{dead_pid}",  # another output's, with a common prefix
        tmp_path / ".out.jsonl.tmp-20240101120000",  # not a PID
    ]
    for path in (*dead, live, *unrelated):
        path.write_text("partial")
    assert run([str(dump), "-o", str(out), "--model", str(tiny_model_dir), "-q"]) == 0
    assert not any(path.exists() for path in dead)
    assert live.exists() and all(path.exists() for path in unrelated)
    assert out.exists()


def test_a_usage_error_shows_the_command_usage(dump, capsys):
    with pytest.raises(SystemExit) as exc:
        parse_clean([str(dump), "--threshold", "2"])
    err = capsys.readouterr().err
    assert exc.value.code == 2
    assert err.startswith("usage: newsclean clean ") and "--threshold must be a number" in err
