"""The block corpus builder's rules, line splitting and review join, on hand-written pages."""

from __future__ import annotations

import lxml.html
import pandas as pd
import pytest

from benchmarks.blocks.build import join_review, read_review, reserved_brand, reserved_name_hint
from benchmarks.blocks.review import apply, group_blocks, parse_decision, unreviewed_blocks
from benchmarks.blocks.rules import (
    Gold,
    block_lines,
    class_id_rule,
    compile_selectors,
    find_blocks,
    load_annoyance_selectors,
    page_lines,
    selector_blocks,
    text_sha,
)
from benchmarks.blocks.sources import registered_domain, site_from_file_name, snacktory_tests

PAGE = """<html><body class="single has-share-bar">
<article>
  <h1>Bridge reopens after repairs</h1>
  <p>The old river bridge carries traffic again after eight months of work.</p>
  <div class="inline-newsletter">
    <h4>The Morning Brief</h4>
    <p>Our editors pick the five stories you need, every weekday at six.</p>
    <form><input type="email"><button>Sign me up</button></form>
    <div class="newsletter-legal">You can unsubscribe at any time.</div>
  </div>
  <p>Engineers replaced the deck and two of the piers.</p>
</article>
<aside id="related-stories"><ul>
  <li><a>Ferry fares rise</a></li><li><a>Tram line delayed</a></li>
</ul></aside>
<div class="footer"><p>About us</p></div>
</body></html>"""


def blocks_of(html: str, gold: list[str] | None = None) -> list[tuple[int, int, str, str]]:
    root = lxml.html.document_fromstring(html)
    return [
        (line.block_id, line.line_in_block, line.text, line.rule.kind_guess)
        for line in block_lines(root, gold=Gold(gold) if gold else None)
    ]


def test_blocks_are_found_by_class_and_id_and_keep_their_line_order():
    assert blocks_of(PAGE) == [
        (0, 0, "The Morning Brief", "newsletter"),
        (0, 1, "Our editors pick the five stories you need, every weekday at six.", "newsletter"),
        (0, 2, "Sign me up", "newsletter"),
        (0, 3, "You can unsubscribe at any time.", "newsletter"),
        (1, 0, "Ferry fares rise", "teaser"),
        (1, 1, "Tram line delayed", "teaser"),
    ]


def test_page_wide_containers_are_not_blocks_even_when_their_class_matches():
    # <body class="... has-share-bar"> must not swallow the whole page as one share block.
    root = lxml.html.document_fromstring(PAGE)
    tags = [element.tag for element, _ in find_blocks(root)]
    assert tags == ["div", "aside"]


def test_an_oversized_region_is_looked_inside_rather_than_taken_whole():
    paragraphs = "".join(f"<p>Story paragraph number {i} of the report.</p>" for i in range(60))
    html = (
        f'<html><body><div class="post-share-wrap">{paragraphs}'
        '<div class="share">Share this</div></div></body></html>'
    )
    assert blocks_of(html) == [(0, 0, "Share this", "app_follow_share")]


def test_lines_in_the_gold_main_content_are_dropped_and_numbering_stays_dense():
    gold = ["Bridge reopens after repairs", "The Morning Brief"]
    assert blocks_of(PAGE, gold)[:2] == [
        (0, 0, "Our editors pick the five stories you need, every weekday at six.", "newsletter"),
        (0, 1, "Sign me up", "newsletter"),
    ]


def test_a_block_wholly_in_the_gold_leaves_no_block_id_gap():
    gold = [
        "The Morning Brief",
        "Our editors pick the five stories you need, every weekday at six.",
        "Sign me up",
        "You can unsubscribe at any time.",
    ]
    assert blocks_of(PAGE, gold) == [
        (0, 0, "Ferry fares rise", "teaser"),
        (0, 1, "Tram line delayed", "teaser"),
    ]


def test_gold_matches_short_lines_only_whole_and_long_lines_by_overlap():
    gold = Gold(["Residents can share their views at the library until Friday evening."])
    assert not gold.contains("Share")
    assert gold.contains("share their views at the library until Friday")
    assert not gold.contains("Share this story with your friends on social media today")


def test_contributor_bylines_are_not_contribution_appeals():
    assert class_id_rule(lxml.html.fromstring('<p class="contributor-name">A. Writer</p>')) is None
    rule = class_id_rule(lxml.html.fromstring('<p class="contribute-box">Give</p>'))
    assert rule is not None and rule.kind_guess == "donation"


def test_page_lines_break_at_block_elements_and_skip_scripts():
    element = lxml.html.fromstring(
        "<div>Read <a>more</a><script>var x = 1;</script><p>Second\n  line</p>tail<br>last</div>"
    )
    assert page_lines(element) == ["Read more", "Second line", "tail", "last"]


