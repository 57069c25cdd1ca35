"""newsclean: remove publisher boilerplate from news article text.

>>> from newsclean import clean
>>> clean("")
''
"""

__version__ = "0.1.0"

from newsclean.classifier import ParagraphClassifier
from newsclean.predict import (
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
