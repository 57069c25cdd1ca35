"""Label fixes of the data loader (LABELS.md wins over the sources), on hand-built tables."""

import pandas as pd
import pytest
from newsclean.training.data import (
    DataError,
    apply_label_rules,
    load_labelled,
    load_user_table,
)


def table(rows, dataset="cleaneval"):
    frame = pd.DataFrame(rows, columns=["position", "text", "label"])
    frame.insert(0, "article_id", "doc1")
    frame["domain"] = "example.org"
    frame["dataset"] = dataset
    frame["relabel"] = ""
    return frame


STORY = "The harbour authority said on Friday that the new pier would open in June next year."


def test_headline_matching_the_url_slug_becomes_editorial():
    t = table(
        [
            (0, "Harbour pier to open in June", "boilerplate"),
            (1, STORY, "editorial"),
        ],
        dataset="scrapinghub",
    )
    url = pd.Series(["https://news.example.org/2024/05/harbour-pier-to-open-in-june"] * 2)
    out = apply_label_rules(t, urls=url)
    assert out["label"].tolist() == ["editorial", "editorial"]
    assert out["relabel"].tolist() == ["title", ""]


def test_lines_before_the_lead_in_title_less_golds_become_either():
    rows = [(0, "World", "boilerplate"), (1, "A standfirst line here", "boilerplate")]
    rows += [(2, STORY, "editorial")]
    out = apply_label_rules(table(rows, dataset="wcxb"))
    assert out["label"].tolist() == ["either", "either", "editorial"]
    assert out["relabel"].tolist() == ["pre_lead", "pre_lead", ""]
    # the same lines in a source whose gold includes the headline keep their label
    out = apply_label_rules(table(rows, dataset="cleaneval"))
    assert out["label"].tolist() == ["boilerplate", "boilerplate", "editorial"]


def test_byline_alone_becomes_either():
    out = apply_label_rules(
        table([(0, STORY, "editorial"), (1, "By Jane Doe and Sam Lee", "editorial")])
    )
    assert out["label"].tolist() == ["editorial", "either"]
    assert out["relabel"].tolist()[1] == "byline"


@pytest.mark.parametrize(
    "line, reason",
    [
        ("Read more: Council approves budget", "read_more"),
        ("Related stories", "read_more"),
        ("Sign up for our free morning newsletter", "promo"),
        ("Support independent journalism today.", "promo"),
    ],
)
def test_promotions_a_gold_kept_become_boilerplate(line, reason):
    out = apply_label_rules(
        table([(0, STORY, "editorial"), (1, line, "editorial"), (2, STORY, "editorial")])
    )
    assert out["label"].tolist() == ["editorial", "boilerplate", "editorial"]
    assert out["relabel"].tolist()[1] == reason


def test_story_about_newsletters_is_not_a_promo():
    line = (
        "The company said 40,000 readers subscribe to the newsletter, which it launched "
        "in March to cover local schools."
    )
    out = apply_label_rules(table([(0, STORY, "editorial"), (1, line, "editorial")]))
    assert out["label"].tolist() == ["editorial", "editorial"]


def test_short_editorial_lines_outside_the_story_span_become_either():
    rows = [
        (0, "Home", "editorial"),
        (1, STORY, "editorial"),
        (2, "Yes.", "editorial"),
        (3, STORY, "editorial"),
        (4, "Contact", "editorial"),
    ]
    out = apply_label_rules(table(rows))
    assert out["label"].tolist() == ["either", "editorial", "editorial", "editorial", "either"]


def test_user_table_formats(tmp_path):
    frame = pd.DataFrame(
        {
            "article_id": [1, 1, 2],
            "position": [0, 1, 0],
            "text": ["Headline", "Subscribe now", "Body"],
            "label": ["editorial", "Boilerplate", "unsure"],
        }
    )
    for name, write in [
        ("t.csv", frame.to_csv),
        ("t.parquet", frame.to_parquet),
        ("t.jsonl", lambda p: frame.to_json(p, orient="records", lines=True)),
        ("t.json", lambda p: frame.to_json(p, orient="records")),  # one array, not lines
    ]:
        path = tmp_path / name
        write(path) if name != "t.csv" else write(path, index=False)
        loaded, files = load_labelled(path)
        assert files == [path]
        assert loaded["label"].tolist() == ["editorial", "boilerplate", "either"]
        assert loaded["domain"].tolist() == ["1", "1", "2"]  # no domain: one group per article


