"""Find appeal and newsletter blocks by where they sit on a page, and split them into lines.

A block is an element whose class or id names a box that asks something of the reader
(``newsletter``, ``subscribe``, ``donate``, ``paywall`` ...) or points elsewhere (``related``,
``read-more``, ``share``), or one that an ad-blocker annoyance list hides. The words of the block
play no part in finding it: that is the point, so that prose appeals are found as well as the
short buttons a keyword search already finds. Lines are cut at block-level elements as the shared
data's page view cuts them, and keep their order.
"""

from __future__ import annotations

import html as htmlmod
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import lxml.html
from lxml import etree
from lxml.cssselect import CSSSelector
from newsclean.training.yardstick import text_sha  # noqa: F401 (the rules' line hash)

#: class / id fragments of boxes that appeal to the reader or point away from the story, with the
#: kind (data/yardstick/README.md vocabulary) a block of that name usually is. First match wins.
CLASS_ID_RULES: tuple[tuple[str, str], ...] = (
    ("newsletter", "newsletter"),
    ("paywall", "subscription"),
    (r"subscri(?:be|ption)", "subscription"),
    (r"donat", "donation"),
    (r"membership", "donation"),
    (r"support-?us|supportus|support-(?:box|banner|cta|promo|module)", "donation"),
    (r"contribut(?!or)", "donation"),
    (r"sign-?up|register|registration|regwall", "registration"),
    (r"app-?promo|app-?download|get-?the-?app", "app_follow_share"),
    (r"share|sharing|social|follow", "app_follow_share"),
    (
        r"related|read-?more|recommend|recirc|more-?stories|most-?(?:read|popular)|trending",
        "teaser",
    ),
    (r"outbrain|taboola", "teaser"),
    (r"promo", "other"),
)
_CLASS_ID_RX = [(re.compile(pattern, re.I), kind) for pattern, kind in CLASS_ID_RULES]

#: Elements that start a new line (the shared data's page view breaks at the same ones).
BLOCK_TAGS = frozenset(
    {
        *("address", "article", "aside", "blockquote", "body", "br", "caption", "center", "dd"),
        *("details", "dialog", "dir", "div", "dl", "dt", "fieldset", "figcaption", "figure"),
        *("footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hgroup", "hr"),
        *("legend", "li", "main", "menu", "nav", "ol", "option", "p", "pre", "section"),
        *("summary", "table", "tbody", "td", "tfoot", "th", "thead", "title", "tr", "ul"),
    }
)
#: Elements whose content is never shown as text.
SKIP_TAGS = frozenset({"head", "script", "style", "template", "svg", "noscript"})
#: Elements never taken as a block, whatever their class: they hold the whole page.
CONTAINER_TAGS = frozenset({"html", "body", "main", "article"})
#: A "block" with more lines or characters than this is a page region named after one widget
#: inside it (``<div class="content has-share">``): look inside it instead.
MAX_BLOCK_LINES = 40
MAX_BLOCK_CHARS = 4000
#: Short lines are matched against the gold as whole lines; longer ones as substrings.
SHORT_LINE_TOKENS = 3
#: A line with at least this share of its tokens in gold word trigrams is story text.
GOLD_COVERAGE_MAX = 0.5

_QUOTES = str.maketrans(
    {
        "\u2019": "'",
        "\u2018": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u00a0": " ",
        "\u2013": "-",
        "\u2014": "-",
    }
)
_TOKEN_RX = re.compile(r"\w+")


@dataclass(frozen=True)
class Rule:
    """One way of recognising a block.

    Parameters
    ----------
    name : str
        Recorded as the line's ``selector_rule``: ``class-id:<pattern>``, ``annoyance:<selector>``
        or ``postlight-clean:<selector>``.
    kind_guess : str
        The kind such a block usually is (a guess for the reviewer, not a label).
    """

    name: str
    kind_guess: str


@dataclass(frozen=True)
class BlockLine:
    """One line of a candidate block, in page order."""

    block_id: int
    line_in_block: int
    text: str
    rule: Rule


