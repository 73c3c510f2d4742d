"""Pages list a person once, whatever address their mail came from (#19)."""

from __future__ import annotations

import re

import pytest

from tests.conftest import DATA

pytestmark = pytest.mark.django_db

PEOPLE = DATA / "people"
BOOTLIN = "alexandre.belloni@bootlin.com"
FREE = "alexandre.belloni@free-electrons.com"


@pytest.fixture
def merged(ingest_file):
    from archive.models import Person
    from archive.people import merge_people

    ingest_file(PEOPLE / "two-addresses.mbox")
    bootlin, free = Person.objects.get(email=BOOTLIN), Person.objects.get(email=FREE)
    merge_people(bootlin, [free], origin="mailmap")
    return bootlin, free


def _patch_names(html: str) -> set[str]:
    """Names of the patch rows on a page."""
    return set(re.findall(r'<td class="name"><a href="[^"]*"><bdi>([^<]*)</bdi>', html))


def test_person_page_lists_every_address_and_an_alias_redirects(client, merged) -> None:
    bootlin, free = merged
    response = client.get(f"/person/{free.id}/?patches=1")
    assert response.status_code == 302
    assert response["Location"] == f"/person/{bootlin.id}/?patches=1"

    html = client.get(f"/person/{bootlin.id}/").content.decode()
    assert BOOTLIN in html and FREE in html
    assert re.search(r"Addresses <span class=\"count\">2</span>", html)
    assert _patch_names(html) == {
        "rtc: pcf8523: fix offset",
        "rtc: ds1307: fix alarm",
    }
    # Reviews given from either address: the Acked-by came from free-electrons.
    assert re.search(r"Reviews given <span class=\"count\">1</span>", html)
    assert "rtc: m41t80: fix century" in html
    # One search for mail from all of them.
    query = "f%3Aalexandre.belloni%40bootlin.com+OR+f%3Aalexandre.belloni%40free-electrons.com"
    assert query in html


def test_patch_list_shows_and_filters_one_person(client, merged) -> None:
    bootlin, free = merged
    rows = client.get("/project/linux-rtc/list/?state=*").content.decode()
    # Both patches link to the one person's filter, under the one name.
    assert rows.count(f"submitter={bootlin.id}") == 2
    assert f"submitter={free.id}" not in rows
    for who in (bootlin, free):
        html = client.get(f"/project/linux-rtc/list/?state=*&submitter={who.id}").content.decode()
        assert _patch_names(html) == {
            "rtc: pcf8523: fix offset",
            "rtc: ds1307: fix alarm",
        }, who.email
        assert "Submitter: <bdi>Alexandre Belloni</bdi>" in html


def test_patch_and_discussion_link_to_the_person(client, merged) -> None:
    bootlin, _ = merged
    html = client.get("/project/linux-rtc/patch/m41t80-century@example.org/").content.decode()
    # The Acked-by reply came from the free-electrons address.
    assert f'href="/person/{bootlin.id}/"><bdi>Alexandre Belloni</bdi>' in html
    patch = client.get("/project/linux-rtc/patch/ds1307-alarm@free-electrons.com/")
    assert f'by <a href="/person/{bootlin.id}/">' in patch.content.decode()


def test_person_page_paginates_instead_of_cutting_off(client, make_patches) -> None:
    from archive.models import Person
    from archive.people import merge_people
    from reviews.models import Patch

    patches = make_patches(75)
    ann = Person.objects.get(email="ann@example.org")
    old = Person.objects.create(name="Ann Dev", email="ann@old.example.org")
    Patch.objects.filter(id=patches[0].id).update(submitter=old)
    merge_people(ann, [old], origin="admin")

    first = client.get(f"/person/{ann.id}/").content.decode()
    assert re.search(r"Patches submitted <span class=\"count\">75</span>", first)
    assert first.count('class="patch-row') == 50
    assert "Page 1 of 2" in first and "100+" not in first
    second = client.get(f"/person/{ann.id}/?patches=2").content.decode()
    assert second.count('class="patch-row') == 25
    assert "[0/75] Patch 0" in second  # the oldest, from the other address
    reviews = client.get("/person/{}/".format(Person.objects.get(email="rev@example.org").id))
    html = reviews.content.decode()
    assert re.search(r"Reviews given <span class=\"count\">75</span>", html)
    assert html.count("?reviews=2") == 1  # the next page of reviews


def test_person_page_costs_the_same_at_any_size(
    client, make_patches, django_assert_max_num_queries
) -> None:
    from archive.models import Person

    make_patches(120)
    ann = Person.objects.get(email="ann@example.org")
    with django_assert_max_num_queries(11):  # as tests/ui/test_queries.py counts them
        assert client.get(f"/person/{ann.id}/?patches=2").status_code == 200
