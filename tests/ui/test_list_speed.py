"""The patch list's faster paths select exactly what the ORM's plain filters select (#17)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.http import QueryDict
from django.utils import timezone

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
