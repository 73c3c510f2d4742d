# SPDX-License-Identifier: AGPL-3.0-or-later
"""Bad input answers 4xx with a sentence saying why, never a 500 (issue 14).

Every request in ``ISSUE_CASES`` answered 500 once. Each is sent twice:
through the whole middleware stack, where config/inputguard.py refuses any
NUL with a 400, and with that guard removed, where each parser must refuse
on its own (the URL converters, the search parser, the patch list's query,
the API filters). ``test_every_parameter_of_every_route`` then sends NUL,
controls, non-characters, huge numbers and deep nesting in every path
parameter, query parameter and form field of every route (tests/fuzz/routes.py);
``make fuzz`` sends thousands of random mixes of them.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Iterator

import pytest
from django.conf import settings
from django.test import Client, override_settings

from config.inputguard import NUL_REFUSED
from tests.fuzz.routes import PARAMETERS, all_routes, encoded, route_params
from tests.fuzz.world import World, build_world

pytestmark = pytest.mark.django_db

GUARD = "config.inputguard.RefuseNulMiddleware"
BRACKETS = "(" * 500 + "rtc" + ")" * 500

# URL -> (status without the guard, text the answer must show). {ln}: the
# hostile project, {owner}/{bundle}: its bundle, {patch}: a patch id.
ISSUE_CASES: dict[str, tuple[int, str]] = {
    "/all/a%00b@example.org/": (404, "not found"),
    "/all/a%00b@example.org/raw": (404, "not found"),
    "/all/a%00b@example.org/T/": (404, "not found"),
    "/all/a%00b@example.org/t/": (404, "not found"),
    "/all/a%00b@example.org/t.atom": (404, "not found"),
    "/all/a%00b@example.org/t.mbox.gz": (404, "not found"),
    "/all/a%00b@example.org/t.mbox": (404, "not found"),
    "/all/a%00b@example.org": (404, "not found"),
    "/a%00b/": (404, "not found"),
    "/a%00b/new.atom": (404, "not found"),
    "/project/{ln}/patch/a%00b@example.org/": (404, "not found"),
    "/project/{ln}/patch/a%00b@example.org/mbox/": (404, "not found"),
    "/project/{ln}/cover/a%00b@example.org/": (404, "not found"),
    "/bundle/a%00b/{bundle}/": (404, "not found"),
    "/bundle/{owner}/a%00b/": (404, "not found"),
    "/bundle/{owner}/a%00b/mbox/": (404, "not found"),
    "/api/1.3/projects/a%00b/": (404, "not found"),
    # The list page falls back to its defaults, as for any value it cannot use.
    "/project/{ln}/list/?q=a%00b": (200, ""),
    "/project/{ln}/list/?state=a%00b": (200, ""),
    "/all/?q=a%00b": (400, "cannot contain a NUL"),
    "/all/?q=m:a%00b": (400, "cannot contain a NUL"),
    "/api/1.3/patches/?project=a%00b": (400, "Null characters are not allowed"),
    "/api/1.3/patches/?submitter=a%00b": (400, "Null characters are not allowed"),
    "/api/1.3/patches/?delegate=a%00b": (400, "Null characters are not allowed"),
    "/api/1.3/patches/?state=a%00b": (400, "Null characters are not allowed"),
    "/api/1.3/events/?category=a%00b": (400, "Null characters are not allowed"),
    "/api/1.3/events/?actor=a%00b": (400, "Null characters are not allowed"),
    "/api/1.3/patches/{patch}/checks/?user=a%00b": (400, "Null characters are not allowed"),
    "/api/1.3/patches/{patch}/checks/?state=a%00b": (400, "Null characters are not allowed"),
}
SEARCH_CASES: dict[str, str] = {
    "d:9999": "out of range",
    "d:9999-12-31": "out of range",
    "d:1000000.years.ago..": "out of range",
    "d:99999999999999999999.seconds.ago": "out of range",
    BRACKETS: "nest more than",
    "NOT " * 2000 + "rtc": "nest more than",
}


@pytest.fixture
def world(db) -> World:
    return build_world()


def _client(*, guard: bool) -> Client:
    middleware = [m for m in settings.MIDDLEWARE if guard or m != GUARD]
    with override_settings(MIDDLEWARE=middleware):
        client = Client(raise_request_exception=False)
        client.get("/")  # the handler loads the middleware on its first request
    return client


def _fill(url: str, world: World) -> str:
    return url.format(ln=world.path["link_name"][0], owner=world.path["owner"][0],
                      bundle=world.path["name"][0], patch=world.query["patch"][0])  # fmt: skip


def _text(response) -> str:
    return response.content.decode("utf-8", "replace")


# The cases share one archive (building it is the slow part); failures are collected.


def test_nul_is_refused_with_400_by_the_guard(world: World) -> None:
    client, failures = _client(guard=True), []
    for url in ISSUE_CASES:
        response = client.get(_fill(url, world))
        if response.status_code != 400 or NUL_REFUSED not in _text(response):
            failures.append(f"{url} -> {response.status_code} {_text(response)[:200]!r}")
    assert not failures, "\n".join(failures)


def test_nul_is_refused_by_each_parser_without_the_guard(world: World) -> None:
    client, failures = _client(guard=False), []
    for url, (status, sentence) in ISSUE_CASES.items():
        response = client.get(_fill(url, world))
        text = _text(response)
        if response.status_code != status or sentence.lower() not in text.lower():
            failures.append(f"{url} -> {response.status_code} {text[:200]!r}")
        assert "Traceback" not in text
    assert not failures, "\n".join(failures)


def test_unreadable_search_is_a_400_saying_why(world: World) -> None:
    client, failures = _client(guard=True), []
    for query, reason in SEARCH_CASES.items():
        page = client.get("/all/", {"q": query})
        download = client.post(f"/all/?x=m&q={encoded(query)}")
        if (
            page.status_code != 400
            or "Cannot search: " not in _text(page)
            or (reason not in _text(page))
        ):
            failures.append(f"page {query[:40]!r} -> {page.status_code}")
        if download.status_code != 400 or reason not in _text(download):
            failures.append(f"download {query[:40]!r} -> {download.status_code}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("version", ["1.3", "1.2"])
def test_series_sort_by_received_all_as_the_browsable_api_offers(world, version) -> None:
    from reviews.models import Series

    incomplete = Series.objects.order_by("id").first()
    Series.objects.filter(pk=incomplete.pk).update(received_total=0, total=3)
    client = _client(guard=True)
    for order, first in (("received_all", False), ("-received_all", True)):
        response = client.get(f"/api/{version}/series/", {"order": order})
        assert response.status_code == 200, _text(response)[:300]
        rows = response.json()
        assert rows[0]["received_all"] is first
        assert [r["received_all"] for r in rows] == sorted(
            [r["received_all"] for r in rows], reverse=first
        )


def test_feeds_replace_what_xml_cannot_carry(world: World) -> None:
    """A control character (events.atom raised) and U+FFFF (invalid XML) in mail."""
    client = _client(guard=True)
    feeds = ("/all/new.atom", "/badinput/new.atom", "/all/badinput-1@example.org/t.atom",
             "/project/badinput/events.atom")  # fmt: skip
    for url in feeds:
        response = client.get(url)
        assert response.status_code == 200, (url, _text(response)[:300])
        text = ET.fromstring(response.content).itertext()
        joined = "".join(text)
        assert "\ufffd" in joined, url
        for bad in ("\x01", "\x07", "\x1b", "\uffff", "\ufffe"):
            assert bad not in joined, (url, bad)


# --- every parameter of every route ----------------------------------------------

# One of each kind of hostile value; tests/fuzz/routes.py has the long list.
PIECES = ("a\x00b", "\x01\x1b[31m", "\uffff\ufdd0", "9" * 30, BRACKETS, "d:9999-12-31")


def _sweep(world: World) -> Iterator[tuple[str, str, str, str]]:
    """(method, url, body, content type): one hostile piece in one place, real values elsewhere."""
    for route in all_routes():
        real = {name: (world.path.get(name) or ["1"])[0] for name in route.kinds}
        for name, kind in route.kinds.items():
            pieces = ("9" * 30, "0") if kind == "int" else PIECES
            for piece in pieces:
                yield "GET", route.url({**real, name: encoded(piece)}), "", ""
        params = route_params(route)
        base = route.url(real)
        for name in params.get:
            for piece in PIECES:
                yield "GET", f"{base}?{name}={encoded(piece)}", "", ""
        api = route.name.startswith("api-")
        for name in params.post:
            for piece in PIECES:
                if api:
                    yield "POST", base, json.dumps({name: piece}), "application/json"
                else:
                    form = "application/x-www-form-urlencoded"
                    yield "POST", base, f"{name}={encoded(piece)}", form


def test_every_parameter_of_every_route(world: World) -> None:
    from django.db import transaction

    client = _client(guard=False)
    client.force_login(world.maintainer)
    failures = []
    for method, url, body, content_type in _sweep(world):
        with transaction.atomic():
            response = client.generic(method, url, body.encode(), content_type=content_type)
            transaction.set_rollback(True)
        if response.status_code >= 500:
            failures.append(f"{method} {url[:120]} {body[:80]} -> {response.status_code}")
    assert not failures, f"{len(failures)} answers of 500 or more:\n" + "\n".join(failures)


def _stated(route) -> bool:
    """Pages must be listed; API reads are derived, API writes must be listed."""
    if route.name in PARAMETERS:
        return True
    view = getattr(route.callback, "view_class", None)
    writes = any(hasattr(view, method) for method in ("post", "put", "patch"))
    return route.name.startswith("api-") and not writes


def test_every_route_states_its_parameters() -> None:
    """A new route fails here until tests/fuzz/routes.py says what it reads."""
    missing = {r.name for r in all_routes() if not _stated(r)}
    assert not missing, "routes missing from tests/fuzz/routes.py PARAMETERS: " + ", ".join(
        sorted(missing)
    )
