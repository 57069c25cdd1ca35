"""The variant comparison's implanted-block reporting, on hand-made runs and a stand-in model."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from newsclean.training.blocks import PLACEMENTS, implant_blocks, implant_metrics

from benchmarks.yardstick.compare import context_overrule, markdown, summary

HOST = pd.DataFrame(
    {
        "doc_id": "host",
        "domain": "river-times.test",
        "position": range(5),
        "text": [f"The ferry service paragraph {i} explains the new timetable." for i in range(5)],
        "label": "editorial",
        "kind": "",
        "split": "test",
    }
)
BLOCKS = pd.DataFrame(
    {
        "block_id": "b",
        "line_in_block": range(3),
        "text": ["Get the morning briefing", "Free, every weekday.", "Sign up"],
        "kind": "newsletter",
        "domain": "hill-gazette.test",
    }
)


def _run(removed: float, seed: int) -> dict:
    """A measured run whose implanted lines were removed at ``removed`` share."""
    variants = implant_blocks(HOST, BLOCKS, seed=seed)
    implanted = variants["implanted"].to_numpy()
    scores = np.where(implanted, 0.9, 0.1)
    if removed < 1:
        scores[(variants["placement"] == "single_mid").to_numpy() & implanted] = 0.2
    overall = {
        "editorial_recall": 0.99,
        "boilerplate_recall": 0.8,
        "boilerplate_f1": 0.85,
        "articles_fully_clean": 0.5,
    }
    metrics = implant_metrics(variants, scores, 0.5)
    context = {"first_pass_removed": 0.5, "final_removed": 0.25, "overruled": 0.25}
    return {
        "balanced": {"overall": overall},
        "matched": {"0.995": overall, "0.999": overall},
        "implanted_blocks": {"by_threshold": {"balanced": metrics, "0.995": metrics}},
        "single_mid_context": context,
    }


def test_summary_and_table_report_implanted_lines_by_placement():
    runs = [_run(1.0, 0), _run(0.5, 1)]
    mean = summary(runs)
    assert mean["implanted_single_mid_at_balanced"] == 0.5  # removed in one run of two
    assert mean["implanted_end_block_at_0.995"] == 1.0
    assert mean["implanted_story_kept_at_balanced"] == 1.0
    assert mean["single_mid_overruled"] == 0.25
    report = {
        "machine": "test",
        "seeds": [0, 1],
        "variants": {"blocks": {"what": "reviewed blocks", "runs": runs, "mean": mean}},
    }
    table = markdown(report)
    assert "| blocks | balanced |" in table and "| blocks | 99.5% story kept |" in table
    assert all(placement in table for placement in PLACEMENTS)
    assert "| blocks | 0.500 | 0.250 | 0.250 |" in table


class _ContextOverrules:
    """A stand-in model: its first pass removes the implanted lines, its context pass keeps them."""

    def score_paragraphs(self, table: pd.DataFrame) -> pd.DataFrame:
        appeal = table["text"].isin(BLOCKS["text"]).to_numpy()
        return pd.DataFrame(
            {"score_raw": np.where(appeal, 0.9, 0.1), "score": np.where(appeal, 0.3, 0.1)}
        )


def test_context_overrule_counts_single_lines_the_context_pass_keeps():
    result = context_overrule(_ContextOverrules(), HOST, BLOCKS, threshold=0.5)
    assert result == {
        "n": 1,
        "first_pass_removed": 1.0,
        "final_removed": 0.0,
        "overruled": 1.0,
        "rescued": 0.0,
    }


def test_a_variant_on_an_unbuilt_table_says_how_to_build_it(tmp_path, monkeypatch):
    import benchmarks.yardstick.compare as compare

    built = tmp_path / "built.npz"
    built.write_bytes(b"")
    absent = tmp_path / "absent.npz"
    for name, table in (("on-built", built), ("on-absent", absent)):
        params = {"word_vectors": "first_pass", "vector_table": str(table)}
        monkeypatch.setitem(compare.VARIANTS, name, ("test", {"model_params": params}))
    monkeypatch.setitem(compare.BUILT_TABLES, absent, "make-the-table --here")
    assert compare.missing_tables(["baseline", "on-built"]) == []
    (message,) = compare.missing_tables(["on-built", "on-absent"])
    assert "'on-absent'" in message and "`make-the-table --here`" in message


def test_the_wordllama_variant_reads_the_table_its_build_command_writes():
    from newsclean.features.vectors import TABLE_NAME

    from benchmarks.yardstick.compare import BUILT_TABLES, REPO, VARIANTS

    table = VARIANTS["wordllama-first"][1]["model_params"]["vector_table"]
    words = BUILT_TABLES[Path(table)].split()
    assert words[words.index("--source") + 1] == "wordllama"
    assert REPO / words[words.index("--out") + 1] / TABLE_NAME == Path(table)
