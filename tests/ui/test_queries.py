"""Every page issues a fixed number of queries, for 10 rows as for 1,000."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("n", [10, 1000])
def test_patch_list_queries(client, make_patches, django_assert_max_num_queries, n):
    make_patches(n)
    # Once first: the project's and the rows' statements are prepared once per
    # connection (archive/prepared.py), not counted per page.
    assert client.get("/project/test/list/?page=2").status_code == 200
    for query in ["", "?state=*", "?state=*&order=submitter&page=2", "?submitter=1&delegate=1"]:
        # project, count, the page's ids, then its rows with their submitters,
        # delegates and series, the delegate choices and states in one
        # statement (reviews/pages/listextras.py); the filtered submitter
        with django_assert_max_num_queries(5):
            assert client.get(f"/project/test/list/{query}").status_code == 200


@pytest.mark.parametrize("n", [10, 1000])
def test_patch_and_series_page_queries(client, make_patches, django_assert_max_num_queries, n):
    patches = make_patches(n)
    series = patches[0].series
    # Another patch first: the written-out statements are prepared once per
    # connection (archive/prepared.py), not counted per page.
    assert client.get("/project/test/patch/p2%2Fx@example.org/").status_code == 200
    # patch, its submitter/delegate/series with cover, trailers, discussion,
    # series patches, revisions
    with django_assert_max_num_queries(9):
        html = client.get("/project/test/patch/p3%2Fx@example.org/").content.decode()
    assert html.count('class="current"') == 1
    with django_assert_max_num_queries(5):  # series, discussion, trailers, patches, revisions
        assert client.get(f"/project/test/series/{series.id}/").status_code == 200


@pytest.mark.parametrize("n", [10, 1000])
def test_home_and_person_queries(client, make_patches, django_assert_max_num_queries, n):
    from archive.models import Person

    make_patches(n)
    # The first use of the key statement on a connection also sends its PREPARE,
    # not counted (a running worker's are made).
    for most, why in ((2, "the key, then the counts"), (1, "unchanged archive: the key only")):
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/").status_code == 200
        sent = [q["sql"] for q in queries.captured_queries if not q["sql"].startswith("PREPARE ")]
        assert len(sent) <= most, (why, sent)
    for person in Person.objects.all():
        # person, their addresses with mail counts, patches counted and one page
        # (+ submitter, delegate, series), trailers counted and one page, their
        # targets (2)
        with django_assert_max_num_queries(11):
            assert client.get(f"/person/{person.id}/").status_code == 200


def test_warm_up_prepares_the_home_pages_key(client, make_patches):
    """After a worker's warm-up the home page's key is read without a PREPARE."""
    from archive.prepared import forget_all
    from reviews.warmup import warm_lists

    make_patches(3)
    forget_all(connection)
    warm_lists()
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/").status_code == 200
    sent = [q["sql"] for q in queries.captured_queries]
    assert "EXECUTE threadwork_home_key" in sent
    assert not [s for s in sent if s.startswith("PREPARE ")]
