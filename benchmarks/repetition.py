"""Repetition across a dump: the publisher memory on held-out publishers.

For each view of the shared data (``page``: every line of the HTML, as a crude crawl dump;
``extracted``: trafilatura's output, what newsclean is trained on) and each of the validation
and test splits (``domain_split(domain, seed=0)``), the rows are the pages of the split's
domains that have at least :data:`MIN_PAGES` pages. A page is its lines joined by ``"\\n"``; a
:class:`~newsclean.memory.PublisherMemory` is built from exactly those pages (what
``newsclean clean --repetition`` does in its first pass), and every labelled row is scored
with the model alone (``score >= threshold``) and with the memory (the combined rule).

1. **Choice, on validation only.** ``min_support`` in 3..10 (3 at least, so a story quoted in
   two articles is never touched) and ``floor`` in 0.00..0.80 by 0.05: the setting with the
   highest mean boilerplate recall over the two views whose editorial recall, in each view, is
   at most :data:`EDITORIAL_DROP` below the model alone ("editorial recall does not drop"; the
   model alone is already below 0.995 on these pages, so 0.995 itself cannot be the bar).
   Ties go to the larger ``min_support``, then the larger floor.
2. **Test**, with the chosen setting (and with the library defaults when they differ):
   editorial recall and characters kept, boilerplate recall and precision, recall of natural
   appeal lines (rows whose normalised text is in ``appeal_candidates.parquet``), share of
   fully clean articles.
3. **Implanted appeals** (extracted view, test split): the README's appeal evaluation
   (:func:`newsclean.training.augment.appeal_test_table`: a block of random test-publisher
   appeal lines in every eligible test article), and a *house appeal* variant in which each
   test publisher draws its blocks from its own 3 appeal lines and 4 buttons, as a publisher
   that runs one campaign on all its articles. The memory is built from all implanted
   articles.

Usage::

    python benchmarks/repetition.py --out benchmarks/results/repetition.json
    python benchmarks/repetition.py --model /tmp/model --out /tmp/repetition.json

Writes the JSON and a Markdown summary beside it (same name, ``.md``).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import os
import platform
import subprocess
import sys
import time
import tracemalloc
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from newsclean.training.data import BOILERPLATE, EDITORIAL, EITHER, load_shared  # noqa: E402
from newsclean.training.evaluate import evaluate  # noqa: E402
from newsclean.training.split import domain_split  # noqa: E402

import newsclean  # noqa: E402
from newsclean.memory import (  # noqa: E402
    FLOOR_DEFAULT,
    MIN_SUPPORT_DEFAULT,
    PublisherMemory,
    normalise,
)

log = logging.getLogger("benchmarks.repetition")

VIEWS = ("page", "extracted")
SPLIT_SEED = 0
#: Domains need this many pages in a split to be in the benchmark.
MIN_PAGES = 3
MIN_SUPPORTS = tuple(range(3, 11))
FLOORS = tuple(round(f, 2) for f in np.arange(0.0, 0.801, 0.05))
#: Largest editorial-recall loss against the model alone that still counts as "not dropping"
#: (1 in 2,000 story paragraphs: about 2 of the ~4,800 validation editorial lines per view).
EDITORIAL_DROP = 0.0005
#: House-appeal variant: each publisher's own appeal lines and buttons.
HOUSE_APPEALS, HOUSE_BUTTONS = 3, 4


# -- data ---------------------------------------------------------------------------------------
def load_view(data: Path, view: str) -> pd.DataFrame:
    """A labelled view of the shared data with its split."""
    table = load_shared(data, view=view)
    table["split"] = domain_split(table["domain"], seed=SPLIT_SEED)
    return table


def pages_of_big_domains(table: pd.DataFrame, split: str) -> pd.DataFrame:
    """Rows of ``split``'s domains with at least :data:`MIN_PAGES` pages, article-ordered."""
    rows = table[table["split"] == split]
    pages = rows.groupby("domain")["article_id"].nunique()
    keep = set(pages[pages >= MIN_PAGES].index)
    rows = rows[rows["domain"].isin(keep)]
    return rows.sort_values(["article_id", "position"], kind="stable").reset_index(drop=True)


