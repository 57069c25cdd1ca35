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


def _join_by_chunks(text, spans, keep):
    """join_kept's contract spelled out: the text before the first paragraph, then each kept
    paragraph with the separator after it, the last separator cut to one line end when the
    text after it was dropped."""
    if not any(keep):
        return "" if spans else text
    out = text[: spans[0].start] if spans else text
    for i, span in enumerate(spans):
        if keep[i]:
            out += text[span.start : spans[i + 1].start if i + 1 < len(spans) else len(text)]
    last = max(i for i, k in enumerate(keep) if k)
    if last < len(spans) - 1:
        sep = text[spans[last].end : spans[last + 1].start]
        newline = sep.index("\n")
        out = out[: len(out) - len(sep)] + ("\r\n" if sep[newline - 1 : newline] == "\r" else "\n")
    return out


@given(lines, st.sampled_from(["\n", "\r\n", "\n\n", "\n \r\n"]), st.data())
def test_join_equals_the_paragraph_by_paragraph_rebuild(parts, sep, data):
    text = sep.join(parts)
    spans = split_paragraphs(text)
    keep = data.draw(st.lists(st.booleans(), min_size=len(spans), max_size=len(spans)))
    assert join_kept(text, spans, keep) == _join_by_chunks(text, spans, keep)
