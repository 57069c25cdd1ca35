"""The options of a batch run that every shard shares (:class:`BatchConfig`)."""

from __future__ import annotations

from dataclasses import dataclass

#: Longest article text accepted, in characters; longer records are rejected as ``too_long``.
MAX_ARTICLE_CHARS_DEFAULT = 1_000_000


#: Articles per model call (and per output row group / write).
BATCH_SIZE_DEFAULT = 256


@dataclass(frozen=True)
class BatchConfig:
    """What to clean and how; the same for every shard of a run (and picklable for workers)."""

    text_field: str = "text"
    id_field: str = "id"
    output_field: str | None = None
    annotate: bool = False
    threshold: float | None = None
    model: str | None = None
    max_chars: int = MAX_ARTICLE_CHARS_DEFAULT
    batch_size: int = BATCH_SIZE_DEFAULT
    fmt: str = "jsonl"
    #: Publisher memory (``--repetition`` / ``--memory``): where each record's domain comes
    #: from, the saved memory file the workers read, and overrides of its parameters.
    domain_field: str | None = None
    url_field: str | None = None
    memory: str | None = None
    min_support: int | None = None
    floor: float | None = None

    @property
    def out_field(self) -> str:
        """Field that receives the cleaned text."""
        return self.output_field or self.text_field

    @property
    def annotation_field(self) -> str | None:
        """Field that receives per-paragraph labels (``f"{out_field}_paragraphs"``), if any."""
        return f"{self.out_field}_paragraphs" if self.annotate else None


__all__ = ["BATCH_SIZE_DEFAULT", "MAX_ARTICLE_CHARS_DEFAULT", "BatchConfig"]
