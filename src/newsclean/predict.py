"""The predict module: clean articles with a loaded model.

:func:`load_model` finds, checks and caches a model, :func:`classify` labels the paragraphs of one
article, :func:`clean` drops its boilerplate, and :func:`clean_texts` / :func:`clean_frame` do the
same for many articles with one model call per batch.

Scoring goes through the model's :class:`~newsclean.scorer.Scorer` (numpy only), so the default
``clean`` imports neither scikit-learn nor pandas; :func:`load_model` returns the scikit-learn
estimator (:class:`~newsclean.classifier.ParagraphClassifier`) around the same scorer.
"""

from __future__ import annotations

import os
import re
import sys
import threading
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np

from newsclean.features.segment import Span, join_kept, split_paragraphs
from newsclean.kinds import REPEATED_KIND
from newsclean.labels import BOILERPLATE, EDITORIAL
from newsclean.memory import PublisherMemory
from newsclean.models import (
    DEFAULT_MODEL_DIR,
    check_threshold,
    load_artifact,
    mode_threshold,
)
from newsclean.scorer import Scorer

if TYPE_CHECKING:  # pandas and scikit-learn are imported only when they are used
    import pandas as pd

    from newsclean.classifier import ParagraphClassifier

#: Two or more of these tags mean the caller passed HTML, not extracted text.
_HTML_TAG = re.compile(
    r"<(?:p|div|br|span|a|html|body|head|script|li|ul|h[1-6])\b[^>]*>", re.IGNORECASE
)
_HTML_TAGS_TO_WARN = 2
_HTML_SNIFF_CHARS = 20_000
#: Model sources that :func:`load_model` resolves through MLflow.
MLFLOW_SCHEMES = ("models:/", "runs:/", "mlflow-artifacts:/")

#: What :func:`clean_texts` and :func:`clean_frame` do with a value that is not a ``str``.
INVALID_POLICIES = ("raise", "keep")
#: The hint an error about a value that is not a ``str`` gives (see :func:`check_text`).
INVALID_HINT = "pass invalid='keep' to pass such values through unchanged"

_scorers: dict[tuple[str, ...], tuple[Scorer, dict]] = {}
_cache_lock = threading.RLock()


@dataclass(frozen=True)
class Paragraph:
    """One paragraph of an article and its label.

    ``text == article[start:end]``; ``score`` is the boilerplate probability after the context
    pass, ``score_raw`` the first pass's. ``support`` is the number of distinct articles of the
    domain containing the paragraph when a :class:`~newsclean.memory.PublisherMemory` was used
    (None otherwise); ``label`` is the final decision, repetition included. ``kind`` says why a
    removed paragraph is boilerplate (``"appeal"``, ``"newsletter"``, ``"teaser"``, ... from the
    model's kind head, see :mod:`newsclean.kinds`; ``"repeated"`` when the memory alone removed
    it); None for a kept paragraph or a model without a kind head.
    """

    index: int
    text: str
    start: int
    end: int
    score: float
    score_raw: float
    label: str
    support: int | None = None
    kind: str | None = None

    def annotation(self) -> dict[str, int | float | str | None]:
        """Everything but the text: what ``clean_frame`` and the CLI's ``--annotate`` add
        (``support`` only when a publisher memory was used; ``kind`` for every paragraph, None
        where it has none)."""
        notes = {
            "index": self.index,
            "start": self.start,
            "end": self.end,
            "score": self.score,
            "score_raw": self.score_raw,
            "label": self.label,
            "kind": self.kind,
        }
        if self.support is not None:
            notes["support"] = self.support
        return notes


@dataclass
class CleanResult:
    """The cleaned text of one article and what was removed.

    ``valid`` is False for a value that was not a ``str`` and was passed through unchanged
    (``invalid="keep"``): then ``text`` is that value and the counts are 0.
    """

    text: str
    n_paragraphs: int
    n_removed: int
    chars_removed: int
    paragraphs: list[Paragraph] = field(default_factory=list)
    valid: bool = True


def load_model(source: str | os.PathLike | None = None) -> ParagraphClassifier:
    """Load a model: the shipped one, an exported folder, or an MLflow model URI.

    Parameters
    ----------
    source : str, path or None
        ``None`` for the model shipped in the package; a folder (or its ``model.npz``)
        written by ``newsclean train --export``; or an MLflow model URI such as
        ``models:/newsclean-paragraph@champion`` (needs ``pip install newsclean[train]``).

    Returns
    -------
    model : ParagraphClassifier
        A new estimator around the source's scorer, whose weights are loaded once per source
        (see :func:`load_scorer`), read-only and shared, so threads can share them. Its
        ``threshold`` is the one chosen in training (the model card's); changing it changes
        this estimator only.

    Raises
    ------
    ImportError
        Without scikit-learn, naming the extra to install (:func:`clean` does not need it).
    """
    from newsclean.extras import ESTIMATOR_MODULES, require_extra

    require_extra("load_model (a ParagraphClassifier)", "train", ESTIMATOR_MODULES)
    from newsclean.classifier import ParagraphClassifier

    return ParagraphClassifier.from_card(*load_scorer(source))


