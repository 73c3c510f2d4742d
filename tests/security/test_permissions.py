# SPDX-License-Identifier: AGPL-3.0-or-later
"""Who may write what, web forms and REST API alike, and refusals change nothing.

The rules (reviews/services.py, CLIENTS.md, Patchwork's overview): a
project's maintainers and superusers change anything about its patches; the
submitter (an account whose email is the patch author's) changes only the
state of their own patches; delegation rights come from being a maintainer,
so a delegate who is no longer one has none. A bundle is changed by its
owner only, superusers included, and on the web as well as the API (Patchwork
once checked the owner in the API only). Checks are reported by the
project's maintainers and by the accounts it names as check reporters (its
CI bots); any logged-in account makes bundles of its own.

Every row runs one write as one actor against a fresh toy archive and
compares the patch, bundle, event, check and user rows before and after.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from tests.conftest import SAMPLE
from tests.workflow.confirming import confirmation

pytestmark = pytest.mark.django_db

ACTORS = (
    "anonymous", "user", "submitter", "delegate", "ex_maintainer_delegate",
    "other_maintainer", "maintainer", "superuser", "check_reporter",
)  # fmt: skip
# Outcomes: the write happens; it is refused (401/403, or the login page for
# anonymous form posts) and nothing changes; the form is accepted but ignores
# what the actor may not change; the method does not exist (405).
OK, DENIED, NOOP, NO_METHOD = "ok", "denied", "noop", "no-method"


@dataclass
class World:
    patch: Any  # v1 1/2 by ada@example.org, delegated to "delegate"
    other_patch: Any  # v1 2/2, delegated to "ex_maintainer_delegate"
    series: Any
    bundle: Any  # public, owned by "user"
    users: dict[str, Any]
    tokens: dict[str, str]

    @property
    def bundle_url(self) -> str:
        return f"/bundle/{self.bundle.owner.username}/{self.bundle.name}/"


@pytest.fixture
def world(db) -> World:
    from django.contrib.auth import get_user_model
    from rest_framework.authtoken.models import Token

    from archive.ingest import ingest
    from archive.models import MailingList
    from archive.sources import iter_source
    from reviews import services
    from reviews.models import Patch, Project, Series

    ingest(iter_source(str(SAMPLE / "toy-rtc-series.mbox")), workers=1)
    project = Project.objects.get()
    elsewhere = Project.objects.create(
        mailing_list=MailingList.objects.create(list_id="other.example.org", name="other"),
        name="Other", link_name="other", list_id="other.example.org",
    )  # fmt: skip
    make = get_user_model().objects.create_user
    users = {
        "user": make("user", "user@example.org", "pw"),
        "submitter": make("ada", "Ada@Example.org", "pw"),  # email matched case-insensitively
        "delegate": make("dele", "dele@example.org", "pw"),
        "ex_maintainer_delegate": make("ex", "ex@example.org", "pw"),
        "other_maintainer": make("elsewhere", "elsewhere@example.org", "pw"),
        "maintainer": make("carol", "carol@example.org", "pw"),
        "superuser": get_user_model().objects.create_superuser("root", "root@example.org", "pw"),
        "check_reporter": make("ci-bot", "ci@example.org", "pw"),
    }
    project.check_reporters.add(users["check_reporter"])
    for name in ("delegate", "ex_maintainer_delegate", "maintainer"):
        services.add_maintainer(project, users[name])
    services.add_maintainer(elsewhere, users["other_maintainer"])
    series = Series.objects.get(project=project, version=1)
    patch, other_patch = Patch.objects.filter(series=series).order_by("number")
    services.delegate_patch(users["maintainer"], patch, users["delegate"])
    services.delegate_patch(users["maintainer"], other_patch, users["ex_maintainer_delegate"])
    project.maintainers.remove(users["ex_maintainer_delegate"])
    bundle = services.create_bundle(users["user"], "mine", [patch], public=True)
    return World(
        patch=patch, other_patch=other_patch, series=series, bundle=bundle, users=users,
        tokens={k: Token.objects.create(user=u).key for k, u in users.items()},
    )  # fmt: skip


def snapshot() -> tuple:
    """Every row a write could touch."""
    from django.contrib.auth import get_user_model

    from reviews.models import Bundle, BundlePatch, Check, Event, Patch

    return (
        list(Patch.objects.order_by("id").values_list(
            "id", "state_id", "delegate_id", "archived", "commit_ref")),
        list(Bundle.objects.order_by("id").values_list(
            "id", "name", "public", "owner_id", "project_id")),
        list(BundlePatch.objects.order_by("id").values_list("bundle_id", "patch_id", "order")),
        list(Event.objects.order_by("id").values_list("id", flat=True)),
        list(Check.objects.order_by("id").values_list("id", flat=True)),
        list(get_user_model().objects.order_by("id").values_list(
            "id", "username", "first_name", "email", "is_staff", "is_superuser")),
    )  # fmt: skip


# --- the writes ------------------------------------------------------------------

Write = Callable[[World, Any], Any]


def _form(w: World, **extra: Any) -> dict[str, Any]:
    """The patch form as the page fills it: the current state, plus ``extra``."""
    return {"state": w.patch.state.slug, **extra}


def _confirmed(client: Any, url: str, data: dict[str, Any]) -> Any:
    """Post a form that asks for confirmation, then its confirmation, as a person does.

    A refusal (or a login redirect) on the first post is the answer itself.
    """
    first = client.post(url, data)
    if first.status_code != 200:
        return first
    _question, fields = confirmation(first)
    posted: dict[str, list[str]] = {}
    for key, value in fields:
        posted.setdefault(key, []).append(value)
    return client.post(url, posted)


WEB: dict[str, Write] = {
    "state": lambda w, c: c.post(f"/patch/{w.patch.id}/update/", {"state": "accepted"}),
    "delegate": lambda w, c: c.post(f"/patch/{w.patch.id}/update/",
                                    _form(w, delegate=w.users["maintainer"].pk)),
    "archive": lambda w, c: c.post(f"/patch/{w.patch.id}/update/", _form(w, archived="on")),
    "commit-ref": lambda w, c: c.post(f"/patch/{w.patch.id}/update/",
                                      _form(w, commit_ref="0123abcd")),
    # Changes of many patches ask first (#17): the confirmation's post makes them.
    "series-state": lambda w, c: _confirmed(c, f"/series/{w.series.id}/state/",
                                            {"state": "accepted"}),
    "bulk-state": lambda w, c: _confirmed(
        c, "/project/toy-rtc/list/bulk/", {"patch": [w.patch.id, w.other_patch.id],
                                           "state": "rejected"}),
    "bulk-archive": lambda w, c: _confirmed(
        c, "/project/toy-rtc/list/bulk/", {"patch": [w.patch.id], "archived": "yes"}),
    "bundle-create": lambda w, c: c.post(
        "/bundles/add/", {"patch": [w.patch.id], "name": "new-one"}),
    "bundle-add": lambda w, c: c.post(
        "/bundles/add/", {"patch": [w.other_patch.id], "bundle": w.bundle.pk}),
    "bundle-remove": lambda w, c: c.post(f"{w.bundle_url}remove/", {"patch": w.patch.id}),
    "bundle-private": lambda w, c: c.post(f"{w.bundle_url}update/", {"public": "no"}),
    "bundle-delete": lambda w, c: c.post(f"{w.bundle_url}delete/"),
}  # fmt: skip

API: dict[str, Write] = {
    "state": lambda w, c: c.patch(f"/api/patches/{w.patch.id}/", {"state": "accepted"}),
    "delegate": lambda w, c: c.patch(f"/api/patches/{w.patch.id}/",
                                     {"delegate": w.users["maintainer"].pk}),
    "archive": lambda w, c: c.patch(f"/api/patches/{w.patch.id}/", {"archived": "true"}),
    "commit-ref": lambda w, c: c.patch(f"/api/patches/{w.patch.id}/", {"commit_ref": "0123abcd"}),
    "check": lambda w, c: c.post(f"/api/patches/{w.patch.id}/checks/",
                                 {"state": "success", "context": "ci"}),
    "bundle-create": lambda w, c: c.post("/api/bundles/", {"name": "api", "patches": [w.patch.id]}),
    "bundle-private": lambda w, c: c.patch(f"/api/1.2/bundles/{w.bundle.id}/", {"public": "no"}),
    "bundle-patches": lambda w, c: c.patch(f"/api/bundles/{w.bundle.id}/",
                                           {"patches": [w.other_patch.id]}),
    "bundle-delete": lambda w, c: c.delete(f"/api/bundles/{w.bundle.id}/"),
    "user-update": lambda w, c: c.patch(f"/api/users/{w.users['user'].id}/",
                                        {"first_name": "Mallory"}),
}  # fmt: skip

# Expected outcome per actor, in ACTORS order.
_MAINTAINERS = (DENIED, DENIED, DENIED, OK, DENIED, DENIED, OK, OK, DENIED)
_STATE = (DENIED, DENIED, OK, OK, DENIED, DENIED, OK, OK, DENIED)
# The submitter's web form is the state form: other fields are ignored.
_WEB_MAINTAINERS = (DENIED, DENIED, NOOP, OK, DENIED, DENIED, OK, OK, DENIED)
_ANY_ACCOUNT = (DENIED, OK, OK, OK, OK, OK, OK, OK, OK)
_OWNER = (DENIED, OK, DENIED, DENIED, DENIED, DENIED, DENIED, DENIED, DENIED)
# The web form offers only the user's own bundles: another's is an invalid choice.
_WEB_OWNER_CHOICE = (DENIED, OK, NOOP, NOOP, NOOP, NOOP, NOOP, NOOP, NOOP)
# Maintainers of the patch's project, and the accounts it names as check reporters.
_CHECKS = (DENIED, DENIED, DENIED, OK, DENIED, DENIED, OK, OK, OK)

MATRIX: dict[tuple[str, str], tuple[str, ...]] = {
    ("web", "state"): _STATE,
    ("web", "delegate"): _WEB_MAINTAINERS,
    ("web", "archive"): _WEB_MAINTAINERS,
    ("web", "commit-ref"): _WEB_MAINTAINERS,
    # Both v1 patches are ada's; other_patch's delegate is no longer a maintainer.
    ("web", "series-state"): _STATE,
    ("web", "bulk-state"): _STATE,
    ("web", "bulk-archive"): _MAINTAINERS,
    ("web", "bundle-create"): _ANY_ACCOUNT,
    ("web", "bundle-add"): _WEB_OWNER_CHOICE,
    ("web", "bundle-remove"): _OWNER,
    ("web", "bundle-private"): _OWNER,
    ("web", "bundle-delete"): _OWNER,
    ("api", "state"): _STATE,
    ("api", "delegate"): _MAINTAINERS,
    ("api", "archive"): _MAINTAINERS,
    ("api", "commit-ref"): _MAINTAINERS,
    ("api", "check"): _CHECKS,
    ("api", "bundle-create"): _ANY_ACCOUNT,
    ("api", "bundle-private"): _OWNER,
    ("api", "bundle-patches"): _OWNER,
    ("api", "bundle-delete"): _OWNER,
    # users/N/ is read-only: nobody edits accounts through the API.
    ("api", "user-update"): (DENIED, *(NO_METHOD,) * 8),
}
CASES = [
    pytest.param(channel, action, actor, outcome, id=f"{channel}-{action}-{actor}")
    for (channel, action), outcomes in MATRIX.items()
    for actor, outcome in zip(ACTORS, outcomes, strict=True)
]


def test_matrix_covers_every_write() -> None:
    assert set(MATRIX) == {("web", a) for a in WEB} | {("api", a) for a in API}


def _client(channel: str, w: World, actor: str) -> Any:
    from django.test import Client
    from rest_framework.test import APIClient

    if channel == "web":
        client = Client()
        if actor != "anonymous":
            client.force_login(w.users[actor])
        return client
    client = APIClient()
    if actor != "anonymous":
        client.credentials(HTTP_AUTHORIZATION=f"Token {w.tokens[actor]}")
    return client


def _status_matches(channel: str, actor: str, outcome: str, response: Any) -> bool:
    code = response.status_code
    if outcome == OK:
        return code in (302,) if channel == "web" else code in (200, 201, 204)
    if outcome == NOOP:
        return code == 302 and "/accounts/login/" not in response["Location"]
    if outcome == NO_METHOD:
        return code == 405
    if actor == "anonymous":
        if channel == "web":
            return code == 302 and response["Location"].startswith("/accounts/login/")
        return code == 401
    return code == 403


@pytest.mark.parametrize(("channel", "action", "actor", "outcome"), CASES)
def test_write_permissions(world: World, channel: str, action: str, actor: str,
                           outcome: str) -> None:  # fmt: skip
    write = (WEB if channel == "web" else API)[action]
    before = snapshot()
    response = write(world, _client(channel, world, actor))
    after = snapshot()
    assert _status_matches(channel, actor, outcome, response), (
        response.status_code,
        response.get("Location"),
        response.content[:300],
    )
    if outcome == OK:
        assert after != before, "the write was accepted but changed nothing"
    else:
        assert after == before, "a refused write changed something"


def test_a_check_reporter_of_another_project_reports_nothing_here(world: World) -> None:
    from reviews.models import Project

    bot = world.users["check_reporter"]
    world.patch.project.check_reporters.remove(bot)
    Project.objects.get(link_name="other").check_reporters.add(bot)
    before = snapshot()
    response = API["check"](world, _client("api", world, "check_reporter"))
    assert response.status_code == 403, response.content
    assert snapshot() == before
