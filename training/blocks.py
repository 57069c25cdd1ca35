"""Real appeal blocks implanted into reviewed articles, where publishers put them.

A *block* is a run of lines that sat together in one box on a real page (a newsletter box, a
donation appeal with its title, prose and buttons, a "Read more" teaser), in page order, each line
reviewed. :func:`implant_blocks` builds one article variant per host article and placement:

``single_mid``
    one line of a block between two story paragraphs (an inline "READ MORE: ..." or a lone
    sign-up line);
``box_mid``
    two to four consecutive lines of a block between two story paragraphs (an inline box);
``top_banner``
    one to three consecutive lines before the article's first line;
``end_block``
    a whole block (up to :data:`END_BLOCK_MAX_LINES` lines) after the last story paragraph.

Blocks are drawn only from publishers of the requested split, and never from the host's own
publisher, so an evaluation on test hosts uses test-split blocks only.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

PLACEMENTS = ("single_mid", "box_mid", "top_banner", "end_block")
BOX_LINES = (2, 4)
BANNER_LINES = (1, 3)
END_BLOCK_MAX_LINES = 8
#: A host needs this many story paragraphs for "between two story paragraphs" to mean anything.
MIN_STORY_PARAGRAPHS = 3
IMPLANTED = "implanted"


def _run_of(block: pd.DataFrame, rng: np.random.Generator, low: int, high: int) -> pd.DataFrame:
    """A random run of ``low``-``high`` consecutive lines of one block (fewer if it is short)."""
    size = min(int(rng.integers(low, high + 1)), len(block))
    start = int(rng.integers(0, len(block) - size + 1))
    return block.iloc[start : start + size]


def _lines_for(placement: str, block: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    if placement == "single_mid":
        return _run_of(block, rng, 1, 1)
    if placement == "box_mid":
        return _run_of(block, rng, *BOX_LINES)
    if placement == "top_banner":
        return _run_of(block, rng, *BANNER_LINES)
    return block.iloc[:END_BLOCK_MAX_LINES]


def _insert_at(host: pd.DataFrame, placement: str, rng: np.random.Generator) -> int:
    """Row index in ``host`` before which the block goes."""
    story = np.flatnonzero((host["label"] == "editorial").to_numpy())
    if placement == "top_banner":
        return 0
    if placement == "end_block":
        return int(story[-1]) + 1
    # Between two story paragraphs, after the first and before the last.
    after = int(rng.integers(1, len(story) - 1))
    return int(story[after])


def appeal_blocks(reviewed: pd.DataFrame, split: str | None = None) -> pd.DataFrame:
    """The reviewed appeal lines of a block corpus, as :func:`implant_blocks` takes them.

    ``reviewed`` is the corpus with its review (``benchmarks/blocks``'s
    ``blocks_reviewed.parquet``: ``source_repo``, ``path``, ``block_id``, ``line_in_block``,
    ``text``, ``label``, ``kind``, ``domain``, ``split``). Lines reviewed as not an appeal are
    left out, the others keep their block's order; with ``split`` only that split's publishers.
    """
    lines = reviewed[reviewed["label"] == "appeal"]
    if split is not None:
        lines = lines[lines["split"] == split]
    block = lines["source_repo"] + ":" + lines["path"] + "#" + lines["block_id"].astype(str)
    return (
        lines.assign(block_id=block)[["block_id", "line_in_block", "text", "kind", "domain"]]
        .sort_values(["block_id", "line_in_block"], kind="stable")
        .reset_index(drop=True)
    )


def _with_block(
    host: pd.DataFrame, placement: str, block: pd.DataFrame, rng: np.random.Generator
) -> pd.DataFrame:
    """``host`` (index 0..n-1) with lines of ``block`` placed as ``placement`` says.

    The implanted rows copy the host's other columns from its first row, are labelled
    boilerplate with their block's kind, and are marked in the :data:`IMPLANTED` column;
    ``position`` is renumbered. The one placement implementation for evaluation and training.
    """
    lines = _lines_for(placement, block, rng)
    at = _insert_at(host, placement, rng)
    implant = pd.DataFrame([host.iloc[0]] * len(lines)).reset_index(drop=True)
    implant["text"] = lines["text"].to_numpy()
    implant["label"] = "boilerplate"
    if "kind" in host.columns:
        implant["kind"] = lines["kind"].to_numpy()
    merged = pd.concat(
        [
            host.iloc[:at].assign(**{IMPLANTED: False}),
            implant.assign(**{IMPLANTED: True}),
            host.iloc[at:].assign(**{IMPLANTED: False}),
        ],
        ignore_index=True,
    )
    merged["position"] = np.arange(len(merged))
    return merged


def _blocks_by_id(blocks: pd.DataFrame) -> tuple[dict[str, pd.DataFrame], pd.Series]:
    """Each block's lines in order, and each block's publisher."""
    by_block = {
        block_id: part.sort_values("line_in_block")
        for block_id, part in blocks.groupby("block_id", sort=True)
    }
    return by_block, pd.Series({b: part["domain"].iloc[0] for b, part in by_block.items()})


def _has_story(host: pd.DataFrame) -> bool:
    return int((host["label"] == "editorial").sum()) >= MIN_STORY_PARAGRAPHS


def implant_blocks(hosts: pd.DataFrame, blocks: pd.DataFrame, *, seed: int = 0) -> pd.DataFrame:
    """One variant of every host article per placement, each with one implanted block.

    Parameters
    ----------
    hosts : DataFrame
        Reviewed articles: ``doc_id``, ``domain``, ``position``, ``text``, ``label``, ``kind``,
        in article order.
    blocks : DataFrame
        Reviewed block lines: ``block_id``, ``line_in_block``, ``text``, ``kind``, ``domain``.
    seed : int
        Seeds every choice, so the same inputs always give the same variants.

    Returns
    -------
    DataFrame
        The variants' rows: the host's columns plus ``article`` (variant id), ``placement`` and
        ``implanted`` (True for the implanted lines, labelled boilerplate with their kind).
    """
    rng = np.random.default_rng(seed)
    by_block, block_domain = _blocks_by_id(blocks)
    variants = []
    for doc_id, host in hosts.groupby("doc_id", sort=True):
        host = host.reset_index(drop=True)
        if not _has_story(host):
            continue
        candidates = block_domain.index[block_domain != host["domain"].iloc[0]]
        for placement in PLACEMENTS:
            block = by_block[candidates[int(rng.integers(0, len(candidates)))]]
            variant = _with_block(host, placement, block, rng)
            variant["placement"] = placement
            variant["article"] = f"{doc_id}#{placement}"
            variants.append(variant)
    if not variants:
        return pd.DataFrame(columns=[*hosts.columns, IMPLANTED, "placement", "article"])
    return pd.concat(variants, ignore_index=True)


def implant_at_random(
    table: pd.DataFrame,
    blocks: pd.DataFrame,
    *,
    rate: float,
    rng: np.random.Generator,
    article: str = "article_id",
) -> pd.DataFrame:
    """Implant one block into a ``rate`` share of the articles, each at a random placement.

    The training counterpart of :func:`implant_blocks`: the placement (one of
    :data:`PLACEMENTS`, equally likely) and the block (never of the article's own publisher)
    are drawn per article. Articles with fewer than :data:`MIN_STORY_PARAGRAPHS` editorial
    paragraphs, or not drawn, pass unchanged.

    Parameters
    ----------
    table : DataFrame
        Articles in order: ``article`` column, ``position``, ``text``, ``label``, ``domain``.
    blocks : DataFrame
        Block lines as :func:`appeal_blocks` gives them.
    rate : float
        Share of the eligible articles that receive a block.
    rng : Generator
        Source of every random choice.
    article : str
        The column naming each row's article.

    Returns
    -------
    DataFrame
        ``table``'s rows and the implanted ones, with the :data:`IMPLANTED` marker and
        ``placement`` (None for rows of unchanged articles); positions renumbered in changed
        articles.
    """
    if blocks.empty:
        return table.assign(**{IMPLANTED: False, "placement": None})
    by_block, block_domain = _blocks_by_id(blocks)
    pieces = []
    for _, host in table.groupby(article, sort=False):
        host = host.reset_index(drop=True)
        candidates = block_domain.index[block_domain != host["domain"].iloc[0]]
        if not _has_story(host) or candidates.empty or rng.random() >= rate:
            pieces.append(host.assign(**{IMPLANTED: False, "placement": None}))
            continue
        placement = PLACEMENTS[int(rng.integers(0, len(PLACEMENTS)))]
        block = by_block[candidates[int(rng.integers(0, len(candidates)))]]
        pieces.append(_with_block(host, placement, block, rng).assign(placement=placement))
    return pd.concat(pieces, ignore_index=True)


def implant_metrics(variants: pd.DataFrame, scores: np.ndarray, threshold: float) -> dict:
    """Implanted lines removed (overall, per placement, per kind) and the host story kept.

    ``story_kept`` is editorial recall of the hosts' story lines in the variants (paragraphs and
    characters); ``blocks_fully_removed`` the share of variants whose every implanted line is
    removed; ``articles_fully_clean`` the share with every implanted line removed and no story
    line removed.
    """
    removed = np.asarray(scores) >= threshold
    implanted = variants[IMPLANTED].to_numpy(dtype=bool)
    story = (variants["label"] == "editorial").to_numpy()
    chars = variants["text"].str.len().to_numpy()
    frame = pd.DataFrame(
        {
            "article": variants["article"].to_numpy(),
            "missed": implanted & ~removed,
            "lost": story & removed,
        }
    )
    per_article = frame.groupby("article")[["missed", "lost"]].any()

    def share(mask: np.ndarray) -> dict:
        return {"n": int(mask.sum()), "removed": float(removed[mask].mean()) if mask.any() else 0.0}

    return {
        "threshold": float(threshold),
        "n_variants": len(per_article),
        "implanted_removed": share(implanted),
        "by_placement": {
            p: share(implanted & (variants["placement"] == p).to_numpy()) for p in PLACEMENTS
        },
        "by_kind": {
            str(k): share(implanted & (variants["kind"] == k).to_numpy())
            for k in sorted(variants.loc[implanted, "kind"].unique())
        },
        "story_kept": 1.0 - removed[story].mean() if story.any() else 1.0,
        "story_chars_kept": 1.0 - chars[story & removed].sum() / chars[story].sum()
        if story.any()
        else 1.0,
        "blocks_fully_removed": float(1.0 - per_article["missed"].mean()),
        "articles_fully_clean": float(1.0 - (per_article["missed"] | per_article["lost"]).mean()),
    }


def implant_report(
    test_table: pd.DataFrame,
    blocks: pd.DataFrame,
    model: Any,
    thresholds: dict[str, float],
    *,
    seed: int = 0,
) -> dict[str, Any]:
    """Test-split appeal blocks implanted into reviewed test articles, measured by placement.

    Parameters
    ----------
    test_table : DataFrame
        The reviewed test articles (:func:`~newsclean.training.yardstick.reviewed_table` rows).
    blocks : DataFrame
        Appeal lines of *test-split* publishers (:func:`appeal_blocks` with ``split="test"``).
    model : str, ParagraphClassifier or None
        What :func:`~newsclean.training.yardstick.score_table` scores with.
    thresholds : dict
        Name -> threshold; :func:`implant_metrics` is reported at each.
    seed : int
        Seed of :func:`implant_blocks`.

    Returns
    -------
    dict
        ``n_blocks``, ``n_block_publishers`` and ``by_threshold`` (name -> metrics).
    """
    from newsclean.training.yardstick import score_table

    variants = implant_blocks(test_table, blocks, seed=seed)
    variants["article"] = pd.factorize(variants["article"])[0]
    scores = score_table(variants, model)
    return {
        "n_blocks": int(blocks["block_id"].nunique()),
        "n_block_publishers": int(blocks["domain"].nunique()),
        "by_threshold": {
            name: implant_metrics(variants, scores, threshold)
            for name, threshold in thresholds.items()
        },
    }


__all__ = [
    "IMPLANTED",
    "PLACEMENTS",
    "appeal_blocks",
    "implant_at_random",
    "implant_blocks",
    "implant_metrics",
    "implant_report",
]