def test_annoyance_list_keeps_generic_cosmetic_selectors_only(tmp_path):
    rules = tmp_path / "list.txt"
    rules.write_text(
        "! comment\n##.promo-strip\nexample.com##.site-only\n#@#.exception\n###bar-box\n##:bad(\n",
        encoding="utf-8",
    )
    assert [css for css, _ in load_annoyance_selectors(rules)] == [".promo-strip", "#bar-box"]


def test_selector_blocks_mark_elements_a_class_rule_would_miss():
    root = lxml.html.document_fromstring(
        '<html><body><div class="strip"><p>Enjoying this? Tell a friend.</p></div></body></html>'
    )
    extra = selector_blocks(root, compile_selectors([".strip"]), "annoyance", "other")
    lines = list(block_lines(root, extra=extra))
    assert [(line.text, line.rule.name) for line in lines] == [
        ("Enjoying this? Tell a friend.", "annoyance:.strip")
    ]


def test_blocks_inside_the_sites_content_selection_are_left_out_unless_cleaned():
    root = lxml.html.document_fromstring(
        '<html><body><div class="body"><div class="share-quote">A quote</div>'
        '<div class="tools">Print</div></div></body></html>'
    )
    content = root.xpath("//div[@class='body']")
    cleaned = selector_blocks(root, compile_selectors([".tools"]), "postlight-clean", "other")
    texts = [line.text for line in block_lines(root, extra=cleaned, main_content=content)]
    assert texts == ["Print"]


@pytest.mark.parametrize(
    ("url", "domain"),
    [
        ("https://www.news.example.co.uk/a", "example.co.uk"),
        ("example.com", "example.com"),
        ("http://fakehost/test/", None),
        ("https://web.archive.org/web/20160526181643/http://blog.example.de/x/", "example.de"),
        (None, None),
    ],
)
def test_registered_domain(url, domain):
    assert registered_domain(url) == domain


@pytest.mark.parametrize(
    ("name", "domain"),
    [
        ("al.com1", "al.com"),
        ("cricket.com.au2", "cricket.com.au"),
        ("www.example.org", "example.org"),
        ("arabic_article", None),
        ("japanese_article2", None),
    ],
)
def test_site_from_file_name_drops_the_trailing_number(name, domain):
    assert site_from_file_name(name) == domain


def test_a_snapshot_with_a_work_tree_is_read_from_its_git_folder(tmp_path, monkeypatch):
    from benchmarks.blocks import sources

    monkeypatch.setattr(sources, "MIRROR", tmp_path)
    (tmp_path / "owner+bare" / "repo").mkdir(parents=True)
    (tmp_path / "owner+tree" / "repo" / ".git").mkdir(parents=True)
    assert sources.Source("owner/bare", "MIT").git_dir == tmp_path / "owner+bare" / "repo"
    assert sources.Source("owner/tree", "MIT").git_dir == tmp_path / "owner+tree" / "repo" / ".git"


def test_snacktory_tests_give_each_page_its_url_comment_and_live_expectations():
    java = r"""
    @Test
    public void testHarbour() throws Exception {
        // http://www.harbour-gazette.example.net/story/12 (html5)
        JResult res = extractor.extractContent(read(getResourceAsStream("harbour.html")));
        assertEquals("Ferry timetable changes", res.getTitle());
        assertTrue(res.getText(), res.getText().startsWith("The \"blue\" ferry leaves at nine."));
//        assertTrue(res.getText(), res.getText().startsWith("Commented out"));
        assertTrue(res.getText().contains("Tickets cost two euros."));
    }

    @Test
    public void testNoUrl() throws Exception {
        JResult res = extractor.extractContent(readFileAsString("test_data/7.html"));
    }
    """
    assert snacktory_tests(java) == {
        "harbour.html": (
            "http://www.harbour-gazette.example.net/story/12",
            ['The "blue" ferry leaves at nine.', "Tickets cost two euros."],
        ),
        "test_data/7.html": (None, []),
    }


def test_reserved_name_hint_catches_brand_folders_but_not_generic_names():
    reserved = {"theguardian.com", "apnews.com", "dw.com"}
    assert reserved_name_hint("test/test-pages/guardian-2/source.html", reserved)
    assert not reserved_name_hint("fixtures/news.example.org.html", reserved)
    assert not reserved_name_hint("fixtures/www.broadwayworld.com.html", reserved)


def test_reserved_brand_catches_old_domains_and_sister_editions():
    reserved = {"theguardian.com", "politico.eu"}
    assert reserved_brand("guardian.co.uk", reserved)
    assert reserved_brand("politico.com", reserved)
    assert not reserved_brand("guardianlv.com", reserved)


