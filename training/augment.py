"""Augmentation with real publisher appeals, implanted where publishers put them.

Appeals, newsletter boxes and follow prompts are rare in the labelled data (about 1 in 40
boilerplate paragraphs) but are what survives extraction into article dumps. This module takes
real lines from the shared data and implants them, as blocks, into editorial articles:

- *appeal lines*: ``appeal_candidates.parquet`` (keyword-mined and weakly labelled, hence the
  review below);
- *button lines*: short page-view boilerplate lines (at most 4 words) seen on several domains of
  the same split that are calls to action, i.e. contain a word of :data:`BUTTON_CUES`
  ("Subscribe", "Give now", "Monthly", "Log in", "Share"); menu words such as "Arts" or "Iraq"
  are left out, because they are not what an appeal block is made of.

Both pools were **reviewed line by line** against ``LABELS.md``, blind to any model's scores,
by language-model review helpers working from a written brief, with the team settling the 27
lines they had not seen (:data:`POOL_REVIEW` keeps a SHA-256 prefix of each line's text and its
category, no text). Each line is one of:

- *appeal*: the calls to action the appeal target is about (donation, subscription, newsletter,
  registration, log-in, app, follow and share prompts, and their buttons);
- *other* boilerplate: menus, other stories' headlines, ads, shop and comment-form text;
- *story*: a sentence that could belong to an article (a fitness piece that mentions gym
  membership), or unclear.

*Story* lines (80 of 2,723) are never implanted: training would teach the model to drop story
sentences that mention a subscription. *Other* lines are implanted as boilerplate but counted
apart (``dataset="implant-other"``), so "appeal lines removed" counts appeal lines only. A line
missing from the review (another version of the data) counts as an appeal.

A block is 2-4 appeal lines in training (1-3 in the appeal evaluation) followed by 0-4 button
lines, put after the story's end (half of the blocks), after its 3rd-6th paragraph (three in
ten), or at the top (two in ten). 70 % of train and validation articles receive one. Lines are drawn
only from domains of the article's own split, so nothing crosses from test into train.
Implanted rows get ``dataset="implant"`` (``"implant-other"`` for reviewed *other* lines), so
every evaluation reports them separately.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
from newsclean.training.data import BOILERPLATE, EDITORIAL, is_shared_data
from newsclean.training.split import domain_split
from newsclean.training.yardstick import withheld_publishers

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
#: Button lines per block: 0 to this many.
MAX_BUTTON_LINES = 4
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
IMPLANT_OTHER = "implant-other"
#: The review of the appeal and button pools: ``sha256`` (the first 16 hex digits of the SHA-256
#: of a line's UTF-8 text) and ``category`` (one of :data:`REVIEW_CATEGORIES`).
POOL_REVIEW = Path(__file__).with_name("pool_review.csv")
REVIEW_CATEGORIES = ("appeal", "other", "story")


@cache
def pool_review() -> dict[str, str]:
    """Reviewed category of each pool line, keyed by its text's SHA-256 prefix."""
    review = pd.read_csv(POOL_REVIEW, dtype=str)
    unknown = set(review["category"]) - set(REVIEW_CATEGORIES)
    if unknown:
        raise ValueError(f"{POOL_REVIEW}: unknown categories {sorted(unknown)}")
    return dict(zip(review["sha256"], review["category"]))


def line_category(text: str) -> str:
    """The reviewed category of a pool line; "appeal" when the review does not list it."""
    key = hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
    return pool_review().get(key, "appeal")


def is_implanted(dataset: pd.Series) -> np.ndarray:
    """Which rows were implanted (appeal or other lines), from the ``dataset`` column."""
    return dataset.isin([IMPLANT, IMPLANT_OTHER]).to_numpy()


def load_pools(data_dir: Path, seed: int) -> dict[str, dict[str, list[str]]]:
    """Appeal and button lines per split: ``{"train": {"appeal": [...], "button": [...]}}``."""
    appeals = pd.read_parquet(
        data_dir / "appeal_candidates.parquet", columns=["text", "domain", "n_tokens"]
    )
    withheld = withheld_publishers()
    appeals = appeals[appeals["n_tokens"].between(APPEAL_MIN_TOKENS, APPEAL_MAX_TOKENS)]
    appeals = appeals[~appeals["domain"].isin(withheld)]
    appeals = appeals.assign(split=domain_split(appeals["domain"].fillna(""), seed=seed))

    page = pd.read_parquet(data_dir / "page.parquet", columns=["domain", "text", "label"])
    page = page[(page["label"] == BOILERPLATE) & page["domain"].notna()]
    page = page[~page["domain"].isin(withheld)]
    page = page[page["text"].str.count(" ") < BUTTON_MAX_WORDS]
    page = page.assign(split=domain_split(page["domain"], seed=seed))
    spread = page.groupby(["split", "text"])["domain"].nunique()
    buttons = spread[spread >= BUTTON_MIN_DOMAINS].reset_index()
    buttons = buttons[buttons["text"].str.contains(rf"(?i)\b(?:{BUTTON_CUES})\b", regex=True)]

    pools = {}
    for split in ("train", "validation", "test"):
        pools[split] = {
            kind: sorted(
                line
                for line in lines.loc[lines["split"] == split, "text"].unique()
                if line_category(line) != "story"
            )
            for kind, lines in (("appeal", appeals), ("button", buttons))
        }
    return pools


