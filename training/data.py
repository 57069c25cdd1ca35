"""Labelled paragraph data: the shared benchmark data and users' own tables.

Both loaders return a *labelled paragraph table*: the paragraph-table columns
(``article_id``, ``position``, ``text``) plus

``label``
    ``editorial``, ``boilerplate`` or ``either`` (unclear or unlabelled: kept as context for its
    neighbours, never learned from or scored);
``domain``
    publisher group used for splitting (registered domain, or the article id when unknown);
``dataset``
    source of the row (``"user"`` for users' tables);
``relabel``
    why the loader changed the source's label (empty when it did not).

Users' tables
-------------
Any Parquet, CSV or JSONL file (or a folder of them) with at least the columns
``article_id``, ``position``, ``text`` and ``label`` (``editorial`` / ``boilerplate``; any other
value counts as ``either``), and optionally ``domain``. Articles must be complete (every
paragraph): the model reads each paragraph's neighbours. ``position`` orders an article's
paragraphs (whole numbers; gaps are fine, a repeat is an error); each ``text`` is one
non-blank line, as cleaning splits articles; an article's rows share one ``domain`` (rows
without one take the article's). Errors name the file and the data row, counted from 1 (a
CSV's header is not a row, as in ``newsclean clean``; in JSONL, the record's number, which is
its line unless blank lines come before it), or the article.

Shared data (``../shared/data``)
--------------------------------
``extracted.parquet`` (trafilatura output, the kind of text newsclean cleans) is read with
``docs.parquet``. What the loader does, and why (``LABELS.md`` is the definition):

- pages of withheld publishers are dropped: those reserved for independent evaluation and those
  of the reviewed yardstick (:func:`newsclean.training.yardstick.withheld_publishers`), whatever
  the split seed, so no model trains on text it will be judged on;
- pages flagged ``gold_suspect`` are dropped (their gold stops part-way through the story);
- WCXB pages that are not articles are dropped (there "editorial" means a product's specs or a
  forum's posts, not a story);
- ``comment`` becomes ``boilerplate`` (reader comments are not the story);
- ``ambiguous`` and ``unknown`` become ``either``;
- relabelled by rule, each with its ``relabel`` reason:

  * ``title``: the line whose words spell the URL's slug is the headline -> editorial;
  * ``pre_lead``: in sources whose gold starts after the title (scrapinghub, readability, wcxb),
    the up-to-3 lines just before the first editorial line (kicker, headline, standfirst) ->
    either, because they are often story text the gold left out;
  * ``byline``: "By Jane Doe" alone on a line -> either;
  * ``read_more``: "Read more", "Related stories", "ALSO READ" lines a gold kept -> boilerplate;
  * ``promo``: sign-up, subscription, donation, follow and app prompts a gold kept ->
    boilerplate;
  * ``short_outside_span``: editorial lines of at most 3 words outside the span of the page's
    longer editorial lines (menu words that matched a heading of the gold) -> either.
"""

from __future__ import annotations

import hashlib
import re
import warnings
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd
from newsclean.training.yardstick import withheld_publishers

from newsclean.labels import BOILERPLATE, EDITORIAL

#: The label of a paragraph that is neither clearly editorial nor boilerplate (kept as context,
#: not learned from or scored); the two classes are newsclean's own.
EITHER = "either"
USER_COLUMNS = ("article_id", "position", "text", "label")
USER_SUFFIXES = (".parquet", ".csv", ".csv.gz", ".jsonl", ".json", ".jsonl.gz")

#: Sources whose gold usually starts after the headline (data README, "What editorial means").
GOLD_AFTER_TITLE = frozenset({"scrapinghub", "readability", "wcxb"})
#: Lines before the first editorial line that may be headline, kicker or standfirst.
PRE_LEAD_LINES = 3
#: A share of the URL slug's words a line must contain to be its headline.
TITLE_SLUG_SHARE = 0.6
#: A share of the line's words that must come from the slug.
TITLE_LINE_SHARE = 0.4
#: Slugs with fewer words than this say too little to identify a headline.
MIN_SLUG_WORDS = 3
#: Longest line (in words) the read-more and promo rules touch: longer text is prose.
READ_MORE_MAX_WORDS = 12
PROMO_MAX_WORDS = 50
SHORT_LINE_MAX_WORDS = 3
BYLINE_MAX_WORDS = 8

