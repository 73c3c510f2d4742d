"""The project event log (page and Atom feed), and checks on the patch page and list."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

import pytest

from reviews import services
from reviews.models import Check, State
from tests.workflow.conftest import SEED_URL, login

pytestmark = pytest.mark.django_db
ATOM = "{http://www.w3.org/2005/Atom}"


def test_events_page_shows_who_changed_what(client, accounts, seed_patch):
    login(client, accounts.maintainer)
    client.post(f"/patch/{seed_patch.id}/update/", {"state": "under-review", "delegate": ""})
    client.post(f"/patch/{seed_patch.id}/update/",
                {"state": "accepted", "delegate": accounts.maintainer.pk})  # fmt: skip
    client.logout()
    html = client.get("/project/linux-mm/events/").content.decode()
    first = html.index('Under Review</span> → <span class="after">Accepted')
    second = html.index('New</span> → <span class="after">Under Review')
    assert first < second, "newest first"
    assert 'nobody</span> → <span class="after">maint' in html
    assert '<td class="actor nowrap">maint</td>' in html
    assert f'href="{SEED_URL}"' in html
    assert "patch created" in html and "series created" in html


def test_events_page_is_paginated(client, project, django_assert_max_num_queries):
    from django.utils import timezone

    from reviews.models import Event

    Event.objects.bulk_create(
        Event(project=project, category="series-created", date=timezone.now()) for _ in range(60)
    )
    # project, count, the page's ids, its rows, users, states (+session)
    with django_assert_max_num_queries(7):
        html = client.get("/project/linux-mm/events/").content.decode()
    assert "Page 1 of 2" in html and 'rel="next" href="?page=2"' in html
    assert html.count('<tr class="event ') == 50
    assert client.get("/project/nope/events/").status_code == 404


def test_events_feed(client, accounts, seed_patch):
    login(client, accounts.maintainer)
    client.post(f"/patch/{seed_patch.id}/update/",
                {"state": "accepted", "delegate": "", "commit_ref": "abc123"})  # fmt: skip
    response = client.get("/project/linux-mm/events.atom")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = ET.fromstring(response.content)
    entries = feed.findall(f"{ATOM}entry")
    # one update, two events: the commit ref (written last) comes first
    assert entries[0].find(f"{ATOM}title").text.startswith("commit ref: none → abc123")
    entries = entries[1:]
    assert entries[0].find(f"{ATOM}title").text.startswith("state changed: New → Accepted")
    assert entries[0].find(f"{ATOM}author/{ATOM}name").text == "maint"
    assert entries[0].find(f"{ATOM}link").get("href").endswith(SEED_URL)


def test_checks_on_the_patch_page_and_list(client, accounts, seed_patch):
    assert "check-badge" not in client.get("/project/linux-mm/list/").content.decode()
    now = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    seed_patch.project.check_reporters.add(accounts.other)
    services.create_check(accounts.other, seed_patch, state="success", context="build",
                          target_url="https://ci.example.org/1")  # fmt: skip
    services.create_check(accounts.other, seed_patch, state="fail", context="sparse",
                          description="2 new warnings")  # fmt: skip
    # The latest result of a context counts: this one replaces the failure.
    Check.objects.filter(context="sparse").update(date=now)
    services.create_check(accounts.other, seed_patch, state="warning", context="sparse")
    html = client.get(SEED_URL).content.decode()
    assert '<h2 id="checks-h">Checks <span class="check-badge ck-warning">warning</span>' in html
    assert 'href="https://ci.example.org/1"' in html and ">build</a>" in html
    assert "2 new warnings" not in html  # superseded by the later sparse result
    listing = client.get("/project/linux-mm/list/").content.decode()
    assert 'class="check-badge ck-warning" title="Checks: warning"' in listing
    events = client.get("/project/linux-mm/events/").content.decode()
    assert "check reported" in events and "sparse: warning" in events


def test_check_queries_stay_fixed(client, accounts, seed_patch, django_assert_max_num_queries):
    seed_patch.project.check_reporters.add(accounts.other)
    for i in range(5):
        services.create_check(accounts.other, seed_patch, state="success", context=f"c{i}")
    with django_assert_max_num_queries(10):  # the page's 9, and the check rows
        assert client.get(SEED_URL).status_code == 200
    assert State.objects.exists()
