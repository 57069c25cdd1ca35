"""The predict module: clean articles with a loaded model.

Everything here works on one loaded :class:`~newsclean.classifier.ParagraphClassifier`:
:func:`load_model` finds and caches it, :func:`classify` labels the paragraphs of one article,
:func:`clean` drops its boilerplate, and :func:`clean_texts` / :func:`clean_frame` do the same for
many articles with one model call per batch.
"""

from __future__ import annotations

import os
import re
import threading
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from newsclean.classifier import BOILERPLATE, EDITORIAL, ParagraphClassifier
from newsclean.features.segment import Span, join_kept, split_paragraphs
from newsclean.features.table import TABLE_COLUMNS
from newsclean.models import DEFAULT_MODEL_DIR, load_artifact

#: Two or more of these tags mean the caller passed HTML, not extracted text.
_HTML_TAG = re.compile(
    r"<(?:p|div|br|span|a|html|body|head|script|li|ul|h[1-6])\b[^>]*>", re.IGNORECASE
)
_HTML_TAGS_TO_WARN = 2
_HTML_SNIFF_CHARS = 20_000
#: Model sources that :func:`load_model` resolves through MLflow.
MLFLOW_SCHEMES = ("models:/", "runs:/", "mlflow-artifacts:/")

_cache: dict[str, ParagraphClassifier] = {}
_cache_lock = threading.Lock()


@dataclass(frozen=True)
class Paragraph:
    """One paragraph of an article and its label.

    ``text == article[start:end]``; ``score`` is the boilerplate probability after the context
    pass, ``score_raw`` the first pass's.
    """

    index: int
    text: str
    start: int
    end: int
    score: float
    score_raw: float
    label: str

    def annotation(self) -> dict[str, int | float | str]:
        """Everything but the text: what ``clean_frame`` and the CLI's ``--annotate`` add."""
        return {
            "index": self.index,
            "start": self.start,
            "end": self.end,
            "score": self.score,
            "score_raw": self.score_raw,
            "label": self.label,
        }


@dataclass
class CleanResult:
    """The cleaned text of one article and what was removed."""

    text: str
    n_paragraphs: int
    n_removed: int
    chars_removed: int
    paragraphs: list[Paragraph] = field(default_factory=list)


def load_model(source: str | os.PathLike | None = None) -> ParagraphClassifier:
    """Load a model, once per source (later calls return the cached object).

    Parameters
    ----------
    source : str, path or None
        ``None`` for the model shipped in the package; a folder (or its ``model.joblib``)
        written by ``newsclean train --export``; or an MLflow model URI such as
        ``models:/newsclean-paragraph@champion`` (needs ``pip install newsclean[train]``).

    Returns
    -------
    model : ParagraphClassifier
        Read-only after loading, so one object can serve many threads. Its ``threshold`` is the
        one chosen in training (the model card's).
    """
    key = "default" if source is None else str(source)
    with _cache_lock:
        model = _cache.get(key)
        if model is None:
            model = _load_uncached(source)
            _cache[key] = model
    return model


def _load_uncached(source: str | os.PathLike | None) -> ParagraphClassifier:
    if source is None:
        directory = DEFAULT_MODEL_DIR
    elif str(source).startswith(MLFLOW_SCHEMES):
        directory = _download_mlflow_model(str(source))
    else:
        directory = Path(source)
        if not directory.exists():
            raise FileNotFoundError(f"model not found: {directory}")
    model, card = load_artifact(directory)
    if not isinstance(model, ParagraphClassifier):
        raise TypeError(f"{directory} holds a {type(model).__name__}, not a ParagraphClassifier")
    model.set_params(threshold=float(card.get("threshold", model.threshold)))
    return model


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


def _resolve(model: ParagraphClassifier | str | os.PathLike | None) -> ParagraphClassifier:
    if isinstance(model, ParagraphClassifier):
        return model
    return load_model(model)


def _check_text(text: object, where: str = "text") -> str:
    if isinstance(text, str):
        return text
    if isinstance(text, (bytes, bytearray)):
        raise TypeError(
            f"{where} must be str, got bytes: decode it first, e.g. text.decode('utf-8')"
        )
    raise TypeError(f"{where} must be str, got {type(text).__name__}")


def _warn_if_html(text: str) -> None:
    if len(_HTML_TAG.findall(text[:_HTML_SNIFF_CHARS])) >= _HTML_TAGS_TO_WARN:
        warnings.warn(
            "the text looks like HTML; newsclean expects extracted plain text (one paragraph "
            "per line), e.g. the output of trafilatura or jusText",
            UserWarning,
            stacklevel=3,
        )


