"""Read side of the Patchwork-compatible API: resources, fields, filters, pagination."""

from __future__ import annotations

import pytest

from tests.api.conftest import V1_PATCH1, V2_PATCH2, patch_id

# CLIENTS.md section 1: keys the clients index without .get().
PATCH_KEYS = {
    "id", "url", "web_url", "project", "msgid", "date", "name", "commit_ref", "pull_url",
    "state", "archived", "hash", "submitter", "delegate", "mbox", "series", "check", "checks",
    "tags", "comments", "list_archive_url", "related",
}  # fmt: skip
PATCH_DETAIL_KEYS = PATCH_KEYS | {"headers", "content", "diff", "prefixes"}
SERIES_KEYS = {
    "id", "url", "web_url", "name", "date", "version", "total", "received_total",
    "received_all", "mbox", "cover_letter", "patches", "submitter", "project",
}  # fmt: skip


def test_root_lists_resources_under_each_version(api, toy):
    for prefix in ("/api/", "/api/1.0/", "/api/1.1/", "/api/1.2/", "/api/1.3/"):
        body = api.get(prefix).json()
        assert set(body) >= {"patches", "series", "covers", "projects", "events", "bundles"}
        assert body["patches"].endswith(f"{prefix}patches/")


def test_patch_list_and_detail_have_every_field_clients_read(api, toy):
    rows = api.get("/api/1.2/patches/", {"project": "toy-rtc"}).json()
    assert len(rows) == 4
    row = rows[0]
    assert set(row) >= PATCH_KEYS
    assert set(row["project"]) >= {"id", "url", "name", "link_name", "list_id"}
    assert set(row["submitter"]) >= {"id", "name", "email"}
    assert set(row["series"][0]) >= {"id", "name", "version", "mbox"}
    assert row["url"].startswith("http://testserver/api/1.2/patches/")
    detail = api.get(row["url"]).json()
    assert set(detail) >= PATCH_DETAIL_KEYS
    assert detail["headers"]["Message-ID"] == detail["msgid"]
    assert detail["diff"].startswith("diff --git")


def test_series_cover_and_comment_fields(api, toy):
    series = api.get("/api/series/").json()
    assert [s["version"] for s in series] == [1, 2]
    assert set(series[0]) >= SERIES_KEYS
    assert set(series[0]["cover_letter"]) >= {"id", "msgid", "name", "mbox"}
    assert [set(p) >= {"id", "name", "mbox"} for p in series[0]["patches"]] == [True, True]
    cover = api.get(series[0]["cover_letter"]["url"]).json()
    assert "content" in cover and "headers" in cover
    comments = api.get(cover["comments"]).json()
    assert "Acked-by: Carol Maintainer" in comments[0]["content"]
    patch = api.get(f"/api/patches/{patch_id(V1_PATCH1)}/").json()
    (comment,) = api.get(patch["comments"]).json()
    assert comment["submitter"]["email"] == "bob@example.org"
    assert api.get(comment["url"]).json()["id"] == comment["id"]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"project": ""}, 4),
        ({"project": "toy-rtc"}, 4),
        ({"project": "nope"}, 0),
        ({"state": ["new", "superseded"]}, 4),
        ({"state": "superseded"}, 2),
        ({"state": "Superseded"}, 2),
        ({"archived": "false"}, 4),
        ({"archived": "True"}, 0),
        ({"archived": "no"}, 4),
        ({"submitter": "ADA@example.org"}, 4),
        ({"submitter": "bob@example.org"}, 0),
        ({"q": "reject years"}, 2),
        ({"msgid": f"<{V2_PATCH2}>"}, 1),
        ({"msgid": V2_PATCH2}, 1),
        ({"since": "1987-11-04T00:00:00"}, 2),
        ({"before": "1987-11-04T00:00:00"}, 2),
    ],
)
def test_patch_filters(api, toy, params, expected):
    assert len(api.get("/api/patches/", params).json()) == expected


def test_filter_by_hash_series_delegate_and_order(api, accounts, toy):
    from reviews.models import Patch

    patch = Patch.objects.get(message__msgid=V1_PATCH1)
    # v2 resent patch 1 unchanged: the same hash.
    same = {p["id"] for p in api.get("/api/patches/", {"hash": patch.hash.upper()}).json()}
    assert patch.id in same and len(same) == 2
    assert len(api.get("/api/patches/", {"series": patch.series_id}).json()) == 2
    Patch.objects.filter(pk=patch.pk).update(delegate=accounts.maintainer)
    for who in ("carol", accounts.maintainer.id):
        assert [p["id"] for p in api.get("/api/patches/", {"delegate": who}).json()] == [patch.id]
    dates = [p["date"] for p in api.get("/api/patches/", {"order": "-date"}).json()]
    assert dates == sorted(dates, reverse=True)


