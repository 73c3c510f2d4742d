"""Writes through the API: permissions, form and JSON bodies, lenient booleans, Events."""

from __future__ import annotations

import pytest

from tests.api.conftest import V1_PATCH1, V2_PATCH2, patch_id


def _auth(api, token: str):
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return api


def test_anonymous_and_bad_tokens_cannot_write(api, accounts):
    from reviews.models import Patch

    pk = patch_id(V2_PATCH2)
    assert api.patch(f"/api/patches/{pk}/", {"state": "accepted"}).status_code == 401
    assert api.post(f"/api/patches/{pk}/checks/", {"state": "fail"}).status_code == 401
    assert api.post("/api/bundles/", {"name": "x", "patches": [pk]}).status_code == 401
    _auth(api, "nonsense")
    assert api.patch(f"/api/patches/{pk}/", {"state": "accepted"}).status_code == 401
    assert Patch.objects.get(pk=pk).state.slug == "new"


def test_non_maintainer_is_refused_and_nothing_changes(api, accounts):
    from reviews.models import Event, Patch

    pk = patch_id(V2_PATCH2)
    _auth(api, accounts.other_token)
    for body in ({"state": "accepted"}, {"archived": "yes"}, {"commit_ref": "abc"}):
        assert api.patch(f"/api/patches/{pk}/", body, format="json").status_code == 403
    patch = Patch.objects.get(pk=pk)
    assert (patch.state.slug, patch.archived, patch.commit_ref) == ("new", False, "")
    assert not Event.objects.filter(actor=accounts.other).exists()


def test_submitter_may_change_only_the_state_of_their_patch(api, accounts):
    pk = patch_id(V2_PATCH2)
    _auth(api, accounts.submitter_token)
    response = api.patch(f"/api/patches/{pk}/", {"state": "rfc"}, format="json")
    assert response.status_code == 200 and response.json()["state"] == "rfc"
    assert api.patch(f"/api/patches/{pk}/", {"archived": True}, format="json").status_code == 403


def test_maintainer_form_encoded_update_records_events(api, accounts):
    from reviews.models import Event, Patch

    pk = patch_id(V2_PATCH2)
    _auth(api, accounts.maintainer_token)
    body = {"state": "accepted", "archived": "True", "delegate": str(accounts.maintainer.id),
            "commit_ref": "deadbeef"}  # fmt: skip
    response = api.patch(f"/api/1.2/patches/{pk}/", body)  # multipart/form, as git-pw
    assert response.status_code == 200, response.json()
    data = response.json()
    assert (data["state"], data["archived"], data["commit_ref"]) == ("accepted", True, "deadbeef")
    assert data["delegate"]["username"] == "carol"
    patch = Patch.objects.get(pk=pk)
    assert patch.delegate == accounts.maintainer and patch.archived
    events = {
        e.category: e.payload for e in Event.objects.filter(patch=patch, actor=accounts.maintainer)
    }
    assert events["patch-state-changed"] == {"previous_state": "new", "current_state": "accepted"}
    assert events["patch-delegated"] == {
        "previous_delegate": None, "current_delegate": accounts.maintainer.id,
    }  # fmt: skip
    feed = api.get("/api/events/", {"category": "patch-delegated"}).json()
    assert feed[0]["payload"]["current_delegate"]["username"] == "carol"


@pytest.mark.parametrize(
    ("value", "expected"),
    [("true", True), ("True", True), ("yes", True), ("1", True),
     ("false", False), ("False", False), ("no", False), ("0", False)],
)  # fmt: skip
def test_booleans_are_lenient(api, accounts, value, expected):
    from reviews.models import Patch

    pk = patch_id(V2_PATCH2)
    Patch.objects.filter(pk=pk).update(archived=not expected)
    _auth(api, accounts.maintainer_token)
    assert api.patch(f"/api/patches/{pk}/", {"archived": value}, format="json").status_code == 200
    assert Patch.objects.get(pk=pk).archived is expected


def test_bad_state_and_delegate_are_400(api, accounts):
    pk = patch_id(V2_PATCH2)
    _auth(api, accounts.maintainer_token)
    assert api.patch(f"/api/patches/{pk}/", {"state": "bogus"}, format="json").status_code == 400
    response = api.patch(f"/api/patches/{pk}/", {"delegate": "mallory"}, format="json")
    assert response.status_code == 400  # not a maintainer of the project


def test_checks_created_by_a_check_reporter_with_an_event(api, accounts, toy):
    from reviews.models import Check, Event

    pk = patch_id(V1_PATCH1)
    _auth(api, accounts.other_token)
    body = {"state": "warning", "context": "ci/lint", "target_url": "https://ci.example.org/9",
            "description": "style"}  # fmt: skip
    refused = api.post(f"/api/patches/{pk}/checks/", body, format="json")
    assert refused.status_code == 403 and "check reporters" in refused.json()["detail"]
    assert not Check.objects.exists()
    toy.check_reporters.add(accounts.other)  # mallory runs the project's CI
    response = api.post(f"/api/patches/{pk}/checks/", body, format="json")
    assert response.status_code == 201, response.json()
    check = response.json()
    assert set(check) >= {"id", "date", "user", "state", "target_url", "description", "context"}
    assert check["user"]["username"] == "mallory"
    assert api.get(check["url"]).json()["id"] == check["id"]
    assert api.get(f"/api/patches/{pk}/").json()["check"] == "warning"
    event = Event.objects.get(category="check-created")
    assert event.payload == {"check": check["id"]} and event.actor == accounts.other
    assert api.post(f"/api/patches/{pk}/checks/", {"state": "meh"}).status_code == 400


def test_bundles_belong_to_their_owner(api, accounts):
    from reviews.models import Bundle

    ids = [patch_id(V1_PATCH1), patch_id(V2_PATCH2)]
    _auth(api, accounts.maintainer_token)
    created = api.post("/api/bundles/", {"name": "todo", "patches": ids, "public": "False"})
    assert created.status_code == 201, created.json()
    bundle = created.json()
    assert [p["id"] for p in bundle["patches"]] == ids
    assert bundle["owner"]["username"] == "carol" and bundle["project"]["link_name"] == "toy-rtc"
    url = bundle["url"]
    renamed = api.patch(url, {"name": "later", "public": "yes", "patches": ids[::-1]})
    assert renamed.status_code == 200
    assert [p["id"] for p in renamed.json()["patches"]] == ids[::-1]

    _auth(api, accounts.other_token)
    assert api.patch(url, {"name": "mine"}, format="json").status_code == 403
    assert api.delete(url).status_code == 403
    api.credentials()
    assert api.get(url).json()["name"] == "later"  # public now
    _auth(api, accounts.maintainer_token)
    assert api.delete(url).status_code == 204
    assert not Bundle.objects.exists()


def test_private_bundles_are_hidden(api, accounts):
    _auth(api, accounts.maintainer_token)
    url = api.post("/api/bundles/", {"name": "secret", "patches": [patch_id(V1_PATCH1)]}).json()[
        "url"
    ]
    api.credentials()
    assert api.get(url).status_code == 404
    assert api.get("/api/bundles/").json() == []
