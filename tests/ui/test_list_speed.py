"""The patch list's faster paths select exactly what the ORM's plain filters select (#17)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.http import QueryDict
from django.utils import timezone

from archive.prepared import forget_all
from reviews.listing import parse_list_query

pytestmark = pytest.mark.django_db

QUERIES = (
    "", "state=*", "archived=both", "turn=maintainer&trailers=reviewed", "replied=no",
    "turn=submitter&waiting=30", "trailers=none&order=waiting", "activity=7d",
    "state=*&activity=365d%2B", "replied=yes&order=-activity", "state=new&turn=nobody",
)  # fmt: skip


def test_action_states_given_as_ids_select_the_same_patches(make_patches):
    from reviews.models import Patch, State

    patches = make_patches(40)
    project = patches[0].project
    now = timezone.now()
    # spread the review columns so that every filter keeps some and drops some
    for i, p in enumerate(patches):
        p.turn = ("maintainer", "submitter", "nobody")[i % 3]
        p.waiting_since = now - dt.timedelta(days=i * 3)
        p.last_activity = now - dt.timedelta(days=i * 20)
        p.acked, p.reviewed = i % 2, (i // 2) % 2
        p.archived = i % 7 == 0
    Patch.objects.bulk_update(
        patches, ["turn", "waiting_since", "last_activity", "acked", "reviewed", "archived"]
    )
    action = sorted(State.objects.filter(action_required=True).values_list("id", flat=True))
    assert action, "the default states include some that require action"
    seen = set()
    for params in QUERIES:
        query = parse_list_query(QueryDict(params))
        plain = Patch.objects.filter(project=project).matching(query)
        by_ids = Patch.objects.filter(project=project).matching(query, action)
        assert list(by_ids.values_list("id", flat=True)) == list(
            plain.values_list("id", flat=True)
        ), params
        assert by_ids.count() == plain.count(), params
        seen.add(plain.count())
    assert len(seen) > 3  # the filters told the patches apart


def test_the_list_reads_its_project_in_one_prepared_statement(client, make_patches):
    make_patches(3)
    assert client.get("/project/test/list/").status_code == 200
    html = client.get("/project/test/list/?replied=no").content.decode()
    assert "Test project" in html
    assert client.get("/project/nope/list/").status_code == 404


def test_a_page_read_by_ids_has_what_the_orm_read(make_patches, django_user_model):
    """reviews/pages/listextras.py: the rows' columns, relations and worst latest check."""
    from django.db import connection

    from archive.models import Person
    from reviews.checks import check_state_expression
    from reviews.models import Check, Patch
    from reviews.pages.listextras import list_page

    patches = make_patches(6)
    project = patches[0].project
    bot = django_user_model.objects.create_user("bot")
    at = timezone.now()
    # an old failure replaced by a success in one context, a warning in another
    for patch, state, context, minutes in (
        (patches[0], "fail", "build", 0), (patches[0], "success", "build", 5),
        (patches[0], "warning", "lint", 1), (patches[1], "pending", "build", 0),
        (patches[2], "fail", "build", 9), (patches[2], "success", "build", 3),
    ):  # fmt: skip
        Check.objects.create(patch=patch, user=bot, state=state, context=context,
                             date=at + dt.timedelta(minutes=minutes))  # fmt: skip
    canonical = Person.objects.create(name="Ann <A>", email="ann@elsewhere.org")
    Person.objects.filter(email="ann@example.org").update(canonical=canonical)
    Patch.objects.filter(id=patches[3].id).update(series=None, submitter=None)
    ids = [p.id for p in reversed(patches)]
    page = list_page(connection, project, ids)
    orm = {
        p.id: p
        for p in Patch.objects.filter(id__in=ids)
        .for_list()
        .annotate(check_state=check_state_expression())
    }
    assert [p.id for p in page.patches] == ids  # in the order asked for
    for p in page.patches:
        o = orm[p.id]
        assert p.check_state == o.check_state, p.id  # type: ignore[attr-defined]
        assert (p.name, p.date, p.waiting_since, p.last_activity, p.turn, p.replies) == (
            o.name, o.date, o.waiting_since, o.last_activity, o.turn, o.replies)  # fmt: skip
        assert (p.state.slug, p.state.name, p.message.msgid, p.archived) == (
            o.state.slug, o.state.name, o.message.msgid, o.archived)  # fmt: skip
        assert (p.delegate.username if p.delegate else None) == (
            o.delegate.username if o.delegate else None)  # fmt: skip
        assert (p.series.name if p.series else None) == (o.series.name if o.series else None)
        if o.submitter:
            assert p.submitter.identity.email == o.submitter.identity.email == "ann@elsewhere.org"
        else:
            assert p.submitter is None
    states = {p.id: p.check_state for p in page.patches}  # type: ignore[attr-defined]
    assert (states[patches[0].id], states[patches[1].id], states[patches[2].id]) == (
        "warning", "pending", "fail")  # fmt: skip
    assert [u.username for u in page.delegates] == ["maint"]
    assert list_page(connection, project, []).patches == []


def test_worker_warm_up_prepares_the_list_and_events_statements(db) -> None:
    from django.conf import settings
    from django.db import connection
    from django.utils.module_loading import import_string

    forget_all(connection)
    assert "reviews.warmup.warm_lists" in settings.THREADWORK_WORKER_WARM_UP
    import_string("reviews.warmup.warm_lists")()
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM pg_prepared_statements ORDER BY name")
        names = {row[0] for row in cursor.fetchall()}
    assert {"threadwork_list_project", "threadwork_list_page", "threadwork_events_project",
            "threadwork_event_page", "threadwork_event_page_all"} <= names  # fmt: skip
