"""The admin edits projects (maintainers, automatic superseding, trusted headers) and states."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from archive.ingest import ingest
from archive.sources import iter_source
from reviews.models import Project, State
from tests.conftest import SAMPLE

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    user = get_user_model().objects.create_superuser("root", "root@example.org", "pw-123-long")
    client.force_login(user)
    return client


def test_admin_lists_and_edits_projects(admin_client) -> None:
    ingest(iter_source(str(SAMPLE / "toy-rtc-series.mbox")), workers=1)
    project = Project.objects.get()
    assert admin_client.get("/admin/reviews/project/").status_code == 200
    page = admin_client.get(f"/admin/reviews/project/{project.id}/change/")
    assert page.status_code == 200
    form = {
        "name": project.name,
        "link_name": project.link_name,
        "list_id": project.list_id,
        "list_email": project.list_email,
        "web_url": "",
        "scm_url": "",
        "webscm_url": "",
        "notify_interval": 60,  # required, as in the form the admin shows
        # auto_supersede left out: an unchecked box turns superseding off
    }
    response = admin_client.post(f"/admin/reviews/project/{project.id}/change/", form)
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.auto_supersede is False


def test_admin_switches_trust_in_patchwork_headers(admin_client) -> None:
    ingest(iter_source(str(SAMPLE / "toy-rtc-series.mbox")), workers=1)
    project = Project.objects.get()
    assert project.trust_patchwork_headers is False  # off by default
    listing = admin_client.get("/admin/reviews/project/").content.decode()
    assert "Trust patchwork headers" in listing
    page = admin_client.get(f"/admin/reviews/project/{project.id}/change/").content.decode()
    assert 'name="trust_patchwork_headers"' in page
    form = {
        "name": project.name, "link_name": project.link_name, "list_id": project.list_id,
        "list_email": project.list_email, "web_url": "", "scm_url": "", "webscm_url": "",
        "notify_interval": 60,
        "auto_supersede": "on", "trust_patchwork_headers": "on",
    }  # fmt: skip
    response = admin_client.post(f"/admin/reviews/project/{project.id}/change/", form)
    assert response.status_code == 302
    project.refresh_from_db()
    assert (project.trust_patchwork_headers, project.auto_supersede) == (True, True)


def test_admin_shows_states_and_quarantine(admin_client) -> None:
    assert State.objects.filter(slug="new").exists()
    assert admin_client.get("/admin/reviews/state/").status_code == 200
    assert admin_client.get("/admin/archive/quarantinedmail/").status_code == 200
    assert admin_client.get("/admin/reviews/patch/").status_code == 200


def test_admin_refuses_anonymous(client) -> None:
    response = client.get("/admin/reviews/project/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_admin_keeps_history_and_derived_rows_read_only(admin_client) -> None:
    """The event log, covers, checks and bundles are shown, never written; nothing is deleted."""
    from reviews.models import Cover, Event, Patch

    ingest(iter_source(str(SAMPLE / "toy-rtc-series.mbox")), workers=1)
    event, cover, patch = Event.objects.first(), Cover.objects.first(), Patch.objects.first()
    assert admin_client.get(f"/admin/reviews/event/{event.id}/change/").status_code == 200
    assert admin_client.post(f"/admin/reviews/event/{event.id}/change/", {}).status_code == 403
    assert (
        admin_client.post(f"/admin/reviews/event/{event.id}/delete/", {"post": "yes"}).status_code
        == 403
    )
    assert (
        admin_client.post(f"/admin/reviews/cover/{cover.id}/change/", {"name": "x"}).status_code
        == 403
    )
    assert (
        admin_client.post(f"/admin/reviews/patch/{patch.id}/delete/", {"post": "yes"}).status_code
        == 403
    )
    for model in ("check", "bundle", "event", "patch", "series", "cover"):
        assert admin_client.get(f"/admin/reviews/{model}/add/").status_code == 403, model
    assert Event.objects.filter(id=event.id).exists() and Patch.objects.filter(id=patch.id).exists()
    assert Cover.objects.get(id=cover.id).name != "x"


def test_admin_renames_a_series_through_the_services(admin_client) -> None:
    from reviews.models import Series

    ingest(iter_source(str(SAMPLE / "toy-rtc-series.mbox")), workers=1)
    series = Series.objects.order_by("id").first()
    response = admin_client.post(f"/admin/reviews/series/{series.id}/change/", {"name": "Mine"})
    assert response.status_code == 302
    series.refresh_from_db()
    assert (series.name, series.name_locked) == ("Mine", True)
    renamed = series.events.get(category="series-renamed")
    assert renamed.actor.username == "root" and renamed.payload["current_name"] == "Mine"
