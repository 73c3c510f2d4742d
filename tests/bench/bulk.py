"""A bulk change of 1,000 patches in one request (issue 17), and undoing it.

A maintainer sets about 1,000 patches of the busiest project (every patch
the list's filters match: any state, archived or not, posted between two
days) to Rejected and archives them, as the patch list's bulk form does
after its confirmation: one POST with the filter, the changes and the
confirmed digest of the patches. Then the change's own undo button puts them back. Each round is
timed in-process (Django's test client) and over HTTP (a WSGI server on
127.0.0.1 in this process, with a real session and CSRF token); every round
ends where it started, which is checked.
"""

from __future__ import annotations

import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Callable
from wsgiref.simple_server import WSGIServer, make_server

from tests.bench.review import _percentiles, _Quiet

PATCHES = 1000
ROUNDS = 5
TARGET = "2000 / 2000"  # "under 2 s"

Post = Callable[[str, list[tuple[str, str]]], tuple[int, str]]


def _fields(ids: list[int], window: str) -> list[tuple[str, str]]:
    from reviews.forms import selection_digest

    return [
        ("scope", "matching"), ("filter", window),
        ("state", "rejected"), ("archived", "yes"), ("delegate", ""),
        ("selection", selection_digest(ids)), ("confirm", "1"),
    ]  # fmt: skip


def _window(project, size: int) -> tuple[str, list[int]]:
    """A list filter (any state, archived or not, between two days) matching about
    ``size`` patches, and the patches it matches."""
    from django.http import QueryDict

    from reviews.listing import parse_list_query
    from reviews.models import Patch

    dates = list(
        Patch.objects.filter(project=project, date__isnull=False)
        .order_by("date")
        .values_list("date", flat=True)
    )
    start = dates[max(0, len(dates) // 3)]
    end = dates[min(len(dates) - 1, len(dates) // 3 + size - 1)]
    window = urllib.parse.urlencode(
        {"state": "*", "archived": "both", "since": f"{start:%Y-%m-%d}", "until": f"{end:%Y-%m-%d}"}
    )
    query = parse_list_query(QueryDict(window))
    ids = sorted(Patch.objects.filter(project=project).matching(query).values_list("id", flat=True))
    return window, ids


def _snapshot(ids: list[int]) -> list[tuple]:
    from reviews.models import Patch

    return list(
        Patch.objects.filter(id__in=ids)
        .order_by("id")
        .values_list("id", "state_id", "state_origin", "state_before_id", "delegate_id", "archived")
    )


def _round(post: Post, link: str, ids: list[int], window: str) -> tuple[float, float]:
    """One change and its undo, in milliseconds each."""
    start = time.perf_counter()
    status, location = post(f"/project/{link}/list/bulk/", _fields(ids, window))
    changed = (time.perf_counter() - start) * 1000
    if status != 302 or "/changes/" not in location:
        raise RuntimeError(f"the change answered {status} {location}")
    path = urllib.parse.urlsplit(location).path
    start = time.perf_counter()
    status, _ = post(f"{path}undo/", [])
    undone = (time.perf_counter() - start) * 1000
    if status != 302:
        raise RuntimeError(f"the undo answered {status}")
    return changed, undone


def _in_process(user) -> Post:
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)

    def post(path: str, fields: list[tuple[str, str]]) -> tuple[int, str]:
        data: dict[str, list[str]] = {}
        for key, value in fields:
            data.setdefault(key, []).append(value)
        response = client.post(path, data)
        return response.status_code, response.get("Location", "")

    return post


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def _over_http(user, base: str) -> Post:
    from django.conf import settings
    from django.middleware.csrf import _get_new_csrf_string
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    token = _get_new_csrf_string()
    cookie = f"{settings.SESSION_COOKIE_NAME}={session}; {settings.CSRF_COOKIE_NAME}={token}"
    opener = urllib.request.build_opener(_NoRedirect)

    def post(path: str, fields: list[tuple[str, str]]) -> tuple[int, str]:
        body = urllib.parse.urlencode([*fields, ("csrfmiddlewaretoken", token)]).encode()
        request = urllib.request.Request(base + path, data=body, headers={"Cookie": cookie})
        try:
            with opener.open(request, timeout=60) as response:
                return response.status, response.headers.get("Location", "")
        except urllib.error.HTTPError as answer:  # a 302 not followed lands here
            return answer.code, answer.headers.get("Location", "")

    return post


def measure() -> list[dict]:
    """Rows shaped like ``tests.bench.pages``' (name, n, p50, p99, target)."""
    from django.contrib.auth import get_user_model
    from django.core.handlers.wsgi import WSGIHandler
    from django.db.models import Count

    from reviews.models import Project

    project = Project.objects.annotate(n=Count("patches")).order_by("-n").first()
    if project is None:
        return []
    user, _ = get_user_model().objects.get_or_create(username="bench-bulk")
    project.maintainers.add(user)
    window, ids = _window(project, PATCHES)
    server: WSGIServer = make_server("127.0.0.1", 0, WSGIHandler(), handler_class=_Quiet)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    rows = []
    try:
        for how, post in (
            ("in-process", _in_process(user)),
            ("HTTP", _over_http(user, f"http://127.0.0.1:{server.server_port}")),
        ):
            rows += _measure_one(how, post, project.link_name, ids, window)
    finally:
        server.shutdown()
        server.server_close()
    return rows


def _measure_one(how: str, post: Post, link: str, ids: list[int], window: str) -> list[dict]:
    names = (f"#17 bulk change of {len(ids):,} patches (all that match), confirmed, {how}",
             f"#17 undo of that change, {how}")  # fmt: skip
    try:
        before = _snapshot(ids)
        samples = [_round(post, link, ids, window) for _ in range(ROUNDS)]
        if _snapshot(ids) != before:
            raise RuntimeError("undo did not restore every patch")
    except Exception as exc:  # one broken measure must not stop the benchmark
        return [{"name": f"{name} (failed: {exc!r:.80})", "n": 0, "p50": 0.0, "p99": 0.0,
                 "target": TARGET} for name in names]  # fmt: skip
    rows = []
    for name, times in zip(names, zip(*samples, strict=True), strict=True):
        p50, p99 = _percentiles(list(times))
        rows.append({"name": name, "n": ROUNDS, "p50": p50, "p99": p99, "target": TARGET})
    return rows
