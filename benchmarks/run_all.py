"""Run every benchmark and rewrite the results table.

Usage::

    python benchmarks/run_all.py                       # shipped model, shared data
    python benchmarks/run_all.py --model /tmp/model --quick
    python benchmarks/run_all.py --mlflow              # also log to MLflow

Writes ``benchmarks/results/{accuracy,accuracy_page,appeals,speed}.json``, ``pr_curve.png``,
``pr_curve_page.png`` and ``RESULTS.md``; calls ``benchmarks/bench_batch.py`` (unless
``--skip-batch``); and replaces the text between ``<!-- results:start -->`` and
``<!-- results:end -->`` in README.md when both markers exist.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

RESULTS = REPO / "benchmarks" / "results"
README = REPO / "README.md"
MARK_START, MARK_END = "<!-- results:start -->", "<!-- results:end -->"
#: Page-view test articles scored (the page view is ~6x larger; all of it takes minutes).
PAGE_ARTICLES_DEFAULT = 300
QUICK_ARTICLES = 120
SPEED_ARTICLES_DEFAULT = 300
BATCH_ARTICLES_DEFAULT = 1000
BATCH_ARTICLES_QUICK = 200
BATCH_TIMEOUT_SECONDS = 300
BATCH_OUT = "batch_run_all.json"

log = logging.getLogger("benchmarks")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Run all newsclean benchmarks.")
    group = parser.add_argument_group("Input")
    group.add_argument(
        "--data",
        default=os.environ.get("NEWSCLEAN_DATA", str(REPO.parent / "shared" / "data")),
        help="shared data folder (default: $NEWSCLEAN_DATA or ../shared/data)",
    )
    group.add_argument("--model", default=None, help="model folder (default: the shipped model)")
    group = parser.add_argument_group("Execution")
    group.add_argument("--quick", action="store_true", help="small samples, for a smoke run")
    group.add_argument(
        "--page-articles",
        type=int,
        default=PAGE_ARTICLES_DEFAULT,
        help="page-view test articles to score (0: all)",
    )
    group.add_argument("--speed-articles", type=int, default=SPEED_ARTICLES_DEFAULT)
    group.add_argument("--skip-batch", action="store_true", help="skip bench_batch.py")
    group.add_argument("--skip-speed", action="store_true")
    group = parser.add_argument_group("Output")
    group.add_argument("--out", default=str(RESULTS), help="results folder")
    group.add_argument("--mlflow", action="store_true", help="also log results to MLflow")
    parser.add_argument("-v", "--verbose", action="count", default=0)
    return parser.parse_args(argv)


# -- formatting ---------------------------------------------------------------------------------
def _f(value: float | None, digits: int = 3) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{value:.{digits}f}"


def accuracy_table(by_method: dict) -> list[str]:
    lines = [
        "| method | BP precision | BP recall | BP F1 | editorial recall | editorial chars kept "
        "| articles fully clean |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name, groups in by_method.items():
        m = groups["all"]
        lines.append(
            f"| {name} | {_f(m['boilerplate_precision'])} | {_f(m['boilerplate_recall'])} "
            f"| {_f(m['boilerplate_f1'])} | {_f(m['editorial_recall'], 4)} "
            f"| {_f(m.get('editorial_char_recall'), 4)} | {_f(m.get('articles_fully_clean'))} |"
        )
    return lines


def dataset_table(by_method: dict) -> list[str]:
    methods = list(by_method)
    groups = [g for g in next(iter(by_method.values())) if g != "all"]
    lines = [
        "| dataset | n | " + " | ".join(methods) + " |",
        "|---|---:|" + "---:|" * len(methods),
    ]
    for group in groups:
        first = by_method[methods[0]][group]
        cells = [
            f"{_f(by_method[m][group]['boilerplate_f1'], 2)} "
            f"({_f(by_method[m][group]['editorial_recall'], 3)})"
            for m in methods
        ]
        lines.append(f"| {group} | {int(first['n'])} | " + " | ".join(cells) + " |")
    return lines


def matched_table(matched: dict) -> list[str]:
    lines = [
        "| peer | peer editorial recall | peer F1 | newsclean F1 at that recall | ahead |",
        "|---|---:|---:|---:|---|",
    ]
    for peer, groups in matched.items():
        m = groups.get("all")
        if not m:
            continue
        lines.append(
            f"| {peer} | {_f(m['peer_editorial_recall'], 4)} | {_f(m['peer_f1'])} "
            f"| {_f(m['newsclean_f1'])} | {'newsclean' if m['newsclean_ahead'] else 'peer'} |"
        )
    return lines


def appeal_table(appeals: dict) -> list[str]:
    lines = [
        "| method | appeal recall | other implanted boilerplate removed | editorial recall "
        "| articles keeping every story paragraph | removed story paragraphs from the worst "
        "article | articles fully clean |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name, m in appeals.items():
        lines.append(
            f"| {name} | {_f(m['appeal_recall'])} | {_f(m['other_implant_recall'])} "
            f"| {_f(m['editorial_recall'], 4)} | {_f(m['articles_all_story_kept'])} "
            f"| {_f(m['worst_article_share'])} | {_f(m['articles_fully_clean'])} |"
        )
    return lines


def speed_table(speed: dict) -> list[str]:
    base = speed["methods"].get("newsclean_batch", {}).get("paragraphs_per_s")
    lines = [
        "| method | articles/s | paragraphs/s | newsclean batch is × faster | peak RSS (MB) |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, r in speed["methods"].items():
        ratio = base / r["paragraphs_per_s"] if base else float("nan")
        lines.append(
            f"| {name} | {r['articles_per_s']:.1f} | {r['paragraphs_per_s']:.0f} "
            f"| {ratio:.2f} | {r['peak_rss_mb']:.0f} |"
        )
    return lines


def _word_range(latency: dict) -> str:
    low_high = latency.get("word_range")
    return f"{low_high[0]:,}-{low_high[1]:,}" if low_high else "(none in range: short lines)"


def _ms_range(latency: dict) -> str:
    low, high = latency["median_ms_per_article_range"]
    return f"{low:.2f} to {high:.2f} ms"


def render(report: dict) -> str:
    acc, page = report["accuracy"], report.get("accuracy_page")
    out = [
        "# Benchmark results",
        "",
        f"Generated by `python benchmarks/run_all.py` on {report['generated']} with model "
        f"`{report['model']}` (threshold {report['threshold']:.4f}). Test split: publishers "
        "held out by `domain_split(domain, seed=0)`, which the model never saw. "
        "BP = boilerplate (the positive class); `either` rows are context only.",
        "",
        "## Extracted view (trafilatura output: the text newsclean cleans)",
        "",
        f"{acc['n_articles']} articles, {acc['n_rows']} labelled paragraphs.",
        "",
        *accuracy_table(acc["metrics"]),
        "",
        "Per dataset: boilerplate F1 (editorial recall).",
        "",
        *dataset_table(acc["metrics"]),
        "",
        "newsclean read off its own curve at each peer's editorial recall (all datasets):",
        "",
        *matched_table(acc["matched"]),
        "",
        "### Where newsclean is not ahead",
        "",
    ]
    notes = acc["not_ahead"]
    out += [f"- {n}" for n in notes] or ["- Nowhere in this run (all datasets, all peers)."]
    out += ["", "![PR curve](pr_curve.png)", ""]
    if page:
        out += [
            "## Page view (every text line of the HTML: a crude-dump stress test)",
            "",
            f"{page['n_articles']} articles (sampled), {page['n_rows']} labelled lines. "
            "newsclean was trained on the extracted view only.",
            "",
            *accuracy_table(page["metrics"]),
            "",
            "### Where newsclean is not ahead (page view)",
            "",
        ]
        out += [f"- {n}" for n in page["not_ahead"]] or ["- Nowhere in this run."]
        out += [""]
    if report.get("appeals"):
        ap = report["appeals"]
        any_m = next(iter(ap.values()))
        out += [
            "## Appeals (issue 5)",
            "",
            f"Held-out test articles, each with one block of held-out publishers' appeal lines "
            f"implanted ({int(any_m['n_articles'])} articles, {int(any_m['n_implanted'])} "
            f"implanted appeal lines and {int(any_m['n_other_implanted'])} lines reviewed as "
            "other boilerplate). Appeal recall = share of the implanted appeal lines removed "
            "(the pool review: `training/augment.py`).",
            "",
            *appeal_table(ap),
            "",
        ]
    if report.get("speed"):
        sp = report["speed"]
        mach = sp["machine"]
        lat, short = sp["predict_latency"], sp["predict_latency_short_lines"]
        out += [
            "## Speed",
            "",
            f"Machine: {mach.get('cpu_model', mach['processor'])}, {mach['cpu_count']} CPUs, "
            f"{mach['platform']}, Python {mach['python']}. {sp['n_articles']} test articles, "
            "each method in its own process in the same run.",
            "",
            *speed_table(sp),
            "",
            f"`import newsclean`: {sp['import']['import_seconds_median']:.2f} s (median of "
            f"{sp['import']['runs']}). Predict latency (issue 3), on the {lat['articles']} test "
            f"articles of {_word_range(lat)} words (median {lat['article_paragraphs_median']:.0f} "
            f"paragraphs): import + first `clean` {lat['import_and_first_clean_seconds']:.2f} s "
            f"(slowest process {lat['import_and_first_clean_seconds_max']:.2f} s) "
            f"(target < {lat['target_first_clean_seconds']} s, interpreter start-up "
            "excluded), then median "
            f"{lat['median_ms_per_article']:.2f} ms per article (target < "
            f"{lat['target_median_ms_per_article']} ms); medians over {lat['processes']} fresh "
            f"processes, whose own medians range from {_ms_range(lat)}. On one text of "
            f"{short['article_paragraphs_median']:.0f} short lines "
            f"({short['article_words_median']:,.0f} words): median "
            f"{short['median_ms_per_article']:.2f} ms ({_ms_range(short)}).",
            "",
        ]
    if report.get("batch"):
        out += ["## Batch (`benchmarks/bench_batch.py`)", "", report["batch"], ""]
    out += [
        "## Notes",
        "",
        "- jusText gets each paragraph as its own `<p>`; stoplist by page language "
        "(language-independent mode where jusText has none).",
        "- C4 rules: datatrove's `C4QualityFilter` with its defaults "
        f"(engine: {acc['c4_engine']}). 'document + line' drops every paragraph of a document "
        "it rejects (fewer than 5 sentences, `{`, lorem ipsum), as datatrove does; "
        "'line rules only' applies just the per-line rules.",
        "- Peers are single operating points; newsclean's threshold was chosen on validation "
        "publishers for editorial recall ≥ 0.995.",
        "",
    ]
    return "\n".join(out)


def readme_summary(report: dict) -> str:
    acc = report["accuracy"]
    lines = [
        "Held-out publishers, extracted view (full tables: "
        "[benchmarks/results/RESULTS.md](benchmarks/results/RESULTS.md)):",
        "",
        *accuracy_table(acc["metrics"]),
    ]
    if report.get("speed"):
        sp = report["speed"]
        ratios = sp["ratios_paragraphs_per_s"]
        lines += [
            "",
            f"Speed ({sp['machine']['cpu_count']} CPUs): newsclean `clean_texts` "
            f"{sp['methods']['newsclean_batch']['paragraphs_per_s']:.0f} paragraphs/s; "
            + ", ".join(f"{k.split('_over_')[1]} ×{1 / v:.2f}" for k, v in ratios.items())
            + " of that.",
        ]
    return "\n".join(lines)


def update_readme(summary: str, readme: Path = README) -> bool:
    """Replace the text between the result markers; False when the markers are absent."""
    if not readme.exists():
        return False
    text = readme.read_text()
    start, end = text.find(MARK_START), text.find(MARK_END)
    if start < 0 or end < start:
        return False
    new = text[: start + len(MARK_START)] + "\n" + summary + "\n" + text[end:]
    readme.write_text(new)
    return True


# -- running ------------------------------------------------------------------------------------
def _accuracy_block(scored, model, acc_mod) -> dict:
    by_method = acc_mod.metrics_by_method(scored, model)
    matched = acc_mod.matched_comparison(scored, by_method)
    rows = scored[scored["label"] != "either"]
    return {
        "n_articles": int(rows["article_id"].nunique()),
        "n_rows": len(rows),
        "metrics": by_method,
        "matched": matched,
        "not_ahead": acc_mod.not_ahead(by_method, matched),
    }


def _pr_plot(scored, model, block, path: Path, title: str):
    from newsclean.training.evaluate import plot_pr_curve

    from benchmarks.accuracy import KEEP_ALL, NEWSCLEAN

    rows = scored[scored["label"] != "either"]
    peers = {
        name: (m["all"]["boilerplate_recall"], m["all"]["boilerplate_precision"])
        for name, m in block["metrics"].items()
        if name not in (NEWSCLEAN, KEEP_ALL)
    }
    fig = plot_pr_curve(
        (rows["label"] == "boilerplate").to_numpy(),
        rows[NEWSCLEAN].to_numpy(),
        model.threshold,
        peers=peers,
        title=title,
    )
    fig.savefig(path, dpi=110)
    return fig


def _write_json(path: Path, payload: dict) -> None:
    path.write_text(json.dumps(payload, indent=2, sort_keys=False, default=float) + "\n")


def _run_batch(args, out: Path) -> str:
    script = REPO / "benchmarks" / "bench_batch.py"
    if args.skip_batch or not script.exists():
        return ""
    n = BATCH_ARTICLES_QUICK if args.quick else BATCH_ARTICLES_DEFAULT
    # Its own file: batch.json is bench_batch.py's full-size result, kept by its owner.
    target = out / BATCH_OUT
    # The paired ratio rounds are the full-size run's (bench_batch.py run by itself).
    cmd = [sys.executable, str(script), "--articles", str(n), "--out", str(target)]
    cmd += ["--paired-rounds", "0"]
    if args.model:
        cmd += ["--model", args.model]
    try:
        proc = subprocess.run(
            cmd, capture_output=True, text=True, timeout=BATCH_TIMEOUT_SECONDS, check=False
        )
    except subprocess.TimeoutExpired:
        return f"bench_batch.py timed out after {BATCH_TIMEOUT_SECONDS} s."
    if proc.returncode != 0:
        return f"bench_batch.py failed (exit {proc.returncode}): {proc.stderr[-300:]}"
    try:
        result = json.loads(target.read_text())
    except (OSError, ValueError):
        return f"{n} synthetic articles; see `{BATCH_OUT}`."
    return (
        f"{n} synthetic articles; see `{BATCH_OUT}`.\n\n```json\n"
        + json.dumps(result, indent=1)[:1500]
        + "\n```"
    )


def run(args: argparse.Namespace) -> int:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from newsclean.training.augment import appeal_test_table

    import newsclean
    from benchmarks import accuracy as acc_mod
    from benchmarks.speed import run_speed

    data = Path(args.data)
    if not (data / "extracted.parquet").exists():
        log.error("no shared data at %s (give --data)", data)
        return 2
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    model = newsclean.load_model(args.model)
    started = time.perf_counter()
    report: dict = {
        "generated": time.strftime("%Y-%m-%d"),
        "model": args.model or "shipped default (models/default)",
        "threshold": float(model.threshold),
        "quick": bool(args.quick),
    }

    log.warning("accuracy: extracted view")
    table = acc_mod.load_split_table(data, "extracted")
    test = table[table["split"] == "test"]
    if args.quick:
        test = acc_mod.sample_whole_articles(test, QUICK_ARTICLES)
    scored, seconds = acc_mod.label_all(test, model)
    block = _accuracy_block(scored, model, acc_mod)
    block["seconds"] = seconds
    from benchmarks.peers import C4Rules

    block["c4_engine"] = C4Rules().engine_used
    report["accuracy"] = block
    _write_json(out / "accuracy.json", block)
    figures = {"pr_curve": _pr_plot(scored, model, block, out / "pr_curve.png", "")}

    log.warning("appeals")
    implanted = appeal_test_table(table if not args.quick else test, data, seed=0)
    implanted = implanted.assign(
        language=implanted["article_id"]
        .str.removesuffix("#appeal")
        .map(dict(zip(table["article_id"], table["language"])))
    )
    appeal_scored, _ = acc_mod.label_all(implanted, model)
    report["appeals"] = acc_mod.appeal_metrics(appeal_scored, model)
    _write_json(out / "appeals.json", report["appeals"])

    test_texts = ["\n".join(part["text"]) for _, part in test.groupby("article_id", sort=True)]
    speed_texts = test_texts[: (QUICK_ARTICLES if args.quick else args.speed_articles)]
    del table

    log.warning("accuracy: page view")
    page_table = acc_mod.load_split_table(data, "page")
    page_test = page_table[page_table["split"] == "test"]
    del page_table
    n_page = QUICK_ARTICLES if args.quick else args.page_articles
    page_test = acc_mod.sample_whole_articles(page_test, n_page)
    page_scored, page_seconds = acc_mod.label_all(page_test, model)
    page_block = _accuracy_block(page_scored, model, acc_mod)
    page_block["seconds"] = page_seconds
    page_block["sampled_articles"] = n_page
    report["accuracy_page"] = page_block
    _write_json(out / "accuracy_page.json", page_block)
    figures["pr_curve_page"] = _pr_plot(
        page_scored, model, page_block, out / "pr_curve_page.png", "Page view (crude dump)"
    )

    if not args.skip_speed:
        log.warning("speed")
        report["speed"] = run_speed(speed_texts, args.model, latency_texts=test_texts)
        _write_json(out / "speed.json", report["speed"])

    log.warning("batch")
    report["batch"] = _run_batch(args, out)
    report["seconds_total"] = time.perf_counter() - started

    (out / "RESULTS.md").write_text(render(report))
    if update_readme(readme_summary(report)):
        log.warning("README.md results updated")
    if args.mlflow:
        _log_mlflow(report, figures, out)
    for fig in figures.values():
        plt.close(fig)
    log.warning("done in %.0f s; results in %s", report["seconds_total"], out)
    if report["batch"].startswith("bench_batch.py"):  # failed or timed out: say so in the exit
        log.error("%s", report["batch"].strip().splitlines()[-1])  # the exception's own line
        return 1
    return 0


def _log_mlflow(report: dict, figures: dict, out: Path) -> None:
    from newsclean.training import tracking

    mlflow = tracking.configure_mlflow()
    mlflow.set_experiment("newsclean-benchmarks")
    with mlflow.start_run(run_name="run_all"):
        mlflow.log_params({"model": report["model"], "quick": report["quick"]})
        metrics = {"threshold": report["threshold"]}
        for view in ("accuracy", "accuracy_page"):
            for method, groups in report[view]["metrics"].items():
                key = f"{view}_{method}".replace(" ", "_")
                for name, value in groups["all"].items():
                    metrics[_clean_key(f"{key}_{name}")] = float(value)
        for method, m in report.get("appeals", {}).items():
            metrics[_clean_key(f"appeal_{method}_appeal_recall")] = float(m["appeal_recall"])
        for method, r in report.get("speed", {}).get("methods", {}).items():
            metrics[f"speed_{method}_paragraphs_per_s"] = float(r["paragraphs_per_s"])
        mlflow.log_metrics({k: v for k, v in metrics.items() if not math.isnan(v)})
        for name, fig in figures.items():
            mlflow.log_figure(fig, f"plots/{name}.png")
        for path in [*sorted(out.glob("*.json")), out / "RESULTS.md"]:
            mlflow.log_artifact(str(path), "results")


def _clean_key(key: str) -> str:
    return "".join(c if c.isalnum() or c in "_-./" else "_" for c in key)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(
        level=logging.WARNING - 10 * args.verbose, format="%(asctime)s %(message)s", force=True
    )
    return run(args)


if __name__ == "__main__":
    raise SystemExit(main())
