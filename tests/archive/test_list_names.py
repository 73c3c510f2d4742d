# SPDX-License-Identifier: AGPL-3.0-or-later
"""A List-Id cannot name a list after a route: ``<api.example.org>`` is ``api-2``, not ``api``."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import resolve

from archive.lists import reserved_names
from archive.models import MailingList
from tests.conftest import DATA

RESERVED_MAIL = DATA / "ingest" / "list-id-reserved-names.mbox"


def test_reserved_names_come_from_the_urlconf() -> None:
    names = reserved_names()
    assert {"all", "admin", "api", "static", "search", "project", "accounts", "user"} <= names
    # Each starts routes of its own, which a list of that name would lose to.
    routed = {"/api/": "api-index", "/search/": "archive:search", "/person/1/": "person",
              "/project/x/list/": "patch-list", "/admin/": "admin:index"}  # fmt: skip
    for url, view_name in routed.items():
        assert resolve(url).view_name == view_name, url
        assert url.split("/")[1] in names
    assert not {"linux-mm", "lkml", "toy-rtc"} & names


@pytest.mark.django_db
def test_a_list_id_that_names_a_route_gets_another_name(ingest_file) -> None:
    summary = ingest_file(RESERVED_MAIL)
    assert (summary.new, summary.quarantined) == (6, 0)
    names = dict(MailingList.objects.values_list("list_id", "name"))
    assert names == {
        f"{n}.lists.example.org": f"{n}-2"
        for n in ("all", "admin", "api", "static", "search", "project")
    }
    client = Client()
    page = client.get("/api-2/")
    assert page.status_code == 200 and "a mail to the api list" in page.content.decode()
    assert client.get("/api/").headers["Content-Type"].startswith("application/json")
    message = client.get("/admin-2/reserved-admin@example.org/")
    assert message.status_code == 200
