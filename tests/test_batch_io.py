"""Batch I/O: nothing lost, nothing silent (issue 23).

Lossless rejects, truncated compressed inputs, files newsclean cannot read, ``.json`` and
``.zst`` inputs, and inputs behind fsspec URLs.
"""

from __future__ import annotations

import base64
import gzip
import json
import logging
from pathlib import Path

import fsspec
import pytest
import zstandard

from newsclean.batch.readers import expand_inputs, read_jsonl
from tests.test_batch import good_records, read_lines, run


def jsonl_bytes(records: list[dict]) -> bytes:
    return "".join(json.dumps(r) + "\n" for r in records).encode()


def rejects_of(out) -> list[dict]:
    return read_lines(out / ".newsclean" / "rejects.jsonl")


def stats_of(out) -> dict:
    return json.loads((out / ".newsclean" / "stats.json").read_text())


# --------------------------------------------------------------------------------------------
# Rejects keep the exact bytes


def test_rejects_keep_the_exact_bytes_of_lines_that_print_alike(tmp_path, tiny_model_dir):
    # The first line holds the byte 0xff, the second the four characters \xff: their readable
    # previews are the same text, their bytes are not.
    first, second = b'{"id": 1, "text": "\xff"', b'{"id": 1, "text": "\\xff"'
    src = tmp_path / "in.jsonl"
    src.write_bytes(first + b"\n" + second + b"\r\n")
    out = tmp_path / "out"
    # every record is rejected, so the run fails (exit 1); its rejects are still written
    assert run([str(src), "-o", str(out), "--model", str(tiny_model_dir), "-q"]) == 1
    one, two = rejects_of(out)
    assert (one["reason"], two["reason"]) == ("undecodable", "malformed_json")
    assert one["raw"] == two["raw"].rstrip("\r")  # the lossy previews collide
    assert base64.b64decode(one["raw_base64"]) == first
    assert base64.b64decode(two["raw_base64"]) == second + b"\r"  # only "\n" ends a line


def test_a_csv_row_with_too_many_cells_is_rejected_as_written(tmp_path, tiny_model_dir):
    src = tmp_path / "in.csv"
    src.write_bytes(b"id,text\n1,Fine story.\n2,caf\xe9,extra\n")
    out = tmp_path / "out.csv"
    assert run([str(src), "-o", str(out), "--model", str(tiny_model_dir), "-q"]) == 0
    (reject,) = read_lines(tmp_path / "out.csv.rejects.jsonl")
    assert reject["reason"] == "malformed_csv"
    assert base64.b64decode(reject["raw_base64"]) == b"2,caf\xe9,extra\n"


# --------------------------------------------------------------------------------------------
# Truncated compressed inputs


