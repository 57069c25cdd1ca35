"""A datatrove pipeline step that cleans ``doc.text`` with newsclean.

Needs ``datatrove`` (``pip install datatrove``, or the ``bench`` extra)::

    from datatrove.executor import LocalPipelineExecutor
    from datatrove.pipeline.readers import JsonlReader
    from datatrove.pipeline.writers import JsonlWriter
    from newsclean.integrations.datatrove import NewscleanFilter

    LocalPipelineExecutor(
        pipeline=[
            JsonlReader("dump/"),
            NewscleanFilter(exclusion_writer=JsonlWriter("removed/")),
            JsonlWriter("cleaned/"),
        ],
        tasks=4,
        logging_dir="logs/",
    ).run()
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

try:
    from datatrove.pipeline.filters.base_filter import BaseFilter
except ImportError:  # pragma: no cover - depends on the installed extras
    raise ImportError(
        "newsclean.integrations.datatrove needs datatrove: pip install datatrove"
    ) from None

from newsclean.predict import clean_texts, load_scorer

if TYPE_CHECKING:
    from datatrove.data import Document, DocumentsPipeline
    from datatrove.pipeline.writers.disk_base import DiskWriter

    from newsclean.classifier import ParagraphClassifier

#: Documents per model call.
BATCH_SIZE_DEFAULT = 256

#: Why a document was dropped (``metadata["filter_reason"]`` in the exclusion writer's output,
#: ``dropped_<reason>`` in the step's stats).
DROP_REASONS = {
    "all_boilerplate": "newsclean removed every paragraph",
    "empty_text": "the text was empty or whitespace only before cleaning",
    "invalid_text": "doc.text is not a str",
}


class NewscleanFilter(BaseFilter):
    """Remove boilerplate paragraphs from each document; drop documents left with no text.

    Documents are cleaned in batches of ``batch_size`` with one model call each
    (:func:`newsclean.clean_texts`); the model is loaded once per worker process. A kept
    document's ``text`` is replaced by its cleaned text (kept paragraphs byte-identical and in
    order). A dropped document goes, unchanged and with ``metadata["filter_reason"]`` set to
    one of :data:`DROP_REASONS`, to ``exclusion_writer`` when one is given, as with datatrove's
    own filters.

    Stats: datatrove's ``total``, ``forwarded``, ``dropped`` and ``dropped_<reason>`` per
    document, plus ``paragraphs``, ``paragraphs_removed`` and ``chars_removed`` (per document
    with a ``str`` text).

    Parameters
    ----------
    model : ParagraphClassifier, model folder, MLflow model URI, or None
        None (the default) is the model shipped with newsclean; see
        :func:`newsclean.load_model`. A folder or URI is loaded in each worker process.
    threshold : float, optional
        Boilerplate probability at or above which a paragraph is removed; defaults to the
        model's.
    batch_size : int, default=BATCH_SIZE_DEFAULT
        Documents per model call.
    exclusion_writer : DiskWriter, optional
        Where dropped documents are written.
    """

    name = "🧹 newsclean"

    def __init__(
        self,
        *,
        model: ParagraphClassifier | str | os.PathLike | None = None,
        threshold: float | None = None,
        batch_size: int = BATCH_SIZE_DEFAULT,
        exclusion_writer: DiskWriter | None = None,
    ) -> None:
        super().__init__(exclusion_writer=exclusion_writer, batch_size=batch_size)
        self.model = model
        self.threshold = threshold

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        """Clean the documents of ``data``; see the class docstring."""
        if self.model is None or isinstance(self.model, (str, os.PathLike)):
            load_scorer(self.model)  # a missing model fails the task before it reads anything
        yield from super().run(data, rank, world_size)

    def filter(self, doc: Document) -> bool | tuple[bool, str]:
        """Clean one document (datatrove calls :meth:`filter_batch`)."""
        return self.filter_batch([doc])[0]

    def filter_batch(self, batch: list[Document]) -> list[bool | tuple[bool, str]]:
        """Clean a batch of documents in place; return, per document, True to keep it or
        ``(False, reason)``."""
        results = clean_texts(
            [doc.text for doc in batch],
            model=self.model,
            threshold=self.threshold,
            invalid="keep",  # a non-str text is dropped with a reason, not fatal to the task
        )
        verdicts: list[bool | tuple[bool, str]] = []
        for doc, result in zip(batch, results, strict=True):
            if not result.valid:
                verdicts.append((False, "invalid_text"))
                continue
            self.stat_update("paragraphs", value=result.n_paragraphs)
            self.stat_update("paragraphs_removed", value=result.n_removed)
            self.stat_update("chars_removed", value=result.chars_removed)
            if result.n_paragraphs == 0:
                verdicts.append((False, "empty_text"))
            elif result.n_removed == result.n_paragraphs:
                verdicts.append((False, "all_boilerplate"))
            else:
                doc.text = result.text
                verdicts.append(True)
        return verdicts


__all__ = ["BATCH_SIZE_DEFAULT", "DROP_REASONS", "NewscleanFilter"]
