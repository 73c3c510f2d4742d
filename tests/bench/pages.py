"""Server-side latency of the main pages and API lists, measured in-process."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

from django.test import Client

REQUESTS = 200


def _percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return statistics.median(ordered), p99


def timed(name: str, target: str, urls: list[str], client: Client) -> dict | None:
    if not urls:
        return None
    samples = []
    for i in range(REQUESTS):
        url = urls[i % len(urls)]
        start = time.perf_counter()
        response = client.get(url)
        samples.append((time.perf_counter() - start) * 1000)
        if response.status_code != 200:
            return {"name": f"{name} (HTTP {response.status_code} at {url})", "n": i + 1,
                    "p50": 0.0, "p99": 0.0, "target": target}  # fmt: skip
    p50, p99 = _percentiles(samples)
    return {"name": name, "n": REQUESTS, "p50": p50, "p99": p99, "target": target}


def measure() -> list[dict]:
    """Each entry: a page name, its URLs, and the target from the issues."""
    client = Client()
    rows = []
    for name, target, urls in _cases():
        try:
            row = timed(name, target, urls(), client)
        except Exception as exc:  # a page not built yet must not stop the benchmark
            row = {"name": f"{name} (failed: {exc.__class__.__name__})", "n": 0,
                   "p50": 0.0, "p99": 0.0, "target": target}  # fmt: skip
        if row:
            rows.append(row)
    return rows


def _cases() -> list[tuple[str, str, Callable[[], list[str]]]]:
    from reviews.models import Patch, Project, Series

    def patch_pages() -> list[str]:
        patches = Patch.objects.order_by("?").select_related("project", "message")[:50]
        return [f"/patch/{p.id}/" for p in patches]

    def series_pages() -> list[str]:
        series = Series.objects.order_by("?").select_related("project")[:50]
        return [f"/project/{s.project.link_name}/series/{s.id}/" for s in series]

    def patch_list() -> list[str]:
        project = Project.objects.order_by("-id").first()
        return [f"/project/{project.link_name}/list/"] if project else []

    def home() -> list[str]:
        return ["/"]

    return [
        ("home", "-", home),
        ("patch page", "15 / 50", patch_pages),
        ("series page", "15 / 50", series_pages),
        ("patch list", "40 / 100", patch_list),
    ]
