"""Values made fit for strict JSON (no NaN or infinity), for rejects files and model cards."""

from __future__ import annotations

import math
from typing import Any


def finite(value: Any) -> Any:
    """``value`` with every NaN or infinite float replaced by None, in dicts, lists and tuples
    (recursively) and in numpy scalars and arrays (as Python values), so that
    ``json.dumps(..., allow_nan=False)`` takes it.

    Examples
    --------
    >>> finite({"a": float("nan"), "b": [1.5, float("inf")]})
    {'a': None, 'b': [1.5, None]}
    """
    if type(value).__module__ == "numpy" and hasattr(value, "tolist"):
        value = value.tolist()  # without importing numpy: arrays and scalars alike
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [finite(v) for v in value]
    return value


__all__ = ["finite"]
