"""The Patchwork API lists a person once, whatever address their mail came from (#19).

git-pw and pwclient find people with ``people/?q=`` and filter patches with
``submitter=`` (an id or an address): both must reach every address.
"""

from __future__ import annotations

import pytest

from tests.conftest import DATA

pytestmark = pytest.mark.django_db

BOOTLIN = "alexandre.belloni@bootlin.com"
FREE = "alexandre.belloni@free-electrons.com"
HIS = {"rtc: pcf8523: fix offset", "rtc: ds1307: fix alarm"}


@pytest.fixture
def merged(ingest_file):
    from archive.models import Person
    from archive.people import merge_people

    ingest_file(DATA / "people" / "two-addresses.mbox")
    bootlin, free = Person.objects.get(email=BOOTLIN), Person.objects.get(email=FREE)
    merge_people(bootlin, [free], origin="mailmap")
    return bootlin, free


def test_people_list_one_row_found_by_any_address(api, merged) -> None:
    bootlin, free = merged
    everyone = api.get("/api/1.2/people/", {"project": ""}).json()
    emails = [p["email"] for p in everyone]
    assert BOOTLIN in emails and FREE not in emails
    found = api.get("/api/1.2/people/", {"q": "free-electrons", "project": "linux-rtc"}).json()
    assert [(p["id"], p["email"]) for p in found] == [(bootlin.id, BOOTLIN)]
    # Several words: each may match another of the person's addresses.
    assert len(api.get("/api/people/", {"q": "bootlin free-electrons"}).json()) == 1
    # The merged address's own URL answers as the person.
    detail = api.get(f"/api/1.2/people/{free.id}/").json()
    assert (detail["id"], detail["email"], detail["user"]) == (bootlin.id, BOOTLIN, None)


@pytest.mark.parametrize("key", ["id", "email"])
@pytest.mark.parametrize("which", [BOOTLIN, FREE])
def test_submitter_filter_reaches_every_address(api, merged, key, which) -> None:
    person = merged[0] if which == BOOTLIN else merged[1]
    value = str(person.id) if key == "id" else which.upper()
    for resource in ("patches", "series"):
        rows = api.get(f"/api/1.3/{resource}/", {"submitter": value}).json()
        assert {r["submitter"]["email"] for r in rows} == {BOOTLIN}, resource
        if resource == "patches":
            assert {r["name"] for r in rows} == HIS


def test_submitter_fields_show_the_person(api, merged) -> None:
    bootlin, _ = merged
    patches = api.get("/api/patches/", {"per_page": 100}).json()
    old = next(p for p in patches if p["name"] == "rtc: ds1307: fix alarm")
    assert old["submitter"] == {
        "id": bootlin.id,
        "url": f"http://testserver/api/people/{bootlin.id}/",
        "name": "Alexandre Belloni",
        "email": BOOTLIN,
    }
    detail = api.get(f"/api/patches/{old['id']}/").json()
    assert detail["submitter"]["id"] == bootlin.id
    other = next(p for p in patches if p["name"] == "rtc: m41t80: fix century")
    comments = api.get(f"/api/patches/{other['id']}/comments/").json()
    assert [c["submitter"]["email"] for c in comments] == [BOOTLIN]  # the Acked-by reply


def test_people_and_patch_lists_cost_the_same_with_merges(
    api, merged, django_assert_max_num_queries
) -> None:
    for url in ("/api/people/", "/api/patches/", "/api/series/", "/api/covers/"):
        params = {"submitter": FREE} if url != "/api/people/" else {}
        with django_assert_max_num_queries(6):
            assert api.get(url, params).status_code == 200
