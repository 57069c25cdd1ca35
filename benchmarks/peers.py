"""The tools people use today, wrapped to label the paragraphs of one article.

Every wrapper takes an article as a list of paragraphs (its non-blank lines, as newsclean splits
it) and returns one label per paragraph, ``"editorial"`` (kept) or ``"boilerplate"`` (removed),
so all methods are scored on exactly the same rows.

jusText
    :func:`justext_labels` wraps each paragraph in its own ``<p>`` element (HTML-escaped) and runs
    ``justext.justext``; a paragraph is kept when jusText classes it ``good``. The stoplist is
    picked by the page's language (:func:`justext_stoplist`); for languages jusText has no
    stoplist for, the empty stoplist switches it to its language-independent mode (stopword
    thresholds 0), as jusText's own command line does.
C4 rules
    :func:`c4_line_reason` is a plain re-implementation of the line rules of datatrove's
    ``C4QualityFilter`` (datatrove 0.10.1, ``pipeline/filters/c4_filters.py``), with its defaults
    and its reason names; :func:`c4_document_reason` its whole-document rules. :class:`C4Rules`
    labels an article the way that filter treats a document: a dropped document loses every
    paragraph, otherwise the lines the line rules drop are removed. When datatrove is installed
    (``pip install newsclean[bench]``) the labels come from datatrove's own filter and the
    re-implementation is only the fallback (tests check the two agree).
Keep everything
    :func:`keep_all_labels`, the floor.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence

from newsclean.labels import BOILERPLATE, EDITORIAL

# -- jusText ------------------------------------------------------------------------------------
#: jusText's own defaults (``justext.core``), repeated so reports can name them.
JUSTEXT_DEFAULTS = {"length_low": 70, "length_high": 200}
#: The setting that suits short news paragraphs (shared NOTES.md).
JUSTEXT_NEWS = {"length_low": 30, "length_high": 80}
#: ISO 639-1 code -> jusText stoplist name, for the languages of the shared data that jusText has.
JUSTEXT_STOPLISTS = {
    "ar": "Arabic",
    "bg": "Bulgarian",
    "ca": "Catalan",
    "cs": "Czech",
    "da": "Danish",
    "de": "German",
    "el": "Greek",
    "en": "English",
    "es": "Spanish",
    "et": "Estonian",
    "fa": "Persian",
    "fi": "Finnish",
    "fr": "French",
    "he": "Hebrew",
    "hi": "Hindi",
    "hr": "Croatian",
    "hu": "Hungarian",
    "id": "Indonesian",
    "it": "Italian",
    "ko": "Korean",
    "lt": "Lithuanian",
    "lv": "Latvian",
    "nl": "Dutch",
    "no": "Norwegian_Bokmal",
    "nb": "Norwegian_Bokmal",
    "nn": "Norwegian_Nynorsk",
    "pl": "Polish",
    "pt": "Portuguese",
    "ro": "Romanian",
    "ru": "Russian",
    "sk": "Slovak",
    "sl": "Slovenian",
    "sr": "Serbian",
    "sv": "Swedish",
    "tr": "Turkish",
    "uk": "Ukrainian",
    "vi": "Vietnamese",
}
_XPATH_P = re.compile(r"/p\[(\d+)\]$")
_stoplist_cache: dict[str, frozenset[str]] = {}


def justext_stoplist(language: str | None) -> frozenset[str]:
    """jusText's stoplist for an ISO 639-1 code; empty (language-independent mode) if it has none.

    Examples
    --------
    >>> "the" in justext_stoplist("en"), len(justext_stoplist("ja"))
    (True, 0)
    """
    import justext

    name = JUSTEXT_STOPLISTS.get((language or "").lower().split("-")[0])
    if name is None:
        return frozenset()
    if name not in _stoplist_cache:
        _stoplist_cache[name] = justext.get_stoplist(name)
    return _stoplist_cache[name]


def paragraphs_html(paragraphs: Sequence[str]) -> str:
    """An HTML page with each paragraph in its own ``<p>`` (text escaped).

    Examples
    --------
    >>> paragraphs_html(["A & B", "C"])
    '<html><body><p>A &amp; B</p>\\n<p>C</p></body></html>'
    """
    body = "\n".join(f"<p>{html.escape(p, quote=False)}</p>" for p in paragraphs)
    return f"<html><body>{body}</body></html>"


def justext_labels(
    paragraphs: Sequence[str],
    *,
    language: str | None = "en",
    length_low: int = JUSTEXT_DEFAULTS["length_low"],
    length_high: int = JUSTEXT_DEFAULTS["length_high"],
) -> list[str]:
    """jusText's verdict on each paragraph: ``editorial`` when classed ``good``.

    jusText may skip a paragraph (one with no text left after its preprocessing); a skipped
    paragraph is not in jusText's output, so it counts as removed.
    """
    import justext

    labels = [BOILERPLATE] * len(paragraphs)
    if not paragraphs:
        return labels
    stoplist = justext_stoplist(language)
    thresholds = {} if stoplist else {"stopwords_low": 0.0, "stopwords_high": 0.0}
    result = justext.justext(
        paragraphs_html(paragraphs),
        stoplist,
        length_low=length_low,
        length_high=length_high,
        **thresholds,
    )
    for paragraph in result:
        match = _XPATH_P.search(paragraph.xpath)
        if match and not paragraph.is_boilerplate:
            index = int(match.group(1)) - 1
            if 0 <= index < len(labels):
                labels[index] = EDITORIAL
    return labels


# -- C4 rules (datatrove's C4QualityFilter) -----------------------------------------------------
#: Defaults of datatrove 0.10.1's ``C4QualityFilter``.
C4_END_PUNCTUATION = (".", "?", "!", '"', "'")
C4_ELLIPSIS = "..."
C4_MIN_WORDS_PER_LINE = 3
C4_MAX_WORD_LENGTH = 1000
C4_MIN_NUM_SENTENCES = 5
C4_POLICY_SUBSTRINGS = (
    "terms of use",
    "privacy policy",
    "cookie policy",
    "uses cookies",
    "use of cookies",
    "use cookies",
)
C4_CITATION = re.compile(r"\[\d*]|\[edit]|\[citation needed]")
#: Reasons a line is dropped, named as datatrove's stats name them (``line-filter-<reason>``).
C4_LINE_REASONS = ("too_long_word", "no_terminal_punc", "too_few_words", "javascript", "policy")
#: Reasons the whole document is dropped, as datatrove returns them.
C4_DOCUMENT_REASONS = ("lorem_ipsum", "curly_bracket", "too_few_sentences")


def c4_line_reason(line: str) -> str | None:
    """Why the C4 line rules drop ``line`` (one of :data:`C4_LINE_REASONS`), or None if kept.

    The checks run in datatrove's order, so the first failing rule names the reason. Lines
    that would drop the whole document (``lorem ipsum``, ``{``) are kept here: see
    :func:`c4_document_reason`.

    Examples
    --------
    >>> c4_line_reason("Share this"), c4_line_reason("The council met on Tuesday.")
    ('no_terminal_punc', None)
    """
    line = line.strip()
    words = line.split()
    if any(len(word) > C4_MAX_WORD_LENGTH for word in words):
        return "too_long_word"
    line = C4_CITATION.sub("", line)
    if not line.endswith(C4_END_PUNCTUATION) or line.endswith(C4_ELLIPSIS):
        return "no_terminal_punc"
    if len(words) < C4_MIN_WORDS_PER_LINE:
        return "too_few_words"
    lower = line.lower()
    if "javascript" in lower:
        return "javascript"
    if any(p in lower for p in C4_POLICY_SUBSTRINGS):
        return "policy"
    return None


def c4_document_reason(lines: Sequence[str], count_sentences=None) -> str | None:
    """Why the C4 rules drop the whole document, or None.

    ``lorem ipsum`` or ``{`` in a line that passed the line rules drops the document, and so
    do fewer than :data:`C4_MIN_NUM_SENTENCES` sentences in the kept lines.
    ``count_sentences(line) -> int`` defaults to a naive split on ``. ! ?`` (datatrove uses
    its language's sentence splitter, spaCy for English).
    """
    count = count_sentences or _naive_sentence_count
    n_sentences = 0
    for raw in lines:
        if c4_line_reason(raw) is not None:
            continue
        line = C4_CITATION.sub("", raw.strip())
        if "lorem ipsum" in line.lower():
            return "lorem_ipsum"
        if "{" in line:
            return "curly_bracket"
        n_sentences += count(line)
    if n_sentences < C4_MIN_NUM_SENTENCES:
        return "too_few_sentences"
    return None


_SENTENCE_END = re.compile(r"[.!?]+(?:\s+|$)")


def _naive_sentence_count(line: str) -> int:
    return max(1, len([s for s in _SENTENCE_END.split(line) if s.strip()]))


def datatrove_available() -> bool:
    """Whether datatrove's C4 filter (and spaCy, its English sentence splitter) can run."""
    try:
        import spacy  # noqa: F401
        from datatrove.pipeline.filters.c4_filters import C4QualityFilter  # noqa: F401
    except ImportError:
        return False
    return True


class C4Rules:
    """Label paragraphs with the C4 rules, as datatrove's ``C4QualityFilter`` applies them.

    Parameters
    ----------
    document_rules : bool, default=True
        Apply the whole-document rules (too few sentences, ``{``, lorem ipsum) as datatrove does:
        a dropped document loses every paragraph. ``False`` keeps only the line rules, the fairer
        comparison for a paragraph cleaner.
    engine : {"auto", "datatrove", "rules"}
        ``"datatrove"`` runs datatrove's own filter, ``"rules"`` the re-implementation in this
        module; ``"auto"`` picks datatrove when it is installed.
    """

    def __init__(self, *, document_rules: bool = True, engine: str = "auto") -> None:
        if engine not in ("auto", "datatrove", "rules"):
            raise ValueError(f"engine must be 'auto', 'datatrove' or 'rules', got {engine!r}")
        self.document_rules = document_rules
        self.engine = engine
        self._filters = None

    @property
    def engine_used(self) -> str:
        if self.engine == "auto":
            return "datatrove" if datatrove_available() else "rules"
        return self.engine

    def _datatrove_filters(self):
        if self._filters is None:
            import logging

            from datatrove.pipeline.filters.c4_filters import C4QualityFilter

            logging.getLogger("datatrove").setLevel(logging.WARNING)
            document = C4QualityFilter()
            line_only = C4QualityFilter(
                min_num_sentences=-1, filter_lorem_ipsum=False, filter_curly_bracket=False
            )
            self._filters = (document, line_only)
        return self._filters

    def document_verdict(self, paragraphs: Sequence[str]) -> str | None:
        """The whole-document drop reason, or None (always None without ``document_rules``)."""
        if not self.document_rules:
            return None
        if self.engine_used == "rules":
            return c4_document_reason(paragraphs)
        from datatrove.data import Document

        verdict = self._datatrove_filters()[0].filter(Document(text="\n".join(paragraphs), id="0"))
        if verdict is True:
            return None
        return verdict[1] if isinstance(verdict, tuple) else "dropped"

    def line_kept(self, paragraph: str) -> bool:
        """Whether the line rules keep (some of) ``paragraph``."""
        if self.engine_used == "rules":
            return c4_line_reason(paragraph) is None
        from datatrove.data import Document

        doc = Document(text=paragraph, id="0")
        self._datatrove_filters()[1].filter(doc)
        return bool(doc.text)

    def labels(self, paragraphs: Sequence[str]) -> list[str]:
        """One label per paragraph."""
        if not paragraphs:
            return []
        if self.document_verdict(paragraphs) is not None:
            return [BOILERPLATE] * len(paragraphs)
        return [EDITORIAL if self.line_kept(p) else BOILERPLATE for p in paragraphs]

    def filter_text(self, text: str) -> str:
        """What datatrove (or the re-implementation) leaves of a whole article: the speed path."""
        if self.engine_used == "rules":
            lines = text.splitlines()
            if self.document_rules and c4_document_reason(lines) is not None:
                return ""
            return "\n".join(line.strip() for line in lines if c4_line_reason(line) is None)
        from datatrove.data import Document

        doc = Document(text=text, id="0")
        flt = self._datatrove_filters()[0 if self.document_rules else 1]
        return doc.text if flt.filter(doc) is True else ""


def keep_all_labels(paragraphs: Sequence[str]) -> list[str]:
    """The floor: keep every paragraph."""
    return [EDITORIAL] * len(paragraphs)


__all__ = [
    "BOILERPLATE",
    "C4_DOCUMENT_REASONS",
    "C4_LINE_REASONS",
    "EDITORIAL",
    "JUSTEXT_DEFAULTS",
    "JUSTEXT_NEWS",
    "C4Rules",
    "c4_document_reason",
    "c4_line_reason",
    "datatrove_available",
    "justext_labels",
    "justext_stoplist",
    "keep_all_labels",
    "paragraphs_html",
]