def _cache_key(source: str | os.PathLike | None) -> tuple[str, ...]:
    """What identifies a loaded model: the resolved folder (so a relative path means the same
    after ``chdir``), or an MLflow URI as written. A model is checked once, when it is loaded;
    the process then serves that checked copy even if the files change, so one run never mixes
    two models."""
    if source is None:
        return ("default",)
    if str(source).startswith(MLFLOW_SCHEMES):
        return ("mlflow", str(source))
    directory = Path(source).resolve()
    return ("folder", str(directory.parent if directory.is_file() else directory))


def load_scorer(source: str | os.PathLike | None = None) -> tuple[Scorer, dict]:
    """The scorer and card of a model source, loaded once (integrity-checked, no pickle).

    What :func:`clean` and friends use; unlike :func:`load_model` it imports neither
    scikit-learn nor pandas, so worker processes start fast.
    """
    key = _cache_key(source)
    with _cache_lock:
        loaded = _scorers.get(key)
        if loaded is None:
            loaded = _scorers[key] = load_artifact(model_directory(source))
    return loaded


def model_directory(source: str | os.PathLike | None) -> Path:
    """The local model folder of a model source (MLflow URIs are downloaded first)."""
    if source is None:
        directory = DEFAULT_MODEL_DIR
    elif str(source).startswith(MLFLOW_SCHEMES):
        directory = _download_mlflow_model(str(source))
    else:
        directory = Path(source)
        if not directory.exists():
            raise FileNotFoundError(f"model not found: {directory}")
    return directory


def _download_mlflow_model(uri: str) -> Path:
    try:
        import mlflow
    except ImportError:  # pragma: no cover - depends on the installed extras
        raise ImportError(f"loading {uri!r} needs MLflow: pip install 'newsclean[train]'") from None
    local = Path(mlflow.artifacts.download_artifacts(artifact_uri=uri))
    cards = sorted(local.rglob("model_card.json"))
    if not cards:
        raise FileNotFoundError(f"{uri} has no newsclean model_card.json among its artifacts")
    return cards[0].parent


def _resolve(
    model: ParagraphClassifier | str | os.PathLike | None,
    threshold: float | None = None,
    mode: str | None = None,
) -> tuple[Scorer, float]:
    """The scorer of ``model`` (an estimator, a source, or None) and the threshold to cut at:
    ``threshold`` when given, else the card's operating point ``mode``, else the model's own."""
    if threshold is not None and mode is not None:
        raise ValueError("pass threshold= or mode=, not both")
    if model is None or isinstance(model, (str, os.PathLike)):
        scorer, card = load_scorer(model)
        if mode is not None:
            return scorer, mode_threshold(card, mode)
        default = card["threshold"]  # checked when the card was loaded
    else:
        scorer = getattr(model, "scorer_", None)
        if not isinstance(scorer, Scorer):
            raise TypeError(
                "model must be a fitted ParagraphClassifier, a model folder, an MLflow model URI "
                f"or None, got {type(model).__name__}"
            )
        if mode is not None:
            raise ValueError(
                "mode= needs a model folder or URI whose card records operating points; "
                "an estimator has only its threshold: pass threshold= instead"
            )
        default = check_threshold(model.threshold, "the model's threshold")
    return scorer, default if threshold is None else check_threshold(threshold)


def check_text(text: object, where: str = "text", hint: str = "") -> str:
    """Return ``text`` if it is a ``str``; otherwise raise a ``TypeError`` naming ``where``.

    Integrations (:mod:`newsclean.integrations`) use it to name a value the way their own
    container does (a dataset row, a column and index), with ``hint`` saying what to do.
    """
    if isinstance(text, str):
        return text
    tail = f" ({hint})" if hint else ""
    if isinstance(text, (bytes, bytearray)):
        raise TypeError(
            f"{where} must be str, got bytes: decode it first, e.g. text.decode('utf-8'){tail}"
        )
    raise TypeError(f"{where} must be str, got {type(text).__name__}{tail}")


