"""The events page's one written-out statement (reviews/pages/eventpage.py) makes the
rows the ORM's path makes, for every kind of event, per project and across them."""

from __future__ import annotations

import datetime as dt

import pytest

pytestmark = pytest.mark.django_db


@pytest.fixture
def events_of_every_kind(make_patches, django_user_model):
    from archive.models import Message
    from reviews.models import Check, Cover, Event

    patches = make_patches(4)
    project, patch = patches[0].project, patches[0]
    boss = django_user_model.objects.create_user("boss")
    other = django_user_model.objects.create_user("other")
    mail = Message.objects.create(msgid="cover/1@example.org", subject="[PATCH 0/4] Cover")
    cover = Cover.objects.create(project=project, message=mail, name="[0/4] Cover",
                                 series=patch.series)  # fmt: skip
    start = dt.datetime(2024, 5, 1, 12, 30, 15, 123456, tzinfo=dt.UTC)
    check = Check.objects.create(patch=patch, user=boss, date=start, state="fail", context="ci")
    kinds = [
        ("patch-state-changed", {"patch": patch, "actor": boss},
         {"previous_state": "new", "current_state": "accepted", "reason": "applied"}),
        ("patch-state-changed", {"patch": patch},
         {"previous_state": "gone", "current_state": None}),
        ("patch-delegated", {"patch": patches[1], "actor": boss},
         {"previous_delegate": None, "current_delegate": other.id}),
        ("patch-delegated", {"patch": patches[1]},
         {"previous_delegate": 10**9, "current_delegate": None}),
        ("patch-archived", {"patch": patches[2]},
         {"previous_archived": False, "current_archived": True}),
        ("patch-commit-ref-changed", {"patch": patches[2]}, {"current_commit_ref": "abc123"}),
        ("check-created", {"patch": patch}, {"check": check.id}),
        ("cover-created", {"cover": cover}, {}),
        ("series-created", {"series": patch.series}, {}),
        ("series-renamed", {"series": patch.series}, {"previous_name": "a", "current_name": "b"}),
    ]  # fmt: skip
    Event.objects.bulk_create(
        Event(project=project, category=category, date=start + dt.timedelta(minutes=i // 2),
              payload=payload, **links)
        for i, (category, links, payload) in enumerate(kinds)
    )  # fmt: skip
    return project, boss


def test_the_statement_makes_the_orm_rows(events_of_every_kind):
    from django.db import connection

    from reviews.models import Event
    from reviews.pages.eventpage import page_parts
    from reviews.pages.events import event_rows, events_queryset, rows_with

    project, _ = events_of_every_kind
    ids = list(
        Event.objects.filter(project=project).order_by("-date", "-id").values_list("id", flat=True)
    )
    expected = event_rows(list(events_queryset(Event.objects.filter(id__in=ids))))
    for scope in (project, None):
        parts = page_parts(connection, ids, scope)
        assert rows_with(parts.events, parts.users, parts.checks, parts.states) == expected
        assert [p.link_name for p in parts.projects] == ["test"]
        assert [u.username for u in parts.people] == ["boss"]
    rows = {(r.category, r.after, r.note) for r in expected}
    assert ("patch-delegated", "other", "") in rows
    assert ("check-created", "", "ci: fail") in rows
    assert ("patch-state-changed", "Accepted", "applied") in rows
    assert len(expected) == 10
    assert page_parts(connection, [], project).events == []


def test_the_events_page_shows_them(client, events_of_every_kind):
    html = client.get("/project/test/events/").content.decode()
    assert html.count('<tr class="event ev-') == 10
    assert "ci: fail" in html and "[0/4] Cover" in html
    assert client.get("/project/nope/events/").status_code == 404
