"""The patch page's form: maintainers change everything, submitters the state, others nothing."""

from __future__ import annotations

import pytest

from reviews.models import Event, Patch
from tests.workflow.conftest import SEED_URL, login

pytestmark = pytest.mark.django_db


def _post(client, patch, **data):
    fields = {"next": SEED_URL, **data}
    return client.post(f"/patch/{patch.id}/update/", fields)


def _full(state: str, **extra) -> dict:
    """Everything the maintainer form sends (it always shows the current values)."""
    return {"state": state, "delegate": "", "commit_ref": "", **extra}


def _row(patch) -> tuple:
    p = Patch.objects.get(pk=patch.pk)
    return p.state.slug, p.delegate_id, p.archived, p.commit_ref


def test_maintainer_sees_the_form_anonymous_a_login_link(client, accounts, seed_patch):
    html = client.get(SEED_URL).content.decode()
    assert f'action="/patch/{seed_patch.id}/update/"' not in html
    assert "to change this patch" in html and "/accounts/login/?next=" in html
    login(client, accounts.maintainer)
    html = client.get(SEED_URL).content.decode()
    assert f'action="/patch/{seed_patch.id}/update/"' in html
    assert 'name="csrfmiddlewaretoken"' in html
    assert '<option value="maint">' not in html  # delegates are chosen by id
    assert f'<option value="{accounts.maintainer.pk}">maint</option>' in html
    assert 'name="commit_ref"' in html and 'name="archived"' in html


def test_maintainer_moves_the_seed_patch_to_accepted(client, accounts, seed_patch):
    login(client, accounts.maintainer)
    response = _post(client, seed_patch, **_full("under-review"))
    assert response.status_code == 302 and response.url == SEED_URL
    assert _row(seed_patch)[0] == "under-review"
    html = client.get(SEED_URL).content.decode()
    assert "State changed to Under Review." in html
    assert 'class="state-badge big st-under-review">Under Review<' in html

    _post(client, seed_patch, **_full("accepted", commit_ref="1234abcd5678"))
    assert _row(seed_patch) == ("accepted", None, False, "1234abcd5678")
    html = client.get(SEED_URL).content.decode()
    assert "State changed to Accepted. Commit set to 1234abcd5678." in html
    assert "<code>1234abcd5678</code>" in html

    events = Event.objects.filter(patch=seed_patch, category="patch-state-changed")
    changes = [(e.payload["previous_state"], e.payload["current_state"], e.actor) for e in
               events.order_by("date", "id")]  # fmt: skip
    assert changes == [
        ("new", "under-review", accounts.maintainer),
        ("under-review", "accepted", accounts.maintainer),
    ]


def test_maintainer_delegates_and_archives(client, accounts, seed_patch):
    login(client, accounts.maintainer)
    _post(client, seed_patch, **_full("new", delegate=accounts.maintainer.pk, archived="on"))
    assert _row(seed_patch) == ("new", accounts.maintainer.pk, True, "")
    event = Event.objects.get(patch=seed_patch, category="patch-delegated")
    assert event.actor == accounts.maintainer
    assert event.payload == {"previous_delegate": None, "current_delegate": accounts.maintainer.pk}
    html = client.get(SEED_URL).content.decode()
    assert "Delegated to maint. Archived." in html
    assert "delegate: maint" in html


def test_only_maintainers_are_delegates(client, accounts, seed_patch):
    login(client, accounts.maintainer)
    response = _post(client, seed_patch, **_full("new", delegate=accounts.other.pk))
    assert response.status_code == 302
    assert _row(seed_patch) == ("new", None, False, "")
    html = client.get(SEED_URL).content.decode()
    assert "Nothing was changed: Select a valid choice." in html


def test_submitter_changes_the_state_only(client, accounts, seed_patch):
    login(client, accounts.submitter)
    html = client.get(SEED_URL).content.decode()
    assert "Your patch" in html and 'name="state"' in html and 'name="commit_ref"' not in html
    # Extra fields are ignored: the submitter's form has the state only.
    _post(client, seed_patch, state="changes-requested", commit_ref="x", archived="on",
          delegate=accounts.maintainer.pk)  # fmt: skip
    assert _row(seed_patch) == ("changes-requested", None, False, "")
    assert Event.objects.get(patch=seed_patch, category="patch-state-changed").actor == (
        accounts.submitter
    )


def test_superuser_may_change_any_patch(client, accounts, seed_patch):
    login(client, accounts.admin)
    _post(client, seed_patch, **_full("rejected"))
    assert _row(seed_patch)[0] == "rejected"


@pytest.mark.parametrize("who", ["other", "anonymous"])
def test_others_are_refused_and_nothing_changes(client, accounts, seed_patch, who):
    if who == "other":
        login(client, accounts.other)
    before = _row(seed_patch)
    attempts = [
        _full("accepted", commit_ref="deadbeef"),
        _full("new", delegate=accounts.maintainer.pk),
        _full("new", archived="on"),
        {"state": "rejected"},
        {"state": "no-such-state"},
    ]
    for data in attempts:
        response = _post(client, seed_patch, **data)
        if who == "anonymous":
            assert response.status_code == 302
            assert response.url.startswith("/accounts/login/?next=")
        else:
            assert response.status_code == 403
            assert "Nothing was changed" in response.content.decode()
    assert _row(seed_patch) == before
    assert not Event.objects.filter(patch=seed_patch).exclude(category="patch-created").exists()


def test_get_changes_nothing(client, accounts, seed_patch):
    login(client, accounts.maintainer)
    response = client.get(f"/patch/{seed_patch.id}/update/?state=accepted")
    assert response.status_code == 405
    assert _row(seed_patch)[0] == "new"


def test_csrf_token_is_required(accounts, seed_patch):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    login(client, accounts.maintainer)
    response = _post(client, seed_patch, **_full("accepted"))
    assert response.status_code == 403
    assert _row(seed_patch)[0] == "new"
