# SPDX-License-Identifier: AGPL-3.0-or-later
"""archive.msgids: one quoting of a Message-ID for every URL, both apps', round-tripped."""

from __future__ import annotations

from urllib.parse import unquote

import pytest
from django.test import Client

from archive.msgids import msgid_path
from reviews import links
from reviews.models import Patch
from tests.conftest import DATA

MBOX = DATA / "msgids" / "reserved-characters.mbox"
PATCH = "v2+fix=1/3%20a@example.org"
REPLY = "re+ply=1@example.org"
LIST = "linux-mm"  # the short name of List-Id linux-mm.kvack.org


@pytest.mark.parametrize(
    ("msgid", "path"),
    [
        (PATCH, "v2+fix=1%2F3%2520a@example.org"),
        ("a b?c#d@x", "a%20b%3Fc%23d@x"),
        ("ünï@x", "%C3%BCn%C3%AF@x"),
        ("!$&'()*,;:~-._@x", "!$&'()*,;:~-._@x"),
    ],
)
def test_one_path_segment_that_decodes_back(msgid: str, path: str) -> None:
    assert msgid_path(msgid) == path
    assert unquote(msgid_path(msgid)) == msgid


def test_review_links_quote_as_the_archive_does() -> None:
    assert links.message_url("l", PATCH) == f"/l/{msgid_path(PATCH)}/"
    assert links.patch_url("p", PATCH) == f"/project/p/patch/{msgid_path(PATCH)}/"
    assert links.cover_url("p", PATCH) == f"/project/p/cover/{msgid_path(PATCH)}/"


@pytest.mark.django_db
def test_every_page_is_reached_through_its_quoted_message_id(ingest_file) -> None:
    ingest_file(MBOX)
    client = Client(HTTP_HOST="127.0.0.1")
    project = Patch.objects.filter(message__msgid=PATCH).values_list("project__link_name")
    (link_name,) = project.get()
    archive_url = links.message_url(LIST, PATCH)
    for url in (
        archive_url,
        f"{archive_url}raw",
        f"/all/{msgid_path(PATCH)}/",
        links.patch_url(link_name, PATCH),
        links.patch_raw_url(link_name, PATCH),
        links.patch_mbox_url(link_name, PATCH),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
    raw = client.get(f"{archive_url}raw").content
    assert f"Message-ID: <{PATCH}>".encode() in raw

    # The links a page shows lead back to the same pages.
    reply_page = client.get(links.message_url(LIST, REPLY)).content.decode()
    assert f'href="{archive_url}"' in reply_page  # the parent link
    patch_page = client.get(archive_url).content.decode()
    assert f'href="{links.message_url(LIST, REPLY)}"' in patch_page  # a reply link