def check_invalid_policy(invalid: object) -> None:
    """Raise a ``ValueError`` unless ``invalid`` is one of :data:`INVALID_POLICIES`."""
    if invalid not in INVALID_POLICIES:
        raise ValueError(f"invalid must be one of {INVALID_POLICIES}, got {invalid!r}")


def _warn_if_html(text: str) -> None:
    sniffed = text[:_HTML_SNIFF_CHARS]
    if "<" not in sniffed:  # the usual case, and a far cheaper test than the expression
        return
    if len(_HTML_TAG.findall(sniffed)) >= _HTML_TAGS_TO_WARN:
        warnings.warn(
            "the text looks like HTML; newsclean expects extracted plain text (one paragraph "
            "per line), e.g. the output of trafilatura or jusText",
            UserWarning,
            stacklevel=_caller_stacklevel(),
        )


def _caller_stacklevel() -> int:
    """The ``stacklevel`` that makes a warning point at the first caller outside this module,
    whichever public function it called (for the function that calls ``warnings.warn``)."""
    frame, level = sys._getframe(1), 1
    while frame is not None and frame.f_code.co_filename == __file__:
        frame, level = frame.f_back, level + 1
    return level


def clean_texts(
    texts: Sequence[str],
    *,
    model: ParagraphClassifier | str | os.PathLike | None = None,
    threshold: float | None = None,
    mode: str | None = None,
    annotate: bool = False,
    memory: PublisherMemory | None = None,
    domains: Sequence[str | None] | None = None,
    invalid: Literal["raise", "keep"] = "raise",
) -> list[CleanResult]:
    """Clean many articles with one model call.

    Parameters
    ----------
    texts : sequence of str
        The articles; a value that is not a ``str`` (None, NaN, bytes, a number) is handled as
        ``invalid`` says.
    model : ParagraphClassifier, source for :func:`load_model`, or None for the default
    threshold : float, optional
        Boilerplate probability at or above which a paragraph is removed; defaults to the
        model's (chosen in training for editorial recall >= 0.995).
    mode : {"precise", "balanced", "aggressive"}, optional
        Cut at one of the operating points the model card records instead, chosen in training
        on reviewed articles of unseen publishers for editorial recall 0.999, 0.995 (the
        model's own threshold) and 0.98; not together with ``threshold``.
    annotate : bool, default=False
        Fill :attr:`CleanResult.paragraphs` (with each removed paragraph's ``kind`` when the
        model has a kind head; only then is the head run).
    memory : PublisherMemory, optional
        Per-domain paragraph counts from earlier articles (or a first pass over the dump): a
        paragraph found in at least ``memory.min_support`` articles of its domain is also
        removed when its score is at least ``memory.floor``. Read, never changed.
    domains : sequence of str or None, optional
        The publisher domain of each text (required with ``memory``; None for unknown: no
        repetition evidence for that text).
    invalid : {"raise", "keep"}, default="raise"
        What to do with a text that is not a ``str``: ``"raise"`` a ``TypeError`` naming its
        position (nothing is cleaned), or ``"keep"`` it: its result holds the value unchanged,
        with ``valid=False`` and zero counts, so one bad value does not fail a whole batch
        (a Dask partition, a Spark task, a ``datasets`` map).

    Returns
    -------
    list of CleanResult, one per text, in order.

    Raises
    ------
    TypeError
        With ``invalid="raise"``, for the first text that is not a ``str``.

    Examples
    --------
    >>> [r.valid for r in clean_texts(["", None], invalid="keep")]
    [True, False]
    """
    if isinstance(texts, (str, bytes)):
        raise TypeError(
            f"texts must be a sequence of str, got {type(texts).__name__}: use clean() for one text"
        )
    texts = list(texts)  # also takes a generator, which the loops below would read twice
    check_invalid_policy(invalid)
    scorer, cut = _resolve(model, threshold, mode)
    if memory is not None:
        domains = _check_memory(memory, domains, len(texts))
    spans_by_article: list[list[Span]] = []
    paragraphs: list[str] = []
    valid = [isinstance(text, str) for text in texts]
    for i, text in enumerate(texts):
        if not valid[i]:
            if invalid == "raise":
                check_text(text, f"texts[{i}]", hint=INVALID_HINT)
            spans_by_article.append([])
            continue
        _warn_if_html(text)
        spans = split_paragraphs(text)
        spans_by_article.append(spans)
        paragraphs.extend(s.text for s in spans)
    lengths = [len(spans) for spans in spans_by_article]
    raw, final = scorer.score_paragraphs(paragraphs, lengths) if paragraphs else ([], [])

    decisions = []  # per article: its scores, first-pass scores, keep flags and support
    row = 0
    for i, spans in enumerate(spans_by_article):
        if not valid[i]:
            decisions.append(None)
            continue
        scores = final[row : row + len(spans)]
        raws = raw[row : row + len(spans)]
        row += len(spans)
        keep = (np.asarray(scores) < cut).tolist()
        support = None
        if memory is not None:
            support = memory.support([sp.text for sp in spans], domains[i]).tolist()
            keep = (~memory.boilerplate_mask(scores, support, cut)).tolist()
        decisions.append((scores, raws, keep, support))
    kinds = _removed_kinds(scorer, spans_by_article, decisions, cut) if annotate else None

    results: list[CleanResult] = []
    for i, (text, spans) in enumerate(zip(texts, spans_by_article)):
        if decisions[i] is None:  # kept as it came (invalid="keep"); it has no paragraphs
            results.append(CleanResult(text, 0, 0, 0, valid=False))
            continue
        scores, raws, keep, support = decisions[i]
        removed = [sp for sp, k in zip(spans, keep) if not k]
        annotated = (
            [
                Paragraph(
                    j,
                    sp.text,
                    sp.start,
                    sp.end,
                    float(s),
                    float(r),
                    EDITORIAL if k else BOILERPLATE,
                    None if support is None else support[j],
                    None if k else next(kinds),
                )
                for j, (sp, s, r, k) in enumerate(zip(spans, scores, raws, keep))
            ]
            if annotate
            else []
        )
        results.append(
            CleanResult(
                text=join_kept(text, spans, keep) if removed else text,
                n_paragraphs=len(spans),
                n_removed=len(removed),
                chars_removed=sum(sp.end - sp.start for sp in removed),
                paragraphs=annotated,
            )
        )
    return results


