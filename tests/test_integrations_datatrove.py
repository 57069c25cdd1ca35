"""The datatrove step, run by datatrove's own reader, writers and local executor."""

import json

import pytest

pytest.importorskip("datatrove")

from datatrove.data import Document
from datatrove.executor import LocalPipelineExecutor
from datatrove.pipeline.readers import JsonlReader
from datatrove.pipeline.writers import JsonlWriter

from newsclean import clean_texts
from newsclean.integrations.datatrove import DROP_REASONS, NewscleanFilter
from tests.test_predict import NEWSLETTER_BOX, STORY, article

# Texts the tiny model cleans in known ways (checked against clean_texts below).
MIXED = article(STORY, NEWSLETTER_BOX)
STORY_ONLY = article(STORY)
ALL_BOILERPLATE = "Sign up\nGive now\nMaybe later\n"


def write_dump(path, rows):
    path.mkdir()
    with open(path / "dump.jsonl", "w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row) + "\n")


def read_jsonl(folder):
    rows = []
    for file in sorted(folder.glob("*.jsonl")):
        rows += [json.loads(line) for line in file.read_text(encoding="utf-8").splitlines()]
    return rows


def test_pipeline_cleans_counts_and_excludes(tiny_model_dir, tmp_path):
    expected = clean_texts([MIXED, STORY_ONLY, ALL_BOILERPLATE], model=tiny_model_dir)
    assert 0 < expected[0].n_removed < expected[0].n_paragraphs
    assert expected[1].n_removed == 0
    assert expected[2].n_removed == expected[2].n_paragraphs
    write_dump(
        tmp_path / "dump",
        [
            {"id": "mixed", "text": MIXED, "url": "https://valley.example/bridge"},
            {"id": "boilerplate", "text": ALL_BOILERPLATE},
            {"id": "blank", "text": " \n\n"},
            # a reader passes any truthy text with a len(): paragraphs as a list, say
            {"id": "paragraph_list", "text": ["Headline", "First paragraph."]},
            {"id": "story", "text": STORY_ONLY},
        ],
    )
    step = NewscleanFilter(
        model=str(tiny_model_dir),
        batch_size=2,  # batches that mix kept and dropped documents
        exclusion_writer=JsonlWriter(str(tmp_path / "removed"), compression=None),
    )
    LocalPipelineExecutor(
        pipeline=[
            JsonlReader(str(tmp_path / "dump")),
            step,
            JsonlWriter(str(tmp_path / "cleaned"), compression=None),
        ],
        tasks=1,
        workers=1,
        logging_dir=str(tmp_path / "logs"),
    ).run()

    cleaned = read_jsonl(tmp_path / "cleaned")
    assert [(row["id"], row["text"]) for row in cleaned] == [
        ("mixed", expected[0].text),
        ("story", STORY_ONLY),
    ]
    assert cleaned[0]["metadata"]["url"] == "https://valley.example/bridge"
    removed = {row["id"]: row for row in read_jsonl(tmp_path / "removed")}
    assert {k: row["metadata"]["filter_reason"] for k, row in removed.items()} == {
        "boilerplate": "all_boilerplate",
        "blank": "empty_text",
        "paragraph_list": "invalid_text",
    }
    assert removed["boilerplate"]["text"] == ALL_BOILERPLATE  # the original, to inspect
    assert removed["paragraph_list"]["text"] == ["Headline", "First paragraph."]

    stats = json.loads((tmp_path / "logs" / "stats.json").read_text())
    # plain counters are stored as numbers, stats with a value as dicts with a "total"
    counts = {k: v["total"] if isinstance(v, dict) else v for k, v in stats[1]["stats"].items()}
    assert stats[1]["name"] == "🔻 - FILTER: 🧹 newsclean"
    assert counts["total"] == 5 and counts["forwarded"] == 2 and counts["dropped"] == 3
    for reason in DROP_REASONS:
        assert counts[f"dropped_{reason}"] == 1
    assert counts["paragraphs"] == sum(r.n_paragraphs for r in expected)
    assert counts["paragraphs_removed"] == sum(r.n_removed for r in expected)
    assert counts["chars_removed"] == sum(r.chars_removed for r in expected)


def test_step_without_exclusion_writer_drops_and_counts(tiny_model):
    step = NewscleanFilter(model=tiny_model)
    docs = [Document(text=MIXED, id="a"), Document(text=ALL_BOILERPLATE, id="b")]
    kept = list(step.run(iter(docs)))
    assert [doc.id for doc in kept] == ["a"]
    assert step.stats["dropped_all_boilerplate"].total == 1


def test_missing_model_fails_before_reading(tmp_path):
    def documents():
        raise AssertionError("read before the model was checked")
        yield

    step = NewscleanFilter(model=str(tmp_path / "no-such-model"))
    with pytest.raises(FileNotFoundError, match="model not found"):
        next(step.run(documents()))