def article_texts(rows: pd.DataFrame) -> tuple[list[str], list[str], list[np.ndarray]]:
    """Per article: its text (lines joined by newlines), domain and row indices."""
    texts, domains, index = [], [], []
    for _, part in rows.groupby("article_id", sort=False):
        texts.append("\n".join(part["text"]))
        domains.append(part["domain"].iloc[0])
        index.append(part.index.to_numpy())
    return texts, domains, index


def build_memory(texts: list[str], domains: list[str]) -> tuple[PublisherMemory, dict]:
    """The memory of these articles and what building it cost."""
    tracemalloc.start()
    started = time.perf_counter()
    memory = PublisherMemory()
    counted = memory.update(texts, domains)
    seconds = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    size = len(json.dumps(memory.to_dict(), separators=(",", ":")))
    return memory, {
        "articles": len(texts),
        "articles_counted": counted,
        "duplicates": memory.n_duplicates,
        "domains": len(memory.domains),
        "distinct_paragraphs": len(memory),
        "seconds": round(seconds, 3),
        "peak_python_bytes": peak,
        "json_bytes": size,
    }


def row_support(rows: pd.DataFrame, memory: PublisherMemory, index: list[np.ndarray]) -> np.ndarray:
    """Support of every row (distinct articles of its domain with the same paragraph hash)."""
    support = np.zeros(len(rows), dtype=np.int64)
    texts, domains = rows["text"].to_numpy(), rows["domain"].to_numpy()
    for idx in index:
        support[idx] = memory.support(list(texts[idx]), domains[idx[0]])
    return support


def appeal_texts(data: Path) -> set[str]:
    """Normalised texts of the (weakly labelled) appeal candidates."""
    cands = pd.read_parquet(data / "appeal_candidates.parquet", columns=["text"])
    return {normalise(t) for t in cands["text"]}


# -- metrics ------------------------------------------------------------------------------------
def metrics(rows: pd.DataFrame, removed: np.ndarray, appeal: np.ndarray) -> dict[str, float]:
    """Scores of one keep/remove decision on the labelled rows of ``rows``."""
    labelled = (rows["label"] != EITHER).to_numpy()
    is_bp = (rows["label"] == BOILERPLATE).to_numpy()[labelled]
    m = evaluate(
        is_bp,
        removed[labelled].astype(float),
        0.5,
        chars=rows["text"].str.len().to_numpy()[labelled],
        articles=rows["article_id"].to_numpy()[labelled],
    )
    m.pop("pr_auc", None)
    marked = appeal[labelled] & is_bp
    m["appeal_recall"] = float(removed[labelled][marked].mean()) if marked.any() else float("nan")
    m["n_appeal"] = float(marked.sum())
    m["n_editorial"] = float((~is_bp).sum())
    m["n_articles"] = float(rows["article_id"].nunique())
    return m


def grid(
    score: np.ndarray, support: np.ndarray, threshold: float, is_bp: np.ndarray
) -> dict[tuple[int, float], tuple[float, float]]:
    """(editorial recall, boilerplate recall) of every (min_support, floor) on labelled rows."""
    out = {}
    editorial = ~is_bp
    for min_support in MIN_SUPPORTS:
        for floor in FLOORS:
            rule = PublisherMemory(min_support=min_support, floor=floor)
            removed = rule.boilerplate_mask(score, support, threshold)
            out[(min_support, floor)] = (
                1.0 - (removed & editorial).sum() / editorial.sum(),
                (removed & is_bp).sum() / is_bp.sum(),
            )
    return out


