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
    """Validate a paragraph table and return it; raise a ``ValueError`` naming what is wrong
    (a missing column, an article whose rows are apart or out of position order)."""
    if not isinstance(X, pd.DataFrame):
        raise TypeError(
            f"expected a paragraph table (pandas DataFrame with columns {TABLE_COLUMNS}), "
            f"got {type(X).__name__}"
        )
    missing = [c for c in TABLE_COLUMNS if c not in X.columns]
    if missing:
        raise ValueError(f"paragraph table lacks column(s) {missing}; has {list(X.columns)}")
    _check_order(X)
    return X


def _check_order(X: pd.DataFrame) -> None:
    """Raise unless each article's rows are contiguous and in increasing ``position``: the
    context signals read a row's neighbours from the rows around it."""
    ids = X["article_id"].to_numpy()
    if pd.isna(ids).any():
        row = int(np.flatnonzero(pd.isna(ids))[0])
        raise ValueError(f"row {row}: article_id is missing; every paragraph needs its article")
    if len(ids) < 2:
        return
    same = ids[1:] == ids[:-1]
    starts = np.flatnonzero(np.r_[True, ~same])
    run_ids = ids[starts].tolist()
    if len(set(run_ids)) != len(run_ids):  # an article whose rows are apart
        seen: set = set()
        article = next(a for a in run_ids if a in seen or seen.add(a))
        raise ValueError(
            f"the rows of article {article!r} are not together: sort the paragraph table by "
            "article_id and position"
        )
    position = X["position"]
    if not pd.api.types.is_numeric_dtype(position):
        position = pd.to_numeric(position, errors="coerce")
    position = position.to_numpy(dtype=np.float64)
    backwards = same & ~(position[1:] > position[:-1])  # NaN compares False: also an error
    if backwards.any():
        row = int(np.flatnonzero(backwards)[0]) + 1
        raise ValueError(
            f"article {_plain(X['article_id'].iloc[row])!r}: position "
            f"{_plain(X['position'].iloc[row])!r} follows {_plain(X['position'].iloc[row - 1])!r}; "
            "rows of an article must be in increasing position order (sort the table by "
            "article_id and position)"
        )


def _plain(value: object) -> object:
    """A numpy scalar as the Python value it holds (for messages: 2, not np.int64(2))."""
    return value.item() if isinstance(value, np.generic) else value


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


def scan_table(X: pd.DataFrame, max_chars: int, *, check: bool = True) -> Scan:
    """Scan the paragraphs of a paragraph table (whole articles); see :mod:`.scan`.

    ``check=False`` skips :func:`check_table` for a caller that has just run it.
    """
    if check:
        check_table(X)
    return scan_texts(X["text"].tolist(), max_chars, article_bounds(X))


__all__ = ["TABLE_COLUMNS", "article_bounds", "check_table", "paragraph_table", "scan_table"]
