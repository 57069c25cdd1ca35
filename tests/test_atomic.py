"""Atomic writes: one temporary-name scheme, which the output cleanup recognises."""

from __future__ import annotations

import os

import pytest

from newsclean import atomic
from newsclean.atomic import (
    TEMPORARY_GLOB,
    atomic_file,
    atomic_write_text,
    temporaries_of,
    temporary_path,
)
from newsclean.batch.layout import make_layout, remove_dead_temporaries, remove_temporaries


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "stats.json"
    atomic_write_text(target, "old\n")
    with pytest.raises(RuntimeError), atomic_file(target, "w") as fh:
        fh.write("half of the new")
        raise RuntimeError("disk gone")
    assert target.read_text() == "old\n"
    assert list(tmp_path.iterdir()) == [target]


def test_the_temporary_is_hidden_beside_the_target_and_named_by_pid(tmp_path):
    assert temporary_path(tmp_path / "part-00003.parquet") == (
        tmp_path / f".part-00003.parquet.tmp-{os.getpid()}"
    )


def _killed_export(tmp_path, monkeypatch, tiny_model):
    """Export a model, dying (as under SIGKILL: no clean-up) just before the rename."""
    from newsclean.models import export_model

    def killed(*args):
        raise SystemExit("killed")

    monkeypatch.setattr(atomic.os, "replace", killed)
    monkeypatch.setattr(atomic.PendingFile, "abort", lambda self: None)
    with pytest.raises(SystemExit):
        export_model(tiny_model, tmp_path)
    monkeypatch.undo()


def test_a_killed_model_export_leaves_a_temporary_of_the_one_scheme(
    tmp_path, monkeypatch, tiny_model
):
    _killed_export(tmp_path, monkeypatch, tiny_model)
    left = sorted(p.name for p in tmp_path.iterdir())
    assert left == [f".model.npz.tmp-{os.getpid()}"]
    assert [pid for _, pid in temporaries_of(tmp_path / "model.npz")] == [os.getpid()]
    assert [p.name for p in tmp_path.glob(TEMPORARY_GLOB)] == left


def test_the_output_cleanup_removes_temporaries_of_the_scheme(tmp_path):
    root = tmp_path / "out"
    (root / ".newsclean" / "rejects").mkdir(parents=True)
    stale = [
        temporary_path(root / "part-00000.jsonl"),
        temporary_path(root / ".newsclean" / "rejects" / "x"),
    ]
    for path in stale:
        path.write_text("partial")
    user_file = root / "notes.tmp"
    user_file.write_text("mine")
    remove_temporaries(root)
    assert not any(path.exists() for path in stale)
    assert user_file.exists()


def test_the_single_file_cleanup_removes_a_dead_process_temporary(tmp_path):
    layout = make_layout(str(tmp_path / "out.jsonl"), "jsonl", None)
    dead = layout.single.with_name(f".{layout.single.name}.tmp-999999999")  # no such process
    alive = temporary_path(layout.single)  # this process: another run still writing
    for path in (dead, alive):
        path.write_text("partial")
    remove_dead_temporaries(layout)
    assert not dead.exists()
    assert alive.exists()