def _removed_kinds(
    scorer: Scorer,
    spans_by_article: list[list[Span]],
    decisions: list,
    cut: float,
) -> Iterator[str | None]:
    """The kind of every removed paragraph of every article, in order, from one call to the
    kind head over the removed paragraphs only (:meth:`~newsclean.scorer.Scorer.paragraph_kinds`).
    A paragraph the publisher memory removed although its score is under ``cut`` is
    :data:`~newsclean.kinds.REPEATED_KIND` (when the model has a head): its repetition, not its
    words, is why it went."""
    removed: list[str] = []
    repeated: list[bool] = []
    for spans, decision in zip(spans_by_article, decisions):
        if decision is None:
            continue
        scores, _, keep, _ = decision
        for sp, score, k in zip(spans, scores, keep):
            if not k:
                removed.append(sp.text)
                repeated.append(score < cut)
    if scorer.kinds is None:
        return iter([None] * len(removed))
    needs_head = [text for text, r in zip(removed, repeated) if not r]
    from_head = iter(scorer.paragraph_kinds(needs_head))
    return iter([REPEATED_KIND if r else next(from_head) for r in repeated])


def _check_memory(
    memory: PublisherMemory, domains: Sequence[str | None] | None, n: int
) -> Sequence[str | None]:
    if not isinstance(memory, PublisherMemory):
        raise TypeError(f"memory must be a PublisherMemory, got {type(memory).__name__}")
    if domains is None:
        raise ValueError("a memory needs the articles' domains: pass domains= (None for unknown)")
    if isinstance(domains, str) or len(domains) != n:
        raise ValueError(f"domains must be a sequence of one domain per text ({n} texts)")
    for i, domain in enumerate(domains):
        if domain is not None and not isinstance(domain, str):
            raise TypeError(f"domains[{i}] must be a str or None, got {type(domain).__name__}")
    return domains


def classify(
    text: str,
    *,
    model: ParagraphClassifier | str | os.PathLike | None = None,
    threshold: float | None = None,
    mode: str | None = None,
    memory: PublisherMemory | None = None,
    domain: str | None = None,
) -> list[Paragraph]:
    """Label every paragraph of one article.

    With ``memory`` (a :class:`~newsclean.memory.PublisherMemory`), ``domain`` is the article's
    publisher and repeated paragraphs count as boilerplate evidence (see :func:`clean_texts`).

    Returns
    -------
    list of Paragraph
        One per paragraph, in order, with offsets into ``text``.

    Examples
    --------
    >>> [p.text for p in classify("Headline\\n\\nFirst paragraph.")]
    ['Headline', 'First paragraph.']
    """
    return clean_texts(
        [check_text(text)],
        model=model,
        threshold=threshold,
        mode=mode,
        annotate=True,
        **_single_memory(memory, domain),
    )[0].paragraphs


