"""The URLs the load test requests, discovered from the loaded archive.

Each kind samples many real objects (patches, threads, senders) so the
server's per-process caches help only as much as they would for real
visitors. Needs Django set up against the load database.
"""

from __future__ import annotations

import random
from urllib.parse import quote

# Share of requests per kind: mostly pages people read, some tool traffic.
WEIGHTS = {
    "list page": 20,
    "patch page": 30,
    "thread mbox": 15,
    "search": 15,
    "API list": 20,
}
SAMPLE = 400


def discover(seed: int = 42) -> dict[str, list[str]]:
    """Kind -> URLs, from the archive the server is about to serve."""
    from archive.models import Message
    from reviews.links import patch_url
    from reviews.models import Patch, Project

    rng = random.Random(seed)

    def sample(queryset) -> list[int]:
        ids = list(queryset.values_list("id", flat=True))
        return rng.sample(ids, min(SAMPLE, len(ids)))

    links = list(Project.objects.values_list("link_name", flat=True))
    if not links:
        raise SystemExit("The load database holds no project: ingest linux-rtc first.")
    patches = Patch.objects.filter(id__in=sample(Patch.objects)).select_related(
        "project", "message"
    )
    threads = Message.objects.filter(id__in=sample(Message.objects.real().filter(parent=None)))
    senders = list(Message.objects.real().values_list("author__email", flat=True).distinct()[:40])
    queries = [
        *("s:rtc", "s:alarm", "s:driver", "s:fix", "b:interrupt", "b:wakeup"),
        *("dfn:Kconfig", "d:20240101..20240201"),
        *(f"f:{s}" for s in senders if s),
    ]
    return {
        "list page": [
            f"/project/{link}/list/{params}"
            for link in links
            for params in ["", "?page=2", "?state=*", "?state=*&page=3", "?order=-date"]
        ],
        "patch page": [patch_url(p.project.link_name, p.message.msgid) for p in patches],
        "thread mbox": [f"/all/{quote(m.msgid, safe='@')}/t.mbox.gz" for m in threads],
        "search": [f"/all/?q={quote(q)}" for q in queries],
        "API list": [
            f"/api/1.3/patches/?project={link}&page={n}" for link in links for n in range(1, 30)
        ],
    }
