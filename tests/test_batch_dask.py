"""The Dask engine gives the same records as the local engine."""

from __future__ import annotations

import json

import pytest

from newsclean import batch
from tests.test_batch import good_records, parse_clean, tree_bytes, write_jsonl

pytest.importorskip("distributed")


def test_dask_engine_matches_local_engine(tmp_path, tiny_model_dir):
    import pyarrow as pa
    import pyarrow.parquet as pq

    src = tmp_path / "in"
    src.mkdir()
    write_jsonl(src / "a.jsonl", [*good_records(6), {"id": "no-text"}])
    pq.write_table(pa.Table.from_pylist(good_records(5, 10)), src / "b.parquet")
    write_jsonl(src / "c.jsonl", good_records(4, 20))
    opts = ["--model", str(tiny_model_dir), "-q", "--batch-size", "4", "--annotate"]
    local, dask = tmp_path / "local", tmp_path / "dask"
    assert batch.run_clean(parse_clean([str(src), "-o", str(local), *opts])) == 0
    assert batch.run_clean(parse_clean([str(src), "-o", str(dask), *opts, "--engine", "dask"])) == 0
    assert tree_bytes(dask) == tree_bytes(local)
    stats = json.loads((dask / "stats.json").read_text())
    assert stats["read"] == 16 and stats["rejected"] == 1 and stats["reconciled"]