def _single_memory(memory: PublisherMemory | None, domain: str | None) -> dict:
    if memory is None:
        return {}
    if domain is None:
        raise ValueError("a memory needs the article's domain: pass domain=")
    if not isinstance(domain, str):
        raise TypeError(f"domain must be a str, got {type(domain).__name__}")
    return {"memory": memory, "domains": [domain]}


def clean(
    text: str,
    *,
    threshold: float | None = None,
    mode: str | None = None,
    model: ParagraphClassifier | str | os.PathLike | None = None,
    memory: PublisherMemory | None = None,
    domain: str | None = None,
) -> str:
    """Return ``text`` without its boilerplate paragraphs.

    Kept paragraphs are byte-identical and in order, with the line separators that followed
    them; empty or whitespace-only text comes back unchanged. With ``memory`` and ``domain``,
    paragraphs repeated across the domain's articles are removed too (see :func:`clean_texts`).

    Examples
    --------
    >>> clean("")
    ''
    """
    return clean_texts(
        [check_text(text)],
        model=model,
        threshold=threshold,
        mode=mode,
        **_single_memory(memory, domain),
    )[0].text


def clean_frame(
    df: pd.DataFrame,
    column: str = "text",
    *,
    threshold: float | None = None,
    mode: str | None = None,
    model: ParagraphClassifier | str | os.PathLike | None = None,
    annotate: bool = False,
    memory: PublisherMemory | None = None,
    domain_column: str | None = None,
    invalid: Literal["raise", "keep"] = "raise",
) -> pd.DataFrame:
    """Clean the articles in ``df[column]``; return a copy with that column cleaned.

    With ``annotate=True`` a column ``f"{column}_paragraphs"`` holds, per article, a list of
    dicts (``index``, ``start``, ``end``, ``score``, ``score_raw``, ``label``, ``kind``: see
    :class:`Paragraph`). With ``memory``, ``domain_column`` names the column of publisher
    domains (missing values: no repetition evidence; see :func:`clean_texts`).

    ``invalid`` says what to do with a value of ``column`` that is not a ``str`` (None, NaN,
    a number): ``"raise"`` (the default) a ``TypeError``, or ``"keep"`` it unchanged in the
    output (its annotations are None), so one bad row does not fail a Dask partition or a
    Spark task; count such rows with ``out[column].map(lambda v: isinstance(v, str))``.

    Raises
    ------
    TypeError
        If a value of ``column`` is not a ``str`` and ``invalid="raise"``; the message names
        its index label.
    ValueError
        If ``column`` is there twice, or ``annotate=True`` would overwrite an existing
        ``f"{column}_paragraphs"`` column.
    """
    if column not in df.columns:
        raise KeyError(f"column {column!r} not in frame; columns are {list(df.columns)}")
    if list(df.columns).count(column) > 1:
        raise ValueError(f"the frame has {list(df.columns).count(column)} columns named {column!r}")
    if annotate and f"{column}_paragraphs" in df.columns:
        raise ValueError(
            f"the frame already has a column {column}_paragraphs, which annotate=True would "
            "overwrite: drop or rename it first"
        )
    check_invalid_policy(invalid)
    values = df[column].tolist()
    if invalid == "raise":  # name the bad row by its index label, before any work
        for label, value in zip(df.index, values):
            if value is None or (isinstance(value, float) and value != value):  # None or NaN
                raise TypeError(
                    f"{column}[{label!r}] is missing (None or NaN): fill or drop missing texts "
                    f"first, or {INVALID_HINT}"
                )
            check_text(value, f"{column}[{label!r}]", hint=INVALID_HINT)
    domains = None
    if memory is not None:
        if domain_column is None:
            raise ValueError("a memory needs domain_column= (the column of publisher domains)")
        if domain_column not in df.columns:
            raise KeyError(f"column {domain_column!r} not in frame; columns are {list(df.columns)}")
        domains = [d if isinstance(d, str) else None for d in df[domain_column].tolist()]
    results = clean_texts(
        values,
        model=model,
        threshold=threshold,
        mode=mode,
        annotate=annotate,
        memory=memory,
        domains=domains,
        invalid=invalid,
    )
    out = df.copy()
    out[column] = [r.text for r in results]
    if annotate:
        out[f"{column}_paragraphs"] = [
            [p.annotation() for p in r.paragraphs] if r.valid else None for r in results
        ]
    return out


__all__ = [
    "INVALID_HINT",
    "CleanResult",
    "Paragraph",
    "check_invalid_policy",
    "check_text",
    "classify",
    "clean",
    "clean_frame",
    "clean_texts",
    "load_model",
    "load_scorer",
]
