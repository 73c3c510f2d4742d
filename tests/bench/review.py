"""Review in context (issue 16): three pages, cold and warm, in-process and over HTTP.

The patch page with anchored answers, the interdiff page and the series
compare page, each on random objects of the archive. "Cold" clears the
cache before every request (rendering, pairing and interdiffs all redone;
anchors are stored at ingest, so none is anchoring); "warm" requests each
URL once first. "HTTP" sends the same requests through a real socket to a
WSGI server on 127.0.0.1 in this process (Django's own application, as
gunicorn would run it), so the difference with in-process is the HTTP cost.
"""

from __future__ import annotations

import random
import statistics
import threading
import time
import urllib.request
from collections.abc import Callable
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

COLD_REQUESTS = 60
WARM_REQUESTS = 200
TARGETS = {"patch": "15 / 50", "interdiff": "25 / 80", "compare": "25 / 80"}


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def _percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


def _urls() -> dict[str, list[str]]:
    from reviews.links import patch_url
    from reviews.models import Comment, Patch, Series
    from tests.bench.pages import _compare_urls, _interdiff_urls, _revision_pairs

    rng = random.Random(16)
    answered = list(
        Comment.objects.exclude(anchors=[]).values_list("patch_id", flat=True).distinct()
    )
    patches = Patch.objects.filter(id__in=rng.sample(answered, min(60, len(answered))))
    lineages = list(Series.objects.exclude(lineage_id=None).values_list("id", flat=True))
    pairs = _revision_pairs(rng.sample(lineages, min(60, len(lineages))))
    return {
        "patch": [
            patch_url(p.project.link_name, p.message.msgid)
            for p in patches.select_related("project", "message")
        ],
        "interdiff": _interdiff_urls(pairs),
        "compare": _compare_urls(pairs),
    }


def _sweep(fetch: Callable[[str], int], urls: list[str], n: int, cold: bool) -> list[float]:
    from django.core.cache import cache

    if not cold:
        for url in urls:
            fetch(url)
    samples = []
    for i in range(n):
        if cold:
            cache.clear()
        start = time.perf_counter()
        status = fetch(urls[i % len(urls)])
        samples.append((time.perf_counter() - start) * 1000)
        if status != 200:
            raise RuntimeError(f"HTTP {status} at {urls[i % len(urls)]}")
    return samples


def measure() -> list[dict]:
    """Rows shaped like ``tests.bench.pages``' (name, n, p50, p99, target)."""
    from django.core.handlers.wsgi import WSGIHandler
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1")
    server: WSGIServer = make_server("127.0.0.1", 0, WSGIHandler(), handler_class=_Quiet)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"

    def in_process(url: str) -> int:
        return client.get(url).status_code

    def over_http(url: str) -> int:
        with urllib.request.urlopen(base + url, timeout=30) as response:
            response.read()
            return response.status

    rows = []
    try:
        for page, urls in _urls().items():
            for how, fetch in (("in-process", in_process), ("HTTP", over_http)):
                for cold in (True, False):
                    name = f"#16 {page} page, {'cold' if cold else 'warm'}, {how}"
                    n = COLD_REQUESTS if cold else WARM_REQUESTS
                    try:
                        p50, p99 = _percentiles(_sweep(fetch, urls, n, cold)) if urls else (0, 0)
                        rows.append({"name": name, "n": n if urls else 0, "p50": p50,
                                     "p99": p99, "target": TARGETS[page]})  # fmt: skip
                    except Exception as exc:  # one broken page must not stop the benchmark
                        rows.append({"name": f"{name} (failed: {exc!r:.80})", "n": 0,
                                     "p50": 0.0, "p99": 0.0, "target": TARGETS[page]})  # fmt: skip
    finally:
        server.shutdown()
        server.server_close()
    return rows
