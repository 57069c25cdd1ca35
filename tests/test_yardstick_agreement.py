"""The blind second review's comparison with the first review (benchmarks/yardstick/agreement)."""

from __future__ import annotations

import pandas as pd
import pytest
from newsclean.training.yardstick import ReviewError, text_sha

from benchmarks.yardstick.agreement import (
    CORRECTED_SUFFIX,
    agreement,
    first_review_as_made,
    join_reviews,
    read_second_pass,
    report_markdown,
    second_pass_sample,
)

LINES = [
    "Lifeboat crew rescue two kayakers off the headland",
    "The volunteers were called out shortly after noon on Saturday.",
    "Both kayakers were brought ashore cold but unhurt, the station said.",
    "Sign up for our coastal news bulletin",
    "More from the coast: pier repairs delayed again",
    "Photo: the lifeboat returning to the slipway",
]
FIRST = [
    ("editorial", ""),
    ("editorial", ""),
    ("editorial", ""),
    ("boilerplate", "newsletter"),
    ("boilerplate", "teaser"),
    ("either", ""),
]
SECOND = [
    ("editorial", ""),
    ("editorial", ""),
    ("boilerplate", "other"),
    ("boilerplate", "newsletter"),
    ("boilerplate", "navigation"),
    ("editorial", ""),
]


def _table(labels, texts=LINES, reviewer="test", notes=None) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "doc_id": "l3s-gn1:a",
            "position": range(len(texts)),
            "text_sha": [text_sha(t) for t in texts],
            "label": [label for label, _ in labels],
            "kind": [kind for _, kind in labels],
            "reviewer": reviewer,
            "note": notes or [""] * len(texts),
        }
    )


def test_join_refuses_a_row_whose_text_sha_does_not_match():
    edited = [*LINES[:2], LINES[2] + " (updated)", *LINES[3:]]
    with pytest.raises(ReviewError, match="l3s-gn1:a position 2"):
        join_reviews(_table(SECOND, edited), _table(FIRST))


def test_join_refuses_a_line_the_first_review_does_not_have():
    with pytest.raises(ReviewError, match="no first-review row"):
        join_reviews(_table(SECOND), _table(FIRST).iloc[:-1])


def test_agreement_numbers_on_a_hand_made_pair():
    result = agreement(join_reviews(_table(SECOND), _table(FIRST)))
    assert result["lines"] == 6
    assert result["raw_agreement"] == pytest.approx(4 / 6)
    # p_o = 4/6, p_e = (3*3 + 2*3 + 1*0) / 36 = 15/36: kappa = 9/21
    assert result["kappa"] == pytest.approx(9 / 21)
    # the `either` line dropped: p_o = 4/5, p_e = (3*2 + 2*3) / 25: kappa = 8/13
    assert result["lines_without_either"] == 5
    assert result["kappa_without_either"] == pytest.approx(8 / 13)
    assert result["confusion"]["editorial"] == {"editorial": 2, "boilerplate": 1, "either": 0}
    assert result["confusion"]["either"] == {"editorial": 1, "boilerplate": 0, "either": 0}
    assert result["both_boilerplate"] == 2
    assert result["kind_agreement"] == pytest.approx(0.5)
    assert [(d["position"], d["first"], d["second"]) for d in result["disagreements"]] == [
        (2, "editorial", "boilerplate/other"),
        (5, "either", "editorial"),
    ]
    assert [d["position"] for d in result["kind_disagreements"]] == [4]


def test_perfect_agreement_has_kappa_one():
    result = agreement(join_reviews(_table(FIRST), _table(FIRST)))
    assert result["raw_agreement"] == 1.0
    assert result["kappa"] == pytest.approx(1.0)
    assert result["disagreements"] == []


def test_report_lists_the_disagreements():
    result = agreement(join_reviews(_table(SECOND), _table(FIRST)))
    stages = {"as_made": result, "after": result, "corrections": []}
    text = report_markdown({"sample": "s", "reviewer": "r", "splits": {"test": stages}})
    assert "| l3s-gn1:a | 2 | editorial | boilerplate/other |" in text


def test_first_review_as_made_undoes_second_pass_corrections():
    corrected = _table(
        [("boilerplate", "newsletter"), *FIRST[1:]],
        reviewer=["model" + CORRECTED_SUFFIX] + ["model"] * 5,
        notes=["second pass: was editorial; a sign-up line", *[""] * 5],
    )
    as_made = first_review_as_made(corrected)
    assert (as_made.at[0, "label"], as_made.at[0, "kind"]) == ("editorial", "")
    assert as_made["label"].tolist()[1:] == corrected["label"].tolist()[1:]


def test_a_correction_without_its_former_label_is_refused():
    corrected = _table(FIRST, reviewer=["model" + CORRECTED_SUFFIX] + ["model"] * 5)
    with pytest.raises(ReviewError, match="position 0"):
        first_review_as_made(corrected)


def test_read_second_pass_refuses_an_unknown_kind(tmp_path):
    _table([("boilerplate", "banner"), *SECOND[1:]]).to_csv(tmp_path / "s.csv", index=False)
    with pytest.raises(ReviewError, match=r"unknown kind, first .* position 0: 'banner'"):
        read_second_pass(tmp_path / "s.csv")


def test_sample_is_seeded_per_split_and_skips_pages_that_are_not_news():
    articles = pd.DataFrame(
        {
            "split": ["test"] * 6 + ["validation"] * 4,
            "doc_id": [f"t{i}" for i in range(6)] + [f"v{i}" for i in range(4)],
        }
    )
    sizes = {"test": 3, "validation": 2}
    sample = second_pass_sample(articles, excluded={"t0", "t1"}, seed=5, sizes=sizes)
    assert sample.groupby("split").size().to_dict() == sizes
    assert not {"t0", "t1"} & set(sample["doc_id"])
    shuffled = articles.sample(frac=1, random_state=0)
    again = second_pass_sample(shuffled, excluded={"t0", "t1"}, seed=5, sizes=sizes)
    assert set(again["doc_id"]) == set(sample["doc_id"])
    other = second_pass_sample(articles, excluded=set(), seed=6, sizes={"test": 5})
    assert len(other) == 5


def test_articles_added_after_the_draw_do_not_change_the_sample(monkeypatch):
    from benchmarks.yardstick import agreement

    monkeypatch.setattr(agreement, "SAMPLED_FROM", {"test": 6})
    articles = pd.DataFrame({"split": ["test"] * 6, "doc_id": [f"t{i}" for i in range(6)]})
    sample = second_pass_sample(articles, excluded=set(), seed=5, sizes={"test": 3})
    # later articles sort before the first ones by doc_id, so only the cut-off keeps them out
    grown = pd.concat(
        [articles, pd.DataFrame({"split": ["test"] * 4, "doc_id": [f"a{i}" for i in range(4)]})]
    )
    again = second_pass_sample(grown, excluded=set(), seed=5, sizes={"test": 3})
    assert again["doc_id"].tolist() == sample["doc_id"].tolist()
