"""Training on reviewed appeal blocks: split separation, placements, labels and weights."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from newsclean.training import augment
from newsclean.training.augment import IMPLANT, augment_with_blocks, training_blocks
from newsclean.training.blocks import IMPLANTED, PLACEMENTS, implant_at_random
from newsclean.training.split import domain_split
from newsclean.training.train import _xy

BLOCK_LINES = {
    "donation": [
        "Keep the lights on in our newsroom",
        "A monthly gift of any size pays for the next council report.",
        "Give monthly",
        "Give once",
    ],
    "newsletter": ["The Evening Round-up", "Five stories before dinner, free.", "Sign me up"],
    "teaser": ["Read more: Ferry timetable changes from May"],
}


def _publishers(wanted: dict[str, tuple[str, str]]) -> dict[str, str]:
    """Invented publisher names whose split under seeds 0 and 1 is as ``wanted`` says."""
    found: dict[str, str] = {}
    for n in range(2000):
        domain = f"paper{n}.test"
        splits = tuple(domain_split(pd.Series([domain]), seed=seed)[0] for seed in (0, 1))
        for role, want in wanted.items():
            if role not in found and splits == want:
                found[role] = domain
                break  # one role per publisher
        if len(found) == len(wanted):
            return found
    raise AssertionError(f"no invented publisher for {wanted}")


PUBLISHERS = _publishers(
    {
        "train_both": ("train", "train"),
        "train_seed0_only": ("train", "validation"),
        "validation_both": ("validation", "validation"),
        "test": ("test", "test"),
        "withheld": ("train", "train"),
        "host": ("train", "train"),
    }
)


def _corpus(roles: list[str]) -> pd.DataFrame:
    """A reviewed block corpus: one block per role, in the corpus's columns."""
    rows = []
    for role, kind in zip(roles, ["donation", "newsletter", "teaser"] * len(roles)):
        domain = PUBLISHERS[role]
        for line_in_block, text in enumerate(BLOCK_LINES[kind]):
            rows.append(
                {
                    "source_repo": "pages/test",
                    "path": f"{role}.html",
                    "block_id": 0,
                    "line_in_block": line_in_block,
                    "text": f"{text} ({role})",
                    "label": "appeal",
                    "kind": kind,
                    "domain": domain,
                    "split": domain_split(pd.Series([domain]), seed=0)[0],
                }
            )
    # A line reviewed as not an appeal is never implanted.
    rows.append({**rows[0], "line_in_block": 99, "text": "Photo: city archive", "label": "not"})
    return pd.DataFrame(rows)


@pytest.fixture(autouse=True)
def withheld(monkeypatch):
    monkeypatch.setattr(augment, "withheld_publishers", lambda: {PUBLISHERS["withheld"]})


def _articles(domains: dict[str, str], n_paragraphs: int = 6) -> pd.DataFrame:
    """Editorial articles, one per ``article_id -> split``, each of its own publisher."""
    return pd.DataFrame(
        [
            {
                "article_id": article_id,
                "position": p,
                "text": f"{article_id}: paragraph {p} on the harbour works.",
                "label": "editorial",
                "domain": domain,
                "dataset": "fundus",
                "relabel": "",
                "split": split,
            }
            for article_id, (split, domain) in domains.items()
            for p in range(n_paragraphs)
        ]
    )


def test_training_blocks_come_from_publishers_of_the_split_under_both_seeds():
    corpus = _corpus(["train_both", "train_seed0_only", "validation_both", "test", "withheld"])
    assert set(training_blocks(corpus, "train", seed=0)["domain"]) == {
        PUBLISHERS["train_both"],
        PUBLISHERS["train_seed0_only"],
    }
    # Under seed 1 the second publisher is a validation publisher of the run: left out.
    assert set(training_blocks(corpus, "train", seed=1)["domain"]) == {PUBLISHERS["train_both"]}
    assert set(training_blocks(corpus, "validation", seed=1)["domain"]) == {
        PUBLISHERS["validation_both"]
    }
    assert "Photo: city archive" not in set(training_blocks(corpus, "train", seed=0)["text"])


def test_test_split_blocks_are_never_training_blocks():
    with pytest.raises(ValueError, match="evaluation only"):
        training_blocks(_corpus(["test"]), "test", seed=0)


def test_a_publisher_with_evaluation_blocks_is_refused_for_training():
    corpus = _corpus(["train_both"])
    # The same publisher also listed with test-split blocks: a leak the check must catch.
    corpus = pd.concat([corpus, corpus.head(1).assign(split="test", path="other.html")])
    with pytest.raises(AssertionError, match="evaluation block"):
        training_blocks(corpus, "train", seed=0)


