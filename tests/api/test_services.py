"""The write services' permission rules, shared by the API and the web UI."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tests.api.conftest import V2_PATCH2


@pytest.fixture
def patch(toy):
    from reviews.models import Patch

    return Patch.objects.select_related("project", "submitter").get(message__msgid=V2_PATCH2)


def test_who_may_change_what(accounts, patch):
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import AnonymousUser

    from reviews import services

    root = get_user_model().objects.create_superuser("root", "root@example.org", "pw-root-123")
    assert services.can_change_patch(root, patch)
    assert services.can_change_patch(accounts.maintainer, patch)
    assert not services.can_change_patch(accounts.submitter, patch)
    assert services.can_change_state(accounts.submitter, patch)
    assert not services.can_change_state(accounts.other, patch)
    assert not services.can_change_state(AnonymousUser(), patch)


def test_refusals_change_nothing(accounts, patch):
    from reviews import services
    from reviews.models import Event, State

    accepted = State.objects.get(slug="accepted")
    before = Event.objects.count()
    with pytest.raises(PermissionDenied):
        services.update_patch(accounts.other, patch, state=accepted)
    with pytest.raises(PermissionDenied):
        services.update_patch(accounts.submitter, patch, state=accepted, archived=True)
    with pytest.raises(ValidationError):
        services.delegate_patch(accounts.maintainer, patch, accounts.other)
    patch.refresh_from_db()
    assert patch.state.slug == "new" and not patch.archived and patch.delegate is None
    assert Event.objects.count() == before


def test_each_change_its_own_event(accounts, patch):
    from reviews import services
    from reviews.models import Event, State

    services.set_patch_state(accounts.maintainer, patch, State.objects.get(slug="under-review"))
    services.delegate_patch(accounts.maintainer, patch, accounts.maintainer)
    services.delegate_patch(accounts.maintainer, patch, None)
    services.set_patch_archived(accounts.maintainer, patch, True)
    services.set_commit_ref(accounts.maintainer, patch, "cafe")
    events = list(Event.objects.filter(actor=accounts.maintainer).order_by("id"))
    assert [e.category for e in events] == [
        "patch-state-changed", "patch-delegated", "patch-delegated", "patch-archived",
        "patch-commit-ref-changed",
    ]  # fmt: skip
    assert events[2].payload == {
        "previous_delegate": accounts.maintainer.id,
        "current_delegate": None,
    }
    assert events[3].payload == {"previous_archived": False, "current_archived": True}
    assert events[4].payload == {"previous_commit_ref": "", "current_commit_ref": "cafe"}
    patch.refresh_from_db()
    assert patch.archived and patch.commit_ref == "cafe" and patch.delegate is None


def test_bundles_need_patches_of_one_project(accounts, patch):
    from reviews import services

    with pytest.raises(ValidationError):
        services.create_bundle(accounts.other, "empty", [])
    bundle = services.create_bundle(accounts.other, "mine", [patch, patch])
    assert bundle.entries.count() == 1
    with pytest.raises(ValidationError):
        services.create_bundle(accounts.other, "mine", [patch])
    with pytest.raises(PermissionDenied):
        services.delete_bundle(accounts.maintainer, bundle)
