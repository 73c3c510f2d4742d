"""Fixtures for the maintainer workflow: the seed patch, the toy series, and accounts."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests.conftest import SAMPLE
from tests.ui.conftest import (
    SEED_MSGID,
    SEED_URL,
    ingest_seed,
    make_patches,  # noqa: F401  (a fixture for test_queries)
)

__all__ = ["SEED_MSGID", "SEED_URL"]

PASSWORD = "correct horse battery staple"


@dataclass
class Accounts:
    maintainer: object
    other: object
    submitter: object
    admin: object


def make_accounts(project) -> Accounts:
    from django.contrib.auth import get_user_model

    users = get_user_model().objects
    maintainer = users.create_user("maint", "maint@example.org", PASSWORD)
    project.maintainers.add(maintainer)
    return Accounts(
        maintainer=maintainer,
        other=users.create_user("other", "other@example.org", PASSWORD),
        # The seed patch's author: may change its state, nothing else.
        submitter=users.create_user("hch", "HCH@lst.de", PASSWORD),
        admin=users.create_superuser("root", "root@example.org", PASSWORD),
    )


@pytest.fixture
def seed(db) -> None:
    ingest_seed()


@pytest.fixture
def project(seed):
    from reviews.models import Project

    return Project.objects.get(link_name="linux-mm")


@pytest.fixture
def accounts(project) -> Accounts:
    return make_accounts(project)


@pytest.fixture
def seed_patch(seed):
    from reviews.models import Patch

    return Patch.objects.get(message__msgid=SEED_MSGID)


@pytest.fixture
def toy(db):
    """The toy RTC series, v1 and v2; v1 put back to New as if auto-superseding were off."""
    from archive.ingest import ingest
    from archive.sources import iter_source
    from reviews.models import Patch, Project, Series, State

    ingest_seed()
    ingest(iter_source(str(SAMPLE / "toy-rtc-series.mbox")), workers=1)
    project = Project.objects.get(list_id="toy-rtc.lists.example.org")
    v1 = Series.objects.get(project=project, version=1)
    v2 = Series.objects.get(project=project, version=2)
    Patch.objects.filter(series=v1).update(state=State.objects.get(slug="new"))
    return project, v1, v2


def login(client, user) -> None:
    assert client.login(username=user.username, password=PASSWORD)