def clean_texts(
    texts: Sequence[str],
    *,
    model: ParagraphClassifier | str | os.PathLike | None = None,
    threshold: float | None = None,
    annotate: bool = False,
) -> list[CleanResult]:
    """Clean many articles with one model call.

    Parameters
    ----------
    texts : sequence of str
    model : ParagraphClassifier, source for :func:`load_model`, or None for the default
    threshold : float, optional
        Boilerplate probability at or above which a paragraph is removed; defaults to the
        model's (chosen in training for editorial recall >= 0.995).
    annotate : bool, default=False
        Fill :attr:`CleanResult.paragraphs`.

    Returns
    -------
    list of CleanResult, one per text, in order.
    """
    clf = _resolve(model)
    cut = clf.threshold if threshold is None else float(threshold)
    spans_by_article: list[list[Span]] = []
    ids: list[int] = []
    positions: list[int] = []
    paragraphs: list[str] = []
    for i, text in enumerate(texts):
        text = _check_text(text, f"texts[{i}]")
        _warn_if_html(text)
        spans = split_paragraphs(text)
        spans_by_article.append(spans)
        ids.extend([i] * len(spans))
        positions.extend(range(len(spans)))
        paragraphs.extend(s.text for s in spans)
    table = pd.DataFrame(dict(zip(TABLE_COLUMNS, (ids, positions, paragraphs))))
    raw, final = clf._scores(table) if paragraphs else ([], [])

    results: list[CleanResult] = []
    row = 0
    for text, spans in zip(texts, spans_by_article):
        scores = final[row : row + len(spans)]
        raws = raw[row : row + len(spans)]
        row += len(spans)
        keep = [s < cut for s in scores]
        removed = [sp for sp, k in zip(spans, keep) if not k]
        annotated = (
            [
                Paragraph(
                    i,
                    sp.text,
                    sp.start,
                    sp.end,
                    float(s),
                    float(r),
                    EDITORIAL if k else BOILERPLATE,
                )
                for i, (sp, s, r, k) in enumerate(zip(spans, scores, raws, keep))
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


def classify(
    text: str,
    *,
    model: ParagraphClassifier | str | os.PathLike | None = None,
    threshold: float | None = None,
) -> list[Paragraph]:
    """Label every paragraph of one article.

    Returns
    -------
    list of Paragraph
        One per paragraph, in order, with offsets into ``text``.

    Examples
    --------
    >>> [p.text for p in classify("Headline\\n\\nFirst paragraph.")]
    ['Headline', 'First paragraph.']
    """
    return clean_texts([_check_text(text)], model=model, threshold=threshold, annotate=True)[
        0
    ].paragraphs


def clean(
    text: str,
    *,
    threshold: float | None = None,
    model: ParagraphClassifier | str | os.PathLike | None = None,
) -> str:
    """Return ``text`` without its boilerplate paragraphs.

    Kept paragraphs are byte-identical and in order, with the line separators that followed
    them; empty or whitespace-only text comes back unchanged.

    Examples
    --------
    >>> clean("")
    ''
    """
    return clean_texts([_check_text(text)], model=model, threshold=threshold)[0].text


def clean_frame(
    df: pd.DataFrame,
    column: str = "text",
    *,
    threshold: float | None = None,
    model: ParagraphClassifier | str | os.PathLike | None = None,
    annotate: bool = False,
) -> pd.DataFrame:
    """Clean the articles in ``df[column]``; return a copy with that column cleaned.

    With ``annotate=True`` a column ``f"{column}_paragraphs"`` holds, per article, a list of
    dicts (``index``, ``start``, ``end``, ``score``, ``score_raw``, ``label``).

    Raises
    ------
    TypeError
        If a value of ``column`` is not a ``str``; the message names its index label.
    """
    if column not in df.columns:
        raise KeyError(f"column {column!r} not in frame; columns are {list(df.columns)}")
    values = df[column].tolist()
    for label, value in zip(df.index, values):
        _check_text(value, f"{column}[{label!r}]")
    results = clean_texts(values, model=model, threshold=threshold, annotate=annotate)
    out = df.copy()
    out[column] = [r.text for r in results]
    if annotate:
        out[f"{column}_paragraphs"] = [[p.annotation() for p in r.paragraphs] for r in results]
    return out


__all__ = [
    "CleanResult",
    "Paragraph",
    "classify",
    "clean",
    "clean_frame",
    "clean_texts",
    "load_model",
]
