from hypothesis import example, given
from hypothesis import strategies as st
from newsclean.features.segment import LINE_BOUNDARIES, join_kept, split_paragraphs


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


def test_every_unicode_line_boundary_ends_a_paragraph():
    for boundary in [*LINE_BOUNDARIES, "\r\n"]:
        text = f"One.{boundary}Two.{boundary}{boundary}Three."
        spans = split_paragraphs(text)
        assert [s.text for s in spans] == ["One.", "Two.", "Three."], repr(boundary)
        assert join_kept(text, spans, [True, False, True]) == f"One.{boundary}Three."
        assert join_kept(text, spans, [True, True, False]) == f"One.{boundary}Two.{boundary}"


def test_lone_cr_and_mixed_boundaries_keep_bytes():
    text = "Title\r\rBody one.\u2028Sign up!\r\n\x85Body two.\u2029"
    spans = split_paragraphs(text)
    assert [s.text for s in spans] == ["Title", "Body one.", "Sign up!", "Body two."]
    # the kept paragraphs with the separators that followed them, byte for byte
    assert join_kept(text, spans, [True, True, False, True]) == (
        "Title\r\rBody one.\u2028Body two.\u2029"
    )
    assert join_kept(text, spans, [True, True, False, False]) == "Title\r\rBody one.\u2028"


def test_stray_cr_before_crlf_is_a_line_end_of_its_own():
    # "\r\r\n" is a lone "\r" and then "\r\n", as str.splitlines reads it: a blank line between
    text = "Story.\r\r\nSign up!\r\r\nMore story."
    spans = split_paragraphs(text)
    assert [s.text for s in spans] == ["Story.", "Sign up!", "More story."]
    assert join_kept(text, spans, [True, False, False]) == "Story.\r"


any_lines = st.lists(
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=30), max_size=12
)
boundary = st.sampled_from([*LINE_BOUNDARIES, "\r\n"])


@given(st.lists(st.tuples(any_lines, boundary), max_size=8))
@example([(["0\r", ""], "\r\n")])  # a stray "\r" before "\r\n"
@example([(["A", "B"], "\r"), (["C"], "\n")])  # "\r" then "\n" across parts is one "\r\n"
def test_spans_cover_the_text_exactly(blocks):
    text = "".join(sep.join(parts) + sep for parts, sep in blocks)
    spans = split_paragraphs(text)
    # the spans and the gaps between them rebuild the text; a span holds no line boundary and a
    # gap between two spans holds at least one, and is otherwise whitespace
    gaps, cursor = [], 0
    for span in spans:
        assert text[span.start : span.end] == span.text and span.text.strip()
        assert len(span.text.splitlines()) == 1
        gaps.append(text[cursor : span.start])
        cursor = span.end
    gaps.append(text[cursor:])
    rebuilt = gaps[0] + "".join(s.text + gap for s, gap in zip(spans, gaps[1:]))
    assert rebuilt == text
    assert all(not gap.strip() for gap in gaps)
    assert all(
        len(gap.splitlines(keepends=True)) >= 1 and gap[:1] in LINE_BOUNDARIES for gap in gaps[1:-1]
    )
    # every non-blank line (as str.splitlines reads lines) is exactly one paragraph, in order
    assert [s.text for s in spans] == [line for line in text.splitlines() if line.strip()]
    assert join_kept(text, spans, [True] * len(spans)) == text


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
        # a paragraph ends at its line boundary, so the separator starts with it
        out = out[: len(out) - len(sep)] + ("\r\n" if sep.startswith("\r\n") else sep[0])
    return out


@given(lines, st.sampled_from(["\n", "\r\n", "\n\n", "\n \r\n", "\r", "\u2028 \r\n"]), st.data())
def test_join_equals_the_paragraph_by_paragraph_rebuild(parts, sep, data):
    text = sep.join(parts)
    spans = split_paragraphs(text)
    keep = data.draw(st.lists(st.booleans(), min_size=len(spans), max_size=len(spans)))
    assert join_kept(text, spans, keep) == _join_by_chunks(text, spans, keep)