def _review_row(**changes: object) -> dict:
    row = {
        "source_repo": "o/r",
        "path": "p.html",
        "block_id": 0,
        "line_in_block": 0,
        "text_sha": text_sha("Give today"),
        "domain": "example.com",
        "split": "train",
        "label": "appeal",
        "kind": "donation",
        "reviewer": "me",
        "note": "",
    }
    return {**row, **changes}


def test_review_join_checks_the_text_hash_and_reports_stale_rows():
    lines = pd.DataFrame(
        {
            "source_repo": ["o/r", "o/r"],
            "path": ["p.html", "p.html"],
            "block_id": [0, 0],
            "line_in_block": [0, 1],
            "text": ["Give today", "Changed line"],
            "text_sha": [text_sha("Give today"), text_sha("Changed line")],
            "n_words": [2, 2],
            "selector_rule": ["class-id:donat", "class-id:donat"],
            "licence": ["MIT", "MIT"],
            "commit": ["c", "c"],
        }
    )
    review = pd.DataFrame(
        [_review_row(), _review_row(line_in_block=1, text_sha=text_sha("Old line"), label="not")]
    )
    reviewed, stale = join_review(lines, review)
    assert reviewed["text"].tolist() == ["Give today"]
    assert stale["line_in_block"].tolist() == [1]


def test_review_file_with_an_unknown_kind_names_the_row(tmp_path):
    path = tmp_path / "review.csv"
    pd.DataFrame([_review_row(), _review_row(kind="banner")]).to_csv(path, index=False)
    with pytest.raises(ValueError, match=r"line 3: kind 'banner'"):
        read_review(path)


def _corpus(*blocks: tuple[str, list[str]]) -> pd.DataFrame:
    """Candidate lines of one page: (domain, lines) per block."""
    rows = []
    for block_id, (domain, texts) in enumerate(blocks):
        for position, text in enumerate(texts):
            rows.append(
                {
                    "source_repo": "o/r",
                    "path": "p.html",
                    "block_id": block_id,
                    "line_in_block": position,
                    "text": text,
                    "text_sha": text_sha(text),
                    "domain": domain,
                    "split": "train",
                }
            )
    return pd.DataFrame(rows)


def _decide(tmp_path, corpus: pd.DataFrame, lines: list[str]) -> pd.DataFrame:
    return _decide_with(tmp_path, corpus, lines)


def _decide_with(
    tmp_path, corpus: pd.DataFrame, lines: list[str], existing: pd.DataFrame | None = None
) -> pd.DataFrame:
    groups = group_blocks(corpus).drop_duplicates("group")["group"].tolist()
    path = tmp_path / "decisions.txt"
    path.write_text("\n".join(line.format(*groups) for line in lines), encoding="utf-8")
    return apply(corpus, [path], existing)


def test_parse_decision_reads_default_overrides_and_note():
    group, decided, note = parse_decision("g0000abcd n:meta 1,2=a:newsletter # form")
    assert group == "g0000abcd"
    assert decided == {
        None: ("not", "meta"),
        1: ("appeal", "newsletter"),
        2: ("appeal", "newsletter"),
    }
    assert note == "form"


def test_parse_decision_rejects_a_kind_outside_the_vocabulary():
    with pytest.raises(ValueError, match="appeal kind 'banner'"):
        parse_decision("g0000abcd a:banner")


def test_apply_labels_every_occurrence_and_leaves_out_reserved_lines(tmp_path):
    corpus = _corpus(
        ("a.org", ["Get the brief", "Daily at six", "Credited teaser"]),
        ("a.org", ["Get the brief", "Daily at six", "Credited teaser"]),
    )
    review = _decide(tmp_path, corpus, ["{0} a:newsletter 2=s:reserved"])
    # One group (identical blocks of one publisher), decided once, applied to both blocks.
    assert review["block_id"].tolist() == [0, 0, 1, 1]
    assert set(review["kind"]) == {"newsletter"}


def test_apply_refuses_a_second_decision_and_an_index_the_group_lacks(tmp_path):
    corpus = _corpus(("a.org", ["Share", "Tweet"]))
    with pytest.raises(ValueError, match="a second decision"):
        _decide(tmp_path, corpus, ["{0} a:app_follow_share", "{0} n:meta"])
    with pytest.raises(ValueError, match=r"names lines \[5\]"):
        _decide(tmp_path, corpus, ["{0} a:app_follow_share 5=n:meta"])


