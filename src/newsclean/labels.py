"""The two classes of a paragraph (defined in the shared data's LABELS.md)."""

EDITORIAL = "editorial"
BOILERPLATE = "boilerplate"
#: Both labels, sorted, as scikit-learn orders ``classes_``.
LABELS = (BOILERPLATE, EDITORIAL)

__all__ = ["BOILERPLATE", "EDITORIAL", "LABELS"]