def _truncated(data: bytes) -> bytes:
    return data[: len(data) * 2 // 3]


def _zst_frames(data: bytes) -> bytes:
    """zstd in frames of four lines (a zstd block is decoded whole: a file of one small block
    cut anywhere has nothing readable)."""
    lines = data.splitlines(keepends=True)
    compress = zstandard.ZstdCompressor().compress
    return b"".join(compress(b"".join(lines[i : i + 4])) for i in range(0, len(lines), 4))


@pytest.mark.parametrize(
    ("name", "compress"), [("in.jsonl.gz", gzip.compress), ("in.jsonl.zst", _zst_frames)]
)
def test_a_truncated_input_keeps_its_readable_records(tmp_path, tiny_model_dir, name, compress):
    records = good_records(40)
    whole = jsonl_bytes(records)
    src = tmp_path / name
    src.write_bytes(_truncated(compress(whole)))
    readable = sum(1 for item in read_jsonl(str(src)) if item.record is not None)
    assert 0 < readable < len(records)
    out = tmp_path / "out"
    argv = [str(src), "-o", str(out), "--format", "jsonl", "-q"]
    assert run([*argv, "--model", str(tiny_model_dir)]) == 0
    written = read_lines(out / "part-00000.jsonl")
    assert [r["id"] for r in written] == [r["id"] for r in records[:readable]]
    (tail,) = rejects_of(out)
    assert (tail["reason"], tail["line"]) == ("truncated_input", readable + 1)
    assert f"after line {readable}" in tail["detail"]
    stats = stats_of(out)
    assert (stats["read"], stats["written"], stats["rejected"]) == (readable + 1, readable, 1)
    assert stats["reconciled"] and stats["shards_failed"] == []


def test_a_zst_file_cut_at_a_frame_boundary_is_whole(tmp_path):
    # Two frames one after the other are one stream; a cut inside the second is damage.
    compress = zstandard.ZstdCompressor().compress
    first, second = jsonl_bytes(good_records(3)), jsonl_bytes(good_records(2, start=3))
    src = tmp_path / "in.jsonl.zst"
    src.write_bytes(compress(first) + compress(second))
    assert [item.record["id"] for item in read_jsonl(str(src))] == ["a0", "a1", "a2", "a3", "a4"]
    src.write_bytes(compress(first) + compress(second)[:-3])
    items = list(read_jsonl(str(src)))
    assert items[-1].reason == "truncated_input" and len(items) == 4


# --------------------------------------------------------------------------------------------
# What newsclean reads, and what it says it skips


def test_json_and_json_gz_inputs_are_read_as_json_lines(tmp_path, tiny_model_dir):
    src = tmp_path / "in"
    src.mkdir()
    (src / "a.json").write_bytes(jsonl_bytes(good_records(2)))
    (src / "b.json.gz").write_bytes(gzip.compress(jsonl_bytes(good_records(2, start=2))))
    out = tmp_path / "out"
    assert run([str(src), "-o", str(out), "--model", str(tiny_model_dir), "-q"]) == 0
    assert [r["id"] for r in read_lines(out / "part-00000.jsonl")] == ["a0", "a1"]
    assert [r["id"] for r in read_lines(out / "part-00001.jsonl")] == ["a2", "a3"]
    assert stats_of(out)["rejected"] == 0


def test_a_json_document_is_refused_not_read_as_bad_lines(tmp_path):
    src = tmp_path / "array.json"
    src.write_text(json.dumps(good_records(2), indent=1))
    with pytest.raises(ValueError, match="not JSON Lines"):
        list(read_jsonl(str(src)))


def test_files_a_directory_or_glob_cannot_give_are_named(tmp_path, tiny_model_dir, caplog):
    src = tmp_path / "in"
    src.mkdir()
    (src / "a.jsonl").write_bytes(jsonl_bytes(good_records(1)))
    (src / "notes.txt").write_text("not an article dump")
    (src / "table.tsv").write_text("id\ttext\n")
    out = tmp_path / "out"
    with caplog.at_level(logging.WARNING):
        for pattern in (str(src), str(src / "*")):
            assert run([pattern, "-o", str(out), "--model", str(tiny_model_dir), "-q"]) == 0
            (message,) = [r.getMessage() for r in caplog.records]
            assert "skipped 2 file(s) newsclean cannot read" in message
            assert "notes.txt" in message and "table.tsv" in message
            caplog.clear()
            out = tmp_path / "out2"


# --------------------------------------------------------------------------------------------
# Inputs behind fsspec URLs


@pytest.fixture
def memory_fs():
    """fsspec's in-memory filesystem, emptied after the test."""
    fs = fsspec.filesystem("memory")
    yield fs
    fs.rm("/", recursive=True)


def test_inputs_are_read_through_fsspec_urls(tmp_path, tiny_model_dir, memory_fs):
    memory_fs.pipe("/dump/a.jsonl", jsonl_bytes(good_records(2)))
    memory_fs.pipe("/dump/b.jsonl.zst", zstandard.ZstdCompressor().compress(jsonl_bytes([])))
    memory_fs.pipe("/dump/readme.md", b"# about")
    files, problems = expand_inputs(["memory://dump"])
    assert files == ["memory:///dump/a.jsonl", "memory:///dump/b.jsonl.zst"]
    assert "readme.md" in problems[0]
    local = tmp_path / "c.jsonl"
    local.write_bytes(jsonl_bytes(good_records(1, start=5)))
    out = tmp_path / "out"
    argv = ["memory://dump/*.jsonl", local.as_uri(), "-o", str(out), "-q"]
    assert run([*argv, "--model", str(tiny_model_dir)]) == 0
    # Shards in the sorted order of their names: file:///… before memory:///….
    assert [r["id"] for r in read_lines(out / "part-00000.jsonl")] == ["a5"]
    assert [r["id"] for r in read_lines(out / "part-00001.jsonl")] == ["a0", "a1"]


def test_a_url_whose_filesystem_is_not_installed_is_a_usage_error(tmp_path, capsys):
    if _installed("s3fs"):
        pytest.skip("s3fs is installed here")
    with pytest.raises(SystemExit) as exc:
        run(["s3://bucket/dump.jsonl", "-o", str(tmp_path / "out")])
    assert exc.value.code == 2
    assert "s3fs" in capsys.readouterr().err


def _installed(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


# --------------------------------------------------------------------------------------------
# The output directory is data to the usual readers


def _dirty_dump(tmp_path) -> tuple:
    """A dump of six good records and one broken line (so the run writes rejects)."""
    records = good_records(6)
    src = tmp_path / "in.jsonl"
    src.write_bytes(jsonl_bytes(records[:3]) + b"{broken\n" + jsonl_bytes(records[3:]))
    return src, [r["id"] for r in records]


def _clean_with_every_file(src, out, model_dir, *extra: str) -> None:
    """A run that leaves every kind of bookkeeping: rejects, stats, run record, memory."""
    argv = [str(src), "-o", str(out), "--model", str(model_dir), "-q", *extra]
    assert run([*argv, "--repetition", "--domain-field", "section"]) == 0
    assert rejects_of(out) and stats_of(out)["rejected"] == 1
    assert (out / ".newsclean" / "memory.json").exists()
    assert (out / ".newsclean" / "run.json").exists()


def _load_dataset(kind: str, out, cache) -> list:
    datasets = pytest.importorskip("datasets")
    loaded = datasets.load_dataset(kind, data_dir=str(out), cache_dir=str(cache))
    return loaded["train"]["id"]


def test_a_jsonl_output_directory_reads_as_data(tmp_path, tiny_model_dir, monkeypatch):
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    src, ids = _dirty_dump(tmp_path)
    out = tmp_path / "out"
    _clean_with_every_file(src, out, tiny_model_dir)
    assert [p.name for p in out.iterdir() if not p.name.startswith(".")] == ["part-00000.jsonl"]
    dd = pytest.importorskip("dask.dataframe")
    assert dd.read_json(str(out / "*.jsonl"), lines=True).compute()["id"].tolist() == ids
    assert _load_dataset("json", out, tmp_path / "hf-cache") == ids


def test_a_parquet_output_directory_reads_as_data(tmp_path, tiny_model_dir, monkeypatch):
    import pandas as pd
    import pyarrow.dataset as ds

    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    src, ids = _dirty_dump(tmp_path)
    out = tmp_path / "out"
    _clean_with_every_file(src, out, tiny_model_dir, "--format", "parquet")
    assert pd.read_parquet(out)["id"].tolist() == ids
    assert ds.dataset(out, format="parquet").to_table()["id"].to_pylist() == ids
    assert _load_dataset("parquet", out, tmp_path / "hf-cache") == ids


def test_resume_and_overwrite_of_an_older_layout(tmp_path, tiny_model_dir, capsys):
    src, _ = _dirty_dump(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    old = ["_run.json", "stats.json", "rejects.jsonl", "memory.json", "_done/00000"]
    for name in old:
        (out / name).parent.mkdir(exist_ok=True)
        (out / name).write_text("{}")
    argv = [str(src), "-o", str(out), "--model", str(tiny_model_dir), "-q"]
    assert run([*argv, "--resume"]) == 2
    assert "older newsclean" in capsys.readouterr().err
    assert run([*argv, "--overwrite"]) == 0
    assert sorted(p.name for p in out.iterdir()) == [".newsclean", "part-00000.jsonl"]


# --------------------------------------------------------------------------------------------
# An output that cannot be written is a usage error (exit 2), found before any work


def test_a_file_in_the_way_of_the_output_directory_exits_2(tmp_path, tiny_model_dir, capsys):
    src, _ = _dirty_dump(tmp_path)
    blocker = tmp_path / "results"
    blocker.write_text("a file, not a folder")
    for output in (blocker / "cleaned", blocker / "out.jsonl"):
        assert run([str(src), "-o", str(output), "--model", str(tiny_model_dir), "-q"]) == 2
        err = capsys.readouterr().err
        assert err.startswith("newsclean clean: error: cannot write the output")
        assert f"({blocker} is a file, not a folder)" in err
        assert "Traceback" not in err


@pytest.mark.skipif(not Path("/sys/kernel").is_dir(), reason="needs Linux's /sys")
def test_an_output_where_nobody_may_write_exits_2(tmp_path, tiny_model_dir, capsys):
    # /sys refuses new entries even to root, as a read-only mount would.
    src, _ = _dirty_dump(tmp_path)
    output = "/sys/newsclean-test-output"
    assert run([str(src), "-o", output, "--model", str(tiny_model_dir), "-q"]) == 2
    err = capsys.readouterr().err
    assert "cannot write the output directory /sys/newsclean-test-output" in err
    assert "Operation not permitted" in err or "Permission denied" in err


# --------------------------------------------------------------------------------------------
# Outputs behind fsspec URLs


def test_an_output_url_is_written_through_fsspec(tmp_path, tiny_model_dir, memory_fs):
    src, ids = _dirty_dump(tmp_path)
    local = tmp_path / "local"
    opts = ["--model", str(tiny_model_dir), "-q"]
    assert run([str(src), "-o", str(local), *opts]) == 0
    assert run([str(src), "-o", "memory://bucket/cleaned", *opts]) == 0
    # The same files, byte for byte, and nothing else (no temporary left behind).
    written = {p.removeprefix("/bucket/cleaned/") for p in memory_fs.find("/bucket/cleaned")}
    assert written == {str(p.relative_to(local)) for p in local.rglob("*") if p.is_file()}
    for name in ("part-00000.jsonl", ".newsclean/rejects.jsonl", ".newsclean/stats.json"):
        assert memory_fs.cat(f"/bucket/cleaned/{name}") == (local / name).read_bytes()
    # The usual rules hold there too: a second run needs --resume, which skips the done shard.
    with pytest.raises(SystemExit):
        run([str(src), "-o", "memory://bucket/cleaned", *opts])
    assert run([str(src), "-o", "memory://bucket/cleaned", *opts, "--resume"]) == 0
    assert run([str(src), "-o", "memory://bucket/one.parquet", *opts]) == 0
    assert pd_ids(memory_fs.open("/bucket/one.parquet")) == ids
    assert memory_fs.exists("/bucket/one.parquet.rejects.jsonl")


def pd_ids(fh) -> list:
    import pandas as pd

    return pd.read_parquet(fh)["id"].tolist()


def test_a_file_url_output_is_a_local_directory(tmp_path, tiny_model_dir):
    src, ids = _dirty_dump(tmp_path)
    out = tmp_path / "out"
    assert run([src.as_uri(), "-o", out.as_uri(), "--model", str(tiny_model_dir), "-q"]) == 0
    assert [r["id"] for r in read_lines(out / "part-00000.jsonl")] == ids
    assert rejects_of(out)[0]["source"] == src.as_uri()


def test_an_s3_output_never_makes_a_local_folder(tmp_path, tiny_model_dir, monkeypatch, capsys):
    if _installed("s3fs"):
        pytest.skip("s3fs is installed here: the URL would be written")
    src, _ = _dirty_dump(tmp_path)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as exc:
        run([str(src), "-o", "s3://bucket/cleaned", "--model", str(tiny_model_dir), "-q"])
    assert exc.value.code == 2
    assert "s3fs" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.jsonl"]


def test_a_remote_file_appears_only_once_complete(memory_fs):
    from upath import UPath

    from newsclean.atomic import PendingFile

    target = UPath("memory://bucket/part-00000.jsonl")
    pending = PendingFile(target)
    pending.tmp.write_bytes(b'{"id": 1}\n')
    assert not memory_fs.exists("/bucket/part-00000.jsonl")  # written locally so far
    pending.commit()
    assert memory_fs.cat("/bucket/part-00000.jsonl") == b'{"id": 1}\n'
    assert not pending.tmp.exists()
    failed = PendingFile(UPath("memory://bucket/part-00001.jsonl"))
    failed.tmp.write_bytes(b"half")
    failed.abort()
    assert not failed.tmp.exists() and not memory_fs.exists("/bucket/part-00001.jsonl")
