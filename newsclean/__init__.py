"""newsclean: remove publisher boilerplate from news article text.

>>> from newsclean import clean
>>> clean("")
''
"""

__version__ = "0.1.0"

from pathlib import Path as _Path

# In a source checkout, `features/`, `training/` and `models/` sit beside this folder and an
# installed copy maps them into the package (pyproject's package-dir). Python run from the
# checkout's root imports this folder before any installed copy, so let it find them there too.
_CHECKOUT = _Path(__file__).resolve().parent.parent
if (
    not (_Path(__file__).parent / "features").is_dir()
    and (_CHECKOUT / "features" / "__init__.py").is_file()
):
    __path__.append(str(_CHECKOUT))

from newsclean.memory import PublisherMemory  # noqa: E402 (needs the path above)
from newsclean.predict import (  # noqa: E402
    CleanResult,
    Paragraph,
    classify,
    clean,
    clean_frame,
    clean_texts,
    load_model,
)


def __getattr__(name: str):
    # The estimator needs scikit-learn; importing it only on use keeps `import newsclean` light.
    if name == "ParagraphClassifier":
        from newsclean.classifier import ParagraphClassifier

        return ParagraphClassifier
    raise AttributeError(f"module 'newsclean' has no attribute {name!r}")


__all__ = [
    "CleanResult",
    "Paragraph",
    "ParagraphClassifier",
    "PublisherMemory",
    "__version__",
    "classify",
    "clean",
    "clean_frame",
    "clean_texts",
    "load_model",
]
