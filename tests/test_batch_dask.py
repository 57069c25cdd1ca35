"""The Dask engine gives the same records as the local engine."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from newsclean import batch
from newsclean.batch import engines
from newsclean.batch import run as batch_run
from tests.test_batch import ROOT, good_records, parse_clean, tree_bytes, write_jsonl

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
    stats = json.loads((dask / ".newsclean" / "stats.json").read_text())
    assert stats["read"] == 16 and stats["rejected"] == 1 and stats["reconciled"]


def test_dask_logs_follow_verbosity(tmp_path, tiny_model_dir):
    # distributed logs about thirty INFO lines a run by default; the CLI shows them only with -v.
    write_jsonl(tmp_path / "a.jsonl", good_records(3))
    env = {k: v for k, v in os.environ.items() if k != "DASK_LOGGING__DISTRIBUTED"}

    def stderr(*verbose: str) -> str:
        cmd = [sys.executable, "-m", "newsclean.cli", *verbose, "clean", str(tmp_path / "a.jsonl")]
        out = tmp_path / f"out{len(verbose)}"
        cmd += ["-o", str(out), "--model", str(tiny_model_dir), "-q", "--engine", "dask"]
        proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, env=env, timeout=300)
        assert proc.returncode == 0, proc.stderr
        return proc.stderr

    def info_lines(text: str) -> list[str]:
        return [line for line in text.splitlines() if "INFO" in line and "distributed" in line]

    assert info_lines(stderr()) == []
    assert info_lines(stderr("-v"))


@pytest.mark.parametrize(
    ("jobs", "workers"), [([], engines.DASK_WORKERS_DEFAULT), (["-j", "1"], 1)]
)
def test_dask_cluster_size_follows_jobs(tmp_path, tiny_model_dir, monkeypatch, jobs, workers):
    sizes = []

    def local_instead(todo, sources, cfg, layout, *, scheduler, workers, on_shard):
        sizes.append(workers)  # the LocalCluster's size; the shards run here, without Dask
        return batch.run_local(todo, sources, cfg, layout)

    monkeypatch.setattr(batch_run, "run_dask", local_instead)
    write_jsonl(tmp_path / "a.jsonl", good_records(3))
    opts = ["--model", str(tiny_model_dir), "-q", "--engine", "dask", *jobs]
    args = parse_clean([str(tmp_path / "a.jsonl"), "-o", str(tmp_path / "out.jsonl"), *opts])
    assert batch.run_clean(args) == 0
    assert sizes == [workers]
