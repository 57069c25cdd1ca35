"""newsclean: remove publisher boilerplate from news article text.

>>> from newsclean import clean
>>> clean("")
''
"""

__version__ = "0.1.0"

from newsclean.classifier import ParagraphClassifier  # noqa: E402
from newsclean.predict import (  # noqa: E402
    CleanResult,
    Paragraph,
    classify,
    clean,
    clean_frame,
    clean_texts,
    load_model,
)

__all__ = [
    "CleanResult",
    "Paragraph",
    "ParagraphClassifier",
    "__version__",
    "classify",
    "clean",
    "clean_frame",
    "clean_texts",
    "load_model",
]
