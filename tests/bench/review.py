"""Pages cold and warm, in-process and over HTTP: review in context (issue 16)
and the maintainer's pages (issue 17).

#16: the patch page with anchored answers, the interdiff page and the series
compare page, each on random objects of the archive. #17: My queue (every
tab, as a maintainer who also submits), the patch list's review filters, the
events page with its filters and the review health page; their warm
in-process rows are in ``tests.bench.pages``, which asks the same URLs.

"Cold" clears the cache before every request (rendering, pairing,
interdiffs, kept counts and health all redone; anchors are stored at ingest,
so none is anchoring); "warm" requests each URL once first. "HTTP" sends the
same requests through a real socket, a new connection each, to a WSGI server
on 127.0.0.1 in this process (Django's own application, as gunicorn would run
it), so the difference with in-process is the HTTP cost.
"""

from __future__ import annotations

import random
import statistics
import threading
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

COLD_REQUESTS = 60
WARM_REQUESTS = 200
TARGETS = {"patch": "15 / 50", "interdiff": "25 / 80", "compare": "25 / 80"}
ALL_WAYS = (("in-process", True), ("in-process", False), ("HTTP", True), ("HTTP", False))


@dataclass(frozen=True)
class Page:
    name: str  # the row's name before ", cold, HTTP"
    urls: list[str]
    target: str
    # (how, cold) pairs measured here; #17's warm in-process rows are pages.py's
    ways: tuple[tuple[str, bool], ...] = ALL_WAYS
    as_maintainer: bool = False  # My queue is a logged-in page
    cold_requests: int = COLD_REQUESTS


def queue_urls() -> list[str]:
    """My queue: each tab, and a second page."""
    return ["/user/queue/", "/user/queue/?tab=others", "/user/queue/?tab=submitted",
            "/user/queue/?page=2"]  # fmt: skip


def list_urls(link: str) -> list[str]:
    """The patch list's review filters (#17): whose turn, replies, trailers, wait, activity."""
    return [
        f"/project/{link}/list/?{q}"
        for q in (
            "turn=maintainer&trailers=reviewed",
            "turn=submitter&waiting=30",
            "replied=no&order=waiting",
            "state=*&activity=365d%2B&page=2",
        )
    ]


def events_urls(link: str) -> list[str]:
    """The events page, unfiltered, deep, and by each kind of filter."""
    return [
        f"/project/{link}/events/?{q}"
        for q in (
            "",
            "page=20",
            "person=people",
            "category=series-completed",
            "person=threadwork&since=2024-01-01",
            "category=patch-state-changed",
        )
    ]


def _maintainers_pages() -> list[Page]:
    """#17's pages: cold in-process, and cold and warm over HTTP."""
    from reviews.models import Project

    project = Project.objects.order_by("-id").first()
    link = project.link_name if project else "none"
    ways = (("in-process", True), ("HTTP", True), ("HTTP", False))
    return [
        Page("#17 My queue", queue_urls(), "20 / 60", ways, as_maintainer=True),
        Page("#17 patch list, review filters", list_urls(link), "20 / 60", ways),
        Page("#17 events page, filtered or not", events_urls(link), "20 / 60", ways),
        # Cold, the health page recomputes its measures: a few requests say enough.
        Page(
            "#17 review health page",
            [f"/project/{link}/health/"],
            "50 / 150",
            ways,
            cold_requests=20,
        ),
    ]


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
    # In id order: unordered, a parallel plan at 10x drew a different sample each run.
    answered = list(
        Comment.objects.exclude(anchors=[])
        .values_list("patch_id", flat=True)
        .distinct()
        .order_by("patch_id")
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


def _fetchers(base: str, client) -> dict[str, Callable[[str], int]]:  # type: ignore[no-untyped-def]
    """In-process through ``client``, and over HTTP with its session cookie if it has one."""
    from django.conf import settings

    session = client.cookies.get(settings.SESSION_COOKIE_NAME)
    headers = {"Cookie": f"{settings.SESSION_COOKIE_NAME}={session.value}"} if session else {}

    def in_process(url: str) -> int:
        return client.get(url).status_code

    def over_http(url: str) -> int:
        request = urllib.request.Request(base + url, headers=headers)
        with urllib.request.urlopen(request, timeout=60) as response:
            response.read()
            if response.geturl() != base + url:  # e.g. to the login page: not this page's time
                raise RuntimeError(f"redirected to {response.geturl()}")
            return response.status

    return {"in-process": in_process, "HTTP": over_http}


def _pages() -> list[Page]:
    review = [Page(f"#16 {page} page", urls, TARGETS[page]) for page, urls in _urls().items()]
    return review + _maintainers_pages()


def measure() -> list[dict]:
    """Rows shaped like ``tests.bench.pages``' (name, n, p50, p99, target)."""
    from django.core.handlers.wsgi import WSGIHandler
    from django.test import Client

    from config.warmup import warm_worker
    from tests.bench.pages import _maintainer_client

    server: WSGIServer = make_server("127.0.0.1", 0, WSGIHandler(), handler_class=_Quiet)

    warmed = threading.Event()

    def serve() -> None:
        # As a gunicorn worker does before its first request (post_worker_init),
        # on this thread's own database connection.
        warm_worker()
        warmed.set()
        server.serve_forever()

    threading.Thread(target=serve, daemon=True).start()
    warmed.wait()
    base = f"http://127.0.0.1:{server.server_port}"
    anonymous = _fetchers(base, Client(HTTP_HOST="127.0.0.1"))
    rows = []
    try:
        maintainer = _fetchers(base, _maintainer_client())
        for page in _pages():
            for how, cold in page.ways:
                name = f"{page.name}, {'cold' if cold else 'warm'}, {how}"
                n = page.cold_requests if cold else WARM_REQUESTS
                fetch = (maintainer if page.as_maintainer else anonymous)[how]
                try:
                    p50, p99 = (
                        _percentiles(_sweep(fetch, page.urls, n, cold)) if page.urls else (0, 0)
                    )
                    rows.append({"name": name, "n": n if page.urls else 0, "p50": p50,
                                 "p99": p99, "target": page.target})  # fmt: skip
                except Exception as exc:  # one broken page must not stop the benchmark
                    rows.append({"name": f"{name} (failed: {exc!r:.80})", "n": 0,
                                 "p50": 0.0, "p99": 0.0, "target": page.target})  # fmt: skip
    finally:
        server.shutdown()
        server.server_close()
    return rows
