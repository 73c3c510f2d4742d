"""Whole-series states, superseding shown on both revisions, and the list's bulk form."""

from __future__ import annotations

import pytest

from reviews.models import ChangeSet, Event, Patch
from tests.workflow.confirming import confirm
from tests.workflow.conftest import login, make_accounts

pytestmark = pytest.mark.django_db


@pytest.fixture
def toy_accounts(toy):
    project, _v1, _v2 = toy
    return make_accounts(project)


def _states(series) -> list[str]:
    return list(Patch.objects.filter(series=series).order_by("number").values_list(
        "state__slug", flat=True))  # fmt: skip


def _series_url(project, series) -> str:
    return f"/project/{project.link_name}/series/{series.id}/"


def test_supersede_v1_and_accept_v2_as_a_whole(client, toy, toy_accounts):
    project, v1, v2 = toy
    login(client, toy_accounts.maintainer)
    html = client.get(_series_url(project, v1)).content.decode()
    assert f'action="/series/{v1.id}/state/"' in html
    response = confirm(client, f"/series/{v1.id}/state/", {"state": "superseded"},
                       expect="Set 2 patches to Superseded?")  # fmt: skip
    change = ChangeSet.objects.get()
    assert response.status_code == 302
    assert response.url == f"/project/{project.link_name}/changes/{change.id}/"
    assert _states(v1) == ["superseded", "superseded"]
    page = client.get(response.url).content.decode()
    assert "Done: state → Superseded (series" in page and "on 2 patches." in page
    assert "Undo: put 2 patches back as they were" in page

    confirm(client, f"/series/{v2.id}/state/", {"state": "accepted"})
    assert _states(v2) == ["accepted", "accepted"]
    events = Event.objects.filter(series=v2, category="patch-state-changed")
    assert events.count() == 2
    assert {(e.payload["current_state"], e.actor_id) for e in events} == {
        ("accepted", toy_accounts.maintainer.pk)
    }


def test_superseding_is_visible_on_both_revisions(client, toy):
    project, v1, v2 = toy
    old = client.get(_series_url(project, v1)).content.decode()
    assert f'Superseded by <a href="{_series_url(project, v2)}">v2</a>' in old
    new = client.get(_series_url(project, v2)).content.decode()
    assert f'Supersedes <a href="{_series_url(project, v1)}">v1</a>' in new
    patch = Patch.objects.filter(series=v1).select_related("message").first()
    page = client.get(f"/project/{project.link_name}/patch/{patch.message.msgid}/")
    assert f'Superseded by <a href="{_series_url(project, v2)}">v2</a>' in page.content.decode()


@pytest.mark.parametrize("who", ["other", "anonymous"])
def test_series_state_refused(client, toy, toy_accounts, who):
    project, v1, _v2 = toy
    if who == "other":
        login(client, toy_accounts.other)
    assert (
        f'action="/series/{v1.id}/state/"'
        not in client.get(_series_url(project, v1)).content.decode()
    )
    response = client.post(f"/series/{v1.id}/state/", {"state": "superseded"})
    assert response.status_code == (403 if who == "other" else 302)
    assert _states(v1) == ["new", "new"]
    assert not Event.objects.filter(series=v1, actor__isnull=False).exists()


def _list(project) -> str:
    return f"/project/{project.link_name}/list/"


def test_bulk_archive_from_the_list(client, toy, toy_accounts):
    project, v1, v2 = toy
    ids = list(Patch.objects.filter(series=v1).values_list("id", flat=True))
    login(client, toy_accounts.maintainer)
    html = client.get(_list(project)).content.decode()
    assert f'action="/project/{project.link_name}/list/bulk/"' in html
    assert "Update selected" in html
    response = confirm(client, f"{_list(project)}bulk/", {
        "patch": ids, "archived": "yes", "state": "", "delegate": "", "next": _list(project),
    }, expect="Archive 2 patches?")  # fmt: skip
    assert response.status_code == 302
    assert set(Patch.objects.filter(id__in=ids).values_list("archived", flat=True)) == {True}
    assert not Patch.objects.filter(series=v2, archived=True).exists()
    html = client.get(response.url).content.decode()
    assert "Done: archived on 2 patches." in html


def test_bulk_state_and_delegate(client, toy, toy_accounts):
    project, _v1, v2 = toy
    ids = list(Patch.objects.filter(series=v2).values_list("id", flat=True))
    login(client, toy_accounts.maintainer)
    confirm(client, f"{_list(project)}bulk/", {
        "patch": ids, "state": "under-review", "delegate": toy_accounts.maintainer.pk,
    }, expect="Set 2 patches to Under Review and delegate them to maint?")  # fmt: skip
    rows = Patch.objects.filter(id__in=ids).values_list("state__slug", "delegate_id")
    assert set(rows) == {("under-review", toy_accounts.maintainer.pk)}
    assert Event.objects.filter(patch_id__in=ids, category="patch-delegated").count() == 2


def test_bulk_needs_a_selection_and_a_change(client, toy, toy_accounts):
    project, v1, _v2 = toy
    login(client, toy_accounts.maintainer)
    client.post(f"{_list(project)}bulk/", {"archived": "yes"})
    assert "Select at least one patch first." in client.get(_list(project)).content.decode()
    ids = list(Patch.objects.filter(series=v1).values_list("id", flat=True))
    client.post(f"{_list(project)}bulk/", {"patch": ids})
    assert "choose a state, archiving or a delegate" in client.get(_list(project)).content.decode()


def test_bulk_refuses_patches_of_another_project(client, toy, toy_accounts):
    project, _v1, _v2 = toy
    other = Patch.objects.exclude(project=project).first()
    login(client, toy_accounts.maintainer)
    client.post(f"{_list(project)}bulk/", {"patch": [other.id], "archived": "yes"})
    assert not Patch.objects.get(pk=other.pk).archived


@pytest.mark.parametrize("who", ["other", "anonymous", "half"])
def test_bulk_refused_and_nothing_changes(client, toy, toy_accounts, who):
    project, _v1, _v2 = toy
    ids = list(Patch.objects.filter(project=project).values_list("id", flat=True))
    if who == "other":
        login(client, toy_accounts.other)
    if who == "half":
        # The toy series' author may change the state of Ada's patches only; one
        # patch from someone else makes the whole change refused.
        Patch.objects.filter(pk=ids[0]).update(submitter=None)
        toy_accounts.other.email = "ada@example.org"
        toy_accounts.other.save(update_fields=["email"])
        login(client, toy_accounts.other)
    before = list(Patch.objects.filter(id__in=ids).order_by("id").values_list(
        "state__slug", "archived", "delegate_id"))  # fmt: skip
    for data in ({"archived": "yes"}, {"state": "accepted"}):
        response = client.post(f"{_list(project)}bulk/", {"patch": ids, **data})
        assert response.status_code == (302 if who == "anonymous" else 403)
    after = list(Patch.objects.filter(id__in=ids).order_by("id").values_list(
        "state__slug", "archived", "delegate_id"))  # fmt: skip
    assert after == before
    assert not Event.objects.filter(patch_id__in=ids, category="patch-state-changed",
                                    actor__isnull=False).exists()  # fmt: skip
