# SPDX-License-Identifier: AGPL-3.0-or-later
"""The hostile archive: every string from mail (and from users) is an injection payload."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.conftest import DATA

HOSTILE = DATA / "security"
# Accounts get payloads too: usernames show up in delegate menus, events and bundle URLs.
EVIL_USERNAME = "m\"'><img src=x onerror=alert(71)>"
# No "/": bundle names are path segments (services.check_bundle_name).
EVIL_BUNDLE = "\"><img src=x onerror=alert(73)>'&amp;%"
EVIL_URL = "javascript:alert(72)"
PASSWORD = "hostile-archive-pw-123"


@dataclass
class Hostile:
    project: Any
    mailing_list: Any
    patches: list[Any]
    covers: list[Any]
    series: list[Any]
    messages: list[Any]
    people: list[Any]
    maintainer: Any
    admin: Any
    bundle: Any
    check: Any
    comments: list[Any] = field(default_factory=list)

    @property
    def diff_patch(self) -> Any:
        """The inline patch whose diff adds ``<script>alert(19)</script>.c``."""
        return next(p for p in self.patches if "alert('patch')" in p.name)


def ingest_hostile() -> None:
    import importlib

    from django.apps import apps

    from archive.ingest import ingest
    from archive.sources import iter_source

    # A transactional test's flush removes the data migration's states.
    importlib.import_module("reviews.migrations.0002_default_states").add_states(apps, None)
    for mbox in sorted(HOSTILE.glob("*.mbox")):
        ingest(iter_source(str(mbox)), workers=1)


def build_hostile() -> Hostile:
    """Ingest the hostile mail, then act on it so events, checks and bundles carry payloads."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from archive.models import MailingList, Message, Person
    from reviews import services
    from reviews.models import Check, Comment, Cover, Patch, Project, Series, State

    ingest_hostile()
    users = get_user_model().objects
    project = Project.objects.get()
    maintainer = users.create_user(
        EVIL_USERNAME, "maint@example.org", PASSWORD, first_name="<script>alert(74)</script>"
    )
    services.add_maintainer(project, maintainer)
    admin = users.create_superuser("root", "root@example.org", PASSWORD)
    patches = list(Patch.objects.order_by("id"))
    target = next(p for p in patches if "alert('patch')" in p.name)
    services.update_patch(
        maintainer, target, state=State.objects.get(slug="under-review"), delegate=maintainer,
        commit_ref="\"><script>alert(75)</script>",
    )  # fmt: skip
    services.create_check(
        maintainer, target, state="fail", context="<script>alert(76)</script>",
        target_url="https://ci.example.org/\"><script>alert(77)</script>",
        description="\"><img src=x onerror=alert(78)>",
    )  # fmt: skip
    # Rows written before target URLs were validated: the page must still not link them.
    check = Check.objects.create(
        patch=target, user=maintainer, date=timezone.now(), state="warning",
        context="legacy\"'><b>",
        target_url=EVIL_URL, description="<script>alert(79)</script>",
    )  # fmt: skip
    bundle = services.create_bundle(maintainer, EVIL_BUNDLE, patches[:2], public=True)
    return Hostile(
        project=project,
        mailing_list=MailingList.objects.get(),
        patches=patches,
        covers=list(Cover.objects.order_by("id")),
        series=list(Series.objects.order_by("id")),
        messages=list(Message.objects.filter(is_ghost=False).order_by("id")),
        people=list(Person.objects.order_by("id")),
        maintainer=maintainer,
        admin=admin,
        bundle=bundle,
        check=check,
        comments=list(Comment.objects.order_by("id")),
    )


@pytest.fixture
def hostile(db) -> Hostile:
    return build_hostile()
