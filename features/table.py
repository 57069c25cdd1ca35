"""The paragraph table: the one input format of every featuriser and of the classifier.

A paragraph table is a :class:`pandas.DataFrame` with one row per paragraph and the columns

``article_id``
    Any hashable id; the rows of one article are contiguous.
``position``
    0-based index of the paragraph in its article; rows of an article are in increasing order.
``text``
    The paragraph (a ``str``).

Context (neighbours, place in the article) is derived from these columns, so a table must hold
whole articles: featurisers look at the rows before and after each paragraph of the same article.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
from newsclean.features.scan import Scan, scan_texts
from newsclean.features.segment import split_paragraphs

TABLE_COLUMNS = ("article_id", "position", "text")


def paragraph_table(articles: Iterable[str], article_ids: Sequence | None = None) -> pd.DataFrame:
    """Segment articles into one paragraph table (see module docstring).

    Examples
    --------
    >>> paragraph_table(["Headline\\nBody text.", "Other."]).to_dict("list")
    {'article_id': [0, 0, 1], 'position': [0, 1, 0], 'text': ['Headline', 'Body text.', 'Other.']}
    """
    ids: list = []
    positions: list[int] = []
    texts: list[str] = []
    for i, article in enumerate(articles):
        article_id = i if article_ids is None else article_ids[i]
        spans = split_paragraphs(article)
        ids.extend([article_id] * len(spans))
        positions.extend(range(len(spans)))
        texts.extend(s.text for s in spans)
    return pd.DataFrame({"article_id": ids, "position": positions, "text": texts})


def check_table(X: object) -> pd.DataFrame:
    """Validate a paragraph table and return it; raise a ``ValueError`` naming what is wrong."""
    if not isinstance(X, pd.DataFrame):
        raise TypeError(
            f"expected a paragraph table (pandas DataFrame with columns {TABLE_COLUMNS}), "
            f"got {type(X).__name__}"
        )
    missing = [c for c in TABLE_COLUMNS if c not in X.columns]
    if missing:
        raise ValueError(f"paragraph table lacks column(s) {missing}; has {list(X.columns)}")
    return X


def article_bounds(X: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """For each row, the row index where its article starts and the index one past its end."""
    ids = X["article_id"].to_numpy()
    n = len(ids)
    if n == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    new_article = np.ones(n, dtype=bool)
    if n > 1:
        new_article[1:] = ids[1:] != ids[:-1]
    starts_at = np.flatnonzero(new_article)
    ends_at = np.append(starts_at[1:], n)
    lengths = ends_at - starts_at
    return np.repeat(starts_at, lengths), np.repeat(ends_at, lengths)


def scan_table(X: pd.DataFrame, max_chars: int) -> Scan:
    """Scan the paragraphs of a paragraph table (whole articles); see :mod:`.scan`."""
    check_table(X)
    return scan_texts(X["text"].tolist(), max_chars, article_bounds(X))


__all__ = ["TABLE_COLUMNS", "article_bounds", "check_table", "paragraph_table", "scan_table"]