def choose(
    grids: dict[str, dict], base: dict[str, tuple[float, float]], drop: float
) -> tuple[int, float] | None:
    """The validation choice (see the module docstring); None if no setting qualifies."""
    best, best_key = None, None
    for key in grids[VIEWS[0]]:
        if any(grids[v][key][0] < base[v][0] - drop - 1e-12 for v in VIEWS):
            continue
        gain = float(np.mean([grids[v][key][1] for v in VIEWS]))
        rank = (round(gain, 12), key[0], key[1])
        if best is None or rank > best:
            best, best_key = rank, key
    return best_key


# -- one view -----------------------------------------------------------------------------------
def score_view(table: pd.DataFrame, split: str, model, appeals: set[str]) -> dict:
    """Rows, model scores, memory and supports of one view and split."""
    rows = pages_of_big_domains(table, split)
    texts, domains, index = article_texts(rows)
    memory, build = build_memory(texts, domains)
    started = time.perf_counter()
    score = model.score_paragraphs(rows[["article_id", "position", "text"]])["score"].to_numpy()
    build["score_seconds"] = round(time.perf_counter() - started, 3)
    support = row_support(rows, memory, index)
    appeal = rows["text"].map(lambda t: normalise(t) in appeals).to_numpy()
    return {
        "rows": rows,
        "texts": texts,
        "domains": domains,
        "index": index,
        "memory": memory,
        "build": build,
        "score": score,
        "support": support,
        "appeal": appeal,
    }


def with_and_without(view: dict, threshold: float, params: dict[str, tuple[int, float]]) -> dict:
    """Metrics of the model alone and with the memory at each named (min_support, floor)."""
    rows, score, support = view["rows"], view["score"], view["support"]
    out = {"model alone": metrics(rows, score >= threshold, view["appeal"])}
    for name, (min_support, floor) in params.items():
        rule = view["memory"].with_params(min_support=min_support, floor=floor)
        removed = rule.boilerplate_mask(score, support, threshold)
        out[f"+ memory, {name} ({min_support}, {floor})"] = metrics(rows, removed, view["appeal"])
    out["support_of_labelled_rows"] = support_table(rows, support)
    return out


def editorial_lost(view: dict, threshold: float, min_support: int, floor: float) -> dict:
    """The editorial rows only the memory removes: how many, how long, on which domains."""
    rows, score = view["rows"], view["score"]
    rule = view["memory"].with_params(min_support=min_support, floor=floor)
    lost = (
        rule.boilerplate_mask(score, view["support"], threshold)
        & (score < threshold)
        & (rows["label"] == EDITORIAL).to_numpy()
    )
    words = rows["text"].str.split().str.len().to_numpy()[lost]
    return {
        "n": int(lost.sum()),
        "distinct_texts": int(rows["text"][lost].map(normalise).nunique()),
        "median_words": float(np.median(words)) if lost.any() else float("nan"),
        "max_words": int(words.max()) if lost.any() else 0,
        "by_domain": rows["domain"][lost].value_counts().to_dict(),
    }


def support_table(rows: pd.DataFrame, support: np.ndarray) -> dict[str, dict[str, int]]:
    """How many editorial / boilerplate rows have each support (10 = 10 or more)."""
    frame = pd.DataFrame({"label": rows["label"], "support": np.minimum(support, 10)})
    frame = frame[frame["label"] != EITHER]
    table = frame.groupby(["support", "label"]).size().unstack(fill_value=0)
    return {str(s): {k: int(v) for k, v in r.items()} for s, r in table.iterrows()}


def library_agrees(view: dict, model, min_support: int, floor: float) -> dict[str, float]:
    """Check the benchmark's decision against ``newsclean.clean_texts`` on the same pages."""
    rule = view["memory"].with_params(min_support=min_support, floor=floor)
    removed = rule.boilerplate_mask(view["score"], view["support"], model.threshold)
    with warnings.catch_warnings():  # a few page-view lines look like HTML; that is fine here
        warnings.simplefilter("ignore", UserWarning)
        results = newsclean.clean_texts(
            view["texts"], model=model, memory=rule, domains=view["domains"], annotate=True
        )
    compared = same = 0
    for result, idx in zip(results, view["index"]):
        if len(result.paragraphs) != len(idx):  # a line the segmenter splits or drops
            continue
        compared += 1
        mine = removed[idx]
        lib = np.array([p.label == BOILERPLATE for p in result.paragraphs])
        same += bool((mine == lib).all())
    return {"articles_compared": compared, "articles_identical": same}


