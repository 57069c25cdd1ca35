"""Paragraph segmentation and featurisers (installed as ``newsclean.features``).

The scikit-learn transformers and the pandas paragraph table are imported on first use, so
cleaning, which needs only :mod:`.segment`, :mod:`.scan` and :mod:`.signals`, stays light.
"""

from importlib import import_module

from newsclean.features.scan import Scan
from newsclean.features.segment import Span, join_kept, split_paragraphs

_LAZY = {
    "CharNgrams": "featurisers",
    "HashedText": "featurisers",
    "PlaceFeatures": "featurisers",
    "ShapeFeatures": "featurisers",
    "VoiceFeatures": "featurisers",
    "check_table": "table",
    "paragraph_table": "table",
    "scan_table": "table",
}


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(import_module(f"newsclean.features.{_LAZY[name]}"), name)
    raise AttributeError(f"module 'newsclean.features' has no attribute {name!r}")


__all__ = [
    "CharNgrams",
    "HashedText",
    "PlaceFeatures",
    "Scan",
    "ShapeFeatures",
    "Span",
    "VoiceFeatures",
    "check_table",
    "join_kept",
    "paragraph_table",
    "scan_table",
    "split_paragraphs",
]
