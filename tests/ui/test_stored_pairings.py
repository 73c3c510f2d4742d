"""Revisions paired at ingest (reviews.pairmemo): stored once, read by the pages."""

from __future__ import annotations

import pytest

from tests.ui.test_revision_pages import BASE, REVISIONS

pytestmark = pytest.mark.django_db

THREE = ("v1", "v2", "v2-resend")


def _ingest(ingest_file, *names: str) -> None:
    for name in names:
        ingest_file(REVISIONS / f"demo-rtc.{name}.mbox")


def _cold(client, url: str) -> str:
    from django.core.cache import cache

    cache.clear()
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_ingest_pairs_every_two_revisions_both_ways(ingest_file):
    from reviews.models import RevisionPairing, Series
    from reviews.pages.revisions import lineage
    from reviews.pairmemo import pair_fully, pairing_key

    _ingest(ingest_file, *THREE)
    line = lineage(Series.objects.get(version=2, cover__message__msgid="demo-v2-0@example.org")
                   .revisions())  # fmt: skip
    ids = [s.id for s in line.revisions]
    assert len(ids) == 3
    keys = {pairing_key(line.patches[a], line.patches[b]) for a in ids for b in ids if a != b}
    stored = dict(RevisionPairing.objects.values_list("key", "pairs"))
    assert keys <= set(stored)
    # v1 -> v2 as stored is the pairing computed now: 1/3 the same, 2/3 changed,
    # 3/3 new, v1's 3/3 dropped.
    v1, v2 = ids[0], ids[1]
    computed = pair_fully(line.patches[v1], line.patches[v2])
    as_stored = stored[pairing_key(line.patches[v1], line.patches[v2])]
    assert as_stored == [[p.old, p.new, p.kind.value] for p in computed]
    assert sorted(p.kind.value for p in computed) == ["added", "changed", "dropped", "unchanged"]


def test_the_page_reads_stored_pairings_and_is_the_same_without_them(client, ingest_file):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from reviews.models import RevisionPairing

    _ingest(ingest_file, *THREE)
    # 3/3 is new in v2: paired live, v1's diffs would be read to look for a similar one.
    url = f"{BASE}/patch/demo-rv2-3@example.org/"
    with CaptureQueriesContext(connection) as queries:
        stored = _cold(client, url)
    sql = [q["sql"] for q in queries.captured_queries]
    assert any("threadwork_pairings" in q for q in sql)
    assert not any('"reviews_patch"."diff"' in q and '"reviews_patch"."id" IN' in q for q in sql)
    RevisionPairing.objects.all().delete()  # as for revisions linked after their ingest
    assert _cold(client, url) == stored


def test_page_queries_do_not_grow_with_revisions(client, ingest_file):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _ingest(ingest_file, "v1", "v2")
    # Once first: statements are prepared on a connection's first view of a patch
    # page (the same for both counts, whichever test ran before on this connection).
    _cold(client, f"{BASE}/patch/demo-v2-2@example.org/")
    with CaptureQueriesContext(connection) as two:
        _cold(client, f"{BASE}/patch/demo-v2-2@example.org/")
    _ingest(ingest_file, "v2-resend")
    with CaptureQueriesContext(connection) as three:
        _cold(client, f"{BASE}/patch/demo-rv2-2@example.org/")
    assert len(three.captured_queries) == len(two.captured_queries)


def test_a_failed_page_cache_costs_the_cache_not_the_mail(client, ingest_file, monkeypatch, caplog):
    """The caches are stored after the batch's commit (reviews.ingest.PageCaches): one
    that fails there is logged and the page makes it live; the mail and review stay."""
    from archive.models import Message, QuarantinedMail
    from reviews import pairmemo
    from reviews.models import Patch, RevisionPairing

    def broken(series_ids):
        raise RuntimeError("pairing store broken for this test")

    monkeypatch.setattr(pairmemo, "store_pairings", broken)
    with caplog.at_level("ERROR", logger="archive.services"):
        _ingest(ingest_file, *THREE)
    assert "after-commit step failed" in caplog.text
    assert "pairing store broken" in caplog.text
    assert not QuarantinedMail.objects.exists()
    assert Message.objects.filter(msgid="demo-rv2-3@example.org").exists()
    assert Patch.objects.filter(message__msgid="demo-rv2-3@example.org").exists()
    assert not RevisionPairing.objects.exists()  # six when stored (the test above)
    assert "3/3" in _cold(client, f"{BASE}/patch/demo-rv2-3@example.org/")


def test_a_page_cache_that_loses_the_database_is_a_sentence_not_a_traceback(
    ingest_file, monkeypatch, caplog
):
    """A database gone during the caches' step stops the ingest at its next statement,
    which says so; the step's own line has no traceback (tests/faults covers the rest)."""
    from django.db import OperationalError

    from reviews import pairmemo

    def unreachable(series_ids):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(pairmemo, "store_pairings", unreachable)
    with caplog.at_level("WARNING", logger="archive.services"):
        _ingest(ingest_file, *THREE)
    records = [r for r in caplog.records if "after-commit step" in r.getMessage()]
    assert records  # one a batch that paired revisions
    for record in records:
        assert "could not reach the database" in record.getMessage()
        assert "server closed the connection" in record.getMessage()
        assert record.exc_info is None