# -- implanted appeals --------------------------------------------------------------------------
def house_appeal_table(test: pd.DataFrame, pools: dict, seed: int = 0) -> pd.DataFrame:
    """Every eligible test article with a block drawn from its publisher's own appeal lines."""
    from newsclean.training.augment import implant_blocks

    parts = []
    pool = pools["test"]
    for domain, part in test.groupby("domain", sort=True):
        # A stable per-publisher generator: the same house lines whatever else is in the data.
        key = int.from_bytes(hashlib.blake2b(f"{seed}:{domain}".encode()).digest()[:8], "big")
        rng = np.random.default_rng(key)
        house = {
            "appeal": rng.choice(pool["appeal"], size=HOUSE_APPEALS, replace=False).tolist(),
            "button": rng.choice(pool["button"], size=HOUSE_BUTTONS, replace=False).tolist()
            if len(pool["button"]) >= HOUSE_BUTTONS
            else list(pool["button"]),
        }
        implanted = implant_blocks(part, house, 1.0, rng, suffix="#house", appeal_lines=(1, 3))
        parts.append(implanted[implanted["article_id"].str.endswith("#house")])
    return pd.concat(parts, ignore_index=True)


def implanted_eval(
    table: pd.DataFrame, model, params: tuple[int, float], name: str
) -> dict[str, dict]:
    """Appeal recall etc. with and without a memory built from the implanted articles."""
    rows = table.sort_values(["article_id", "position"], kind="stable").reset_index(drop=True)
    texts, domains, index = article_texts(rows)
    memory, build = build_memory(texts, domains)
    memory = memory.with_params(min_support=params[0], floor=params[1])
    score = model.score_paragraphs(rows[["article_id", "position", "text"]])["score"].to_numpy()
    support = row_support(rows, memory, index)
    implanted = (rows["dataset"] == "implant").to_numpy()
    # Publishers with enough implanted articles for any line to reach min_support.
    articles = rows.groupby("domain")["article_id"].transform("nunique").to_numpy()
    big = articles >= params[0]
    out = {}
    for label, removed in (
        ("model alone", score >= model.threshold),
        (
            f"+ memory, chosen ({params[0]}, {params[1]})",
            memory.boilerplate_mask(score, support, model.threshold),
        ),
    ):
        for scope, mask in (("", slice(None)), (f", publishers with ≥ {params[0]} articles", big)):
            if scope and not big.any():
                continue
            part = rows[mask].reset_index(drop=True)
            m = metrics(part, removed[mask], implanted[mask])
            out[label + scope] = {
                "appeal_recall": m["appeal_recall"],
                "editorial_recall": m["editorial_recall"],
                "editorial_char_recall": m["editorial_char_recall"],
                "boilerplate_recall": m["boilerplate_recall"],
                "articles_fully_clean": m["articles_fully_clean"],
                "n_articles": m["n_articles"],
                "n_implanted": m["n_appeal"],
            }
    out["implanted_rows_repeated"] = {
        "support_ge_min_support": int((support[implanted] >= params[0]).sum()),
        "support_ge_2": int((support[implanted] >= 2).sum()),
        "n_implanted": int(implanted.sum()),
    }
    out["memory"] = build
    log.warning("%s: %s", name, json.dumps(out["implanted_rows_repeated"]))
    return out


# -- report -------------------------------------------------------------------------------------
def machine() -> dict[str, str | int | None]:
    cpu = None
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "platform": platform.platform(),
        "cpu": cpu,
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
    }


