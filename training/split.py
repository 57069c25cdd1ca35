"""Train / validation / test split by publisher domain.

A model that has seen a site's templates recognises its boilerplate without learning anything
general, so every domain lies in exactly one split. A domain's split is decided by a seeded hash
of its name: the same domain lands in the same split whatever else is in the data, and adding
data never moves a publisher from test into train.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd

SPLITS = ("train", "validation", "test")
#: Shares of domains in train / validation / test.
FRACTIONS_DEFAULT = (0.7, 0.15, 0.15)


def domain_split(
    domains: pd.Series, *, seed: int = 0, fractions: tuple[float, float, float] = FRACTIONS_DEFAULT
) -> np.ndarray:
    """The split (``"train"``, ``"validation"`` or ``"test"``) of each row, by its domain.

    Examples
    --------
    >>> s = domain_split(pd.Series(["a.com", "b.org", "a.com"]), seed=1)
    >>> s[0] == s[2]
    True
    """
    if len(fractions) != 3 or any(f < 0 for f in fractions) or not np.isclose(sum(fractions), 1):
        raise ValueError(f"fractions must be three non-negative shares summing to 1: {fractions}")
    cuts = np.cumsum(fractions)[:2]
    unique = pd.unique(domains.astype(str))
    position = np.array([_unit_hash(f"{seed}:{d}") for d in unique])
    split_of = dict(
        zip(unique, np.asarray(SPLITS, dtype=object)[np.searchsorted(cuts, position, side="right")])
    )
    return domains.astype(str).map(split_of).to_numpy(dtype=object)


def _unit_hash(key: str) -> float:
    """A stable number in [0, 1) for ``key`` (md5, not Python's salted ``hash``)."""
    return int.from_bytes(hashlib.md5(key.encode()).digest()[:8], "big") / 2**64


__all__ = ["FRACTIONS_DEFAULT", "SPLITS", "domain_split"]
