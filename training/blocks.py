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
    by_block = {
        block_id: part.sort_values("line_in_block")
        for block_id, part in blocks.groupby("block_id", sort=True)
    }
    block_domain = pd.Series({b: part["domain"].iloc[0] for b, part in by_block.items()})
    variants = []
    for doc_id, host in hosts.groupby("doc_id", sort=True):
        host = host.reset_index(drop=True)
        if (host["label"] == "editorial").sum() < MIN_STORY_PARAGRAPHS:
            continue
        candidates = block_domain.index[block_domain != host["domain"].iloc[0]]
        for placement in PLACEMENTS:
            block = by_block[candidates[int(rng.integers(0, len(candidates)))]]
            lines = _lines_for(placement, block, rng)
            at = _insert_at(host, placement, rng)
            implant = pd.DataFrame(
                {
                    "doc_id": doc_id,
                    "domain": host["domain"].iloc[0],
                    "text": lines["text"].to_numpy(),
                    "label": "boilerplate",
                    "kind": lines["kind"].to_numpy(),
                }
            )
            variant = pd.concat(
                [
                    host.iloc[:at].assign(**{IMPLANTED: False}),
                    implant.assign(**{IMPLANTED: True}),
                    host.iloc[at:].assign(**{IMPLANTED: False}),
                ],
                ignore_index=True,
            )
            variant["position"] = np.arange(len(variant))
            variant["placement"] = placement
            variant["article"] = f"{doc_id}#{placement}"
            variants.append(variant)
    if not variants:
        return pd.DataFrame(columns=[*hosts.columns, IMPLANTED, "placement", "article"])
    return pd.concat(variants, ignore_index=True)


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


__all__ = ["IMPLANTED", "PLACEMENTS", "appeal_blocks", "implant_blocks", "implant_metrics"]
