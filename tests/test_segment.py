from hypothesis import example, given
from hypothesis import strategies as st
from newsclean.features.segment import join_kept, split_paragraphs


def test_split_keeps_offsets_and_skips_blank_lines():
    text = "Title\r\n\r\n  Body one.  \n\t\nBody two."
    spans = split_paragraphs(text)
    assert [s.text for s in spans] == ["Title", "  Body one.  ", "Body two."]
    assert all(text[s.start : s.end] == s.text for s in spans)


def test_join_keeps_separators_between_kept_paragraphs():
    text = "A\r\n\r\nB\nC\n\nD\n"
    spans = split_paragraphs(text)
    assert join_kept(text, spans, [True, False, True, True]) == "A\r\n\r\nC\n\nD\n"
    assert join_kept(text, spans, [True, True, False, False]) == "A\r\n\r\nB\n"
    assert join_kept(text, spans, [False] * 4) == ""
    assert join_kept(text, spans, [True] * 4) == text


def test_whitespace_only_text_has_no_paragraphs():
    assert split_paragraphs(" \n\t\n") == []
    assert join_kept(" \n", [], []) == " \n"


lines = st.lists(
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=30), max_size=12
)


@given(lines, st.sampled_from(["\n", "\r\n", "\n\n"]))
@example(["0\r", ""], "\r\n")  # a stray "\r" before "\r\n" is separator too
def test_round_trip(parts, sep):
    text = sep.join(parts)
    spans = split_paragraphs(text)
    assert all(text[s.start : s.end] == s.text and s.text.strip() for s in spans)
    assert join_kept(text, spans, [True] * len(spans)) == text
    # every non-blank line is exactly one paragraph
    expected = [p.rstrip("\r") for p in text.split("\n") if p.rstrip("\r").strip()]
    assert [s.text for s in spans] == expected