def test_training_articles_receive_blocks_of_their_own_split_labelled_as_implants():
    corpus = _corpus(["train_both", "validation_both", "test", "withheld", "host"])
    table = _articles(
        {
            "train-a": ("train", "host-a.test"),
            "train-host": ("train", PUBLISHERS["host"]),
            "validation-a": ("validation", "host-b.test"),
            "test-a": ("test", "host-c.test"),
        }
    )
    out = augment_with_blocks(table, corpus, seed=0, rate=1.0)
    source = corpus.drop_duplicates("text").set_index("text")["domain"]
    for article_id, article in out.groupby("article_id"):
        implanted = (article["dataset"] == IMPLANT).to_numpy()
        host = table[table["article_id"] == article_id]
        # The story stays byte-identical and in order; positions are renumbered.
        assert article.loc[~implanted, "text"].tolist() == host["text"].tolist()
        assert article["position"].tolist() == list(range(len(article)))
        if article_id == "test-a":
            assert not implanted.any()
            continue
        assert implanted.any()
        lines = article[implanted]
        assert (lines["label"] == "boilerplate").all() and (lines["relabel"] == IMPLANT).all()
        publishers = set(source[lines["text"]])
        split = host["split"].iloc[0]
        expected = PUBLISHERS["train_both" if split == "train" else "validation_both"]
        if article_id == "train-host":  # its own publisher's block is never implanted
            assert PUBLISHERS["host"] not in publishers
        assert publishers <= {expected, PUBLISHERS["host"]}
        assert PUBLISHERS["test"] not in publishers and PUBLISHERS["withheld"] not in publishers
    assert set(out.columns) == set(table.columns)
    # Implanted lines take the implant weight, the story weighs 1.
    _, y, weight = _xy(out, implant_weight=3.0)
    implanted = (out["dataset"] == IMPLANT).to_numpy()
    assert (weight[implanted] == 3.0).all() and (weight[~implanted] == 1.0).all()
    assert (y[implanted] == "boilerplate").all()


def _blocks_for_placement() -> pd.DataFrame:
    lines = BLOCK_LINES["donation"] + BLOCK_LINES["newsletter"]
    return pd.DataFrame(
        {
            "block_id": ["d"] * 4 + ["n"] * 3,
            "line_in_block": [0, 1, 2, 3, 0, 1, 2],
            "text": lines,
            "kind": ["donation"] * 4 + ["newsletter"] * 3,
            "domain": "blocks.test",
        }
    )


def test_random_implants_use_every_placement_where_publishers_put_it():
    table = _articles({f"a{i}": ("train", f"host{i}.test") for i in range(40)})
    out = implant_at_random(table, _blocks_for_placement(), rate=1.0, rng=np.random.default_rng(0))
    assert set(out["placement"].dropna()) == set(PLACEMENTS)
    for article_id, article in out.groupby("article_id"):
        rows = np.flatnonzero(article[IMPLANTED].to_numpy())
        placement = article["placement"].iloc[0]
        assert len(rows) and (np.diff(rows) == 1).all()
        if placement == "single_mid":
            assert len(rows) == 1 and 0 < rows[0] < len(article) - 1
        elif placement == "box_mid":
            assert 2 <= len(rows) <= 4 and rows[0] > 0 and rows[-1] < len(article) - 1
        elif placement == "top_banner":
            assert rows[0] == 0 and len(rows) <= 3
        else:
            assert rows[-1] == len(article) - 1
        host = table.loc[table["article_id"] == article_id, "text"].tolist()
        assert article.loc[~article[IMPLANTED], "text"].tolist() == host


def test_short_articles_and_a_zero_rate_leave_articles_unchanged():
    blocks = _blocks_for_placement()
    short = _articles({"s": ("train", "host.test")}, n_paragraphs=2)
    out = implant_at_random(short, blocks, rate=1.0, rng=np.random.default_rng(0))
    assert not out[IMPLANTED].any() and out["text"].tolist() == short["text"].tolist()
    long = _articles({"l": ("train", "host.test")})
    assert not implant_at_random(long, blocks, rate=0.0, rng=np.random.default_rng(0))[
        IMPLANTED
    ].any()


def test_train_cli_passes_the_block_corpus_to_the_run(tmp_path, monkeypatch, capsys):
    from newsclean.training import train

    from newsclean.cli import parse_args, run

    data = tmp_path / "t.csv"
    data.write_text("article_id,position,text,label\n1,0,x,editorial\n")
    with pytest.raises(SystemExit):
        parse_args(["train", "--data", str(data), "--blocks", str(tmp_path / "none.parquet")])
    assert "--blocks" in capsys.readouterr().err
    corpus = tmp_path / "blocks_reviewed.parquet"
    _corpus(["train_both"]).to_parquet(corpus)
    seen = []

    def fake_run(config):
        seen.append(config)
        return SimpleNamespace(threshold=0.5, test={"all": {}}, appeal={}, seconds={})

    monkeypatch.setattr(train, "run_training", fake_run)
    assert run(parse_args(["train", "--data", str(data), "--blocks", str(corpus)])) == 0
    assert seen[0].blocks == corpus
