"""A training run: load, split by domain, fit, choose the threshold, evaluate, track, export.

:func:`fit_and_evaluate` is the pure part (no MLflow); :func:`run_training` adds tracking,
registration and export around it.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from newsclean.features.table import TABLE_COLUMNS
from newsclean.training.augment import (
    AUGMENT_RATE,
    BLOCKS_RATE,
    IMPLANT_WEIGHT,
    TRAIN_APPEAL_LINES,
    appeal_test_table,
    augment_with_appeals,
    augment_with_blocks,
    has_pools,
    is_implanted,
    load_pools,
    pool_files,
)
from newsclean.training.data import (
    BOILERPLATE,
    EDITORIAL,
    EITHER,
    DataError,
    digest_data_files,
    is_shared_data,
    load_labelled,
    sample_articles,
)
from newsclean.training.evaluate import (
    choose_threshold,
    evaluate_by,
    selection_score,
    thin_threshold_warning,
)
from newsclean.training.kinds import (
    fit_kind_head,
    head_kind,
    is_kind_line,
    kind_metrics,
    kind_training_lines,
    load_blocks,
    plot_kind_confusion,
)
from newsclean.training.split import domain_split
from newsclean.training.yardstick import (
    OPERATING_POINTS,
    choose_operating_threshold,
    has_reviews,
    reviewed_table,
    score_table,
    yardstick_metrics,
)
from tqdm.auto import tqdm

from newsclean.classifier import ParagraphClassifier

log = logging.getLogger(__name__)

#: The operating point a trained model's own threshold comes from: "precise" (editorial recall
#: 0.999 on the reviewed validation articles), since deleting story text is the worst error a
#: cleaner makes; ``mode="balanced"`` or ``"aggressive"`` trades story for more boilerplate.
DEFAULT_OPERATING_POINT = "precise"


@dataclass
class TrainConfig:
    """Options of one training run (the ``newsclean train`` flags)."""

    data: Path
    experiment: str = "newsclean"
    register: str | None = None
    alias: str | None = "champion"
    promote: bool = False
    sample: int | None = None
    seed: int = 0
    export: Path | None = None
    augment: bool = True
    augment_rate: float = AUGMENT_RATE
    augment_lines: tuple[int, int] = TRAIN_APPEAL_LINES
    implant_weight: float = IMPLANT_WEIGHT
    #: The reviewed appeal-block corpus (``blocks_reviewed.parquet``) to implant, or None.
    blocks: Path | None = None
    blocks_rate: float = BLOCKS_RATE
    note: str | None = None
    model_params: dict[str, Any] = field(default_factory=dict)


@dataclass
class TrainResult:
    """What a run produced: the model, its threshold, metrics and held-out scores."""

    model: ParagraphClassifier
    threshold: float
    validation: dict[str, dict[str, float]]
    test: dict[str, dict[str, float]]
    test_scores: pd.DataFrame
    appeal: dict[str, dict[str, float]]
    data_digest: str
    n_rows: dict[str, int]
    seconds: dict[str, float]
    #: Metrics on the reviewed yardstick's test articles at ``threshold`` (empty without it).
    yardstick: dict[str, Any] = field(default_factory=dict)
    #: Threshold of each operating point, chosen on the reviewed validation articles.
    operating_points: dict[str, float] = field(default_factory=dict)
    #: The yardstick's rows with the model's ``score`` (None without it).
    yardstick_scores: pd.DataFrame | None = None
    #: The kind head's :func:`~newsclean.training.kinds.kind_metrics` on the reviewed test
    #: lines, with ``n_train`` (empty without a head or without the yardstick).
    kinds: dict[str, Any] = field(default_factory=dict)


def load_yardstick(config: TrainConfig) -> pd.DataFrame | None:
    """The reviewed yardstick when training on the shared data (None for a user's own data)."""
    if not (is_shared_data(Path(config.data)) and has_reviews()):
        return None
    return reviewed_table(Path(config.data))


def prepare_table(config: TrainConfig) -> tuple[pd.DataFrame, pd.DataFrame | None, str]:
    """Load, sample, split and augment the labelled data.

    Augmentation: the keyword-mined appeal pool (``config.augment``) and, with
    ``config.blocks``, the reviewed appeal blocks of train- and validation-split publishers
    (:func:`~newsclean.training.augment.augment_with_blocks`).

    Returns the table, the appeal test table (held-out articles with held-out appeal lines
    implanted; None without the shared data's appeal pool) and the data's digest
    (:func:`~newsclean.training.data.digest_data_files`).
    """
    table, files = load_labelled(config.data)
    if config.sample:
        table = sample_articles(table, config.sample, config.seed)
    table["split"] = domain_split(table["domain"], seed=config.seed)
    appeal_table = None
    if has_pools(config.data):
        files = [*files, *pool_files(Path(config.data))]
        # The appeal evaluation runs with or without augmentation, so runs compare.
        pools = load_pools(Path(config.data), config.seed)
        appeal_table = appeal_test_table(table, pools, seed=config.seed)
        if config.augment:
            table = augment_with_appeals(
                table,
                pools,
                seed=config.seed,
                rate=config.augment_rate,
                appeal_lines=config.augment_lines,
            )
    if config.blocks is not None:
        files = [*files, Path(config.blocks)]
        table = augment_with_blocks(
            table, Path(config.blocks), seed=config.seed, rate=config.blocks_rate
        )
    return table, appeal_table, digest_data_files(files)


def check_splits(table: pd.DataFrame, sampled: bool = False) -> None:
    """Refuse a table whose train, validation or test split has no labelled paragraph."""
    for name in ("train", "validation", "test"):
        part = table[table["split"] == name]
        if part.empty or (part["label"] == EITHER).all():
            n_domains = table["domain"].nunique()
            domains = "domain is" if n_domains == 1 else "domains are"
            raise DataError(
                f"the {name} split has no labelled paragraph: the data's {n_domains} publisher "
                f"{domains} too few to split by domain" + (" (raise --sample)" if sampled else "")
            )


def _xy(
    part: pd.DataFrame, implant_weight: float = 1.0
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    y = np.where(part["label"] == BOILERPLATE, BOILERPLATE, EDITORIAL)
    weight = (part["label"] != EITHER).to_numpy(dtype=np.float64)
    weight[is_implanted(part["dataset"])] *= implant_weight
    return part[list(TABLE_COLUMNS)], y, weight


def _scored(model: ParagraphClassifier, part: pd.DataFrame) -> pd.DataFrame:
    scores = model.score_paragraphs(part[list(TABLE_COLUMNS)])
    out = part.assign(score=scores["score"].to_numpy(), score_raw=scores["score_raw"].to_numpy())
    return out[out["label"] != EITHER]


def fit_and_evaluate(
    table: pd.DataFrame,
    config: TrainConfig,
    data_digest: str = "",
    appeal_table: pd.DataFrame | None = None,
    yardstick: pd.DataFrame | None = None,
) -> TrainResult:
    """Fit on the train split, pick the threshold on validation, evaluate on test.

    With the reviewed ``yardstick`` (:func:`load_yardstick`) the threshold of each operating
    point is chosen on its reviewed validation articles, not on the noisy validation split, and
    the model is measured on its reviewed test articles as well.
    """
    seconds: dict[str, float] = {}
    check_splits(table, sampled=bool(config.sample))
    parts = {name: table[table["split"] == name] for name in ("train", "validation", "test")}
    steps = tqdm(total=4, desc="training", unit="step", leave=False)

    start = time.perf_counter()
    X, y, weight = _xy(parts["train"], config.implant_weight)
    model = ParagraphClassifier(random_state=config.seed, **config.model_params)
    model.fit(X, y, sample_weight=weight, groups=parts["train"]["domain"].to_numpy())
    seconds["fit"] = time.perf_counter() - start
    steps.update()

    start = time.perf_counter()
    validation = _scored(model, parts["validation"])
    is_boilerplate = (validation["label"] == BOILERPLATE).to_numpy()
    scores = validation["score"].to_numpy()
    operating_points: dict[str, float] = {}
    reviewed = None
    if yardstick is not None:
        reviewed = yardstick.assign(score=score_table(yardstick, model))
        on_validation = reviewed[reviewed["split"] == "validation"]
        operating_points = {
            name: choose_operating_threshold(on_validation, on_validation["score"], target)
            for name, target in OPERATING_POINTS.items()
        }
        threshold = operating_points[DEFAULT_OPERATING_POINT]
    else:
        threshold = choose_threshold(is_boilerplate, scores)
        if warning := thin_threshold_warning(scores[~is_boilerplate], threshold):
            log.warning(warning)
    model.set_params(threshold=threshold)
    steps.update()
    test = _scored(model, parts["test"])
    seconds["score"] = time.perf_counter() - start
    appeal = {}
    if appeal_table is not None and not appeal_table.empty:
        appeal = evaluate_by(_scored(model, appeal_table), "dataset", threshold)
    steps.update()

    result = TrainResult(
        model=model,
        threshold=threshold,
        validation=evaluate_by(validation, "dataset", threshold),
        test=evaluate_by(test, "dataset", threshold),
        test_scores=test,
        appeal=appeal,
        data_digest=data_digest,
        n_rows={f"{k}_rows": len(v) for k, v in parts.items()}
        | {f"{k}_domains": int(v["domain"].nunique()) for k, v in parts.items()},
        seconds=seconds,
        operating_points=operating_points,
        yardstick_scores=reviewed,
    )
    if reviewed is not None:
        on_test = reviewed[reviewed["split"] == "test"].reset_index(drop=True)
        result.yardstick = yardstick_metrics(on_test, on_test["score"].to_numpy(), threshold)
    result.kinds = add_kind_head(model, config, yardstick)
    steps.update()
    steps.close()
    return result


def add_kind_head(
    model: ParagraphClassifier, config: TrainConfig, yardstick: pd.DataFrame | None
) -> dict[str, Any]:
    """Fit the kind head (:mod:`newsclean.training.kinds`) on the reviewed block corpus's
    train-split lines and the yardstick's validation lines, put it in ``model``'s scorer, and
    measure it on the yardstick's test lines. Runs after the threshold is chosen: the head
    changes no score. Returns the metrics (empty without a head or without the yardstick)."""
    lines = kind_training_lines(load_blocks(config.blocks), yardstick)
    head = fit_kind_head(model.scorer_, lines, random_state=config.seed)
    if head is None:
        return {}
    model.scorer_ = dataclasses.replace(model.scorer_, kinds=head)
    if yardstick is None:
        return {}
    test = yardstick[(yardstick["split"] == "test") & is_kind_line(yardstick)]
    test = test.assign(kind=head_kind(test["kind"]))
    metrics = kind_metrics(head, test, model.scorer_.max_chars, train_kinds=lines["kind"])
    return metrics | {"n_train": len(lines)}


#: Size of the input examples logged with the models.
EXAMPLE_PARAGRAPHS = 20
EXAMPLE_CHARS = 1000


def _examples(table: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Input examples for MLflow: the start of two articles, as a paragraph table and as texts.

    Kept small (:data:`EXAMPLE_PARAGRAPHS` paragraphs of at most :data:`EXAMPLE_CHARS`
    characters each): MLflow stores each example with both logged models.
    """
    first_ids = table["article_id"].drop_duplicates().head(2).tolist()
    rows = (
        table[table["article_id"].isin(first_ids)]
        .groupby("article_id", sort=False)
        .head(EXAMPLE_PARAGRAPHS)
    )
    rows = rows.assign(text=rows["text"].str.slice(0, EXAMPLE_CHARS))
    paragraphs = rows[list(TABLE_COLUMNS)].reset_index(drop=True)
    paragraphs["article_id"] = paragraphs["article_id"].astype(str)
    texts = rows.groupby("article_id", sort=False)["text"].agg("\n".join)
    return paragraphs, pd.DataFrame({"text": texts.to_numpy()})


def run_training(config: TrainConfig) -> TrainResult:
    """The whole run, tracked in MLflow; returns the result (see module docstring)."""
    from newsclean.models import export_model, load_artifact
    from newsclean.training import tracking
    from newsclean.training.evaluate import plot_calibration, plot_confusion, plot_pr_curve

    started = time.perf_counter()
    # Data first: bad data touches no tracking store and leaves no failed run behind.
    table, appeal_table, data_digest = prepare_table(config)
    check_splits(table, sampled=bool(config.sample))
    yardstick = load_yardstick(config)
    mlflow = tracking.configure_mlflow()
    mlflow.set_experiment(config.experiment)
    with mlflow.start_run(description=config.note) as run:
        mlflow.log_params(
            {
                "augment_rate": config.augment_rate,
                "augment_lines": str(config.augment_lines),
                "implant_weight": config.implant_weight,
                "blocks": str(config.blocks) if config.blocks else None,
                "blocks_rate": config.blocks_rate,
                "data": str(config.data),
                "sample": config.sample,
                "seed": config.seed,
                # What happened, not what was asked: without the shared data's appeal pools
                # (a user's own data) nothing is implanted.
                "augment": config.augment and appeal_table is not None,
                "data_fingerprint": data_digest,
            }
        )
        result = fit_and_evaluate(table, config, data_digest, appeal_table, yardstick)
        model = result.model
        mlflow.log_params({f"model__{k}": v for k, v in model.get_params(deep=True).items()})
        train_rows = table.loc[
            table["split"] == "train", ["article_id", "position", "label", "domain", "dataset"]
        ]
        mlflow.log_input(mlflow.data.from_pandas(train_rows, name="train"), context="training")
        mlflow.log_metrics(
            {"threshold": result.threshold, **result.n_rows}
            | {f"seconds_{k}": v for k, v in result.seconds.items()}
            | tracking.flat_metrics(result.validation, "validation")
            | tracking.flat_metrics(result.test, "test")
            | tracking.flat_metrics(result.appeal, "appeal")
            | yardstick_flat_metrics(result)
            | kind_flat_metrics(result.kinds)
        )
        test = result.test_scores
        is_bp = (test["label"] == BOILERPLATE).to_numpy()
        tracking.log_figures(
            mlflow,
            {
                "pr_curve": plot_pr_curve(is_bp, test["score"].to_numpy(), result.threshold),
                "confusion_matrix": plot_confusion(
                    is_bp, test["score"].to_numpy(), result.threshold
                ),
                "calibration": plot_calibration(is_bp, test["score"].to_numpy()),
            }
            | yardstick_figures(result)
            | (
                {"kind_confusion_matrix": plot_kind_confusion(result.kinds)} if result.kinds else {}
            ),
        )
        mlflow.log_table(
            result.test_scores.loc[result.test_scores["score"].ge(result.threshold) != is_bp].head(
                2000
            )[["article_id", "position", "text", "label", "score", "dataset"]],
            "errors/test_errors.json",
        )

        card_fields = {
            "data_fingerprint": data_digest,
            "mlflow_run_id": run.info.run_id,
            "metrics": {"test": result.test["all"], "validation": result.validation["all"]},
            "metrics_by_dataset": result.test,
            "splits": result.n_rows,
            "appeal_metrics": result.appeal,
            "split_seed": config.seed,
            "yardstick": result.yardstick,
            "operating_points": result.operating_points,
            "kind_metrics": result.kinds,
        }
        with tracking.temporary_dir() as tmp:
            export_dir = Path(tmp) / "model"
            export_model(model, export_dir, **card_fields)
            paragraphs_example, articles_example = _examples(table)
            _, cleaner_uri = tracking.log_models(
                mlflow, model, export_dir, paragraphs_example, articles_example
            )
            if config.register:
                score = run_selection_score(result)
                holder_uri = (
                    tracking.alias_holder_uri(mlflow, config.register, config.alias)
                    if config.alias
                    else None
                )
                holder_score, incomparable = None, None
                if holder_uri is not None:
                    try:
                        holder_score = _score_holder(
                            holder_uri, table, appeal_table, mlflow, config.seed, yardstick
                        )
                    except IncomparableHolder as exc:
                        incomparable = str(exc)
                _, why = tracking.register_with_alias(
                    mlflow,
                    cleaner_uri,
                    config.register,
                    config.alias,
                    challenger_score=score,
                    holder_score=holder_score,
                    promote=config.promote,
                    incomparable=incomparable,
                )
                mlflow.set_tag("promotion", why)
                mlflow.log_metric("selection_score", score)
                log.warning(why)
        mlflow.log_metric("seconds_total", time.perf_counter() - started)
        if config.export:
            export_model(model, config.export, **card_fields)
            load_artifact(config.export)  # refuse to finish with an export that does not load
    return result


def yardstick_flat_metrics(result: TrainResult) -> dict[str, float]:
    """The yardstick's metrics as flat MLflow metrics (``yardstick_test_*``), when measured."""
    if not result.yardstick:
        return {}
    metrics = {f"yardstick_test_{k}": v for k, v in result.yardstick["overall"].items()}
    metrics |= {
        f"yardstick_test_removed_{k}": v["removed"] for k, v in result.yardstick["by_kind"].items()
    }
    metrics |= {f"threshold_{name}": value for name, value in result.operating_points.items()}
    return metrics


def kind_flat_metrics(kinds: dict[str, Any]) -> dict[str, float]:
    """The kind head's test metrics as flat MLflow metrics (``kind_test_*``), when measured."""
    if not kinds:
        return {}
    metrics = {
        f"kind_test_{name}": kinds[name]
        for name in ("accuracy", "macro_recall", "majority_accuracy", "n", "n_train")
    }
    return metrics | {f"kind_test_recall_{k}": v["recall"] for k, v in kinds["by_kind"].items()}


def yardstick_figures(result: TrainResult) -> dict[str, Any]:
    """PR curve and confusion matrix on the reviewed test articles, when measured."""
    from newsclean.training.evaluate import plot_confusion, plot_pr_curve

    if result.yardstick_scores is None:
        return {}
    test = result.yardstick_scores
    test = test[(test["split"] == "test") & (test["label"] != EITHER)]
    is_bp = (test["label"] == BOILERPLATE).to_numpy()
    score = test["score"].to_numpy()
    title = "Reviewed yardstick: unseen publishers, every line reviewed"
    return {
        "yardstick_pr_curve": plot_pr_curve(is_bp, score, result.threshold, title=title),
        "yardstick_confusion_matrix": plot_confusion(is_bp, score, result.threshold),
    }


def run_selection_score(result: TrainResult) -> float:
    """The number registration compares: on the reviewed yardstick when the run has it."""
    if result.yardstick:
        return selection_score(result.yardstick["overall"])
    return selection_score(result.test["all"], _appeal_recall(result.appeal))


def _appeal_recall(appeal: dict[str, dict[str, float]]) -> float | None:
    """Share of implanted appeal lines removed, when the run has an appeal evaluation."""
    return appeal["implant"]["boilerplate_recall"] if "implant" in appeal else None


class IncomparableHolder(Exception):
    """The alias holder cannot be scored fairly on this run's test split."""


def _score_holder(
    holder_uri: str,
    table: pd.DataFrame,
    appeal_table: pd.DataFrame | None,
    mlflow,
    split_seed: int,
    yardstick: pd.DataFrame | None = None,
) -> float | None:
    """Selection score of the current alias holder on this run's test and appeal data.

    With the reviewed yardstick the holder is scored there at its own threshold: its
    publishers are withheld from every run, so any split seed compares. Without it, raises
    :class:`IncomparableHolder` when the holder was split with another seed.
    """
    from newsclean.models import load_artifact

    from newsclean.classifier import ParagraphClassifier
    from newsclean.predict import model_directory

    try:  # load_model's loading without its cache, which would keep this version past the move
        scorer, card = load_artifact(model_directory(holder_uri))
        holder = ParagraphClassifier.from_card(scorer, card)
    except Exception as exc:  # a holder we cannot load cannot defend its alias
        log.warning("could not load %s (%s); treating the alias as free", holder_uri, exc)
        return None
    if yardstick is not None:
        on_test = yardstick[yardstick["split"] == "test"].reset_index(drop=True)
        scores = score_table(on_test, holder)
        metrics = yardstick_metrics(on_test, scores, holder.threshold)["overall"]
        mlflow.log_metrics({f"holder_yardstick_test_{k}": v for k, v in metrics.items()})
        return selection_score(metrics)
    if card.get("split_seed") != split_seed:
        # Another seed puts other publishers in test, some of them in the holder's training
        # data: scored on this run's test split, the holder would be flattered.
        raise IncomparableHolder(
            f"the holder {holder_uri} was trained with split seed {card.get('split_seed')}, "
            f"this run with {split_seed}, so this run's test publishers are not all new to it"
        )
    test = _scored(holder, table[table["split"] == "test"])
    metrics = evaluate_by(test, "dataset", holder.threshold)["all"]
    mlflow.log_metrics({f"holder_test_{k}": v for k, v in metrics.items()})
    appeal = {}
    if appeal_table is not None and not appeal_table.empty:
        appeal = evaluate_by(_scored(holder, appeal_table), "dataset", holder.threshold)
    return selection_score(metrics, _appeal_recall(appeal))
