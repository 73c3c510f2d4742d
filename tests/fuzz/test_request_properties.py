# SPDX-License-Identifier: AGPL-3.0-or-later
"""Properties of every route on hostile requests: a 4xx at worst, never a 500.

1. Any route (tests/fuzz/routes.py walks the URLconf), with hostile or real
   values in its path, its query string and its form or JSON body, sent by
   an anonymous client or a maintainer, answers below 500, with the NUL
   guard (config/inputguard.py) in place or removed so that each parser is
   tested on its own.
2. Every feed is well-formed XML, whatever characters mail puts in
   subjects, names, bodies and patch names.

The archive is tests/security's hostile one plus mail full of control and
non-characters (tests/data/badinput/); each example runs in a savepoint
that is rolled back.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.conf import settings
from django.db import transaction
from django.test import Client, override_settings
from hypothesis import given
from hypothesis import strategies as st

from tests.fuzz.routes import (
    Route,
    all_routes,
    encoded,
    encoded_values,
    hostile_text,
    huge_numbers,
    route_params,
)
from tests.fuzz.world import World, build_world

pytestmark = pytest.mark.django_db

GUARD = "config.inputguard.RefuseNulMiddleware"


@pytest.fixture
def world(db) -> World:
    return build_world()


@contextmanager
def rolled_back() -> Iterator[None]:
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def path_values(route: Route, world: World) -> st.SearchStrategy[dict[str, str]]:
    def one(name: str) -> st.SearchStrategy[str]:
        real = world.path.get(name, [])
        hostile = huge_numbers if route.kinds[name] == "int" else encoded_values()
        return st.one_of(st.sampled_from(real), hostile) if real else hostile

    return st.fixed_dictionaries({name: one(name) for name in route.kinds})


def _value(name: str, world: World) -> st.SearchStrategy[str]:
    real = world.query.get(name, [])
    hostile = st.one_of(encoded_values(), huge_numbers)
    return st.one_of(st.sampled_from([encoded(v) for v in real]), hostile) if real else hostile


def query_strings(names: tuple[str, ...], world: World) -> st.SearchStrategy[str]:
    """Some of ``names``, each once or repeated (``state=a&state=b``), encoded by hand."""
    if not names:
        return st.just("")
    pairs = st.lists(st.sampled_from(names).flatmap(
        lambda n: st.tuples(st.just(n), _value(n, world))), max_size=6)  # fmt: skip
    return pairs.map(lambda ps: "&".join(f"{n}={v}" for n, v in ps))


def json_bodies(names: tuple[str, ...], world: World) -> st.SearchStrategy[str]:
    scalar = st.one_of(hostile_text, st.integers(-(2**70), 2**70), st.booleans(), st.none(),
                       st.sampled_from([v for vs in world.query.values() for v in vs]))  # fmt: skip
    value = st.one_of(scalar, st.lists(scalar, max_size=3))
    return st.dictionaries(st.sampled_from(names), value, max_size=len(names)).map(json.dumps)


@st.composite
def requests(draw: st.DrawFn, world: World) -> tuple[str, str, str, str]:
    """(method, url, body, content type) for one route."""
    route = draw(st.sampled_from(all_routes()))
    params = route_params(route)
    url = route.url(draw(path_values(route, world)))
    query = draw(query_strings(params.get, world))
    if query:
        url += "?" + query
    if not params.post or not draw(st.booleans()):
        return "GET", url, "", ""
    if route.name.startswith("api-"):
        method = draw(st.sampled_from(["POST", "PATCH", "PUT"]))
        return method, url, draw(json_bodies(params.post, world)), "application/json"
    body = draw(query_strings(params.post, world))
    return "POST", url, body, "application/x-www-form-urlencoded"


def send(world: World, request: tuple[str, str, str, str], *, who: str, guard: bool):
    middleware = [m for m in settings.MIDDLEWARE if guard or m != GUARD]
    with override_settings(MIDDLEWARE=middleware), rolled_back():
        client = Client(raise_request_exception=False)
        if who == "maintainer":
            client.force_login(world.maintainer)
        method, url, body, content_type = request
        return client.generic(method, url, body.encode(), content_type=content_type)


@given(st.data())
def test_no_request_answers_500(world: World, data: st.DataObject) -> None:
    request = data.draw(requests(world), label="request")
    who = data.draw(st.sampled_from(["anonymous", "maintainer"]), label="who")
    guard = data.draw(st.booleans(), label="guard")
    response = send(world, request, who=who, guard=guard)
    assert response.status_code < 500, response.content[:500]
    if response.status_code == 200 and response["Content-Type"].startswith("application/atom"):
        ET.fromstring(response.content)


# --- feeds -----------------------------------------------------------------------

# Characters XML 1.0 cannot carry, and others that feed readers trip on.
_AWKWARD = st.characters(
    codec="utf-8",
    categories=["Cc", "Cn", "Co", "Cf", "Zl", "Zp"],
    exclude_characters="\r\n",
)
_BODY_TEXT = st.text(st.one_of(_AWKWARD, st.characters(codec="utf-8")), min_size=1, max_size=20)
# A line break would end the header early (and lose the List-Id): only in bodies.
_HEADER_TEXT = _BODY_TEXT.map(lambda text: " ".join(text.splitlines()) or "x")


def _mail(n: int, subject: str, name: str, body: str) -> bytes:
    return (
        f"From: {name} <feed{n}@example.org>\nSubject: [PATCH] {subject}\n"
        f"Message-ID: <feed-{n}@example.org>\n"
        + (f"In-Reply-To: <feed-{n - 1}@example.org>\n" if n else "")
        + "List-Id: <feeds.example.org>\nContent-Type: text/plain; charset=utf-8\n\n"
        + body
        + "\n---\ndiff --git a/f b/f\n--- a/f\n+++ b/f\n@@ -1 +1 @@\n-a\n+b\n"
    ).encode("utf-8", "surrogateescape")


FEEDS = ("/all/new.atom", "/feeds/new.atom", "/all/feed-0@example.org/t.atom",
         "/project/feeds/events.atom")  # fmt: skip


@given(st.lists(st.tuples(_HEADER_TEXT, _HEADER_TEXT, _BODY_TEXT), min_size=1, max_size=3))
def test_feeds_are_well_formed_xml_whatever_the_mail_says(
    db, mails: list[tuple[str, str, str]]
) -> None:
    from archive.ingest import ingest
    from archive.sources import RawMail

    with rolled_back():
        raws = [RawMail(_mail(n, *texts), "fuzz") for n, texts in enumerate(mails)]
        ingest(iter(raws), workers=1)
        client = Client()
        for url in FEEDS:
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
            ET.fromstring(response.content)
