# SPDX-License-Identifier: AGPL-3.0-or-later
"""The first view of a message page and of a thread download: few round trips,
the same content as before (issue 18)."""

from __future__ import annotations

import gzip
import importlib
import re

import pytest
from django.apps import apps
from django.core.cache import cache
from django.test import Client

from archive.prepared import forget_all
from reviews.models import Patch, State
from tests.conftest import DATA

SERIES = DATA / "series" / "cover-letter-acked.mbox"
REPLY = b"""From x
From: Rae <rae@example.org>
Subject: Re: [PATCH 1/2] lib: foo: first fix
Date: Wed, 10 Jan 2024 12:00:00 +0000
Message-ID: <ack-late@example.org>
In-Reply-To: <ack-1@example.org>
References: <ack-0@example.org> <ack-1@example.org>
List-Id: Linux MM <linux-mm.kvack.org>

Looks right.
"""


@pytest.fixture
def client() -> Client:
    return Client(HTTP_HOST="127.0.0.1")


@pytest.fixture
def series(ingest_file) -> str:
    importlib.import_module("reviews.migrations.0002_default_states").add_states(apps, None)
    ingest_file(SERIES)
    return "linux-mm"


def _replies(html: str) -> list[str]:
    section = html.split('<section class="pi-related">', 1)[1].split("</section>", 1)[0]
    if "<p>replies:</p>" not in section:
        return []
    section = section.split("<p>replies:</p>", 1)[1]
    return re.findall(r'href="/[^/]+/([^/]+)/"', section)


def test_message_page_cold_and_warm_round_trips(
    series: str, client: Client, django_assert_max_num_queries
) -> None:
    url = f"/{series}/ack-0@example.org/"
    client.get(f"/{series}/ack-1@example.org/")  # the key's statement is prepared once
    # The key (list found by name in it, review links read with it), then the
    # thread's outline with the message's own body and addresses.
    with django_assert_max_num_queries(2):
        cold = client.get(url).content.decode()
    with django_assert_max_num_queries(1):  # the key and its review links
        warm = client.get(url).content.decode()
    assert cold == warm
    # Replies come from the outline, oldest first; the reply to a reply is not one.
    assert _replies(cold) == ["ack-1@example.org", "ack-2@example.org", "ack-r@example.org"]
    assert cold.count('<li class="depth-') == 4  # the thread overview


def test_message_page_follows_the_thread(
    series: str, client: Client, ingest_file, tmp_path
) -> None:
    url = f"/{series}/ack-1@example.org/"
    assert _replies(client.get(url).content.decode()) == []
    (tmp_path / "late.mbox").write_bytes(REPLY)
    ingest_file(tmp_path / "late.mbox")
    assert _replies(client.get(url).content.decode()) == ["ack-late@example.org"]


def test_message_page_misses(series: str, client: Client) -> None:
    assert client.get(f"/{series}/nothing@example.org/").status_code == 404
    assert client.get("/other-list/ack-0@example.org/").status_code in (301, 302)  # not a list
    assert client.get("/all/ack-0@example.org/").status_code == 200


def test_thread_mbox_in_date_order(
    series: str, client: Client, django_assert_max_num_queries
) -> None:
    client.get(f"/{series}/ack-1@example.org/t.mbox.gz")  # its statements are prepared once
    cache.clear()
    with django_assert_max_num_queries(3):  # the per-address count, the message, its raw mail
        response = client.get(f"/{series}/ack-2@example.org/t.mbox.gz")
    text = gzip.decompress(response.content).decode()
    ids = re.findall(r"^Message-ID: <([^>]+)>", text, re.M)
    assert ids == ["ack-0@example.org", "ack-1@example.org", "ack-2@example.org",
                   "ack-r@example.org"]  # fmt: skip


def test_cover_links_its_series_with_each_state_counted(series: str, client: Client) -> None:
    accepted = State.objects.get(slug="accepted")
    Patch.objects.filter(message__msgid="ack-2@example.org").update(state=accepted)
    rows = Patch.objects.filter(series__cover__message__msgid="ack-0@example.org")
    states = sorted(rows.values_list("state__ordering", "state__name"))
    assert len(states) == 2 and states[0] != states[1]
    html = client.get(f"/{series}/ack-0@example.org/").content.decode()
    found = re.search(r'<p class="pi-review">(.*?)</p>', html, re.S)
    assert found is not None and "/series/" in found.group(1)
    state = re.search(r'<span class="pi-state">([^<]+)</span>', found.group(1))
    assert state is not None
    # Two patches in two states: each counted, in the states' order.
    assert state.group(1) == ", ".join(f"1 {name}" for _, name in states)


def test_the_key_is_prepared_once_per_connection(series: str, client: Client) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def statements(url: str) -> list[str]:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return [q["sql"].split(None, 1)[0] for q in queries.captured_queries]

    def as_if_new() -> None:
        # What a new connection holds: nothing prepared (closing one would end
        # the test's transaction).
        forget_all(connection)

    as_if_new()
    assert statements(f"/{series}/ack-0@example.org/")[:2] == ["PREPARE", "EXECUTE"]
    assert statements(f"/{series}/ack-1@example.org/")[0] == "EXECUTE"
    assert statements("/all/ack-1@example.org/")[:2] == ["PREPARE", "EXECUTE"]  # its own
    as_if_new()
    assert statements(f"/{series}/ack-2@example.org/")[:2] == ["PREPARE", "EXECUTE"]
