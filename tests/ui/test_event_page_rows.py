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


# The loop the events page's template had, kept here as the reference markup.
_TEMPLATE_LOOP = """{% for e in rows %}
  <tr class="event ev-{{ e.category }}">
    <td class="date nowrap"><time datetime="{{ e.date|date:'c' }}">{{ e.date|date:"Y-m-d H:i" }}</time></td>
    {% if not project %}<td class="nowrap">{{ e.project }}</td>{% endif %}
    <td class="category nowrap"><span class="tag">{{ e.label }}</span></td>
    <td class="change">{% if e.before or e.after %}<span class="before">{{ e.before }}</span> → <span class="after">{{ e.after }}</span>{% endif %}{% if e.note %} <span class="muted small">{{ e.note }}</span>{% endif %}{% if e.change_set_id %} <a class="small" href="/project/{{ e.project }}/changes/{{ e.change_set_id }}/">change {{ e.change_set_id }}</a>{% endif %}</td>
    <td class="target">{% if e.url %}<a href="{{ e.url }}"><bdi>{{ e.target }}</bdi></a>{% endif %}</td>
    <td class="actor nowrap">{{ e.actor|default:"—" }}</td>
  </tr>
  {% endfor %}"""  # noqa: E501


@pytest.mark.parametrize("zone", ["UTC", "Europe/Paris"])
def test_rows_in_python_are_the_templates(zone):
    from django.template import Context, Template
    from django.utils import timezone

    from reviews.pages.eventrows import render_event_rows
    from reviews.pages.events import EventRow

    when = dt.datetime(2024, 3, 31, 0, 59, 59, 123456, tzinfo=dt.UTC)
    rows = [
        EventRow(id=1, date=when, category="patch-state-changed", actor="boss", target="[1/2] x",
                 url="/project/p/patch/a%2Fb@x/", before="New", after="Accepted",
                 note="applied", change_set_id=7, project="p"),
        EventRow(id=2, date=when.replace(microsecond=0), category="series-renamed", actor="",
                 target='<b>"odd" & name</b>', url="/project/p/series/3/", before="",
                 after="<i>b</i>", note="", project="p&q"),
        EventRow(id=3, date=when, category="series-completed", actor="a<b", target="", url="",
                 before="", after="", note="ci: <fail>", project="p"),
        EventRow(id=4, date=when, category="unknown-kind", actor="", target="t", url="/x?a=1&b=2",
                 before="x", after="", note="", change_set_id=None, project="p"),
    ]  # fmt: skip
    with timezone.override(zone):
        for project in (None, "p"):
            template = Template(_TEMPLATE_LOOP).render(Context({"rows": rows, "project": project}))
            python = render_event_rows(rows, show_project=project is None)
            assert python == template, (zone, project)
    assert "&lt;b&gt;&quot;odd&quot; &amp; name" in python and "a&lt;b" in python
