"""Server-side latency of pages, feeds and API lists, measured in-process.

Each case samples many different objects (random patches, threads, queries)
so caches only help as much as they would for real visitors.
"""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.test import Client

REQUESTS = 300


@dataclass(frozen=True)
class Case:
    name: str
    target: str  # "p50 / p99" in ms, from the issues
    urls: Callable[[], list[str]]
    method: str = "get"
    # Requested by a maintainer of the project who also submits (My queue), not anonymously.
    as_maintainer: bool = False
    # Run before each request, untimed: e.g. empty the cache to time the cold path.
    before: Callable[[], None] | None = None
    requests: int = REQUESTS


def _percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


def timed(case: Case, client: Client) -> dict:
    urls = case.urls()
    if not urls:
        return {"name": f"{case.name} (nothing to request)", "n": 0, "p50": 0.0, "p99": 0.0,
                "target": case.target}  # fmt: skip
    samples = []
    for i in range(case.requests):
        url = urls[i % len(urls)]
        if case.before is not None:
            case.before()
        start = time.perf_counter()
        response = client.post(url, {"x": "m"}) if case.method == "post" else client.get(url)
        # A streamed body (mbox downloads) is produced while it is read: time that too.
        body = b"".join(response.streaming_content) if response.streaming else response.content
        samples.append((time.perf_counter() - start) * 1000)
        if response.status_code != 200 or not body:
            return {"name": f"{case.name} (HTTP {response.status_code} at {url})", "n": i + 1,
                    "p50": 0.0, "p99": 0.0, "target": case.target}  # fmt: skip
    p50, p99 = _percentiles(samples)
    return {"name": case.name, "n": case.requests, "p50": p50, "p99": p99, "target": case.target}


def measure() -> list[dict]:
    from config.heap import settle

    client = Client(HTTP_HOST="127.0.0.1")
    settle()  # as config/wsgi.py does in a production web process
    rows = []
    for case in cases():
        try:
            rows.append(timed(case, _maintainer_client() if case.as_maintainer else client))
        except Exception as exc:  # one broken page must not stop the benchmark
            rows.append({"name": f"{case.name} (failed: {exc!r:.80})", "n": 0, "p50": 0.0,
                         "p99": 0.0, "target": case.target})  # fmt: skip
    from tests.bench import review

    rows += review.measure()  # #16's pages cold and warm, in-process and over HTTP
    from tests.bench import bulk

    rows += bulk.measure()  # #17: a confirmed change of 1,000 patches and its undo
    return rows


def _forget_pages() -> None:
    """Empty the page cache, as a new stamp does after any change (the cold path)."""
    from django.core.cache import cache

    cache.clear()


def _maintainer_client() -> Client:
    """A client logged in as a maintainer of every project, with the address of the
    busiest submitter, so that each tab of My queue has rows."""
    from django.contrib.auth import get_user_model
    from django.db.models import Count

    from archive.models import Person
    from reviews.models import Project

    busiest = Person.objects.annotate(n=Count("series")).order_by("-n").first()
    user, _ = get_user_model().objects.get_or_create(username="bench-maintainer")
    user.email = busiest.email if busiest else ""
    user.save(update_fields=["email"])
    for project in Project.objects.all():
        project.maintainers.add(user)
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    # A new client's handler loads the middleware on its first request (WhiteNoise
    # reads the static files then): 50-70 ms that a production worker spends when
    # it starts (config/wsgi.py), not on a page. The first request here pays it.
    client.get("/favicon.ico")
    return client


def _revision_pairs(ids: list[int]) -> list:
    """The given series that have a revision before them, each with that revision."""
    from reviews.models import Series

    pairs = []
    for new in Series.objects.filter(id__in=ids).select_related("project"):
        revisions = new.revisions()
        at = [r.id for r in revisions].index(new.id)
        if at > 0:
            pairs.append((revisions[at - 1], new))
    return pairs


def _compare_urls(pairs: list) -> list[str]:
    from reviews.links import compare_url

    return [compare_url(new.project.link_name, new.id, old.id) for old, new in pairs]


def _interdiff_urls(pairs: list) -> list[str]:
    """For each pair of revisions, the interdiff of a patch number both have."""
    from reviews.links import interdiff_url
    from reviews.models import Patch

    urls = []
    for old, new in pairs:
        rows = Patch.objects.filter(series__in=[old, new]).select_related("message")
        msgids = {(p.series_id, p.number): p.message.msgid for p in rows}
        both = [n for (s, n) in msgids if s == new.id and (old.id, n) in msgids]
        if both:
            new_msgid, old_msgid = msgids[(new.id, both[0])], msgids[(old.id, both[0])]
            urls.append(interdiff_url(new.project.link_name, new_msgid, old_msgid))
    return urls


