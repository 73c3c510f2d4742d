"""Bulk changes (#17): every patch that matches, a confirmation first, and undo that is exact."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from reviews import services
from reviews.models import ChangeSet, Event, Patch, State, StateOrigin
from reviews.services.changes import Changes
from tests.workflow.confirming import confirm, confirmation
from tests.workflow.conftest import PASSWORD, login

pytestmark = pytest.mark.django_db

FIELDS = ("state__slug", "state_origin", "state_before__slug", "delegate_id", "archived")


def _snapshot(ids) -> dict[int, tuple]:
    rows = Patch.objects.filter(id__in=ids).values_list("id", *FIELDS)
    return {row[0]: row[1:] for row in rows}


@pytest.fixture
def mixed(make_patches, django_user_model):
    """60 patches in every state, half delegated, some archived; one superseded by
    Threadwork (with the state it replaced), one decided by a person."""
    patches = make_patches(60)
    project = patches[0].project
    boss = django_user_model.objects.create_user("boss", "boss@example.org", PASSWORD)
    project.maintainers.add(boss)
    ids = [p.id for p in patches]
    Patch.objects.filter(id__in=ids[::7]).update(archived=True)
    Patch.objects.filter(id=ids[1]).update(
        state=State.objects.get(slug="superseded"), state_origin=StateOrigin.AUTO,
        state_before=State.objects.get(slug="under-review"),
    )  # fmt: skip
    Patch.objects.filter(id=ids[2]).update(
        state=State.objects.get(slug="accepted"), state_origin=StateOrigin.PERSON
    )
    return project, boss, ids


def test_change_and_undo_restore_every_field_exactly(mixed):
    project, boss, ids = mixed
    before = _snapshot(ids)
    changes = Changes(state=State.objects.get(slug="rejected"), archived=True, delegate=boss)
    change = services.change_patches(boss, project, ids, changes)
    assert change is not None and change.patches == 60
    after = _snapshot(ids)
    assert {v[:1] + v[3:] for v in after.values()} == {("rejected", boss.pk, True)}
    # A person decided each new state; a patch already Rejected kept its own.
    assert {after[i][1:3] for i in ids if before[i][0] != "rejected"} == {("person", None)}
    assert {after[i][1] for i in ids if before[i][0] == "rejected"} == {"mail"}
    # Each changed field has its Event in the change set, holding before and after.
    superseded = Event.objects.get(
        change_set=change, patch_id=ids[1], category="patch-state-changed"
    )
    assert superseded.payload == {
        "previous_state": "superseded", "current_state": "rejected",
        "previous_origin": "auto", "current_origin": "person",
        "previous_state_before": "under-review", "current_state_before": None,
    }  # fmt: skip
    assert superseded.actor == boss

    undone = services.undo_change(boss, change)
    assert (undone.restored, undone.kept) == (60, 0)
    assert _snapshot(ids) == before
    change.refresh_from_db()
    assert change.undone_by == undone.change_set
    reasons = set(
        Event.objects.filter(change_set=undone.change_set).values_list("payload__reason", flat=True)
    )
    assert reasons == {f"undo of change {change.pk}"}
    # The automatic state is automatic again: superseding may still undo it.
    restored = Patch.objects.get(id=ids[1])
    assert (restored.state_origin, restored.state_before.slug) == ("auto", "under-review")


def test_undo_keeps_what_someone_changed_since_and_runs_once(mixed):
    project, boss, ids = mixed
    before = _snapshot(ids[:5])
    change = services.change_patches(
        boss, project, ids[:5], Changes(state=State.objects.get(slug="rejected"))
    )
    assert change.patches == 4, "the fourth was Rejected already"
    later = Patch.objects.get(id=ids[4])
    services.set_patch_state(boss, later, State.objects.get(slug="accepted"))

    undone = services.undo_change(boss, change)
    assert (undone.restored, undone.kept) == (3, 1)
    now = _snapshot(ids[:5])
    assert now[ids[4]][0] == "accepted", "a later decision is never overwritten"
    assert {k: v for k, v in now.items() if k != ids[4]} == {
        k: v for k, v in before.items() if k != ids[4]
    }
    with pytest.raises(ValidationError, match="already undone"):
        services.undo_change(boss, change)
    # Undoing the undo makes the change again: redo.
    redo = services.undo_change(boss, undone.change_set)
    assert redo.restored == 3
    assert {v[0] for k, v in _snapshot(ids[:5]).items() if k != ids[4]} == {"rejected"}


def test_nothing_to_change_makes_no_change_set(mixed):
    project, boss, ids = mixed
    rejected = State.objects.get(slug="rejected")
    services.change_patches(boss, project, ids[:3], Changes(state=rejected))
    assert services.change_patches(boss, project, ids[:3], Changes(state=rejected)) is None
    assert ChangeSet.objects.count() == 1


def test_who_may_change_and_undo(mixed, django_user_model):
    project, boss, ids = mixed
    stranger = django_user_model.objects.create_user("x", "x@example.org", PASSWORD)
    author = django_user_model.objects.create_user("ann", "ANN@example.org", PASSWORD)
    rejected = State.objects.get(slug="rejected")
    with pytest.raises(PermissionDenied):
        services.change_patches(stranger, project, ids, Changes(state=rejected))
    with pytest.raises(PermissionDenied):  # the submitter: the state only
        services.change_patches(author, project, ids, Changes(archived=True))
    own = services.change_patches(author, project, ids[:4], Changes(state=rejected))
    with pytest.raises(PermissionDenied):
        services.undo_change(stranger, own)
    assert own.patches == 3, "one of the four was Rejected already"
    assert services.undo_change(author, own).restored == 3
    with pytest.raises(ValidationError, match="not a maintainer"):
        services.change_patches(boss, project, ids, Changes(delegate=stranger))
    assert not Event.objects.filter(actor=stranger).exists()


def _list(project) -> str:
    return f"/project/{project.link_name}/list/"


def test_select_all_that_match_beyond_the_page_then_undo(client, mixed):
    project, boss, ids = mixed
    login(client, boss)
    # Any state, archived or not: 60 patches, more than the 50 a page shows.
    html = client.get(f"{_list(project)}?state=*&archived=both").content.decode()
    assert "All 60 that match, not only this page" in html
    before = _snapshot(ids)
    data = {"scope": "matching", "filter": "state=%2A&archived=both", "state": "deferred",
            "archived": "",
            "delegate": "", "next": f"{_list(project)}?state=*"}  # fmt: skip
    question, fields = confirmation(client.post(f"{_list(project)}bulk/", data))
    assert question == "Set 60 patches to Deferred?"
    assert ("patch", str(ids[0])) not in fields, "the filter names the patches, not ids"
    assert _snapshot(ids) == before, "nothing changes before the confirmation"
    response = confirm(client, f"{_list(project)}bulk/", data)
    change = ChangeSet.objects.get()
    assert response.url == f"/project/{project.link_name}/changes/{change.pk}/"
    expected = sum(1 for v in before.values() if v[0] != "deferred")
    assert change.patches == expected
    assert {v[0] for v in _snapshot(ids).values()} == {"deferred"}

    page = client.get(response.url).content.decode()
    assert f"Undo: put {expected} patches back as they were" in page
    undo = client.post(f"/project/{project.link_name}/changes/{change.pk}/undo/")
    assert undo.status_code == 302
    assert _snapshot(ids) == before
    assert (
        f"Undone: {expected} patches put back as they were."
        in client.get(undo.url).content.decode()
    )


def test_the_confirmation_names_exactly_what_changes(client, mixed):
    """If the filter matches other patches by the time of the confirmation, ask again."""
    project, boss, ids = mixed
    login(client, boss)
    data = {"scope": "matching", "filter": "state=new", "state": "rejected"}
    _question, fields = confirmation(client.post(f"{_list(project)}bulk/", data))
    Patch.objects.filter(id=ids[5]).update(state=State.objects.get(slug="new"))
    posted: dict[str, list[str]] = {}
    for key, value in fields:
        posted.setdefault(key, []).append(value)
    again = client.post(f"{_list(project)}bulk/", posted)
    question, _ = confirmation(again)
    assert "not the ones named before" in again.content.decode()
    assert not ChangeSet.objects.exists()
    count = Patch.objects.filter(project=project, state__slug="new", archived=False).count()
    assert question == f"Set {count} patches to Rejected?"


def test_the_series_form_chooses_no_state_and_confirms(client, mixed):
    project, boss, ids = mixed
    login(client, boss)
    series = Patch.objects.get(id=ids[0]).series
    url = f"/project/{project.link_name}/series/{series.id}/"
    html = client.get(url).content.decode()
    form = html[html.index('action="/series/') :]
    form = form[: form.index("</form>")]
    assert '<option value="" selected>— choose a state —</option>' in form
    assert form.count(" selected") == 1
    response = client.post(f"/series/{series.id}/state/", {"state": "", "next": url})
    assert "Choose the state to set first." in client.get(response.url).content.decode()
    response = confirm(client, f"/series/{series.id}/state/", {"state": "accepted"},
                       expect="Set 60 patches to Accepted?")  # fmt: skip
    assert Patch.objects.filter(series=series).exclude(state__slug="accepted").count() == 0
    change = ChangeSet.objects.get()
    assert change.description.startswith("state → Accepted (series")
    assert response.url.endswith(f"/changes/{change.pk}/")


def test_the_events_page_offers_to_undo_the_last_change(client, mixed):
    project, boss, ids = mixed
    change = services.change_patches(boss, project, ids[:3], Changes(archived=False))
    events_url = f"/project/{project.link_name}/events/"
    assert "Undo this change" not in client.get(events_url).content.decode(), "anonymous"
    login(client, boss)
    html = client.get(events_url).content.decode()
    assert f'action="/project/{project.link_name}/changes/{change.pk}/undo/"' in html
    assert f">change {change.pk}</a>" in html
    client.post(f"/project/{project.link_name}/changes/{change.pk}/undo/")
    html = client.get(events_url).content.decode()
    undo = ChangeSet.objects.get(undone_by=None)
    assert f'/changes/{undo.pk}/undo/"' in html, "the undo is now the last change (redo)"
    assert f'/changes/{change.pk}/undo/"' not in html


def test_the_question_names_every_change_and_its_size(django_user_model):
    from reviews.pages.changes import question

    rejected = State(slug="rejected", name="Rejected")
    boss = django_user_model(username="boss")
    assert question(Changes(state=rejected), 1412) == "Set 1,412 patches to Rejected?"
    assert question(Changes(archived=True), 1) == "Archive 1 patch?"
    assert (
        question(Changes(state=rejected, archived=True, delegate=None), 3)
        == "Set 3 patches to Rejected, archive them and remove the delegate of them?"
    )
    assert (
        question(Changes(archived=False, delegate=boss), 2)
        == "Unarchive 2 patches and delegate them to boss?"
    )


@pytest.mark.parametrize("n", [10, 1000])
def test_a_bulk_change_costs_the_same_queries_for_10_as_for_1000(
    client, make_patches, django_user_model, django_assert_max_num_queries, n
):
    """Set-based: the confirmation, the change and its undo read and write in bulk."""
    patches = make_patches(n)
    project = patches[0].project
    boss = django_user_model.objects.create_user("boss", "boss@example.org", PASSWORD)
    project.maintainers.add(boss)
    login(client, boss)
    url = f"/project/{project.link_name}/list/bulk/"
    data = {"scope": "matching", "filter": "state=%2A&archived=both", "state": "rejected",
            "archived": "yes"}  # fmt: skip
    # session, user, project, maintainers, the patches matched, the maintainer check,
    # states now, those unchanged, the sample, the states the form offers
    with django_assert_max_num_queries(10):
        _question, fields = confirmation(client.post(url, data))
    posted: dict[str, list[str]] = {}
    for key, value in fields:
        posted.setdefault(key, []).append(value)
    # the same ten or so, then lock, change set, one UPDATE (whose turn with it), one COPY,
    # stamps, the series, the health counts
    with django_assert_max_num_queries(18):
        response = client.post(url, posted)
    assert ChangeSet.objects.get().patches == n
    # the undo: as many, with whose turn read from the replies of patches back
    # open, the series, and the health counts (reviews.health.store)
    with django_assert_max_num_queries(18):
        assert client.post(f"{response.url}undo/").status_code == 302
    assert not Patch.objects.filter(project=project, archived=True).exists()