def code_state(model_source: str | None) -> dict[str, str | None]:
    """Which code and model made the numbers: package path, git state, model card."""
    from newsclean.models import CARD_NAME, DEFAULT_MODEL_DIR

    def git(*args: str) -> str | None:
        try:
            proc = subprocess.run(
                ["git", *args], cwd=REPO, capture_output=True, text=True, check=False
            )
        except OSError:
            return None
        return proc.stdout.strip() if proc.returncode == 0 else None

    card_path = (Path(model_source) if model_source else DEFAULT_MODEL_DIR) / CARD_NAME
    card = json.loads(card_path.read_text()) if card_path.exists() else {}
    return {
        "newsclean": str(Path(newsclean.__file__).parent),
        "git_commit": git("rev-parse", "HEAD"),
        "git_modified": git("status", "--short", "--", "features", "newsclean", "models"),
        "model_sha256": card.get("sha256"),
        "model_created": card.get("created"),
    }


def _f(value: float, digits: int = 3) -> str:
    return "–" if value is None or value != value else f"{value:.{digits}f}"


def markdown(report: dict) -> str:
    chosen = report["choice"]["chosen"]
    lines = [
        "# Repetition across a dump (publisher memory)",
        "",
        f"Generated {report['generated']} by `python benchmarks/repetition.py` with "
        f"{report['model']} (threshold {report['threshold']:.4f}) on {report['machine']['cpus']} "
        f"vCPUs ({report['machine']['cpu']}), Python {report['machine']['python']}; "
        f"{report['seconds']:.0f} s in all."
        + (f" Code: {report['code']['note']}." if report["code"].get("note") else ""),
        "",
        f"Pages of the domains with ≥ {MIN_PAGES} pages in their split. Chosen on validation "
        f"(highest mean boilerplate recall over both views with editorial recall at most "
        f"{EDITORIAL_DROP} below the model alone in each): **min_support "
        f"{chosen['min_support']}, floor {chosen['floor']}**"
        + (
            f" (library defaults: {MIN_SUPPORT_DEFAULT} / {FLOOR_DEFAULT})."
            if (chosen["min_support"], chosen["floor"]) != (MIN_SUPPORT_DEFAULT, FLOOR_DEFAULT)
            else " (the library defaults)."
        ),
        "",
        "| split | view | decision | pages | editorial recall | editorial chars kept "
        "| BP recall | BP precision | appeal-line recall | articles fully clean |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for split in ("validation", "test"):
        for view in VIEWS:
            for name, m in report[split][view]["metrics"].items():
                if not isinstance(m, dict) or "editorial_recall" not in m:
                    continue
                lines.append(
                    f"| {split} | {view} | {name} | {m['n_articles']:.0f} "
                    f"| {_f(m['editorial_recall'], 4)} | {_f(m['editorial_char_recall'], 4)} "
                    f"| {_f(m['boilerplate_recall'])} | {_f(m['boilerplate_precision'])} "
                    f"| {_f(m['appeal_recall'])} (n={m['n_appeal']:.0f}) "
                    f"| {_f(m['articles_fully_clean'])} |"
                )
    lines += [
        "",
        "Implanted appeals (extracted view, test split; memory built from the implanted articles):",
        "",
        "| evaluation | decision | articles | appeal recall | editorial recall "
        "| articles fully clean | implanted lines repeated ≥ min_support |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for name, block in report["implanted"].items():
        rep = block["implanted_rows_repeated"]
        for decision, m in block.items():
            if decision in ("implanted_rows_repeated", "memory"):
                continue
            lines.append(
                f"| {name} | {decision} | {m['n_articles']:.0f} | {_f(m['appeal_recall'])} "
                f"| {_f(m['editorial_recall'], 4)} | {_f(m['articles_fully_clean'])} "
                f"| {rep['support_ge_min_support']} of {rep['n_implanted']} |"
            )
    lines += [
        "",
        "Editorial rows removed only because of the memory (chosen setting):",
        "",
        "| split | view | rows | distinct texts | median words | longest (words) |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for split in ("validation", "test"):
        for view in VIEWS:
            lost = report[split][view]["editorial_removed_by_memory_only"]
            lines.append(
                f"| {split} | {view} | {lost['n']} | {lost['distinct_texts']} "
                f"| {_f(lost['median_words'], 0)} | {lost['max_words']} |"
            )
    build = report["test"]["page"]["memory"]
    lines += [
        "",
        f"Memory of the test page view: {build['articles_counted']} articles, "
        f"{build['distinct_paragraphs']:,} distinct (domain, paragraph) pairs, built in "
        f"{build['seconds']:.2f} s, {build['peak_python_bytes'] / 1e6:.1f} MB peak Python "
        f"memory, {build['json_bytes'] / 1e6:.2f} MB as JSON.",
        "",
    ]
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    data = Path(args.data)
    model = newsclean.load_model(args.model)
    threshold = float(model.threshold)
    appeals = appeal_texts(data)
    report: dict = {
        "generated": time.strftime("%Y-%m-%d"),
        "model": args.model or "shipped default (models/default)",
        "threshold": threshold,
        "machine": machine(),
        "code": {**code_state(args.model), "note": args.code_note},
        "rule": {
            "min_pages": MIN_PAGES,
            "min_supports": list(MIN_SUPPORTS),
            "floors": list(FLOORS),
            "editorial_drop": EDITORIAL_DROP,
        },
    }
    views: dict[str, dict[str, dict]] = {}
    tables: dict[str, pd.DataFrame] = {}
    for view in VIEWS:
        log.warning("loading the %s view", view)
        table = load_view(data, view)
        views[view] = {s: score_view(table, s, model, appeals) for s in ("validation", "test")}
        if view == "extracted":
            tables[view] = table
        del table

    # 1. choose on validation
    grids, base = {}, {}
    for view in VIEWS:
        v = views[view]["validation"]
        labelled = (v["rows"]["label"] != EITHER).to_numpy()
        is_bp = (v["rows"]["label"] == BOILERPLATE).to_numpy()[labelled]
        score, support = v["score"][labelled], v["support"][labelled]
        grids[view] = grid(score, support, threshold, is_bp)
        editorial = ~is_bp
        removed = score >= threshold
        base[view] = (
            1.0 - (removed & editorial).sum() / editorial.sum(),
            (removed & is_bp).sum() / is_bp.sum(),
        )
    chosen = choose(grids, base, EDITORIAL_DROP)
    strict = choose(grids, base, 0.0)
    if chosen is None:
        log.error("no setting keeps editorial recall on validation; nothing to report")
        return 1
    report["choice"] = {
        "chosen": {"min_support": chosen[0], "floor": chosen[1]},
        "strict_no_drop": None
        if strict is None
        else {"min_support": strict[0], "floor": strict[1]},
        "library_defaults": {"min_support": MIN_SUPPORT_DEFAULT, "floor": FLOOR_DEFAULT},
        "validation_model_alone": {
            v: {"editorial_recall": base[v][0], "bp_recall": base[v][1]} for v in VIEWS
        },
        "validation_grid": {
            v: [
                {"min_support": k[0], "floor": k[1], "editorial_recall": e, "bp_recall": b}
                for k, (e, b) in grids[v].items()
            ]
            for v in VIEWS
        },
    }
    params = {"chosen": chosen}
    if strict is not None and strict != chosen:
        params["strict no-drop choice"] = strict
    if (MIN_SUPPORT_DEFAULT, FLOOR_DEFAULT) not in params.values():
        params["library defaults"] = (MIN_SUPPORT_DEFAULT, FLOOR_DEFAULT)

    # 2. validation and test metrics
    for split in ("validation", "test"):
        report[split] = {}
        for view in VIEWS:
            v = views[view][split]
            report[split][view] = {
                "memory": v["build"],
                "metrics": with_and_without(v, threshold, params),
                "editorial_removed_by_memory_only": editorial_lost(v, threshold, *chosen),
            }
    report["test"]["page"]["library_check"] = library_agrees(views["page"]["test"], model, *chosen)

    # 3. implanted appeals
    from newsclean.training.augment import appeal_test_table, load_pools

    log.warning("implanted appeals")
    pools = load_pools(data, SPLIT_SEED)
    table = tables["extracted"]
    report["implanted"] = {
        "random appeals (README appeal evaluation)": implanted_eval(
            appeal_test_table(table, pools, seed=SPLIT_SEED), model, chosen, "random"
        ),
        "house appeals (each publisher its own 3 lines + 4 buttons)": implanted_eval(
            house_appeal_table(table[table["split"] == "test"], pools, seed=SPLIT_SEED),
            model,
            chosen,
            "house",
        ),
    }
    report["seconds"] = time.perf_counter() - started

    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=1, sort_keys=False, default=float) + "\n")
    out.with_suffix(".md").write_text(markdown(report))
    print(markdown(report))
    print(f"machine: {report['machine']}", file=sys.stderr)
    if args.mlflow:
        log_mlflow(report, out)
    return 0


def log_mlflow(report: dict, out: Path) -> None:
    """One MLflow run with the before (model alone) / after (+ memory) numbers and the files."""
    from newsclean.training import tracking

    mlflow = tracking.configure_mlflow()
    mlflow.set_experiment("newsclean-repetition")
    chosen = report["choice"]["chosen"]
    with mlflow.start_run(run_name="publisher-memory"):
        mlflow.set_tag("change", "publisher memory (issue 5): repeated paragraphs per domain")
        mlflow.log_params({"model": report["model"], "threshold": report["threshold"], **chosen})
        metrics = {}
        for split in ("validation", "test"):
            for view in VIEWS:
                for decision, m in report[split][view]["metrics"].items():
                    if not isinstance(m, dict) or "editorial_recall" not in m:
                        continue
                    tag = "before" if decision == "model alone" else "after"
                    if tag == "after" and not decision.startswith("+ memory, chosen"):
                        continue
                    for name in ("editorial_recall", "boilerplate_recall", "appeal_recall"):
                        metrics[f"{split}_{view}_{tag}_{name}"] = float(m[name])
        for evaluation, block in report["implanted"].items():
            key = evaluation.split(" ")[0]  # "random" or "house"
            for decision, m in block.items():
                if decision.startswith("model alone") or decision.startswith("+ memory"):
                    tag = "before" if decision.startswith("model alone") else "after"
                    scope = "big" if "≥ 6" in decision else "all"
                    metrics[f"implanted_{key}_{scope}_{tag}_appeal_recall"] = float(
                        m["appeal_recall"]
                    )
        mlflow.log_metrics({k: v for k, v in metrics.items() if v == v})  # drop NaN
        mlflow.log_artifact(str(out), "results")
        mlflow.log_artifact(str(out.with_suffix(".md")), "results")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--data",
        default=os.environ.get("NEWSCLEAN_DATA", str(REPO.parent / "shared" / "data")),
        help="shared data folder (default: $NEWSCLEAN_DATA or ../shared/data)",
    )
    parser.add_argument("--model", default=None, help="model folder (default: the shipped model)")
    parser.add_argument(
        "--code-note", default=None, help="free text recorded with the results (e.g. the commit)"
    )
    parser.add_argument(
        "--out", default=str(REPO / "benchmarks" / "results" / "repetition.json"), help="JSON out"
    )
    parser.add_argument(
        "--mlflow", action="store_true", help="also log the before/after numbers to MLflow"
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(message)s")
    sys.exit(run(parse_args(argv)))


if __name__ == "__main__":
    main()


__all__ = ["choose", "grid", "house_appeal_table", "metrics", "pages_of_big_domains"]
