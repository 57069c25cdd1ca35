"""newsclean: remove publisher boilerplate from news article text.

>>> from newsclean import clean
>>> clean("")
''
"""

from newsclean._version import __version__
from newsclean.memory import PublisherMemory
from newsclean.predict import (
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
        from newsclean.extras import ESTIMATOR_MODULES, require_extra

        require_extra("ParagraphClassifier", "train", ESTIMATOR_MODULES)
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
