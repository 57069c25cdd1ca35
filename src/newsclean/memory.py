"""Publisher memory: how often a paragraph recurs across the articles of one domain.

A paragraph that a publisher prints on many of its articles (a donation appeal, a newsletter
box, a copyright line, a menu) is strong evidence of boilerplate, whatever the paragraph says;
CCNet's paragraph deduplication and deboiler's per-domain blocks rest on the same observation.
:class:`PublisherMemory` counts, per domain, in how many *distinct articles* each paragraph
occurs, and the cleaner combines that count with the model's score:

    boilerplate  if  score >= threshold
                 or  (support >= min_support  and  score >= floor)

``min_support`` keeps a story that quotes a paragraph in two articles intact; ``floor`` keeps a
repeated paragraph the model is confident is story text (the background paragraph of a running
series). Both defaults were chosen on the validation domains of the shared data
(``benchmarks/repetition.py``; see :data:`MIN_SUPPORT_DEFAULT`).

Counting rules
--------------
* Paragraphs are those of :func:`newsclean.features.segment.split_paragraphs`, the cleaner's.
* A paragraph is identified by :func:`paragraph_hash`: 64 bits of BLAKE2b over its normalised text
  (casefolded, every digit folded to ``0``, whitespace collapsed), so counts are the same in
  every process and on every machine, and "Page 2 of 7" matches "Page 3 of 9".
* A paragraph repeated inside one article counts once for that article.
* An article whose normalised text was already counted for its domain is skipped, so a story
  republished verbatim does not make its own paragraphs "repeated".
* Articles without a domain are not counted and get no repetition evidence.

File format
-----------
:meth:`PublisherMemory.save` writes one JSON object (UTF-8, sorted keys, so equal memories give
equal bytes)::

    {"format": "newsclean-publisher-memory", "version": 1,
     "fingerprint": "blake2b-64 ...", "min_support": 6, "floor": 0.35, "n_duplicates": 0,
     "domains": {"example.com": {"articles": ["<16 hex digits>", ...],
                                  "paragraphs": {"<16 hex digits>": 4, ...}}}}

``articles`` holds the hashes of the articles counted (``n_articles`` is its length);
``paragraphs`` maps a paragraph hash to the number of distinct articles containing it.
No text is stored.

Size: about 100 bytes of Python memory and 22 bytes of JSON per distinct (domain, paragraph)
pair (measured: 1.4 MB and 0.31 MB for 14,400 pairs), plus a hash per article; building
streams the articles and keeps no text.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import numpy as np

from newsclean.atomic import atomic_file
from newsclean.features.segment import split_paragraphs

#: Distinct articles of a domain a paragraph must occur in to count as repeated. Chosen with
#: :data:`FLOOR_DEFAULT` on the validation domains of the shared data (page and extracted views,
#: the shipped model): the highest mean boilerplate recall whose editorial recall is within
#: 0.0005 of the model alone in both views (``benchmarks/results/repetition.md``).
MIN_SUPPORT_DEFAULT = 6
#: Boilerplate score below which a repeated paragraph is kept anyway (chosen with
#: :data:`MIN_SUPPORT_DEFAULT`).
FLOOR_DEFAULT = 0.35
FORMAT = "newsclean-publisher-memory"
FORMAT_VERSION = 1
#: How the memory's paragraph and article hashes are taken (its files' ``fingerprint``).
HASH_NAME = (
    "blake2b-64 of the paragraph's UTF-8 text after casefolding, folding digits to 0 and "
    "collapsing whitespace"
)
_DIGIT = re.compile(r"\d")
_DIGEST_SIZE = 8
_HEX_DIGITS = 2 * _DIGEST_SIZE
_HEX = re.compile(rf"[0-9a-f]{{1,{_HEX_DIGITS}}}")


def check_min_support(value: object, what: str = "min_support") -> int:
    """``value`` as an int if it is a whole number of at least 2; else a clear error naming
    ``what``. The rule of every ``min_support`` (the memory's and ``--min-support``)."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{what} must be an int, got {type(value).__name__}")
    if value < 2:
        raise ValueError(f"{what} must be at least 2, got {value}")
    return int(value)


def check_floor(value: object, what: str = "floor") -> float:
    """``value`` as a float if it lies in [0, 1]; else a clear error naming ``what``. The rule
    of every ``floor`` (the memory's and ``--repetition-floor``)."""
    if not 0.0 <= float(value) <= 1.0:  # also false for NaN
        raise ValueError(f"{what} must be between 0 and 1, got {value}")
    return float(value)


def normalise(paragraph: str) -> str:
    """The text a hash is taken of: casefolded, digits as ``0``, whitespace collapsed.

    Examples
    --------
    >>> normalise("  Page 12 of\\t30 ")
    'page 00 of 00'
    """
    return " ".join(_DIGIT.sub("0", paragraph.casefold()).split())


def _digest(text: str) -> int:
    data = text.encode("utf-8", "surrogatepass")
    return int.from_bytes(hashlib.blake2b(data, digest_size=_DIGEST_SIZE).digest(), "big")


def paragraph_hash(paragraph: str) -> int:
    """A 64-bit hash of a paragraph, the same in every process and on every machine.

    Unlike Python's ``hash`` it is not salted per process. Paragraphs that differ only in case,
    digits or whitespace share a hash.

    Examples
    --------
    >>> paragraph_hash("Give  now") == paragraph_hash("give now")
    True
    >>> paragraph_hash("Page 2 of 7") == paragraph_hash("Page 3 of 9")
    True
    """
    return _digest(normalise(paragraph))


def article_hash(paragraphs: Sequence[str]) -> int:
    """Hash of a whole article: of its normalised paragraphs, in order."""
    return _digest("\n".join(normalise(p) for p in paragraphs))


def normalise_domain(domain: object) -> str | None:
    """A domain as a memory key: lower case, without ``www.`` and a trailing dot; None if empty.

    Examples
    --------
    >>> normalise_domain(" WWW.Example.com. ")
    'example.com'
    >>> normalise_domain("https://www.example.com/news/1")
    'example.com'
    """
    if not isinstance(domain, str):
        return None
    key = domain.strip().lower().rstrip(".")
    if "/" in key or re.fullmatch(r"[^:\[\]]+:\d+", key):  # a URL or host:port: its host
        return domain_from_url(key)
    key = key.removeprefix("www.")
    return key or None


def domain_from_url(url: object) -> str | None:
    """The host of ``url`` without ``www.`` (None when there is none).

    Examples
    --------
    >>> domain_from_url("https://www.Example.com:8080/news/story?id=1")
    'example.com'
    >>> domain_from_url("example.org/story")
    'example.org'
    """
    if not isinstance(url, str) or not url.strip():
        return None
    url = url.strip()
    try:
        host = urlsplit(url if "//" in url else f"//{url}").hostname
    except ValueError:  # e.g. a malformed IPv6 literal
        return None
    if host is None or any(c.isspace() for c in host):  # not a URL
        return None
    return normalise_domain(host)


def record_domain(
    record: dict, domain_field: str | None = None, url_field: str | None = None
) -> str | None:
    """A record's domain: ``record[domain_field]``, else the host of ``record[url_field]``."""
    domain = normalise_domain(record.get(domain_field)) if domain_field else None
    if domain is None and url_field:
        domain = domain_from_url(record.get(url_field))
    return domain


class PublisherMemory:
    """Per-domain counts of the distinct articles each paragraph hash occurs in.

    Parameters
    ----------
    min_support : int, default=MIN_SUPPORT_DEFAULT
        Distinct articles of the domain (this one included, if it was counted) a paragraph must
        occur in before repetition counts as evidence; at least 2.
    floor : float, default=FLOOR_DEFAULT
        A repeated paragraph is removed only if the model's boilerplate score is at least this.

    Notes
    -----
    Reading a memory (``support``, cleaning with it) is safe from many threads at once;
    building one (``add``, ``update``, ``merge``) is not: build in one thread, or build one
    memory per thread and :meth:`merge` them.

    Examples
    --------
    >>> memory = PublisherMemory(min_support=2)
    >>> memory.update(["Story one.\\nGive now", "Story two.\\nGive now"], ["a.com", "a.com"])
    2
    >>> memory.support(["Give now", "Story one."], "a.com").tolist()
    [2, 1]
    >>> memory.support(["Give now"], "b.com").tolist()
    [0]
    """

    def __init__(self, *, min_support: int = MIN_SUPPORT_DEFAULT, floor: float = FLOOR_DEFAULT):
        self.min_support = check_min_support(min_support)
        self.floor = check_floor(floor)
        # domain -> paragraph hash -> distinct articles; domain -> article hashes
        self._paragraphs: dict[str, dict[int, int]] = {}
        self._articles: dict[str, set[int]] = {}
        #: Articles skipped because the same text was already counted for their domain.
        self.n_duplicates = 0

    # -- counting -----------------------------------------------------------------------------
    def add(self, text: str, domain: str | None) -> bool:
        """Count one article; return whether it was counted.

        Not counted: no domain, no paragraph, or an exact duplicate (same normalised text) of an
        article already counted for the domain.
        """
        if not isinstance(text, str):
            raise TypeError(f"text must be str, got {type(text).__name__}")
        key = normalise_domain(domain)
        if key is None:
            return False
        paragraphs = [span.text for span in split_paragraphs(text)]
        if not paragraphs:
            return False
        whole = article_hash(paragraphs)
        seen = self._articles.setdefault(key, set())
        if whole in seen:
            self.n_duplicates += 1
            return False
        seen.add(whole)
        counts = self._paragraphs.setdefault(key, {})
        for fp in {paragraph_hash(p) for p in paragraphs}:  # once per article
            counts[fp] = counts.get(fp, 0) + 1
        return True

    def update(self, texts: Iterable[str], domains: Iterable[str | None]) -> int:
        """Count many articles (``domains`` aligned with ``texts``); return how many counted."""
        texts, domains = list(texts), list(domains)
        if len(texts) != len(domains):
            raise ValueError(f"{len(texts)} texts but {len(domains)} domains")
        return sum(self.add(t, d) for t, d in zip(texts, domains))

    def merge(self, other: PublisherMemory) -> PublisherMemory:
        """Add ``other``'s counts to this memory (e.g. memories built on separate shards).

        Exact when no article was counted by both (for instance shards split by domain). An
        article counted by both is counted once in ``n_articles``, but its paragraphs keep
        both counts: the memories do not know which paragraphs it had. Returns ``self``;
        ``min_support`` and ``floor`` stay this memory's.
        """
        if not isinstance(other, PublisherMemory):
            raise TypeError(f"can only merge a PublisherMemory, got {type(other).__name__}")
        for domain, counts in other._paragraphs.items():
            mine = self._paragraphs.setdefault(domain, {})
            for fp, n in counts.items():
                mine[fp] = mine.get(fp, 0) + n
        for domain, articles in other._articles.items():
            self._articles.setdefault(domain, set()).update(articles)
        self.n_duplicates += other.n_duplicates
        return self

    # -- reading ------------------------------------------------------------------------------
    def support(self, paragraph_texts: Sequence[str], domain: str | None) -> np.ndarray:
        """Distinct articles of ``domain`` containing each paragraph (0 for unknown domains)."""
        counts = self._paragraphs.get(normalise_domain(domain) or "", {})
        if not counts:
            return np.zeros(len(paragraph_texts), dtype=np.int64)
        return np.fromiter(
            (counts.get(paragraph_hash(p), 0) for p in paragraph_texts),
            dtype=np.int64,
            count=len(paragraph_texts),
        )

    def boilerplate_mask(
        self, scores: Sequence[float], support: Sequence[int], threshold: float
    ) -> np.ndarray:
        """The combined decision: True where a paragraph is boilerplate.

        ``score >= threshold``, or ``support >= min_support`` and ``score >= floor``.
        """
        scores = np.asarray(scores, dtype=np.float64)
        support = np.asarray(support, dtype=np.int64)
        if scores.shape != support.shape:
            raise ValueError(f"{scores.shape} scores but {support.shape} support counts")
        repeated = (support >= self.min_support) & (scores >= self.floor)
        return (scores >= threshold) | repeated

    @property
    def n_articles(self) -> dict[str, int]:
        """Articles counted, per domain."""
        return {domain: len(articles) for domain, articles in sorted(self._articles.items())}

    @property
    def domains(self) -> list[str]:
        """Domains with at least one counted article, sorted."""
        return sorted(self._articles)

    def __len__(self) -> int:
        """Distinct (domain, paragraph) pairs counted."""
        return sum(len(counts) for counts in self._paragraphs.values())

    def __repr__(self) -> str:
        return (
            f"PublisherMemory(min_support={self.min_support}, floor={self.floor}: "
            f"{sum(map(len, self._articles.values()))} articles, {len(self._articles)} domains, "
            f"{len(self)} paragraphs)"
        )

    def with_params(
        self, *, min_support: int | None = None, floor: float | None = None
    ) -> PublisherMemory:
        """A memory with other parameters that *shares* this one's counts (no copy)."""
        other = PublisherMemory(
            min_support=self.min_support if min_support is None else min_support,
            floor=self.floor if floor is None else floor,
        )
        other._paragraphs, other._articles = self._paragraphs, self._articles
        other.n_duplicates = self.n_duplicates
        return other

    # -- files --------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """The JSON-ready content of :meth:`save` (see the module docstring)."""
        return {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "fingerprint": HASH_NAME,  # the file format's key, kept
            "min_support": self.min_support,
            "floor": self.floor,
            "n_duplicates": self.n_duplicates,
            "domains": {
                domain: {
                    "articles": sorted(f"{a:0{_HEX_DIGITS}x}" for a in self._articles[domain]),
                    "paragraphs": {
                        f"{fp:0{_HEX_DIGITS}x}": n
                        for fp, n in self._paragraphs.get(domain, {}).items()
                    },
                }
                for domain in sorted(self._articles)
            },
        }

    @classmethod
    def from_dict(
        cls, data: dict[str, Any], *, min_support: int | None = None, floor: float | None = None
    ) -> PublisherMemory:
        """Rebuild a memory from :meth:`to_dict`'s output; parameters override the stored ones."""
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise ValueError(f"not a newsclean publisher memory (format != {FORMAT!r})")
        if data.get("version") != FORMAT_VERSION:
            raise ValueError(
                f"publisher memory version {data.get('version')!r} is not supported "
                f"(this newsclean reads version {FORMAT_VERSION})"
            )
        memory = cls(
            min_support=data["min_support"] if min_support is None else min_support,
            floor=data["floor"] if floor is None else floor,
        )
        memory.n_duplicates = int(data.get("n_duplicates", 0))
        domains = data.get("domains")
        if not isinstance(domains, dict):
            raise ValueError("'domains' must be an object of domain -> entry")
        for domain, entry in domains.items():
            key = normalise_domain(domain)
            if key is None:
                raise ValueError(f"{domain!r} is not a domain")
            if not (
                isinstance(entry, dict)
                and isinstance(entry.get("articles"), list)
                and isinstance(entry.get("paragraphs"), dict)
            ):
                raise ValueError(f"domain {domain!r}: needs 'articles' (a list), 'paragraphs'")
            # Keys are stored normalised; a hand-edited file may hold two spellings of one.
            memory._articles.setdefault(key, set()).update(
                _parse_hash(a, domain) for a in entry["articles"]
            )
            counts = memory._paragraphs.setdefault(key, {})
            for k, n in entry["paragraphs"].items():
                # A count is a number of articles: a float or a huge number is a damaged file.
                if not isinstance(n, int) or isinstance(n, bool) or not 0 < n < 2**62:
                    raise ValueError(f"domain {domain!r}: count {n!r} is not a number of articles")
                key = _parse_hash(k, domain)
                counts[key] = counts.get(key, 0) + n
        return memory

    def save(self, path: str | os.PathLike) -> Path:
        """Write the memory as JSON, atomically (:func:`newsclean.atomic.atomic_file`)."""
        path = Path(path)
        with atomic_file(path, "w", encoding="utf-8") as fh:
            json.dump(self.to_dict(), fh, sort_keys=True, separators=(",", ":"))
            fh.write("\n")
        return path

    @classmethod
    def load(
        cls, path: str | os.PathLike, *, min_support: int | None = None, floor: float | None = None
    ) -> PublisherMemory:
        """Read a memory written by :meth:`save` (``min_support`` / ``floor`` override its own).

        A file that is not one (damaged, hand-edited) raises ``ValueError`` naming it.
        """
        with open(path, encoding="utf-8") as fh:
            try:
                return cls.from_dict(json.load(fh), min_support=min_support, floor=floor)
            except (ValueError, KeyError, TypeError, AttributeError) as exc:
                raise ValueError(
                    f"{path}: not a usable publisher memory ({type(exc).__name__}: {exc}); "
                    "rebuild it with --repetition"
                ) from exc


def _parse_hash(hex_digits: object, domain: str) -> int:
    """A stored hash (hex digits) as an int; a ValueError naming the domain if not."""
    if isinstance(hex_digits, str) and _HEX.fullmatch(hex_digits):
        return int(hex_digits, 16)
    raise ValueError(f"domain {domain!r}: {hex_digits!r} is not a fingerprint (hex digits)")


_cache: dict[str, tuple[tuple[int, int], PublisherMemory]] = {}
_cache_lock = threading.Lock()


def load_memory_with(
    path: str | os.PathLike, *, min_support: int | None = None, floor: float | None = None
) -> PublisherMemory:
    """:func:`load_memory` with ``min_support`` / ``floor`` overriding the file's (None: the
    file's own); the counts are shared with the cached memory, not copied."""
    return load_memory(path).with_params(min_support=min_support, floor=floor)


def load_memory(path: str | os.PathLike) -> PublisherMemory:
    """:meth:`PublisherMemory.load`, cached per file (reloaded when the file changes).

    Batch workers call this once per batch; the file is parsed once per process.
    """
    key = str(Path(path).resolve())
    stat = os.stat(key)
    version = (stat.st_mtime_ns, stat.st_size)
    with _cache_lock:
        hit = _cache.get(key)
        if hit is None or hit[0] != version:
            hit = (version, PublisherMemory.load(key))
            _cache[key] = hit
        return hit[1]


__all__ = [
    "FLOOR_DEFAULT",
    "MIN_SUPPORT_DEFAULT",
    "PublisherMemory",
    "article_hash",
    "check_floor",
    "check_min_support",
    "domain_from_url",
    "load_memory",
    "load_memory_with",
    "normalise",
    "normalise_domain",
    "paragraph_hash",
    "record_domain",
]