def _block(
    rng: np.random.Generator, pool: dict[str, list[str]], appeal_lines: tuple[int, int]
) -> list[str]:
    low, high = appeal_lines
    # Small pools (a test's, a user's) give what they have: no more lines than there are.
    n_appeals = min(int(rng.integers(low, high + 1)), len(pool["appeal"]))
    appeals = rng.choice(pool["appeal"], size=n_appeals, replace=False).tolist()
    n_buttons = int(rng.integers(0, min(MAX_BUTTON_LINES, len(pool["button"])) + 1))
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
                "dataset": [
                    IMPLANT_OTHER if line_category(line) == "other" else IMPLANT for line in lines
                ],
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


def pool_files(data_dir: Path) -> list[Path]:
    """The files the pools are made from (for the data digest), the review included."""
    return [data_dir / "appeal_candidates.parquet", data_dir / "page.parquet", POOL_REVIEW]


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


#: Share of train and validation articles that receive a reviewed block (``--blocks``).
BLOCKS_RATE = 0.7


def training_blocks(reviewed: pd.DataFrame, split: str, seed: int) -> pd.DataFrame:
    """The reviewed appeal blocks a training run of split seed ``seed`` may implant in ``split``.

    ``reviewed`` is the block corpus (``blocks_reviewed.parquet``); its ``split`` column is the
    publishers' split under seed 0, the one the yardstick's implanted-block evaluation draws its
    *test* blocks from. A block is taken only when its publisher is in ``split`` under seed 0
    *and* under ``seed``, and is not withheld, so no evaluation block and no publisher of this
    run's other splits is ever trained on.
    """
    from newsclean.training.blocks import appeal_blocks

    if split == "test":
        raise ValueError("test-split blocks are for evaluation only")
    withheld = withheld_publishers()
    lines = reviewed[~reviewed["domain"].isin(withheld)]
    lines = lines[domain_split(lines["domain"], seed=seed) == split]
    blocks = appeal_blocks(lines, split=split)
    evaluation = set(reviewed.loc[reviewed["split"] == "test", "domain"])
    # The evaluation's blocks are the test split's: a shared publisher would be a leak.
    assert not set(blocks["domain"]) & (evaluation | withheld), "evaluation block in training"
    return blocks


def augment_with_blocks(
    table: pd.DataFrame,
    reviewed: pd.DataFrame | str | Path,
    *,
    seed: int = 0,
    rate: float = BLOCKS_RATE,
) -> pd.DataFrame:
    """Implant reviewed appeal blocks, placed as publishers place them, into training articles.

    Train-split blocks go into train-split articles and validation-split blocks into
    validation-split articles (:func:`training_blocks`); the test split is untouched. Each
    article receives a block with probability ``rate`` at a random placement of
    :data:`newsclean.training.blocks.PLACEMENTS` (single line or 2-4-line box mid-story, top
    banner, end block), never a block of its own publisher. Implanted lines are boilerplate with
    ``dataset="implant"``, so they take the implant weight and are counted apart.

    Parameters
    ----------
    table : DataFrame
        The labelled table with its ``split`` column.
    reviewed : DataFrame or path
        The reviewed block corpus or the path of ``blocks_reviewed.parquet``.
    seed : int
        The run's split seed; also seeds every random choice.
    rate : float
        Share of eligible articles that receive a block.
    """
    from newsclean.training.blocks import IMPLANTED, implant_at_random

    if not isinstance(reviewed, pd.DataFrame):
        reviewed = pd.read_parquet(reviewed)
    rng = np.random.default_rng(seed + 7)  # apart from the keyword augmentation's draws
    parts = []
    for split, part in table.groupby("split", sort=False):
        if split in ("train", "validation"):
            blocks = training_blocks(reviewed, split, seed)
            part = implant_at_random(part, blocks, rate=rate, rng=rng)
            implanted = part[IMPLANTED].to_numpy(dtype=bool)
            part.loc[implanted, ["dataset", "relabel"]] = IMPLANT
            part = part.drop(columns=[IMPLANTED, "placement"])
        parts.append(part)
    return pd.concat(parts, ignore_index=True)


__all__ = [
    "BLOCKS_RATE",
    "IMPLANT",
    "IMPLANT_OTHER",
    "IMPLANT_WEIGHT",
    "POOL_REVIEW",
    "appeal_test_table",
    "augment_with_appeals",
    "augment_with_blocks",
    "has_pools",
    "implant_blocks",
    "is_implanted",
    "line_category",
    "load_pools",
    "pool_files",
    "pool_review",
    "training_blocks",
]
