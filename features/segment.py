"""Paragraph segmentation that keeps character offsets.

A paragraph is a non-blank line of the article text. Lines end at every line boundary that
``str.splitlines`` knows (:data:`LINE_BOUNDARIES`: ``\\n``, ``\\r\\n``, a lone ``\\r``, ``\\v``,
``\\f``, ``\\x1c`` to ``\\x1e``, ``\\x85``, U+2028 and U+2029), so text from old Mac files or
with Unicode line separators is split as a reader sees it, not read as one paragraph. Every
paragraph carries its ``start`` and ``end`` offsets into the original string, which is what
lets the cleaner rebuild the article from the kept paragraphs without altering a byte of them.
"""

from __future__ import annotations

import re
from typing import NamedTuple


class Span(NamedTuple):
    """One paragraph: its offsets into the article and its text (``text == article[start:end]``)."""

    start: int
    end: int
    text: str


# NamedTuple's generated __new__ is a Python function; building the tuple directly is ~3x faster.
_new_span = tuple.__new__


#: The characters ``str.splitlines`` ends a line at; ``"\\r\\n"`` is one boundary.
LINE_BOUNDARIES = "\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029"
_LINE_END = re.compile("\r\n|[" + re.escape(LINE_BOUNDARIES) + "]")


def split_paragraphs(text: str) -> list[Span]:
    """Split ``text`` into paragraphs: its non-blank lines, without the line separators.

    Lines end at every boundary of :data:`LINE_BOUNDARIES` (as ``str.splitlines``; ``\\r\\n``
    is one). The span of a paragraph excludes its line terminator but keeps any other leading
    or trailing whitespace, so ``text[span.start:span.end] == span.text`` always.

    Examples
    --------
    >>> [s.text for s in split_paragraphs("Title\\r\\n\\nBody one.\\r  \\u2028Body two.")]
    ['Title', 'Body one.', 'Body two.']
    """
    spans: list[Span] = []
    start = 0
    # str.splitlines is the fast path: one C call, then a light loop over the lines. The lines
    # are the spans' texts themselves (no copy); only the terminator lengths are looked up.
    for line in text.splitlines():
        end = start + len(line)
        if line.strip():
            spans.append(_new_span(Span, (start, end, line)))
        start = end + (2 if text.startswith("\r\n", end) else 1)
    return spans


def join_kept(text: str, spans: list[Span], keep: list[bool]) -> str:
    """Rebuild ``text`` with only the kept paragraphs.

    Kept paragraphs are copied byte for byte, in order. Each kept paragraph is followed by the
    separator that followed it in the input (up to the next paragraph), so line endings and blank
    lines between kept paragraphs are preserved; the text before the first paragraph is kept, and
    the separator after the last kept paragraph is dropped unless that paragraph was the last one.

    Examples
    --------
    >>> t = "Story.\\nSign up now!\\nMore story.\\n"
    >>> join_kept(t, split_paragraphs(t), [True, False, True])
    'Story.\\nMore story.\\n'
    """
    if len(spans) != len(keep):
        raise ValueError(f"{len(spans)} paragraphs but {len(keep)} keep flags")
    removed = [i for i, k in enumerate(keep) if not k]
    if not removed:
        return text
    if len(removed) == len(spans):
        return ""
    # Cut each removed paragraph together with the separator after it; only the (few) removed
    # paragraphs are visited, and the kept text between them is copied in whole slices.
    parts: list[str] = []
    cursor = 0
    for i in removed:
        parts.append(text[cursor : spans[i].start])
        cursor = spans[i + 1].start if i + 1 < len(spans) else len(text)
    parts.append(text[cursor:])
    out = "".join(parts)
    last_kept = len(spans) - 1
    while not keep[last_kept]:
        last_kept -= 1
    if last_kept != len(spans) - 1:
        # The separator after the last kept paragraph led to dropped text: trim it to one line end.
        sep = text[spans[last_kept].end : spans[last_kept + 1].start]
        out = out[: len(out) - len(sep)] + _single_line_end(sep)
    return out


def _single_line_end(separator: str) -> str:
    """The first line terminator of ``separator`` (``\\r\\n`` or one boundary character), or
    ``""``."""
    m = _LINE_END.search(separator)
    return m.group(0) if m else ""


__all__ = ["LINE_BOUNDARIES", "Span", "join_kept", "split_paragraphs"]