def test_pagination_link_header_puts_next_first(api, toy, settings):
    settings.THREADWORK_API_PAGE_SIZE = 1
    first = api.get("/api/patches/")
    assert len(first.json()) == 1
    assert first["Link"].startswith('<http://testserver/api/patches/?page=2>; rel="next"')
    middle = api.get("/api/patches/", {"page": 2})
    links = middle["Link"].split(", ")
    assert links[0].endswith('rel="next"') and links[1].endswith('rel="prev"')
    last = api.get("/api/patches/", {"page": 4})
    assert "next" not in last["Link"]
    assert len(api.get("/api/patches/", {"per_page": 3}).json()) == 3


def test_pages_past_the_end_or_not_numbers_are_not_found(api, toy, settings):
    settings.THREADWORK_API_PAGE_SIZE = 1
    for page in ("5", "0", "-1", "two", "9" * 30):
        response = api.get("/api/patches/", {"page": page})
        assert response.status_code == 404, page
        assert response.json() == {"detail": "Invalid page."}
    last = api.get("/api/patches/", {"page": "last"})  # the one page that is counted
    assert last.status_code == 200
    assert last.json() == api.get("/api/patches/", {"page": 4}).json()
    assert "next" not in last["Link"]
    second = api.get("/api/patches/", {"page": 2, "order": "-id"})
    assert '<http://testserver/api/patches/?order=-id>; rel="prev"' in second["Link"]


def test_a_list_page_does_not_count_the_rows(api, toy, settings):
    """Nothing in the response needs the total, which grows with the archive."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    settings.THREADWORK_API_PAGE_SIZE = 1
    with CaptureQueriesContext(connection) as queries:
        response = api.get("/api/patches/", {"page": 2})
    assert response.status_code == 200 and len(response.json()) == 1
    assert not [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]
    assert 'rel="next"' in response["Link"] and 'rel="prev"' in response["Link"]


def test_people_and_users_accept_git_pws_project_parameter(api, accounts):
    people = api.get("/api/people/", {"q": "bob", "project": "toy-rtc"}).json()
    assert [p["email"] for p in people] == ["bob@example.org"]
    users = api.get("/api/users/", {"q": "carol", "project": "toy-rtc"}).json()
    assert [u["username"] for u in users] == ["carol"]


def test_project_detail_by_id_or_link_name(api, toy):
    assert api.get(f"/api/projects/{toy.id}/").json()["link_name"] == "toy-rtc"
    assert api.get("/api/projects/toy-rtc/").json()["id"] == toy.id
    assert api.get("/api/projects/missing/").status_code == 404


def test_events_carry_patchwork_payloads(api, toy):
    events = api.get("/api/events/", {"project": "toy-rtc"}).json()
    categories = {e["category"] for e in events}
    assert {"patch-created", "series-created", "cover-created"} <= categories
    created = next(e for e in events if e["category"] == "patch-created")
    assert set(created) >= {"id", "category", "date", "project", "payload"}
    assert set(created["payload"]["patch"]) >= {"id", "url", "msgid", "mbox"}
    only = api.get("/api/events/", {"category": "cover-created"}).json()
    assert {e["category"] for e in only} == {"cover-created"}


def test_events_since_a_poll_include_old_mail_archived_after_it(api, toy):
    """A bot asks for what happened since its last poll: mail dated long before
    it, archived after it, is news too; the API dates events by when they were
    written, while the events page keeps the mail's date."""
    import datetime as dt

    from django.utils import timezone

    from reviews.models import Event

    created = Event.objects.filter(category="patch-created").first()
    assert created is not None and created.date < timezone.now() - dt.timedelta(days=30)
    last_poll = (timezone.now() - dt.timedelta(minutes=5)).isoformat()
    since = api.get("/api/events/", {"category": "patch-created", "since": last_poll}).json()
    ids = {e["id"] for e in since}
    assert created.id in ids
    shown = next(e for e in since if e["id"] == created.id)
    assert shown["date"].startswith(created.recorded.strftime("%Y-%m-%dT%H:%M"))
    before = api.get("/api/events/", {"category": "patch-created", "before": last_poll}).json()
    assert created.id not in {e["id"] for e in before}


@pytest.mark.parametrize(
    "url",
    ["/api/patches/", "/api/series/", "/api/covers/", "/api/events/", "/api/people/",
     "/api/projects/", "/api/bundles/", "/api/users/"],
)  # fmt: skip
def test_lists_cost_a_fixed_number_of_queries(
    api, accounts, toy, url, django_assert_max_num_queries
):
    from reviews import services
    from reviews.models import Patch, State

    patches = list(Patch.objects.order_by("id"))
    toy.check_reporters.add(accounts.other)
    for patch in patches:
        services.create_check(accounts.other, patch, state="success", context="ci")
        services.update_patch(accounts.maintainer, patch, state=State.objects.get(slug="new"),
                              delegate=accounts.maintainer)  # fmt: skip
    services.create_bundle(accounts.maintainer, "b1", patches, public=True)
    for per_page in (10, 100):
        with django_assert_max_num_queries(6):
            response = api.get(url, {"per_page": per_page})
        assert response.status_code == 200
