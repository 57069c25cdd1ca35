"""Augmentation with real publisher appeals, implanted where publishers put them.

Appeals, newsletter boxes and follow prompts are rare in the labelled data (about 1 in 40
boilerplate paragraphs) but are what survives extraction into article dumps. This module takes
real lines from the shared data and implants them, as blocks, into editorial articles:

- *appeal lines*: ``appeal_candidates.parquet`` (keyword-mined, weakly labelled: in a reading of
  60, about 50 were genuine appeals or sign-up prompts; the rest are kept as the noise of a
  real pool);
- *button lines*: short page-view boilerplate lines (at most 4 words) seen on several domains of
  the same split that are calls to action, i.e. contain a word of :data:`BUTTON_CUES`
  ("Subscribe", "Give now", "Monthly", "Log in", "Share"); menu words such as "Arts" or "Iraq"
  are left out, because they are not what an appeal block is made of.

A block is 2-4 appeal lines in training (1-3 in the appeal evaluation) followed by 0-4 button
lines, put after the story's end (half of the blocks), after its 3rd-6th paragraph (three in
ten), or at the top (two in ten). 70 % of train and validation articles receive one. Lines are drawn
only from domains of the article's own split, so nothing crosses from test into train.
Implanted rows get ``dataset="implant"``, so every evaluation reports them separately.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from newsclean.training.data import BOILERPLATE, EDITORIAL, is_shared_data
from newsclean.training.split import domain_split

#: Share of articles of the train and validation splits that receive a block.
AUGMENT_RATE = 0.7
#: Appeal lines per implanted block: training blocks are longer, so more appeal prose is learned
#: from; the evaluation keeps 1-3 lines so its numbers compare across runs.
TRAIN_APPEAL_LINES = (2, 4)
EVAL_APPEAL_LINES = (1, 3)
#: Training weight of an implanted line (others weigh 1). Implants are the only appeals most
#: publishers contribute, and at weight 1 the model learned them too timidly. Chosen with
#: ``benchmarks/context_choice.py`` under three domain splits: 3 removes far more appeal lines
#: than 1 at the same editorial recall; 5 removes a few more but less of the other boilerplate.
IMPLANT_WEIGHT = 3.0
#: Articles need this many editorial paragraphs to receive a block.
MIN_EDITORIAL_PARAGRAPHS = 3
BUTTON_MAX_WORDS = 4
BUTTON_MIN_DOMAINS = 2
#: Words that make a short line a call to action (matched as whole words, case-insensitive).
BUTTON_CUES = (
    "subscribe|subscription|sign|signup|register|join|donate|donation|give|contribute|support|"
    "member|membership|monthly|yearly|annual|one-time|once|newsletter|newsletters|inbox|email|"
    "follow|share|tweet|app|download|log|login|account|later|thanks|continue|upgrade|premium|"
    "free|trial|offer|access|unlock|alerts|notifications|podcast|rss"
)
APPEAL_MIN_TOKENS = 3
APPEAL_MAX_TOKENS = 120
#: Where a block goes: after the end, inside the story, at the top.
PLACEMENTS = ("end", "middle", "top")
PLACEMENT_WEIGHTS = (0.5, 0.3, 0.2)
IMPLANT = "implant"


def load_pools(data_dir: Path, seed: int) -> dict[str, dict[str, list[str]]]:
    """Appeal and button lines per split: ``{"train": {"appeal": [...], "button": [...]}}``."""
    appeals = pd.read_parquet(
        data_dir / "appeal_candidates.parquet", columns=["text", "domain", "n_tokens"]
    )
    appeals = appeals[appeals["n_tokens"].between(APPEAL_MIN_TOKENS, APPEAL_MAX_TOKENS)]
    appeals = appeals.assign(split=domain_split(appeals["domain"].fillna(""), seed=seed))

    page = pd.read_parquet(data_dir / "page.parquet", columns=["domain", "text", "label"])
    page = page[(page["label"] == BOILERPLATE) & page["domain"].notna()]
    page = page[page["text"].str.count(" ") < BUTTON_MAX_WORDS]
    page = page.assign(split=domain_split(page["domain"], seed=seed))
    spread = page.groupby(["split", "text"])["domain"].nunique()
    buttons = spread[spread >= BUTTON_MIN_DOMAINS].reset_index()
    buttons = buttons[buttons["text"].str.contains(rf"(?i)\b(?:{BUTTON_CUES})\b", regex=True)]

    pools = {}
    for split in ("train", "validation", "test"):
        pools[split] = {
            "appeal": sorted(appeals.loc[appeals["split"] == split, "text"].unique()),
            "button": sorted(buttons.loc[buttons["split"] == split, "text"].unique()),
        }
    return pools


def _block(
    rng: np.random.Generator, pool: dict[str, list[str]], appeal_lines: tuple[int, int]
) -> list[str]:
    low, high = appeal_lines
    appeals = rng.choice(pool["appeal"], size=rng.integers(low, high + 1), replace=False).tolist()
    n_buttons = int(rng.integers(0, 5)) if pool["button"] else 0
    buttons = (
        rng.choice(pool["button"], size=n_buttons, replace=False).tolist() if n_buttons else []
    )
    return appeals + buttons


def implant_blocks(
    table: pd.DataFrame,
    pool: dict[str, list[str]],
    rate: float,
    rng: np.random.Generator,
    *,
    suffix: str = "",
    appeal_lines: tuple[int, int] = EVAL_APPEAL_LINES,
) -> pd.DataFrame:
    """Insert one appeal block into a ``rate`` share of eligible articles of ``table``.

    A block is ``appeal_lines`` (inclusive range) appeal lines followed by 0-4 button lines.

    With ``suffix``, changed articles get ``article_id + suffix``. Rows of other articles pass
    unchanged; positions are renumbered in changed articles.
    """
    if not pool["appeal"]:
        return table
    pieces = []
    for article_id, article in table.groupby("article_id", sort=False):
        editorial = np.flatnonzero((article["label"] == EDITORIAL).to_numpy())
        if len(editorial) < MIN_EDITORIAL_PARAGRAPHS or rng.random() >= rate:
            pieces.append(article)
            continue
        placement = rng.choice(PLACEMENTS, p=PLACEMENT_WEIGHTS)
        if placement == "end":
            at = len(article)
        elif placement == "top":
            at = 0
        else:
            at = int(editorial[min(int(rng.integers(3, 7)), len(editorial)) - 1]) + 1
        lines = _block(rng, pool, appeal_lines)
        first = article.iloc[0]
        block = pd.DataFrame(
            {
                "article_id": article_id,
                "position": 0,
                "text": lines,
                "label": BOILERPLATE,
                "domain": first["domain"],
                "dataset": IMPLANT,
                "relabel": IMPLANT,
            }
        )
        for column in article.columns.difference(block.columns):
            block[column] = first[column]
        merged = pd.concat([article.iloc[:at], block, article.iloc[at:]], ignore_index=True)
        merged["position"] = np.arange(len(merged))
        if suffix:
            merged["article_id"] = f"{article_id}{suffix}"
        pieces.append(merged)
    return pd.concat(pieces, ignore_index=True)


def has_pools(data_dir: str | Path) -> bool:
    """Whether ``data_dir`` is the shared data folder with its appeal candidates."""
    data_dir = Path(data_dir)
    return is_shared_data(data_dir) and (data_dir / "appeal_candidates.parquet").exists()


Pools = dict[str, dict[str, list[str]]]


def _pools(pools: Pools | str | Path, seed: int) -> Pools:
    return pools if isinstance(pools, dict) else load_pools(Path(pools), seed)


def augment_with_appeals(
    table: pd.DataFrame,
    pools: Pools | str | Path,
    *,
    seed: int = 0,
    rate: float = AUGMENT_RATE,
    appeal_lines: tuple[int, int] = TRAIN_APPEAL_LINES,
) -> pd.DataFrame:
    """Implant appeal blocks into the train and validation splits (the test split is untouched).

    ``pools`` is the result of :func:`load_pools` or the shared data folder to load it from.
    """
    pools = _pools(pools, seed)
    rng = np.random.default_rng(seed)
    parts = []
    for split, part in table.groupby("split", sort=False):
        if split in ("train", "validation"):
            part = implant_blocks(part, pools[split], rate, rng, appeal_lines=appeal_lines)
        parts.append(part)
    return pd.concat(parts, ignore_index=True)


def appeal_test_table(
    table: pd.DataFrame, pools: Pools | str | Path, *, seed: int = 0
) -> pd.DataFrame:
    """Every eligible test article with one block of *test-domain* appeal lines implanted.

    ``table`` needs the ``split`` column; ``pools`` as in :func:`augment_with_appeals`.
    """
    pools = _pools(pools, seed)
    test = table[table["split"] == "test"]
    rng = np.random.default_rng(seed + 1)
    implanted = implant_blocks(
        test, pools["test"], 1.0, rng, suffix="#appeal", appeal_lines=EVAL_APPEAL_LINES
    )
    return implanted[implanted["article_id"].str.endswith("#appeal")]


__all__ = [
    "IMPLANT_WEIGHT",
    "appeal_test_table",
    "augment_with_appeals",
    "has_pools",
    "implant_blocks",
    "load_pools",
]
