"""Paragraph segmentation and featurisers (installed as ``newsclean.features``)."""

from newsclean.features.featurisers import (
    HashedText,
    PlaceFeatures,
    ShapeFeatures,
    VoiceFeatures,
)
from newsclean.features.segment import Span, join_kept, split_paragraphs
from newsclean.features.table import check_table, paragraph_table

__all__ = [
    "HashedText",
    "PlaceFeatures",
    "ShapeFeatures",
    "Span",
    "VoiceFeatures",
    "check_table",
    "join_kept",
    "paragraph_table",
    "split_paragraphs",
]
