"""The events page (#17): filters in the query string, every project, fixed query counts."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from archive.models import MailingList
from reviews import services
from reviews.models import ChangeSet, Event, Project
from reviews.services.changes import Changes
from tests.workflow.conftest import PASSWORD, login

pytestmark = pytest.mark.django_db

_ROW = re.compile(r'<tr class="event ev-([a-z-]+)">')


@pytest.fixture
def history(make_patches, django_user_model):
    """A project whose mail made ``n`` events in 2024, and one archiving by a maintainer."""

    def make(n: int):
        patches = make_patches(n)
        project = patches[0].project
        boss = django_user_model.objects.create_user("boss", "boss@example.org", PASSWORD)
        project.maintainers.add(boss)
        start = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
        Event.objects.bulk_create(
            Event(project=project, category="patch-created", patch=p,
                  date=start + dt.timedelta(hours=i))
            for i, p in enumerate(patches)
        )  # fmt: skip
        change = services.change_patches(boss, project, [p.id for p in patches[:3]],
                                         Changes(archived=True))  # fmt: skip
        other_list = MailingList.objects.create(list_id="other.example.org", name="other")
        other = Project.objects.create(mailing_list=other_list, name="Other", link_name="other",
                                       list_id="other.example.org")  # fmt: skip
        Event.objects.create(project=other, category="series-created", date=start)
        return project, boss, change

    return make


def _categories(client, url: str) -> list[str]:
    response = client.get(url)
    assert response.status_code == 200
    return _ROW.findall(response.content.decode())


def test_filter_by_category_person_date_and_change(client, history):
    project, boss, change = history(10)
    base = f"/project/{project.link_name}/events/"
    assert _categories(client, base) == ["patch-archived"] * 3 + ["patch-created"] * 10
    assert _categories(client, f"{base}?category=patch-created") == ["patch-created"] * 10
    assert _categories(client, f"{base}?person={boss.pk}") == ["patch-archived"] * 3
    assert _categories(client, f"{base}?person=people") == ["patch-archived"] * 3
    assert _categories(client, f"{base}?person=threadwork") == ["patch-created"] * 10
    # 2024-01-01 00:00 to 09:00, one an hour: a day's filter is the whole UTC day.
    assert len(_categories(client, f"{base}?since=2024-01-01&until=2024-01-01")) == 10
    assert _categories(client, f"{base}?until=2023-12-31") == []
    assert _categories(client, f"{base}?change={change.pk}") == ["patch-archived"] * 3
    html = client.get(f"{base}?category=patch-created&person=threadwork").content.decode()
    assert '<option value="patch-created" selected>' in html
    assert '<option value="threadwork" selected>' in html
    assert f'<option value="{boss.pk}">boss</option>' in html


def test_values_that_do_not_parse_filter_nothing(client, history):
    project, _boss, _change = history(10)
    base = f"/project/{project.link_name}/events/"
    for query in ("category=nope", "person=x+y", "since=2024-13-45", "change=-3", "page=zz"):
        assert len(_categories(client, f"{base}?{query}")) == 13, query


def test_every_project_or_one(client, history):
    project, _boss, _change = history(10)
    assert len(_categories(client, "/events/")) == 14
    assert _categories(client, "/events/?project=other") == ["series-created"]
    assert len(_categories(client, f"/events/?project={project.link_name}")) == 13
    assert client.get("/events/?project=missing").status_code == 404
    html = client.get("/events/").content.decode()
    assert "All projects" in html and "<th>Project</th>" in html


def test_pages_keep_the_filters(client, history):
    project, _boss, _change = history(120)
    html = client.get(f"/project/{project.link_name}/events/?person=threadwork").content.decode()
    assert 'rel="next" href="?person=threadwork&amp;page=2"' in html
    html = client.get("/events/?project=test&person=threadwork&page=2").content.decode()
    assert 'rel="prev" href="?project=test&amp;person=threadwork"' in html


@pytest.mark.parametrize("n", [10, 1000])
def test_the_events_page_has_a_fixed_number_of_queries(
    client, history, django_assert_max_num_queries, n
):
    project, boss, change = history(n)
    shown = min(n + 3, 50)
    base = f"/project/{project.link_name}/events/"
    # Both scopes once first: the project's and the rows' statements are
    # prepared once per connection (archive/prepared.py), not per page.
    client.get(base)
    client.get("/events/?page=2")
    # project, count, the page's ids, then its rows with the states, delegates,
    # checks, projects and people in one statement (reviews/pages/eventpage.py)
    with django_assert_max_num_queries(4):
        assert len(_categories(client, base)) == shown
    with django_assert_max_num_queries(3):  # every project's: no project to read
        created = _categories(client, "/events/?category=patch-created&since=2024-01-01")
    assert len(created) == min(n, 50)
    login(client, boss)
    # and session, user, the last change set, the maintainer check
    with django_assert_max_num_queries(8):
        html = client.get(base).content.decode()
    assert f"/changes/{change.pk}/undo/" in html
    with django_assert_max_num_queries(12):
        page = client.get(f"/project/{project.link_name}/changes/{change.pk}/")
    assert "Undo: put 3 patches back as they were" in page.content.decode()
    assert ChangeSet.objects.count() == 1


def test_a_long_history_is_counted_only_so_far(client, project):
    """Past COUNT_BOUND events the page says "more than", and every page stays reachable."""
    from reviews.pages.paging import COUNT_BOUND

    start = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)  # older than the seed's own events
    seeded = Event.objects.filter(project=project).count()
    Event.objects.bulk_create(
        Event(project=project, category="series-created", date=start + dt.timedelta(minutes=i))
        for i in range(COUNT_BOUND + 60 - seeded)
    )
    base = f"/project/{project.link_name}/events/"
    html = client.get(base).content.decode()
    assert f"More than {COUNT_BOUND:,} events, newest first" in html
    assert "<span>Page 1</span>" in html and 'rel="next" href="?page=2"' in html
    # The last full page the bound covers still offers the next one ...
    last = COUNT_BOUND // 50
    html = client.get(f"{base}?page={last}").content.decode()
    assert f'rel="next" href="?page={last + 1}"' in html
    # ... which counts one page further (50 rows, and a next page) ...
    html = client.get(f"{base}?page={last + 1}").content.decode()
    assert len(_ROW.findall(html)) == 50 and f'rel="next" href="?page={last + 2}"' in html
    # ... and so on to the end: ten rows, no next page, the exact count.
    html = client.get(f"{base}?page={last + 2}").content.decode()
    assert len(_ROW.findall(html)) == 10 and 'rel="next"' not in html
    assert f"{COUNT_BOUND + 60} events, newest first" in html
    # the oldest event is the last row of the last page
    assert "2000-01-01 00:00" in html
    # a page beyond them all is the last page
    html = client.get(f"{base}?page=999999999999999999").content.decode()
    assert "2000-01-01 00:00" in html and 'rel="next"' not in html
    # A filter that matches fewer is counted exactly.
    html = client.get(f"{base}?since=2001-01-01").content.decode()
    assert re.search(rf"\b{seeded} events? match(es)?, newest first", html)