def test_apply_keeps_the_existing_review_and_adds_only_the_lines_it_lacks(tmp_path):
    corpus = _corpus(
        ("a.org", ["Get the brief", "Daily at six"]),
        ("a.org", ["Get the brief", "Daily at six"]),
    )
    first = _decide(tmp_path, corpus.iloc[:2], ["{0} a:newsletter 1=n:meta"])
    # A later round decides the same group again (its new occurrence): the rows already in the
    # review stay as they were, the new block gets this round's labels.
    grown = _decide_with(tmp_path, corpus, ["{0} a:newsletter"], existing=first)
    assert grown.iloc[:2].equals(first)
    assert grown[["block_id", "line_in_block", "label"]].values.tolist() == [
        [0, 0, "appeal"],
        [0, 1, "not"],
        [1, 0, "appeal"],
        [1, 1, "appeal"],
    ]


def test_unreviewed_blocks_are_the_blocks_with_a_line_the_review_lacks(tmp_path):
    corpus = _corpus(
        ("a.org", ["Share", "Tweet"]),
        ("a.org", ["Sign up", "It is free"]),
        ("b.org", ["Most read"]),
    )
    review = _decide(tmp_path, corpus, ["{0} a:app_follow_share", "{1} a:newsletter"])
    partly = review[~((review["block_id"] == 1) & (review["line_in_block"] == 1))]
    left = unreviewed_blocks(corpus, partly)
    assert left[["block_id", "text"]].values.tolist() == [
        [1, "Sign up"],
        [1, "It is free"],
        [2, "Most read"],
    ]


def _commit_snapshot(folder, files: dict[str, bytes]) -> None:
    """A git repository at ``folder`` holding ``files`` in one commit (a fetched snapshot)."""
    import subprocess

    for name, data in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
    subprocess.run(["git", "init", "-q", str(folder)], check=True)
    subprocess.run(["git", "-C", str(folder), "add", "."], check=True)
    subprocess.run(
        [
            "git",
            "-C",
            str(folder),
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@t",
            "commit",
            "-qm",
            "s",
        ],
        check=True,
    )


def test_wcxb_pages_take_the_publisher_from_url_or_same_split_metadata(tmp_path, monkeypatch):
    import gzip
    import json

    from benchmarks.blocks import sources

    monkeypatch.setattr(sources, "MIRROR", tmp_path)
    sources.head_commit.cache_clear()
    story = "The valley orchard hosts its cider pressing on Saturday, with music from noon."
    truth = {
        "url": "https://www.valleyorchard.org/2025/cider",
        "ground_truth": {
            "title": "Cider pressing returns",
            "main_content": f"{story}\n\nBring jars.",
        },
    }
    html = (
        # the story sits in a share wrapper: only the gold keeps it out of the blocks
        f'<html><body><h1>Cider pressing returns</h1><div class="share-wrap"><p>{story}</p></div>'
        "<p>Bring jars.</p>"
        '<div class="newsletter-box"><p>Get the valley letter every Friday.</p></div>'
        "</body></html>"
    ).encode()
    no_url = {"url": "", "ground_truth": {"title": "Opening hours", "main_content": "Open daily."}}
    metadata = {
        "files": {
            "0001": {"split": "dev", "domain": "valleyorchard.org"},
            "0002": {"split": "dev", "domain": "www.hillsideshop.com"},
        }
    }
    _commit_snapshot(
        tmp_path / "Murrough-Foley+web-content-extraction-benchmark" / "repo",
        {
            "metadata.json": json.dumps(metadata).encode(),
            "dev/html/0001.html.gz": gzip.compress(html),
            "dev/ground-truth/0001.json": json.dumps(truth).encode(),
            "dev/html/0002.html.gz": gzip.compress(b"<html><body><p>Open daily.</p></body></html>"),
            "dev/ground-truth/0002.json": json.dumps(no_url).encode(),
            # test/0002 shares its number with dev/0002: dev's metadata is not its publisher
            "test/html/0002.html.gz": gzip.compress(
                b"<html><body><p>Open daily.</p></body></html>"
            ),
            "test/ground-truth/0002.json": json.dumps(no_url).encode(),
        },
    )
    try:
        pages = list(sources.wcxb_pages())
    finally:
        sources.head_commit.cache_clear()
    assert [(p.path, p.domain) for p in pages] == [
        ("dev/html/0001.html.gz", "valleyorchard.org"),
        ("dev/html/0002.html.gz", "hillsideshop.com"),
        ("test/html/0002.html.gz", None),
    ]
    first = pages[0]
    assert first.read_html() == html
    assert first.read_gold() == ["Cider pressing returns", story, "", "Bring jars."]
    assert first.gold_kind == "main-content"
    root = lxml.html.document_fromstring(first.read_html())
    kept = [line.text for line in block_lines(root, gold=Gold(first.read_gold()))]
    assert kept == ["Get the valley letter every Friday."]
