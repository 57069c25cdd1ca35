"""Publisher memory: paragraph hashes, distinct-article counts, the combined decision, files, CLI.

All article text here is hand-written for these tests.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from newsclean import PublisherMemory, classify, clean, clean_frame, clean_texts
from newsclean.memory import (
    FLOOR_DEFAULT,
    MIN_SUPPORT_DEFAULT,
    domain_from_url,
    load_memory,
    normalise,
    normalise_domain,
    paragraph_hash,
    record_domain,
)
from tests.test_batch import parse_clean, read_lines, run, tree_bytes, write_jsonl

ROOT = Path(__file__).resolve().parents[1]

TOWNS = ["Ashford", "Bramley", "Colwick", "Dunmore", "Elsworth", "Fenwick", "Glenrow", "Harlow"]
THINGS = [
    "library",
    "footbridge",
    "swimming pool",
    "bus depot",
    "skate park",
    "fire station",
    "market hall",
    "cycle path",
]
# A publisher's house line, repeated under its stories: the model alone keeps it (it reads like
# a sentence of the story), which is what the memory is for.
HOUSE_NOTE = (
    "This reporting is supported by the Harbour Foundation. Readers can write to the newsroom "
    "with tips."
)
BACKGROUND = (
    "The river crossing was first proposed in a planning report that the council published "
    "after the floods."
)
QUOTE = '"We listened to every resident who wrote to us," the mayor said at the meeting.'


def story(i: int, extra: tuple[str, ...] = ()) -> list[str]:
    """Paragraphs of a hand-written local story; every paragraph names town ``i``."""
    town, thing = TOWNS[i], THINGS[i]
    return [
        f"{town} council approves plans for a new {thing}",
        f"Members of the {town} council voted on Tuesday evening to fund the new {thing}, "
        "ending a debate that began last spring.",
        *extra,
        f"Supporters said the {thing} would serve families across {town}, while critics "
        "questioned the cost of its upkeep.",
        f"Work on the {thing} in {town} is expected to start after the winter, according to "
        "the planning officer.",
    ]


def text(paragraphs: list[str]) -> str:
    return "\n".join(paragraphs) + "\n"


# --------------------------------------------------------------------------------------------
# Fingerprints and domains


def test_paragraph_hash_is_blake2b_of_the_normalised_text_so_stable_across_processes():
    expected = int.from_bytes(hashlib.blake2b(b"give now", digest_size=8).digest(), "big")
    assert paragraph_hash("Give now") == expected
    # Another interpreter (another hash seed) gives the same number: no salted hash().
    code = "from newsclean.memory import paragraph_hash; print(paragraph_hash('Give now'))"
    other = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        env={"PYTHONHASHSEED": "12345", "PATH": ""},
    )
    assert int(other.stdout) == expected


def test_normalisation_folds_case_digits_and_whitespace_only():
    assert normalise("  Page 12 of\t30\u00a0 ") == "page 00 of 00"
    assert paragraph_hash("SIGN  UP\tNOW") == paragraph_hash("sign up now")
    assert paragraph_hash("© 2024 Valley Courier") == paragraph_hash("© 2025 Valley Courier")
    assert paragraph_hash("Sign up now") != paragraph_hash("Sign up now!")
    assert paragraph_hash("Give now") != paragraph_hash("Give later")


def test_domains_from_fields_and_urls():
    assert normalise_domain(" WWW.Courier.Example. ") == "courier.example"
    assert normalise_domain("") is None and normalise_domain(None) is None
    # A URL or host:port given as a domain means its host.
    assert normalise_domain("https://www.Courier.Example/a/b") == "courier.example"
    assert normalise_domain("courier.example:8080") == "courier.example"
    assert domain_from_url("http://[2001:db8::1]:8080/a") == "2001:db8::1"  # IPv6 kept whole
    assert domain_from_url("https://www.Courier.Example:8443/a/b?c=1") == "courier.example"
    assert domain_from_url("courier.example/story") == "courier.example"
    assert domain_from_url("not a url at all") is None
    assert domain_from_url(None) is None and domain_from_url("http://[::1") is None
    record = {"site": "", "link": "http://news.courier.example/x"}
    assert record_domain(record, "site", "link") == "news.courier.example"
    assert record_domain({"site": "www.a.example", "link": "http://b.example"}, "site", "link") == (
        "a.example"
    )
    assert record_domain({"link": 3}, None, "link") is None


# --------------------------------------------------------------------------------------------
# Counting


def test_counts_distinct_articles_not_occurrences():
    memory = PublisherMemory(min_support=2)
    repeated_inside = text([*story(0), HOUSE_NOTE, HOUSE_NOTE, "Give now", "give  NOW"])
    assert memory.add(repeated_inside, "courier.example")
    assert memory.support([HOUSE_NOTE, "Give now"], "courier.example").tolist() == [1, 1]
    assert memory.add(text([*story(1), HOUSE_NOTE]), "www.Courier.example")
    assert memory.support([HOUSE_NOTE, "GIVE NOW"], "courier.example").tolist() == [2, 1]
    assert memory.n_articles == {"courier.example": 2}


def test_an_exact_duplicate_article_counts_once():
    memory = PublisherMemory()
    article = text([*story(2), HOUSE_NOTE])
    assert memory.add(article, "courier.example")
    # Republished verbatim, or differing only in case, digits and spacing: the same article.
    assert not memory.add(article, "courier.example")
    assert not memory.add(article.upper().replace("\n", "  \n"), "courier.example")
    assert memory.support(story(2), "courier.example").tolist() == [1] * 4
    assert memory.n_articles == {"courier.example": 1} and memory.n_duplicates == 2
    # The same text on another publisher is another article.
    assert memory.add(article, "gazette.example")
    assert memory.n_articles == {"courier.example": 1, "gazette.example": 1}


def test_articles_without_domain_or_paragraphs_are_not_counted():
    memory = PublisherMemory()
    assert not memory.add(text(story(0)), None)
    assert not memory.add(text(story(0)), "  ")
    assert not memory.add(" \n\n ", "courier.example")
    assert len(memory) == 0 and memory.n_articles == {}
    assert memory.support(["anything"], "courier.example").tolist() == [0]
    with pytest.raises(ValueError, match="2 texts but 1 domains"):
        memory.update(["a", "b"], ["x.example"])
    with pytest.raises(TypeError):
        memory.add(b"bytes", "x.example")


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"min_support": 1}, ValueError),
        ({"min_support": 2.5}, TypeError),
        ({"floor": 1.5}, ValueError),
    ],
)
def test_bad_parameters_are_refused(kwargs, error):
    with pytest.raises(error):
        PublisherMemory(**kwargs)


# --------------------------------------------------------------------------------------------
# The combined decision


def test_boilerplate_mask_needs_support_and_floor_unless_the_model_is_sure():
    memory = PublisherMemory(min_support=3, floor=0.3)
    scores = [0.9, 0.9, 0.5, 0.5, 0.2, 0.5]
    support = [1, 9, 2, 3, 9, 9]
    # model alone | repeated & above floor | quoted twice | just enough | below floor | repeated
    assert memory.boilerplate_mask(scores, support, threshold=0.85).tolist() == [
        True,
        True,
        False,
        True,
        False,
        True,
    ]
    with pytest.raises(ValueError):
        memory.boilerplate_mask([0.1], [1, 2], threshold=0.5)


def _domain_a_and_b() -> tuple[list[str], list[str]]:
    """Five courier.example stories with the appeal inside, two of them quoting the mayor;
    two gazette.example stories with the same appeal."""
    texts, domains = [], []
    for i in range(5):
        extra = (HOUSE_NOTE, QUOTE) if i < 2 else (HOUSE_NOTE,)
        texts.append(text(story(i, extra)))
        domains.append("courier.example")
    for i in (5, 6):
        texts.append(text(story(i, (HOUSE_NOTE,))))
        domains.append("gazette.example")
    return texts, domains


def test_clean_texts_removes_a_line_repeated_across_a_domain_only(graded_model):
    texts, domains = _domain_a_and_b()
    memory = PublisherMemory(min_support=3, floor=0.0)
    memory.update(texts, domains)
    plain = clean_texts(texts, model=graded_model)
    assert all(HOUSE_NOTE in r.text for r in plain)  # the model alone keeps it (mid-story)
    results = clean_texts(texts, model=graded_model, memory=memory, domains=domains)
    for r, p, d in zip(results, plain, domains):
        if d == "courier.example":  # 5 articles >= min_support 3
            assert HOUSE_NOTE not in r.text
            # Nothing else changes: byte-identical and in order, the quote (2 articles) kept.
            assert r.text == p.text.replace(HOUSE_NOTE + "\n", "")
            assert r.n_removed == p.n_removed + 1
        else:  # gazette.example: 2 articles < 3
            assert r.text == p.text and r.n_removed == p.n_removed
    assert QUOTE in results[0].text and QUOTE in results[1].text
    # No domain: no repetition evidence.
    unknown = clean_texts(texts[:1], model=graded_model, memory=memory, domains=[None])
    assert unknown[0].text == plain[0].text


def test_floor_keeps_a_repeated_paragraph_the_model_trusts(graded_model):
    texts = [text(story(i, (BACKGROUND, HOUSE_NOTE))) for i in range(5)]
    domains = ["courier.example"] * 5
    paragraphs = classify(texts[0], model=graded_model)
    score = {p.text: p.score for p in paragraphs}
    assert score[BACKGROUND] < score[HOUSE_NOTE] < graded_model.threshold, score
    between = (score[BACKGROUND] + score[HOUSE_NOTE]) / 2
    memory = PublisherMemory(min_support=3, floor=between)
    memory.update(texts, domains)
    cleaned = clean_texts(texts, model=graded_model, memory=memory, domains=domains)
    assert all(BACKGROUND in r.text and HOUSE_NOTE not in r.text for r in cleaned)
    # Without the floor, the running story's background paragraph would go too.
    no_floor = memory.with_params(floor=0.0)
    cleaned = clean_texts(texts, model=graded_model, memory=no_floor, domains=domains)
    assert all(BACKGROUND not in r.text and HOUSE_NOTE not in r.text for r in cleaned)
    assert memory.floor == between  # with_params did not change the original


def test_single_article_calls_and_frames_take_a_memory(graded_model):
    texts, domains = _domain_a_and_b()
    memory = PublisherMemory(min_support=3, floor=0.0)
    memory.update(texts, domains)
    assert HOUSE_NOTE not in clean(
        texts[0], model=graded_model, memory=memory, domain="courier.example"
    )
    assert HOUSE_NOTE in clean(texts[0], model=graded_model)
    labels = {
        p.text: (p.label, p.support)
        for p in classify(texts[0], model=graded_model, memory=memory, domain="courier.example")
    }
    assert labels[HOUSE_NOTE] == ("boilerplate", 5) and labels[QUOTE] == ("editorial", 2)
    # Everything but label and support is what classify gives without a memory.
    with_memory = classify(texts[0], model=graded_model, memory=memory, domain="courier.example")
    without = classify(texts[0], model=graded_model)
    assert [p.index for p in with_memory] == list(range(len(without)))
    assert [(p.index, p.start, p.end, p.score) for p in with_memory] == [
        (p.index, p.start, p.end, p.score) for p in without
    ]
    assert all(p.support is None for p in classify(texts[0], model=graded_model))
    with pytest.raises(ValueError, match="domain"):
        clean(texts[0], model=graded_model, memory=memory)
    with pytest.raises(ValueError, match="domains"):
        clean_texts(texts, model=graded_model, memory=memory)
    with pytest.raises(TypeError):
        clean_texts(texts, model=graded_model, memory={"not": "a memory"}, domains=domains)
    with pytest.raises(TypeError, match="domain must be a str, got int"):
        clean(texts[0], model=graded_model, memory=memory, domain=123)
    with pytest.raises(TypeError, match=r"domains\[1\] must be a str or None, got float"):
        clean_texts(texts[:2], model=graded_model, memory=memory, domains=["a.example", 1.5])

    frame = pd.DataFrame({"text": texts, "site": [*domains[:-1], None]})
    out = clean_frame(frame, "text", model=graded_model, memory=memory, domain_column="site")
    assert [HOUSE_NOTE in t for t in out["text"]] == [False] * 5 + [True] * 2
    with pytest.raises(ValueError, match="domain_column"):
        clean_frame(frame, "text", model=graded_model, memory=memory)
    assert all(HOUSE_NOTE in t for t in clean_frame(frame, "text", model=graded_model)["text"])


# --------------------------------------------------------------------------------------------
# Files and merging


def test_save_load_round_trip_is_atomic_and_deterministic(tmp_path):
    texts, domains = _domain_a_and_b()
    memory = PublisherMemory(min_support=4, floor=0.2)
    memory.update(texts, domains)
    memory.add(texts[0], domains[0])  # a duplicate, counted in n_duplicates
    path = memory.save(tmp_path / "memory.json")
    assert [p.name for p in tmp_path.iterdir()] == ["memory.json"]  # no temporary left
    data = json.loads(path.read_text())
    assert data["format"] == "newsclean-publisher-memory" and data["version"] == 1
    assert len(data["domains"]["courier.example"]["articles"]) == 5
    loaded = PublisherMemory.load(path)
    assert loaded.to_dict() == memory.to_dict()
    assert (loaded.min_support, loaded.floor, loaded.n_duplicates) == (4, 0.2, 1)
    assert loaded.support([HOUSE_NOTE, QUOTE], "courier.example").tolist() == [5, 2]
    assert PublisherMemory.load(path, min_support=2).min_support == 2
    # Same counts added in another order: the same bytes.
    other = PublisherMemory(min_support=4, floor=0.2)
    other.update(texts[::-1], domains[::-1])
    other.add(texts[0], domains[0])
    assert other.save(tmp_path / "again.json").read_bytes() == path.read_bytes()
    # load_memory caches by file, and sees a rewritten file.
    assert load_memory(path) is load_memory(path)
    PublisherMemory(min_support=9).save(path)
    assert load_memory(path).min_support == 9


def test_load_normalises_hand_written_domain_keys():
    texts, domains = _domain_a_and_b()
    memory = PublisherMemory()
    memory.update(texts, domains)
    data = memory.to_dict()
    data["domains"] = {k.upper(): v for k, v in data["domains"].items()}
    loaded = PublisherMemory.from_dict(data)
    assert loaded.to_dict() == memory.to_dict()
    assert loaded.support([HOUSE_NOTE], "courier.example").tolist() == [5]


def test_load_refuses_files_that_are_not_memories(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"format": "something else"}))
    with pytest.raises(ValueError, match="not a newsclean publisher memory"):
        PublisherMemory.load(bad)
    bad.write_text(json.dumps({**PublisherMemory().to_dict(), "version": 99}))
    with pytest.raises(ValueError, match="version"):
        PublisherMemory.load(bad)
    good = PublisherMemory()
    good.update([text(story(1, (HOUSE_NOTE,))), text(story(2, (HOUSE_NOTE,)))], ["a.example"] * 2)
    entry = good.to_dict()["domains"]["a.example"]
    paragraph = next(iter(entry["paragraphs"]))
    for damage, message in [
        ({"domains": []}, "'domains' must be an object"),
        ({"domains": {"a.example": []}}, "needs 'articles'"),
        ({"domains": {"a.example": {**entry, "articles": ["zz"]}}}, "is not a fingerprint"),
        ({"domains": {"a.example": {**entry, "paragraphs": {paragraph: 2.9}}}}, "count 2.9"),
        ({"domains": {"a.example": {**entry, "paragraphs": {paragraph: 2**64}}}}, "count"),
    ]:
        bad.write_text(json.dumps({**good.to_dict(), **damage}))
        with pytest.raises(ValueError, match=message) as error:
            PublisherMemory.load(bad)
        assert str(bad) in str(error.value)  # the message names the file


def test_merging_shard_memories_equals_one_memory():
    texts, domains = _domain_a_and_b()
    whole = PublisherMemory()
    whole.update(texts, domains)
    first, second = PublisherMemory(), PublisherMemory()
    first.update(texts[::2], domains[::2])
    second.update(texts[1::2], domains[1::2])
    merged = first.merge(second)
    assert merged is first
    assert merged.to_dict() == whole.to_dict()
    assert merged.support([HOUSE_NOTE], "courier.example").tolist() == [5]
    with pytest.raises(TypeError):
        merged.merge({"courier.example": {}})


# --------------------------------------------------------------------------------------------
# Batch CLI


def _records() -> list[dict]:
    texts, domains = _domain_a_and_b()
    records = [
        {"id": f"r{i}", "site": d, "text": t} for i, (t, d) in enumerate(zip(texts, domains))
    ]
    records.append({"id": "nodomain", "text": text(story(7, (HOUSE_NOTE,)))})
    records.append({"id": "broken", "site": "courier.example"})  # missing text: rejected
    return records


def test_cli_repetition_removes_repeats_and_counts_reconcile(tmp_path, graded_model_dir, capsys):
    src = write_jsonl(tmp_path / "dump.jsonl", _records())
    out = tmp_path / "out"
    opts = ["--model", str(graded_model_dir), "-q", "--domain-field", "site", "--batch-size", "3"]
    tuning = ["--min-support", "3", "--repetition-floor", "0"]
    assert run([str(src), "-o", str(out), *opts, *tuning, "--repetition"]) == 0
    stats = json.loads((out / ".newsclean" / "stats.json").read_text())
    assert (stats["read"], stats["written"], stats["rejected"]) == (9, 8, 1)
    base = tmp_path / "base"
    assert run([str(src), "-o", str(base), "--model", str(graded_model_dir), "-q"]) == 0
    base_stats = json.loads((base / ".newsclean" / "stats.json").read_text())
    # The 5 appeals of courier.example, on top of what the model removes alone.
    assert stats["reconciled"]
    assert stats["paragraphs_removed"] == base_stats["paragraphs_removed"] + 5
    assert [r["id"] for r in read_lines(out / ".newsclean" / "rejects.jsonl")] == ["broken"]
    memory = PublisherMemory.load(out / ".newsclean" / "memory.json")
    assert memory.n_articles == {"courier.example": 5, "gazette.example": 2}
    by_id = {r["id"]: r for r in read_lines(out / "part-00000.jsonl")}
    assert [HOUSE_NOTE in by_id[f"r{i}"]["text"] for i in range(7)] == [False] * 5 + [True] * 2
    assert HOUSE_NOTE in by_id["nodomain"]["text"]
    err = capsys.readouterr().err
    assert "repetition: memory of 7 articles on 2 domains" in err
    assert stats["without_domain"] == 1 and "repetition: 1 record had no domain" in err
    assert "without_domain" not in base_stats  # counted only with a memory
    assert "counts reconcile: read 9 = written 8 + rejected 1" in err

    # A saved memory cleans another run the same way (and is not rewritten).
    again = tmp_path / "again"
    saved = tmp_path / "saved.json"
    saved.write_bytes((out / ".newsclean" / "memory.json").read_bytes())
    assert run([str(src), "-o", str(again), *opts, *tuning, "--memory", str(saved)]) == 0
    assert (again / "part-00000.jsonl").read_bytes() == (out / "part-00000.jsonl").read_bytes()
    assert not (again / ".newsclean" / "memory.json").exists()
    # Extending it with the same inputs doubles nothing: these articles are duplicates.
    extended = tmp_path / "extended"
    argv = [str(src), "-o", str(extended), *opts, *tuning, "--memory", str(saved), "--repetition"]
    assert run(argv) == 0
    assert (
        PublisherMemory.load(extended / ".newsclean" / "memory.json").n_articles
        == memory.n_articles
    )
    assert (extended / "part-00000.jsonl").read_bytes() == (out / "part-00000.jsonl").read_bytes()


def test_cli_domain_from_url_and_defaults(tmp_path, graded_model_dir):
    records = [
        {"id": r["id"], "url": f"https://www.{r['site']}/story/{r['id']}", "text": r["text"]}
        for r in _records()
        if "site" in r and "text" in r
    ]
    src = write_jsonl(tmp_path / "dump.jsonl", records)
    out = tmp_path / "out.jsonl"
    argv = [str(src), "-o", str(out), "--model", str(graded_model_dir), "-q"]
    assert run([*argv, "--url-field", "url", "--repetition"]) == 0
    memory = PublisherMemory.load(tmp_path / "out.jsonl.memory.json")
    assert memory.n_articles == {"courier.example": 5, "gazette.example": 2}
    assert (memory.min_support, memory.floor) == (
        MIN_SUPPORT_DEFAULT,
        FLOOR_DEFAULT,
    )  # not the options
    stats = json.loads((tmp_path / "out.jsonl.stats.json").read_text())
    assert stats["reconciled"] and stats["written"] == 7


def test_cli_without_memory_options_keeps_its_run_identity(tmp_path, graded_model_dir):
    src = write_jsonl(tmp_path / "dump.jsonl", _records()[:2])
    out = tmp_path / "out"
    assert run([str(src), "-o", str(out), "--model", str(graded_model_dir), "-q"]) == 0
    config = json.loads((out / ".newsclean" / "run.json").read_text())["config"]
    assert not {"domain_field", "url_field", "memory", "min_support", "floor"} & set(config)
    assert "repetition" not in json.loads((out / ".newsclean" / "run.json").read_text())
    assert not (out / ".newsclean" / "memory.json").exists()


def test_cli_resume_with_repetition_is_byte_identical(tmp_path, graded_model_dir):
    records = _records()
    src = tmp_path / "in"
    src.mkdir()
    write_jsonl(src / "s0.jsonl", records[:3])
    write_jsonl(src / "s1.jsonl", records[3:6])
    write_jsonl(src / "s2.jsonl", records[6:])
    opts = ["--model", str(graded_model_dir), "-q", "--domain-field", "site", "--repetition"]
    opts += ["--min-support", "3", "--repetition-floor", "0"]
    first, resumed = tmp_path / "first", tmp_path / "resumed"
    assert run([str(src), "-o", str(first), *opts]) == 0
    assert run([str(src), "-o", str(resumed), *opts]) == 0
    (resumed / ".newsclean" / "done" / "00001").unlink()
    (resumed / "part-00001.jsonl").unlink()
    mtime = (resumed / ".newsclean" / "memory.json").stat().st_mtime_ns
    assert run([str(src), "-o", str(resumed), *opts, "--resume"]) == 0
    assert (
        resumed / ".newsclean" / "memory.json"
    ).stat().st_mtime_ns == mtime  # reused, not rebuilt
    saved = json.loads((first / ".newsclean" / "memory.json").read_text())
    assert (saved["min_support"], saved["floor"]) == (3, 0)  # the run's, for a later --memory
    assert tree_bytes(resumed) == tree_bytes(first)
    # Another floor is another run: --resume refuses it.
    assert run([str(src), "-o", str(resumed), *opts[:-1], "0.5", "--resume"]) == 2


def test_cli_repetition_warns_when_no_record_has_a_domain(tmp_path, graded_model_dir, capsys):
    src = write_jsonl(tmp_path / "dump.jsonl", _records()[:4])
    opts = ["--model", str(graded_model_dir), "-q", "--repetition", "--domain-field", "Site"]
    assert run([str(src), "-o", str(tmp_path / "out"), *opts]) == 0  # a mistyped field name
    assert "no record had a domain: is --domain-field Site right?" in capsys.readouterr().err


@pytest.mark.parametrize("source", ["jsonl", "parquet", "csv"])
def test_cli_annotations_carry_support_in_parquet_output(tmp_path, graded_model_dir, source):
    import pyarrow.parquet as pq

    frame = pd.DataFrame(_records())
    src = tmp_path / f"dump.{source}"
    if source == "jsonl":
        write_jsonl(src, _records())
    elif source == "parquet":
        frame.to_parquet(src)
    else:
        frame.to_csv(src, index=False)
    out = tmp_path / "out.parquet"
    opts = ["--model", str(graded_model_dir), "-q", "--repetition", "--domain-field", "site"]
    assert run([str(src), "-o", str(out), *opts, "--annotate"]) == 0
    notes = pq.read_table(out).column("text_paragraphs").to_pylist()
    assert all("support" in paragraph for article in notes for paragraph in article)
    assert max(p["support"] for article in notes for p in article) >= 2


def test_cli_repetition_stops_when_an_input_cannot_be_read(tmp_path, graded_model_dir, capsys):
    import gzip

    records = _records()
    src = tmp_path / "in"
    src.mkdir()
    write_jsonl(src / "s0.jsonl", records[:4])
    whole = gzip.compress("".join(json.dumps(r) + "\n" for r in records[4:]).encode())
    (src / "s1.jsonl.gz").write_bytes(whole[:-12])  # truncated: its articles cannot be counted
    out = tmp_path / "out"
    opts = ["--model", str(graded_model_dir), "-q", "--domain-field", "site", "--repetition"]
    assert run([str(src), "-o", str(out), *opts]) == 1
    assert "s1.jsonl.gz could not be read to the end" in capsys.readouterr().err
    # Nothing was cleaned with a memory that misses articles, and none was saved for --resume.
    assert not (out / ".newsclean" / "memory.json").exists() and not list(out.glob("part-*"))
    (src / "s1.jsonl.gz").write_bytes(whole)  # repaired: the run goes through
    assert run([str(src), "-o", str(out), *opts, "--resume"]) == 0


@pytest.mark.parametrize(
    "extra",
    [
        ["--repetition"],  # no domain source
        ["--domain-field", "site"],  # without --repetition / --memory
        ["--repetition", "--domain-field", "site", "--min-support", "1"],
        ["--repetition", "--domain-field", "site", "--repetition-floor", "2"],
        ["--memory", "/no/such/memory.json", "--domain-field", "site"],
        ["--memory", "OUT/.newsclean/memory.json", "--domain-field", "site", "--repetition"],
    ],
)
def test_bad_memory_options_exit_2(extra, tmp_path, graded_model_dir):
    src = write_jsonl(tmp_path / "dump.jsonl", _records()[:2])
    out = tmp_path / "out"
    out.mkdir()
    (out / ".newsclean").mkdir()
    PublisherMemory().save(out / ".newsclean" / "memory.json")
    extra = [e.replace("OUT", str(out)) for e in extra]
    with pytest.raises(SystemExit) as exc:
        parse_clean(
            [str(src), "-o", str(out), "--model", str(graded_model_dir), "--overwrite", *extra]
        )
    assert exc.value.code == 2


def test_stdin_cannot_repeat_but_can_use_a_saved_memory(tmp_path, graded_model_dir):
    with pytest.raises(SystemExit):
        parse_clean(
            ["-", "--model", str(graded_model_dir), "--domain-field", "site", "--repetition"]
        )
    saved = PublisherMemory(min_support=3, floor=0.0)
    records = _records()[:-1]
    saved.update([r["text"] for r in records], [r.get("site") for r in records])
    saved.save(tmp_path / "m.json")
    stdin = "".join(json.dumps(r) + "\n" for r in records)
    argv = ["clean", "-", "--model", str(graded_model_dir), "-q", "--domain-field", "site"]
    proc = subprocess.run(
        [sys.executable, "-m", "newsclean.cli", *argv, "--memory", str(tmp_path / "m.json")],
        input=stdin.encode(),
        capture_output=True,
        cwd=ROOT,
        check=True,
    )
    cleaned = [json.loads(line)["text"] for line in proc.stdout.splitlines()]
    assert [HOUSE_NOTE in t for t in cleaned] == [False] * 5 + [True] * 3


def test_memory_is_exported_without_heavy_imports():
    code = (
        "import sys, newsclean; m = newsclean.PublisherMemory(); "
        "print(any(k in sys.modules for k in ('dask', 'mlflow', 'matplotlib')))"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0 and proc.stdout.strip() == "False"


def test_support_array_dtype_and_unknown_domain():
    memory = PublisherMemory()
    memory.update([text(story(0, (HOUSE_NOTE,)))], ["courier.example"])
    support = memory.support([HOUSE_NOTE, "never seen"], "courier.example")
    assert support.dtype == np.int64 and support.tolist() == [1, 0]
    assert memory.support([HOUSE_NOTE], "gazette.example").tolist() == [0]


def test_annotations_carry_support_only_with_a_memory(graded_model):
    from newsclean import classify

    text = "Give now\nThe council met on Monday to discuss the bridge."
    plain = [p.annotation() for p in classify(text, model=graded_model)]
    assert all("support" not in a for a in plain)
    memory = PublisherMemory()
    memory.update([text] * 3, ["courier.example"] * 3)
    noted = [
        p.annotation()
        for p in classify(text, model=graded_model, memory=memory, domain="courier.example")
    ]
    assert [a["support"] for a in noted] == [1, 1]  # the same text thrice counts as one article


def test_without_domain_total_only_when_every_shard_counted_it():
    from newsclean.batch import merge_stats

    def shard(i, **extra):
        return {"shard": i, "source": f"in{i}.jsonl", "read": 3, "written": 3, **extra}

    counted = [shard(0, without_domain=2), shard(1, without_domain=1)]
    assert merge_stats(counted, 2)["without_domain"] == 3
    # a shard done before the count existed (--resume across versions): the total is unknown
    assert "without_domain" not in merge_stats([counted[0], shard(1)], 2)
    assert "without_domain" not in merge_stats([shard(0), shard(1)], 2)  # no memory
