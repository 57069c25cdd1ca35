"""Optional dependencies: whether they are installed, and what to install when they are not.

``pip install newsclean`` brings numpy and tqdm only: enough for :func:`newsclean.clean` and
friends, and for ``newsclean clean`` on JSONL and CSV. The extras of ``pyproject.toml`` bring
the rest (``formats``: Parquet; ``train``: scikit-learn, pandas, MLflow; ``dask``). Each
feature that needs one checks here first, so a missing module is reported with the command
that installs it rather than as a bare ``ModuleNotFoundError``.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence

#: Modules the Parquet reader and writer import.
PARQUET_MODULES = ("pyarrow",)
#: Modules :class:`~newsclean.classifier.ParagraphClassifier` imports.
ESTIMATOR_MODULES = ("sklearn", "scipy", "pandas")
#: Distribution names of modules whose import name differs.
_DISTRIBUTIONS = {"sklearn": "scikit-learn"}


def installed(module: str) -> bool:
    """Whether ``module`` can be imported, found without importing it.

    Examples
    --------
    >>> installed("json"), installed("no_such_module_here")
    (True, False)
    """
    try:
        return importlib.util.find_spec(module) is not None
    except (ModuleNotFoundError, ValueError):
        # A submodule whose parent is missing ("dask.dataframe"), or a module set to None in
        # sys.modules, which is how tests hide an installed one.
        return False


def missing_extra(what: str, extra: str, modules: Sequence[str]) -> str | None:
    """The message for ``what`` when one of ``modules`` is not installed, else None.

    Parameters
    ----------
    what : str
        The feature, as the user knows it ("Parquet", "ParagraphClassifier").
    extra : str
        The extra of ``pyproject.toml`` that installs ``modules``.
    modules : sequence of str
        Import names of the modules the feature needs.

    Examples
    --------
    >>> print(missing_extra("Parquet", "formats", ["no_such_module_here"]))
    Parquet needs no_such_module_here: pip install 'newsclean[formats]'
    >>> missing_extra("JSON", "formats", ["json"]) is None
    True
    """
    absent = [_DISTRIBUTIONS.get(m, m) for m in modules if not installed(m)]
    if not absent:
        return None
    names = absent[0] if len(absent) == 1 else f"{', '.join(absent[:-1])} and {absent[-1]}"
    return f"{what} needs {names}: pip install 'newsclean[{extra}]'"


def require_extra(what: str, extra: str, modules: Sequence[str]) -> None:
    """Raise :class:`ImportError` with :func:`missing_extra`'s message if a module is missing.

    Raises
    ------
    ImportError
        Naming the missing distributions and the ``pip install`` command.
    """
    message = missing_extra(what, extra, modules)
    if message is not None:
        raise ImportError(message)


__all__ = [
    "ESTIMATOR_MODULES",
    "PARQUET_MODULES",
    "installed",
    "missing_extra",
    "require_extra",
]
