"""Which earlier revision a patch's review is carried from, and what that costs."""

from __future__ import annotations

import pytest

from tests.ui.test_revision_pages import BASE, REVISIONS

pytestmark = pytest.mark.django_db

RESENT_ALARM = "demo-rv2-2@example.org"


def _ingest(ingest_file, *names: str) -> None:
    for name in names:
        ingest_file(REVISIONS / f"demo-rtc.{name}.mbox")


def test_a_trailer_alone_is_review_given(client, ingest_file):
    # v1's 2/3 was answered on its lines; v2's 2/3 got only a Tested-by. The
    # RESEND carries the latest review, v2's, not v1's answers.
    _ingest(ingest_file, "v1", "v2", "v2-acked", "v2-resend")
    html = client.get(f"{BASE}/patch/{RESENT_ALARM}/").content.decode()
    assert "Carried from v2" in html and "Tess Tester" in html
    assert 'id="carried-h"' not in html  # v2 was given no answers on its lines
    assert "Ann Acker" not in html  # v1's Acked-by: an older review


def test_without_the_trailer_the_answered_revision_is_carried(client, ingest_file):
    _ingest(ingest_file, "v1", "v2", "v2-resend")
    html = client.get(f"{BASE}/patch/{RESENT_ALARM}/").content.decode()
    assert 'id="carried-h"' in html and "Given on v1, not applied" in html


@pytest.mark.parametrize("names", [("v1", "v2"), ("v1", "v2", "v2-acked", "v2-resend")])
def test_carried_review_queries_do_not_grow_with_revisions(names, ingest_file):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from reviews.models import Patch
    from reviews.pages.carried import carried_review
    from reviews.pages.common import revisions
    from reviews.pages.patch import _revision_links

    _ingest(ingest_file, *names)
    # With its texts, as the patch page reads it (reviews.pages.patch).
    patch = (
        Patch.objects.select_related("series", "project")
        .with_texts()
        .filter(number=2)
        .latest("date")
    )
    links = _revision_links(patch, revisions(patch.series))
    assert len(links) == len(names) - ("v2-acked" in names)
    with CaptureQueriesContext(connection) as queries:
        assert carried_review(patch, links, "linux-rtc") is not None
    # The revision to carry from, its answered replies, its trailers: however many revisions.
    # (Each is a prepared statement: the first run on a connection also sends its
    # PREPARE, which depends on what ran before on it, so those are not counted.)
    sent = [q["sql"] for q in queries.captured_queries if not q["sql"].startswith("PREPARE ")]
    assert len(sent) == 3, sent
