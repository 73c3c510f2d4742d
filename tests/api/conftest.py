"""Fixtures for the API: the toy RTC archive (v1 with replies, then v2) and accounts."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests.conftest import SAMPLE

TOY_MBOX = SAMPLE / "toy-rtc-series.mbox"
V1_PATCH1 = "20261102090000.2-ada@example.org"
V1_PATCH2 = "20261102090000.3-ada@example.org"
V2_PATCH2 = "20261105100000.3-ada@example.org"


@dataclass
class Accounts:
    maintainer: object
    maintainer_token: str
    other: object
    other_token: str
    submitter: object
    submitter_token: str


@pytest.fixture
def toy(db):
    """The toy archive ingested; returns its Project."""
    from archive.ingest import ingest
    from archive.sources import iter_source
    from reviews.models import Project

    ingest(iter_source(str(TOY_MBOX)), workers=1)
    return Project.objects.get()


@pytest.fixture
def accounts(toy) -> Accounts:
    from django.contrib.auth import get_user_model
    from rest_framework.authtoken.models import Token

    from reviews.services import add_maintainer

    users = get_user_model().objects
    maintainer = users.create_user("carol", "carol@example.org", "pw-carol-123")
    add_maintainer(toy, maintainer)
    other = users.create_user("mallory", "mallory@example.org", "pw-mallory-123")
    submitter = users.create_user("ada", "ada@example.org", "pw-ada-123")
    return Accounts(
        maintainer, Token.objects.create(user=maintainer).key,
        other, Token.objects.create(user=other).key,
        submitter, Token.objects.create(user=submitter).key,
    )  # fmt: skip


@pytest.fixture
def api():
    from rest_framework.test import APIClient

    return APIClient()


def patch_id(msgid: str) -> int:
    from reviews.models import Patch

    return Patch.objects.get(message__msgid=msgid).id