def normalise(text: str) -> str:
    """Lower case, NFKC, straight quotes, one space: the form lines are compared with gold in.

    Examples
    --------
    >>> normalise("  It\u2019s   FREE ")
    "it's free"
    """
    text = unicodedata.normalize("NFKC", htmlmod.unescape(text)).translate(_QUOTES).lower()
    return re.sub(r"\s+", " ", text).strip()


def tokens(text: str) -> list[str]:
    """Word tokens of the normalised text."""
    return _TOKEN_RX.findall(normalise(text))


def class_id_rule(element: etree._Element) -> Rule | None:
    """The class/id rule an element matches, or None.

    Examples
    --------
    >>> el = lxml.html.fromstring('<div class="box newsletter-signup">x</div>')
    >>> class_id_rule(el)
    Rule(name='class-id:newsletter', kind_guess='newsletter')
    >>> class_id_rule(lxml.html.fromstring('<div class="contributor-bio">x</div>')) is None
    True
    """
    names = " ".join(filter(None, (element.get("class"), element.get("id"))))
    if not names:
        return None
    for pattern, kind in _CLASS_ID_RX:
        if pattern.search(names):
            return Rule(f"class-id:{pattern.pattern}", kind)
    return None


def load_annoyance_selectors(path: Path) -> list[tuple[str, CSSSelector]]:
    """The generic cosmetic selectors (lines starting ``##``) of an ad-blocker filter list.

    Site-specific rules (``example.com##...``), exceptions and comments are left out, and so is a
    selector the CSS parser cannot compile.
    """
    selectors = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("##"):
            continue
        css = line[2:].strip()
        try:
            selectors.append((css, CSSSelector(css, translator="html")))
        except Exception:
            continue
    return selectors


def compile_selectors(css_list: Iterable[str]) -> list[tuple[str, CSSSelector]]:
    """Compile CSS selectors, leaving out those cssselect cannot read (e.g. ``:has``)."""
    compiled = []
    for css in css_list:
        try:
            compiled.append((css, CSSSelector(css, translator="html")))
        except Exception:
            continue
    return compiled


def selector_blocks(
    root: etree._Element, selectors: Iterable[tuple[str, CSSSelector]], prefix: str, kind: str
) -> dict[etree._Element, Rule]:
    """Elements matched by any of ``selectors``, each with the first rule that matched it."""
    found: dict[etree._Element, Rule] = {}
    for css, selector in selectors:
        try:
            matches = selector(root)
        except Exception:
            continue
        for element in matches:
            found.setdefault(element, Rule(f"{prefix}:{css}", kind))
    return found


def page_lines(element: etree._Element) -> list[str]:
    """The element's visible text as lines: cut at block-level elements, whitespace collapsed.

    Examples
    --------
    >>> el = lxml.html.fromstring("<div><h3>Get the  brief</h3>Daily.<br>Free <b>now</b></div>")
    >>> page_lines(el)
    ['Get the brief', 'Daily.', 'Free now']
    """
    pieces: list[str | None] = []

    def walk(node: etree._Element) -> None:
        tag = node.tag.lower() if isinstance(node.tag, str) else None
        if tag is not None and tag not in SKIP_TAGS:
            if tag in BLOCK_TAGS:
                pieces.append(None)
            if node.text:
                pieces.append(node.text)
            for child in node:
                walk(child)
            if tag in BLOCK_TAGS:
                pieces.append(None)
        if node is not element and node.tail:
            pieces.append(node.tail)

    walk(element)
    lines, buffer = [], []
    for piece in [*pieces, None]:
        if piece is None:
            line = re.sub(r"\s+", " ", "".join(buffer)).strip()
            if line:
                lines.append(line)
            buffer = []
        else:
            buffer.append(piece)
    return lines


def find_blocks(
    root: etree._Element, extra: dict[etree._Element, Rule] | None = None
) -> Iterator[tuple[etree._Element, Rule]]:
    """Outermost candidate blocks of a page in document order.

    An element is a block when its class/id matches :data:`CLASS_ID_RULES` or it is a key of
    ``extra`` (annoyance or per-site selectors). Blocks inside a block belong to the outer one;
    an element too large to be one box is passed over and its descendants are looked at instead.
    """
    extra = extra or {}
    stack = [root]
    while stack:
        element = stack.pop()
        if not isinstance(element.tag, str) or element.tag.lower() in SKIP_TAGS:
            continue
        rule = None
        if element.tag.lower() not in CONTAINER_TAGS:
            rule = extra.get(element) or class_id_rule(element)
        if rule is not None and _is_box(element):
            yield element, rule
            continue
        stack.extend(reversed(list(element)))