def cases() -> list[Case]:
    from urllib.parse import quote

    from archive.models import Message
    from reviews.links import patch_url, series_url
    from reviews.models import Patch, Project, Series
    from tests.bench import review

    rng = random.Random(42)
    project = Project.objects.order_by("-id").first()
    link = project.link_name if project else "none"

    def sample(queryset, n: int = 100) -> list:
        ids = list(queryset.values_list("id", flat=True))
        return rng.sample(ids, min(n, len(ids)))

    def patches() -> list[str]:
        rows = Patch.objects.filter(id__in=sample(Patch.objects)).select_related(
            "project", "message"
        )
        return [patch_url(p.project.link_name, p.message.msgid) for p in rows]

    def series() -> list[str]:
        rows = Series.objects.filter(id__in=sample(Series.objects)).select_related("project")
        return [series_url(s.project.link_name, s.id) for s in rows]

    def revision_pairs() -> list:
        return _revision_pairs(sample(Series.objects.exclude(lineage_id=None)))

    def messages(suffix: str) -> Callable[[], list[str]]:
        def urls() -> list[str]:
            rows = Message.objects.filter(id__in=sample(Message.objects.real()))
            return [f"/all/{quote(m.msgid, safe='@')}/{suffix}" for m in rows]

        return urls

    def searches(queries: list[str]) -> Callable[[], list[str]]:
        return lambda: [f"/all/?q={quote(q)}" for q in queries]

    patchids = list(Patch.objects.exclude(patchid="").values_list("patchid", flat=True)[:50])
    senders = list(Message.objects.real().values_list("author__email", flat=True).distinct()[:30])
    return [
        Case("home", "-", lambda: ["/"]),
        Case("patch page", "15 / 50", patches),
        Case("series page", "15 / 50", series),
        Case("interdiff page (#16)", "25 / 80", lambda: _interdiff_urls(revision_pairs())),
        Case("series compare page (#16)", "25 / 80", lambda: _compare_urls(revision_pairs())),
        Case("patch list (action required)", "40 / 100", lambda: [f"/project/{link}/list/"]),
        # The same URLs as their cold and HTTP rows (tests/bench/review.py).
        Case("patch list, review filters (#17)", "20 / 60", lambda: review.list_urls(link)),
        Case("My queue (#17)", "20 / 60", review.queue_urls, as_maintainer=True),
        Case("review health page (#17)", "50 / 150", lambda: [f"/project/{link}/health/"]),
        Case("review health JSON (#17)", "50 / 150", lambda: [f"/project/{link}/health.json"]),
        Case(
            "review health page, recomputed after a change (#17)",
            "-",
            lambda: [f"/project/{link}/health/"],
            before=_forget_pages,
            requests=20,
        ),
        Case(
            "patch list, all states, page 3",
            "40 / 100",
            lambda: [f"/project/{link}/list/?state=*&page=3"],
        ),
        Case("events page, filtered or not (#17)", "20 / 60", lambda: review.events_urls(link)),
        Case(
            "API patches page of 30",
            "40 / 100",
            lambda: [f"/api/1.3/patches/?project={link}&page={n}" for n in range(1, 40)],
        ),
        Case("message page", "5 / 20", messages("")),
        Case("thread page T/", "10 / 50", messages("T/")),
        Case("t.mbox.gz", "10 / 40", messages("t.mbox.gz")),
        Case(
            "search s:",
            "20 / 60",
            searches(["s:rtc", "s:alarm", "s:driver", "s:fix", "s:dt-bindings"]),
        ),
        Case("search f:", "20 / 60", searches([f"f:{s}" for s in senders if s])),
        Case("search b:", "20 / 60", searches(["b:regmap", "b:interrupt", "b:wakeup", "b:probe"])),
        Case(
            "search b: on code words (#19)",
            "20 / 60",
            searches(
                # Words found mostly in diffs, which b: and bare words search since #19.
                [
                    "b:rtc_class_ops",
                    "b:devm_rtc_register_device",
                    "b:rtc_tm_to_time64",
                    "rtc_update_irq",
                    'b:"struct rtc_time"',
                ]
            ),
        ),
        Case(
            "search dfn:",
            "20 / 60",
            searches(["dfn:drivers/rtc/rtc-cmos.c", "dfn:rtc-pcf8563.c", "dfn:Kconfig"]),
        ),
        Case(
            "search d: range", "20 / 60", searches(["d:20240101..20240201", "d:20220601..20220701"])
        ),
        Case("search patchid:", "20 / 60", searches([f"patchid:{p}" for p in patchids])),
        Case(
            "POST ?x=m search mbox",
            "400 / 1000",
            lambda: [
                f"/all/?x=m&q={quote(q)}"
                for q in ["s:alarm", "f:" + (senders[0] or "x"), "d:20240101..20240115"]
            ],
            method="post",
        ),
    ]
