"""Accuracy of newsclean and the peers on held-out publishers.

The rows are the test split of the shared data (``domain_split(domain, seed=0) == "test"``,
the publishers the shipped model never saw). Every method sees whole articles, ``either`` rows
included (they are context), and is scored only on ``editorial`` / ``boilerplate`` rows with
:func:`newsclean.training.evaluate.evaluate`. newsclean is scored at its own threshold; each
peer's keep/remove decision is a 0/1 score at threshold 0.5.

Because a peer sits at one operating point, newsclean is also read off its own curve at the
peer's editorial recall (``matched``): the fair question is which one removes more boilerplate
while keeping as much of the story.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
from newsclean.training.augment import IMPLANT, IMPLANT_OTHER
from newsclean.training.data import BOILERPLATE, EDITORIAL, EITHER, load_shared
from newsclean.training.evaluate import choose_threshold, evaluate, evaluate_by
from newsclean.training.split import domain_split

from benchmarks.peers import JUSTEXT_DEFAULTS, JUSTEXT_NEWS, C4Rules, justext_labels

NEWSCLEAN = "newsclean"
#: Peers in report order; each maps (paragraphs, language) -> labels.
PEER_NAMES = (
    "jusText (defaults 70/200)",
    "jusText (news 30/80)",
    "C4 rules (datatrove, document + line)",
    "C4 line rules only",
    "keep everything",
)
KEEP_ALL = "keep everything"
PEER_THRESHOLD = 0.5
SPLIT_SEED = 0
#: Peer metrics that mean nothing for a 0/1 score.
_DROP_FOR_PEERS = ("pr_auc",)


def peer_functions() -> dict[str, Callable[[list[str], str | None], list[str]]]:
    """The peers, each as ``fn(paragraphs, language) -> labels``."""
    c4_full = C4Rules(document_rules=True)
    c4_lines = C4Rules(document_rules=False)
    return {
        PEER_NAMES[0]: lambda ps, lang: justext_labels(ps, language=lang, **JUSTEXT_DEFAULTS),
        PEER_NAMES[1]: lambda ps, lang: justext_labels(ps, language=lang, **JUSTEXT_NEWS),
        PEER_NAMES[2]: lambda ps, lang: c4_full.labels(ps),
        PEER_NAMES[3]: lambda ps, lang: c4_lines.labels(ps),
        PEER_NAMES[4]: lambda ps, lang: [EDITORIAL] * len(ps),
    }


def load_split_table(data_dir: str | Path, view: str = "extracted") -> pd.DataFrame:
    """The labelled table of one view with ``split`` and ``language`` columns."""
    data_dir = Path(data_dir)
    table = load_shared(data_dir, view=view)
    table["split"] = domain_split(table["domain"], seed=SPLIT_SEED)
    docs = pd.read_parquet(data_dir / "docs.parquet", columns=["doc_id", "language"])
    language = dict(zip(docs["doc_id"], docs["language"]))
    table["language"] = table["article_id"].map(language)
    return table


def sample_whole_articles(table: pd.DataFrame, max_articles: int | None, seed: int = 0):
    """At most ``max_articles`` whole articles, drawn at random (seeded); all when None/0."""
    ids = table["article_id"].drop_duplicates().to_numpy()
    if not max_articles or len(ids) <= max_articles:
        return table
    chosen = set(np.random.default_rng(seed).choice(ids, size=max_articles, replace=False))
    return table[table["article_id"].isin(chosen)].reset_index(drop=True)


def label_all(table: pd.DataFrame, model) -> tuple[pd.DataFrame, dict[str, float]]:
    """Score ``table`` with newsclean and every peer; return it with one column per method.

    ``newsclean`` holds the boilerplate probability, each peer's column 1.0 where it removes the
    paragraph. Also returns the seconds each method took.
    """
    out = table.reset_index(drop=True).copy()
    seconds: dict[str, float] = {}
    start = time.perf_counter()
    scores = model.score_paragraphs(out[["article_id", "position", "text"]])
    out[NEWSCLEAN] = scores["score"].to_numpy()
    seconds[NEWSCLEAN] = time.perf_counter() - start
    groups = [
        (idx, part["text"].tolist(), part["language"].iloc[0])
        for idx, part in (
            (part.index.to_numpy(), part) for _, part in out.groupby("article_id", sort=False)
        )
    ]
    for name, fn in peer_functions().items():
        start = time.perf_counter()
        removed = np.zeros(len(out))
        for idx, paragraphs, language in groups:
            lang = language if isinstance(language, str) else None
            labels = fn(paragraphs, lang)
            removed[idx] = [label == BOILERPLATE for label in labels]
        out[name] = removed
        seconds[name] = time.perf_counter() - start
    return out, seconds


def method_threshold(name: str, model) -> float:
    return float(model.threshold) if name == NEWSCLEAN else PEER_THRESHOLD


def metrics_by_method(
    scored: pd.DataFrame, model, by: str = "dataset"
) -> dict[str, dict[str, dict[str, float]]]:
    """``{method: {"all": metrics, dataset: metrics, ...}}`` on the labelled rows."""
    rows = scored[scored["label"] != EITHER]
    out = {}
    for name in (NEWSCLEAN, *PEER_NAMES):
        result = evaluate_by(rows, by, method_threshold(name, model), score_column=name)
        if name != NEWSCLEAN:
            for metrics in result.values():
                for key in _DROP_FOR_PEERS:
                    metrics.pop(key, None)
        out[name] = result
    return out


def matched_comparison(
    scored: pd.DataFrame, by_method: dict[str, dict[str, dict[str, float]]], by: str = "dataset"
) -> dict[str, dict[str, dict[str, float]]]:
    """newsclean at each peer's editorial recall, per group: ``{peer: {group: {...}}}``.

    For each peer and group, newsclean's threshold is the lowest that keeps at least the peer's
    editorial recall; the entry gives both F1s, both editorial recalls and ``newsclean_ahead``
    (1.0 when newsclean's F1 there is higher).
    """
    rows = scored[scored["label"] != EITHER]
    parts = {"all": rows} | {str(k): v for k, v in rows.groupby(by, sort=True)}
    out: dict[str, dict[str, dict[str, float]]] = {}
    for peer in PEER_NAMES:
        if peer == KEEP_ALL:
            continue
        out[peer] = {}
        for group, part in parts.items():
            peer_m = by_method[peer][group]
            is_bp = (part["label"] == BOILERPLATE).to_numpy()
            score = part[NEWSCLEAN].to_numpy()
            if is_bp.all() or not is_bp.any():
                continue
            cut = choose_threshold(is_bp, score, peer_m["editorial_recall"])
            ours = evaluate(is_bp, score, cut)
            out[peer][group] = {
                "peer_editorial_recall": peer_m["editorial_recall"],
                "peer_f1": peer_m["boilerplate_f1"],
                "newsclean_threshold": cut,
                "newsclean_editorial_recall": ours["editorial_recall"],
                "newsclean_f1": ours["boilerplate_f1"],
                "newsclean_ahead": float(ours["boilerplate_f1"] > peer_m["boilerplate_f1"]),
            }
    return out


def not_ahead(
    by_method: dict[str, dict[str, dict[str, float]]],
    matched: dict[str, dict[str, dict[str, float]]],
) -> list[str]:
    """One plain sentence per peer that newsclean is not ahead of somewhere.

    Two checks per peer and group (``all`` and each dataset): *dominated*, the peer reaches at
    least newsclean's default-threshold F1 with equal or better editorial recall; and
    *matched*, read off newsclean's curve at the peer's editorial recall, newsclean's F1 is not
    higher than the peer's.
    """
    notes = []
    ours = by_method[NEWSCLEAN]
    for peer, groups in by_method.items():
        if peer in (NEWSCLEAN, KEEP_ALL):
            continue
        dominated = [
            f"{g} (F1 {m['boilerplate_f1']:.3f} vs {ours[g]['boilerplate_f1']:.3f}, editorial "
            f"recall {m['editorial_recall']:.4f} vs {ours[g]['editorial_recall']:.4f})"
            for g, m in groups.items()
            if g in ours
            and m["boilerplate_f1"] >= ours[g]["boilerplate_f1"]
            and m["editorial_recall"] >= ours[g]["editorial_recall"]
        ]
        if dominated:
            notes.append(
                f"**{peer}** matches or beats newsclean's default threshold on both F1 and "
                f"editorial recall: {'; '.join(dominated)}."
            )
        behind = [
            f"{g} ({mm['newsclean_f1']:.3f} vs {mm['peer_f1']:.3f} at editorial recall "
            f"{mm['peer_editorial_recall']:.3f})"
            for g, mm in matched.get(peer, {}).items()
            if not mm["newsclean_ahead"]
        ]
        if behind:
            notes.append(
                f"**{peer}**: at the peer's own editorial recall, newsclean's F1 is not higher "
                f"on {len(behind)} group(s): {'; '.join(behind)}."
            )
    return notes


def appeal_metrics(scored: pd.DataFrame, model) -> dict[str, dict[str, float]]:
    """Per method: appeal recall (implanted appeal lines removed), the same for implanted lines
    reviewed as other boilerplate, editorial recall, articles clean, and where the story
    paragraphs it removes come from (:func:`story_losses`)."""
    rows = scored[scored["label"] != EITHER]
    implanted = (rows["dataset"] == IMPLANT).to_numpy()
    other = (rows["dataset"] == IMPLANT_OTHER).to_numpy()
    is_bp = (rows["label"] == BOILERPLATE).to_numpy()
    articles = rows["article_id"].to_numpy()
    out = {}
    for name in (NEWSCLEAN, *PEER_NAMES):
        cut = method_threshold(name, model)
        score = rows[name].to_numpy()
        m = evaluate(
            is_bp,
            score,
            cut,
            chars=rows["text"].str.len().to_numpy(),
            articles=rows["article_id"].to_numpy(),
        )
        removed = score >= cut
        out[name] = {
            "appeal_recall": float(removed[implanted].mean()) if implanted.any() else float("nan"),
            "other_implant_recall": float(removed[other].mean()) if other.any() else float("nan"),
            "editorial_recall": m["editorial_recall"],
            "editorial_char_recall": m["editorial_char_recall"],
            "articles_fully_clean": m["articles_fully_clean"],
            "boilerplate_f1": m["boilerplate_f1"],
            "n_articles": float(rows["article_id"].nunique()),
            "n_implanted": float(implanted.sum()),
            "n_other_implanted": float(other.sum()),
        } | story_losses(articles[~is_bp], removed[~is_bp])
    return out


def story_losses(articles: np.ndarray, removed: np.ndarray) -> dict[str, float | str | None]:
    """How the removed story paragraphs spread over articles.

    ``articles`` and ``removed`` give each story (editorial) paragraph's article and whether it
    was removed. Paragraph-level editorial recall lets one long odd page (a list of names, a
    code listing) weigh as much as dozens of articles; these say whether it does.

    Returns
    -------
    dict with ``articles_all_story_kept`` (share of articles that keep every story paragraph),
    ``worst_article`` (the article losing the most, None when none loses any) and
    ``worst_article_share`` (its share of all removed story paragraphs).

    Examples
    --------
    >>> losses = story_losses(np.array(["a", "a", "a", "b", "c"]), np.array([1, 1, 0, 1, 0], bool))
    >>> round(losses["articles_all_story_kept"], 3), losses["worst_article"]
    (0.333, 'a')
    >>> round(losses["worst_article_share"], 3)  # 2 of the 3 removed
    0.667
    """
    ids, inverse = np.unique(articles, return_inverse=True)
    lost = np.bincount(inverse, weights=removed, minlength=len(ids))
    worst = int(lost.argmax()) if len(ids) else 0
    any_lost = bool(len(ids)) and lost[worst] > 0
    return {
        "articles_all_story_kept": float((lost == 0).mean()) if len(ids) else float("nan"),
        "worst_article": str(ids[worst]) if any_lost else None,
        "worst_article_share": float(lost[worst] / lost.sum()) if any_lost else 0.0,
    }


__all__ = [
    "NEWSCLEAN",
    "PEER_NAMES",
    "appeal_metrics",
    "label_all",
    "load_split_table",
    "matched_comparison",
    "metrics_by_method",
    "not_ahead",
    "peer_functions",
    "sample_whole_articles",
    "story_losses",
]