def _is_box(element: etree._Element) -> bool:
    lines = page_lines(element)
    return 0 < len(lines) <= MAX_BLOCK_LINES and sum(map(len, lines)) <= MAX_BLOCK_CHARS


class Gold:
    """The gold main content of a page, for telling story lines from lines around the story.

    Parameters
    ----------
    lines : list of str
        The gold text (whole lines, or snippets known to be in the main content).
    """

    def __init__(self, lines: Iterable[str]):
        token_lines = [tokens(line) for line in lines]
        self._lines = {" ".join(t) for t in token_lines if t}
        flat = [t for line in token_lines for t in line]
        self._joined = f" {' '.join(flat)} "
        self._trigrams = {tuple(flat[i : i + 3]) for i in range(len(flat) - 2)}

    def contains(self, line: str) -> bool:
        """True when ``line`` is part of the gold text.

        A short line must be a whole gold line (a "Share" button is not story text because the
        word occurs in the story); a longer one counts when it occurs in the gold or most of its
        word trigrams do.

        Examples
        --------
        >>> gold = Gold(["The council met on Tuesday to vote on the budget.", "Share"])
        >>> gold.contains("met on Tuesday to vote"), gold.contains("Share"), gold.contains("vote")
        (True, True, False)
        """
        words = tokens(line)
        if not words:
            return False
        key = " ".join(words)
        if len(words) <= SHORT_LINE_TOKENS:
            return key in self._lines
        if f" {key} " in self._joined:
            return True
        covered = [False] * len(words)
        for i in range(len(words) - 2):
            if tuple(words[i : i + 3]) in self._trigrams:
                covered[i] = covered[i + 1] = covered[i + 2] = True
        return sum(covered) / len(words) >= GOLD_COVERAGE_MAX


def block_lines(
    root: etree._Element,
    gold: Gold | None = None,
    extra: dict[etree._Element, Rule] | None = None,
    main_content: Iterable[etree._Element] = (),
) -> Iterator[BlockLine]:
    """Every line of every candidate block of a page outside the gold main content, in order.

    Parameters
    ----------
    root : lxml element
        The parsed page.
    gold : Gold, optional
        The page's gold main content; lines found in it are left out.
    extra : dict, optional
        Further block elements (annoyance or per-site selectors) with their rules.
    main_content : iterable of lxml elements
        Elements known to hold the story (a per-site extractor's content selection); a block
        inside one is left out unless ``extra`` names it (a per-site ``clean`` selector is
        boilerplate inside the content by definition).

    Notes
    -----
    ``block_id`` numbers the blocks of the page from 0 in document order; ``line_in_block`` counts
    the lines kept, so a block's lines stay in order after story lines are dropped.
    """
    extra = extra or {}
    inside_content = set()
    for element in main_content:
        inside_content.update(element.iter())
    block_id = 0
    for element, rule in find_blocks(root, extra):
        if element in inside_content and element not in extra:
            continue
        kept = [line for line in page_lines(element) if gold is None or not gold.contains(line)]
        for position, line in enumerate(kept):
            yield BlockLine(block_id, position, line, rule)
        if kept:
            block_id += 1


def parse_html(data: bytes) -> etree._Element:
    """Parse a page, decoding it by its declared charset (UTF-8 when none is declared)."""
    head = data[:4096].decode("ascii", "ignore")
    match = re.search(r"charset=[\"']?([\w-]+)", head, re.I)
    encoding = match.group(1) if match else "utf-8"
    try:
        text = data.decode(encoding, errors="replace")
    except LookupError:  # an unknown charset name
        text = data.decode("utf-8", errors="replace")
    text = re.sub(r"^\s*<\?xml[^>]*>", "", text)
    return lxml.html.document_fromstring(text)