_BYLINE = re.compile(r"^(?:by|von|por|par)\s+\w", re.IGNORECASE)
_READ_MORE = re.compile(
    r"^\W*(?:read more|read next|also read|more:|related(?: stories| articles| posts| content|:|$)"
    r"|recommended(?::| for you| reading|$)|most popular|most read|trending(?: now|:|$)"
    r"|you may also like|you might also like|more from)",
    re.IGNORECASE,
)
_PROMO = re.compile(
    r"\b(?:sign up for (?:our|the|a)\b.{0,40}\bnewsletters?|subscribe to our\b"
    r"|support (?:our|independent|local) journalism|follow us on|download (?:our|the) app"
    r"|become a (?:member|subscriber|supporter)|donate now|give now|join our mailing list)",
    re.IGNORECASE,
)
_LIST_ITEM = re.compile(r"^\s*(?:\d+[.)]|[-*•])\s")
_SLUG_WORD = re.compile(r"[a-z0-9]+")
_WORD = re.compile(r"\w+")


def digest_data_files(paths: Iterable[Path]) -> str:
    """SHA-256 over the bytes of the data files used (sorted by name); the model card and the
    MLflow run record it as ``data_fingerprint``."""
    digest = hashlib.sha256()
    # By name, so the same files give the same digest wherever they are read from.
    for path in sorted({Path(p).resolve() for p in paths}, key=lambda path: path.name):
        digest.update(path.name.encode())
        with open(path, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
    return digest.hexdigest()


def is_shared_data(path: Path) -> bool:
    """Whether ``path`` is a folder laid out like ``../shared/data``."""
    return (
        path.is_dir() and (path / "extracted.parquet").exists() and (path / "docs.parquet").exists()
    )


def load_labelled(path: str | Path) -> tuple[pd.DataFrame, list[Path]]:
    """Load the shared data folder or a user's table(s); return the table and the files read."""
    path = Path(path)
    if is_shared_data(path):
        files = [path / "extracted.parquet", path / "docs.parquet"]
        return load_shared(path), files
    files = _user_files(path)
    return load_user_table(files), files


# -- users' tables ------------------------------------------------------------------------------
class DataError(ValueError):
    """Labelled data that cannot be trained on; the message names the file and the problem."""


def _user_files(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.name.endswith(USER_SUFFIXES))
        if files:
            return files
    raise DataError(
        f"no labelled data at {path}: give the shared data folder or a Parquet/CSV/JSONL file "
        f"(or folder of them) with columns {list(USER_COLUMNS)} and optionally 'domain'"
    )


def _read_any(path: Path) -> pd.DataFrame:
    name = path.name.lower()
    try:
        if name.endswith(".parquet"):
            return pd.read_parquet(path)
        if name.endswith((".csv", ".csv.gz")):
            return pd.read_csv(path, keep_default_na=False, dtype={"text": str, "label": str})
        if name.endswith((".jsonl", ".json", ".jsonl.gz")):
            # A .json file may also hold one array of records instead of JSON lines.
            lines = not (name.endswith(".json") and _starts_with(path, b"["))
            return pd.read_json(path, lines=lines, dtype={"text": str, "label": str})
    except Exception as exc:  # pandas' and pyarrow's errors do not name the file
        raise DataError(f"{path}: cannot be read ({type(exc).__name__}: {exc})") from exc
    raise DataError(f"{path}: unknown file type; labelled data files end in {list(USER_SUFFIXES)}")


def _starts_with(path: Path, prefix: bytes) -> bool:
    """Whether the file's first non-whitespace bytes are ``prefix``."""
    with open(path, "rb") as fh:
        return fh.read(4096).lstrip().startswith(prefix)


def load_user_table(files: list[Path]) -> pd.DataFrame:
    """Read users' labelled paragraphs (see module docstring) into a labelled table."""
    frames = []
    for path in files:
        frame = _read_any(path)
        missing = [c for c in USER_COLUMNS if c not in frame.columns]
        if missing:
            raise DataError(
                f"{path}: missing column(s) {missing}; a labelled table needs "
                f"{list(USER_COLUMNS)} (and optionally 'domain')"
            )
        bad_text = ~frame["text"].map(lambda t: isinstance(t, str))
        if bad_text.any():
            row = int(np.flatnonzero(bad_text.to_numpy())[0])
            raise DataError(f"{path}: row {row + 1}: field 'text' must be a string")
        # Cleaning sees a paragraph as a non-blank line; train on what it will see.
        blank = frame["text"].str.strip() == ""
        if blank.any():
            row = int(np.flatnonzero(blank.to_numpy())[0])
            raise DataError(f"{path}: row {row + 1}: field 'text' is blank; a paragraph has text")
        multiline = frame["text"].str.contains("\n", regex=False)
        if multiline.any():
            row = int(np.flatnonzero(multiline.to_numpy())[0])
            raise DataError(
                f"{path}: row {row + 1}: field 'text' holds a line break; newsclean reads one "
                "paragraph per line, so give each line its own row"
            )
        # Neighbours are read in position order, so a position must be a whole number.
        position = pd.to_numeric(frame["position"], errors="coerce")
        bad_position = ~(position.abs() < 2**53) | (position != position.round())  # NaN, inf
        if bad_position.any():
            row = int(np.flatnonzero(bad_position.to_numpy())[0])
            value = frame["position"].iloc[row]
            raise DataError(
                f"{path}: row {row + 1}: field 'position' must be a whole number, "
                f"got {value.item() if isinstance(value, np.generic) else value!r}"
            )
        frame["position"] = position.astype(np.int64)
        frame["article_id"] = frame["article_id"].astype(str)
        duplicate = frame.duplicated(["article_id", "position"])
        if duplicate.any():
            row = int(np.flatnonzero(duplicate.to_numpy())[0])
            raise DataError(
                f"{path}: row {row + 1}: article {frame['article_id'].iloc[row]!r} has two "
                f"paragraphs at position {frame['position'].iloc[row]}"
            )
        frames.append(frame)
    table = pd.concat(frames, ignore_index=True)
    duplicate = table.duplicated(["article_id", "position"])
    if duplicate.any():  # the same article in two files
        row = int(np.flatnonzero(duplicate.to_numpy())[0])
        raise DataError(
            f"article {table['article_id'].iloc[row]!r} has two paragraphs at position "
            f"{table['position'].iloc[row]} (in different files of {[str(f) for f in files]})"
        )
    label = table["label"].astype(str).str.strip().str.lower()
    known = label.isin([EDITORIAL, BOILERPLATE])
    for needed in (EDITORIAL, BOILERPLATE):
        if not (label == needed).any():
            found = sorted(label.unique().tolist())[:10]
            raise DataError(
                f"no paragraph is labelled {needed!r} in {[str(f) for f in files]}; labels must "
                f"be 'editorial' or 'boilerplate' (anything else means unclear), found {found}"
            )
    if not known.all():
        warnings.warn(
            f"{int((~known).sum())} of {len(label)} paragraphs have a label other than "
            "'editorial' or 'boilerplate': they are kept as context, not learned from or scored",
            UserWarning,
            stacklevel=2,
        )
    table["label"] = np.where(known, label, EITHER)
    if "domain" not in table.columns:
        table["domain"] = table["article_id"]
    # A blank domain cell (CSV) is a missing domain, as a null one is (Parquet, JSONL).
    blank = table["domain"].map(lambda d: isinstance(d, str) and not d.strip())
    domain = table["domain"].mask(blank)
    # One publisher per article, or the split by domain would cut articles apart.
    per_article = domain.groupby(table["article_id"]).nunique()
    if (per_article > 1).any():
        article = per_article.index[int(np.argmax(per_article.to_numpy() > 1))]
        found = sorted(map(str, domain[table["article_id"] == article].dropna().unique()))
        raise DataError(
            f"article {article!r} has rows with different domains {found[:5]} (in "
            f"{[str(f) for f in files]}); every paragraph of an article has its article's domain"
        )
    article_domain = domain.groupby(table["article_id"]).transform("first")
    table["domain"] = article_domain.fillna(table["article_id"]).astype(str)
    table["dataset"] = table["dataset"].astype(str) if "dataset" in table.columns else "user"
    table["relabel"] = ""
    table = table.sort_values(["article_id", "position"], kind="stable").reset_index(drop=True)
    return table[["article_id", "position", "text", "label", "domain", "dataset", "relabel"]]


# -- shared data --------------------------------------------------------------------------------
def load_shared(data_dir: str | Path, view: str = "extracted") -> pd.DataFrame:
    """Load one view of the shared data with the label fixes listed in the module docstring."""
    data_dir = Path(data_dir)
    columns = ["dataset", "doc_id", "url", "domain", "position", "text", "label"]
    rows = pd.read_parquet(data_dir / f"{view}.parquet", columns=[*columns, "gold_suspect"])
    docs = pd.read_parquet(data_dir / "docs.parquet", columns=["doc_id", "page_type"])
    rows = rows.merge(docs, on="doc_id", how="left")
    keep = (
        ~rows["gold_suspect"]
        & ~rows["domain"].isin(withheld_publishers())
        & ~((rows["dataset"] == "wcxb") & (rows["page_type"].fillna("article") != "article"))
    )
    rows = rows[keep].sort_values(["doc_id", "position"], kind="stable").reset_index(drop=True)

    label = (
        rows["label"]
        .map({EDITORIAL: EDITORIAL, BOILERPLATE: BOILERPLATE, "comment": BOILERPLATE})
        .fillna(EITHER)
        .to_numpy(dtype=object)
    )
    relabel = np.where(rows["label"].to_numpy() == "comment", "comment", "").astype(object)
    table = pd.DataFrame(
        {
            "article_id": rows["doc_id"].to_numpy(),
            "position": rows["position"].to_numpy(),
            "text": rows["text"].to_numpy(),
            "label": label,
            "domain": rows["domain"].fillna(rows["doc_id"]).to_numpy(),
            "dataset": rows["dataset"].to_numpy(),
            "relabel": relabel,
        }
    )
    apply_label_rules(table, urls=rows["url"])
    return table


def apply_label_rules(table: pd.DataFrame, urls: pd.Series | None = None) -> pd.DataFrame:
    """Apply the ``LABELS.md`` fixes to a labelled table in place (and return it).

    Rules run in a fixed order; a later rule overrides an earlier one on the same line.
    """
    texts = table["text"].astype(str)
    n_words = texts.map(lambda t: len(_WORD.findall(t[:2000]))).to_numpy()
    label = table["label"].to_numpy(dtype=object).copy()
    reason = table["relabel"].to_numpy(dtype=object).copy()

    def set_where(mask: np.ndarray, new_label: str, why: str) -> None:
        # An empty table's masks come out as object arrays, which numpy refuses as indices.
        change = np.asarray(mask, dtype=bool) & (label != new_label)
        label[change] = new_label
        reason[change] = why

    # Short editorial lines outside the span of the page's longer editorial lines: menus.
    editorial_long = (label == EDITORIAL) & (n_words > SHORT_LINE_MAX_WORDS)
    article = table["article_id"].to_numpy()
    position = table["position"].to_numpy()
    span = pd.DataFrame({"a": article, "p": np.where(editorial_long, position, np.nan)})
    first = span.groupby("a")["p"].transform("min").to_numpy()
    last = span.groupby("a")["p"].transform("max").to_numpy()
    outside = (position < first) | (position > last)
    set_where(
        (label == EDITORIAL) & (n_words <= SHORT_LINE_MAX_WORDS) & outside,
        EITHER,
        "short_outside_span",
    )

    # Lines just before the first editorial line, in sources whose gold omits the headline.
    dataset = table["dataset"].to_numpy()
    first_editorial = (
        pd.DataFrame({"a": article, "p": np.where(label == EDITORIAL, position, np.nan)})
        .groupby("a")["p"]
        .transform("min")
        .to_numpy()
    )
    pre_lead = (
        np.isin(dataset, list(GOLD_AFTER_TITLE))
        & (label != EDITORIAL)
        & (position < first_editorial)
        & (position >= first_editorial - PRE_LEAD_LINES)
    )
    set_where(pre_lead, EITHER, "pre_lead")

    set_where(texts.str.match(_BYLINE).to_numpy() & (n_words <= BYLINE_MAX_WORDS), EITHER, "byline")
    set_where(
        texts.str.match(_READ_MORE).to_numpy() & (n_words <= READ_MORE_MAX_WORDS),
        BOILERPLATE,
        "read_more",
    )
    is_promo = texts.map(lambda t: _PROMO.search(t) is not None).to_numpy()
    not_list = ~texts.str.match(_LIST_ITEM).to_numpy()
    set_where(
        is_promo & not_list & (n_words <= PROMO_MAX_WORDS) & (label == EDITORIAL),
        BOILERPLATE,
        "promo",
    )

    if urls is not None:
        # A headline precedes the story: only lines up to the first editorial line qualify.
        before_story = ~(position > first_editorial)
        titles = _title_lines(texts, urls.to_numpy(dtype=object), position) & before_story
        set_where(titles, EDITORIAL, "title")

    table["label"] = label
    table["relabel"] = reason
    return table


def _slug_words(url: object) -> set[str]:
    if not isinstance(url, str):
        return set()
    path = url.split("?", 1)[0].split("#", 1)[0].rstrip("/")
    slug = path.rsplit("/", 1)[-1]
    slug = re.sub(r"\.(?:html?|php|aspx?|shtml)$", "", slug.lower())
    return {w for w in _SLUG_WORD.findall(slug) if not w.isdigit() and len(w) > 1}


def _title_lines(texts: pd.Series, urls: np.ndarray, position: np.ndarray) -> np.ndarray:
    """Lines near the top whose words cover most of their URL slug's words."""
    out = np.zeros(len(texts), dtype=bool)
    slug_cache: dict[str, set[str]] = {}
    for i, (text, url, pos) in enumerate(zip(texts.tolist(), urls, position)):
        if pos > 10 or not isinstance(url, str):
            continue
        slug = slug_cache.get(url)
        if slug is None:
            slug = slug_cache[url] = _slug_words(url)
        if len(slug) < MIN_SLUG_WORDS:
            continue
        words = {w for w in _SLUG_WORD.findall(text.lower())}
        shared = len(slug & words)
        # Most of the slug is in the line, and most of the line is in the slug.
        out[i] = (
            shared / len(slug) >= TITLE_SLUG_SHARE
            and shared / max(len(words), 1) >= TITLE_LINE_SHARE
        )
    return out


def sample_articles(table: pd.DataFrame, n_paragraphs: int, seed: int) -> pd.DataFrame:
    """Whole articles drawn at random (seeded) until about ``n_paragraphs`` rows are taken."""
    ids = table["article_id"].drop_duplicates().to_numpy()
    rng = np.random.default_rng(seed)
    rng.shuffle(ids)
    sizes = table.groupby("article_id", sort=False).size()
    taken = np.cumsum(sizes.loc[ids].to_numpy()) <= n_paragraphs
    chosen = set(ids[taken]) or {ids[0]}
    return table[table["article_id"].isin(chosen)].reset_index(drop=True)


__all__ = [
    "BOILERPLATE",
    "EDITORIAL",
    "EITHER",
    "USER_COLUMNS",
    "DataError",
    "apply_label_rules",
    "digest_data_files",
    "is_shared_data",
    "load_labelled",
    "load_shared",
    "load_user_table",
    "sample_articles",
]
