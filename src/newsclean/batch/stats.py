"""A batch run's counts: merging the shards' into ``stats.json``, and the summary on stderr."""

from __future__ import annotations

from collections import Counter
from typing import Any

_TOTALS = (
    "read",
    "written",
    "rejected",
    "paragraphs",
    "paragraphs_removed",
    "chars",
    "chars_removed",
)


def merge_stats(summaries: list[dict], n_inputs: int) -> dict[str, Any]:
    """Merge per-shard counts into the run's ``stats.json`` (deterministic: no timings)."""
    totals: Counter = Counter()
    reasons: Counter = Counter()
    completed = [s for s in summaries if not s.get("failed")]
    for s in completed:
        totals.update({k: s.get(k, 0) for k in _TOTALS})
        reasons.update(
            {
                k[len("rejected_") :]: v
                for k, v in s.items()
                if k.startswith("rejected_") and isinstance(v, int)
            }
        )
    result: dict[str, Any] = {k: totals[k] for k in _TOTALS}
    # Counted only with a publisher memory, and only by this version: a shard done by an
    # older one (--resume) leaves the total unknown, so it is not given.
    if completed and all("without_domain" in s for s in completed):
        result["without_domain"] = sum(s["without_domain"] for s in completed)
    result["rejected_by_reason"] = dict(sorted(reasons.items()))
    result["reconciled"] = totals["read"] == totals["written"] + totals["rejected"] and all(
        s.get("reconciled") for s in completed
    )
    result["shards"] = n_inputs
    result["shards_completed"] = len(completed)
    result["shards_failed"] = [
        {"shard": s["shard"], "source": s["source"], "error": s["error"]}
        for s in summaries
        if s.get("failed")
    ]
    result["per_shard"] = sorted(summaries, key=lambda s: s["shard"])
    return result


def format_summary(
    stats: dict, *, skipped: int = 0, seconds: float | None = None, processed: int | None = None
) -> str:
    """The end-of-run summary printed on stderr (``processed``: records read by this run,
    which excludes shards skipped by ``--resume``)."""
    reasons = ", ".join(f"{k} {v:,}" for k, v in stats["rejected_by_reason"].items())
    share = stats["paragraphs_removed"] / stats["paragraphs"] if stats["paragraphs"] else 0.0
    lines = [
        f"shards: {stats['shards']} ({stats['shards_completed']} completed"
        + (f", {skipped} of them skipped as already done" if skipped else "")
        + f", {len(stats['shards_failed'])} failed)",
        f"records: read {stats['read']:,}, written {stats['written']:,}, "
        f"rejected {stats['rejected']:,}" + (f" ({reasons})" if reasons else ""),
        f"removed: {stats['paragraphs_removed']:,} of {stats['paragraphs']:,} paragraphs "
        f"({share:.1%}), {stats['chars_removed']:,} of {stats['chars']:,} characters",
        (
            "counts reconcile: read {r:,} = written {w:,} + rejected {j:,}"
            if stats["reconciled"]
            else "COUNTS DO NOT RECONCILE: read {r:,} != written {w:,} + rejected {j:,}"
        ).format(r=stats["read"], w=stats["written"], j=stats["rejected"]),
    ]
    if n_without := stats.get("without_domain"):
        lines.append(
            f"repetition: {n_without:,} record{'s' if n_without > 1 else ''} had no domain, so "
            "the publisher memory could not help clean them"
        )
    for failed in stats["shards_failed"]:
        lines.append(f"failed shard {failed['shard']:05d} {failed['source']}: {failed['error']}")
    if seconds is not None and seconds > 0:
        processed = stats["read"] if processed is None else processed
        lines.append(
            f"time: {seconds:.1f} s, {processed / seconds:,.0f} records/s"
            + (" (this run)" if skipped else "")
        )
    return "\n".join("newsclean clean: " + line for line in lines)


__all__ = ["format_summary", "merge_stats"]
