"""Counting what the benchmark archive holds, and writing docs/performance.md."""

from __future__ import annotations

import os
import platform
from pathlib import Path
from typing import Any

from django.db.models import Count

from tests.loadtest.report import kept_section


def archive_counts() -> dict[str, Any]:
    from archive.models import Message, QuarantinedMail, Thread
    from reviews.models import Comment, Cover, Patch, Series, Trailer

    trailers = dict(Trailer.objects.values_list("kind").annotate(n=Count("id")).order_by("-n")[:8])
    return {
        "messages": Message.objects.real().count(),
        "ghosts": Message.objects.filter(is_ghost=True).count(),
        "threads": Thread.objects.count(),
        "quarantined": QuarantinedMail.objects.count(),
        "patches": Patch.objects.count(),
        "pull requests": Patch.objects.exclude(pull_url="").count(),
        "covers": Cover.objects.count(),
        "series": Series.objects.count(),
        "series with a previous revision": Series.objects.filter(previous__isnull=False).count(),
        "superseded patches": Patch.objects.filter(state__slug="superseded").count(),
        "comments": Comment.objects.count(),
        "trailers": sum(trailers.values()),
        "trailer kinds": trailers,
    }


def render(r: dict[str, Any]) -> str:
    floor_count, floor_seconds = r["floor"]
    floor_rate = floor_count / floor_seconds
    ingest = r["ingest"]
    ratio = ingest.rate / floor_rate
    lines = [
        "# Performance",
        "",
        f"Measured by `make bench` on {r['when']}, on this machine ({os.cpu_count()} cores, "
        f"Python {platform.python_version()}), with `../shared/corpus/linux-rtc.mbox.gz` "
        "(17,232 messages). Numbers are rewritten by every run.",
        "",
        "## Ingest",
        "",
        "| measure | result |",
        "| --- | --- |",
        f"| floor: split + parse with Python's `email` (`shared/tools/floor.py`) | "
        f"{floor_count} msgs in {floor_seconds:.1f} s = **{floor_rate:.0f} msg/s** |",
        f"| Threadwork `ingest` (parse, thread, store, patches, series, trailers) | "
        f"{ingest.read} msgs in {ingest.seconds:.1f} s = **{ingest.rate:.0f} msg/s** |",
        f"| ratio ingest / floor (target ≥ 0.5) | **{ratio:.2f}** |",
        f"| summary line | `{ingest.line()}` |",
        f"| second ingest of the same file | `{r['reingest'].line()}` |",
        "",
        "## What linux-rtc becomes",
        "",
        "| thing | count |",
        "| --- | --- |",
    ]
    for key, value in r["counts"].items():
        if isinstance(value, dict):
            value = ", ".join(f"{k} {v}" for k, v in value.items())
        lines.append(f"| {key} | {value} |")
    if r.get("pages"):
        lines += ["", "## Page and API latency (server time, in-process)", "",
                  "| page | requests | p50 ms | p99 ms | target p50 / p99 |",
                  "| --- | --- | --- | --- | --- |"]  # fmt: skip
        for row in r["pages"]:
            lines.append(
                f"| {row['name']} | {row['n']} | {row['p50']:.1f} | {row['p99']:.1f} "
                f"| {row['target']} |"
            )
    # `make loadtest` owns the Load test section: carry its last numbers over.
    kept = kept_section(Path(__file__).resolve().parents[2] / "docs" / "performance.md")
    return "\n".join(lines) + "\n" + (f"\n{kept}" if kept else "")