def test_user_table_missing_column_is_named(tmp_path):
    path = tmp_path / "bad.csv"
    pd.DataFrame({"article_id": [1], "text": ["x"], "label": ["editorial"]}).to_csv(path)
    with pytest.raises(ValueError, match=r"bad.csv: missing column\(s\) \['position'\]"):
        load_user_table([path])


def _user_rows(**changes):
    frame = pd.DataFrame(
        {
            "article_id": ["a", "a", "b", "b"],
            "position": [0, 1, 0, 1],
            "text": ["Council votes", "Subscribe now", "Rain expected", "Share this"],
            "label": ["editorial", "boilerplate", "editorial", "boilerplate"],
            "domain": ["x.example", "x.example", "", ""],
        }
    )
    for column, values in changes.items():
        frame[column] = values
    return frame


@pytest.mark.parametrize(
    "changes, match",
    [
        ({"position": ["0", "", "0", "1"]}, r"row 2: field 'position' must be a whole number"),
        ({"position": [0, 1.5, 0, 1]}, r"row 2: field 'position' must be a whole number"),
        ({"position": [0, "inf", 0, 1]}, r"row 2: field 'position' must be a whole number"),
        ({"position": [0, 1e300, 0, 1]}, r"row 2: field 'position' must be a whole number"),
        ({"position": [0, 0, 0, 1]}, r"row 2: article 'a' has two paragraphs at position 0"),
        ({"label": ["story", "boiler", "story", "boiler"]}, "no paragraph is labelled 'editorial'"),
        ({"text": ["Council votes", "", "Rain", "Share"]}, r"row 2: field 'text' is blank"),
        ({"text": ["Council votes", "Two\nlines", "Rain", "Share"]}, r"row 2: .* a line break"),
        (
            {"domain": ["x.example", "y.example", "", ""]},
            r"article 'a' has rows with different domains \['x.example', 'y.example'\]",
        ),
    ],
)
def test_user_table_errors_name_the_file_and_row(tmp_path, changes, match):
    path = tmp_path / "mine.csv"
    _user_rows(**changes).to_csv(path, index=False)
    with pytest.raises(DataError, match=match) as error:
        load_user_table([path])
    assert "mine.csv" in str(error.value)


def test_user_table_blank_domain_is_missing_and_unknown_labels_are_counted(tmp_path):
    path = tmp_path / "mine.csv"
    _user_rows(label=["editorial", "boilerplate", "editorial", "boiler-plate"]).to_csv(
        path, index=False
    )
    with pytest.warns(UserWarning, match="1 of 4 paragraphs have a label other than"):
        table = load_user_table([path])
    assert table["domain"].tolist() == ["x.example", "x.example", "b", "b"]  # as a null would


def test_user_table_rows_without_a_domain_take_their_articles(tmp_path):
    path = tmp_path / "mine.csv"
    _user_rows(domain=["x.example", "", "", ""]).to_csv(path, index=False)
    table = load_user_table([path])
    assert table["domain"].tolist() == ["x.example", "x.example", "b", "b"]


def test_user_table_unknown_file_type(tmp_path):
    path = tmp_path / "mine.tsv"
    path.write_text("article_id\tposition\n")
    with pytest.raises(DataError, match="unknown file type"):
        load_user_table([path])


@pytest.mark.shared_data
def test_shared_data_loader(shared_data):
    from newsclean.training.data import load_shared

    t = load_shared(shared_data)
    assert set(t["label"]) == {"editorial", "boilerplate", "either"}
    assert "comment" in set(t["relabel"])  # comments became boilerplate
    assert t.groupby("article_id")["position"].is_monotonic_increasing.all()
