# SPDX-License-Identifier: AGPL-3.0-or-later
"""An import leaves the search indexes merged; mail piped in one at a time keeps the defaults.

Bulk batches let the GIN pending lists grow (archive.services.BULK_BATCH),
which keeps ingest from slowing as the archive grows; searches read pending
entries one by one, so an import merges them before it returns; one that
was most of the archive rebuilds them instead, packed.
"""

from __future__ import annotations

from email.message import EmailMessage

import pytest
from django.db import IntegrityError, connection

from archive.ingest import ingest
from archive.services import BULK_BATCH
from archive.sources import RawMail


def _mail(number: int) -> RawMail:
    msg = EmailMessage()
    msg["From"] = f"Dev {number} <dev{number}@example.org>"
    msg["To"] = "list@example.org"
    msg["Subject"] = f"[PATCH] rtc: fix alarm number {number}"
    msg["Message-ID"] = f"<pending-{number}@example.org>"
    msg["Date"] = "Sun, 06 Dec 2026 05:00:00 +0000"
    msg["List-Id"] = "<linux-rtc.vger.kernel.org>"
    msg.set_content(f"The alarm of board {number} fires late.\n\nSigned-off-by: Dev <dev@x.org>\n")
    return RawMail(msg.as_bytes(), f"test {number}")


def _pending_left() -> int:
    """Pending pages still to merge in the body index (merging them to find out)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT gin_clean_pending_list('message_search_gin')")
        return cursor.fetchone()[0]


@pytest.mark.django_db
def test_an_import_leaves_no_pending_search_entries() -> None:
    summary = ingest([_mail(n) for n in range(BULK_BATCH)], workers=1)
    assert summary.new == BULK_BATCH
    assert _pending_left() == 0
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM archive_message WHERE search @@ 'alarm'::tsquery")
        assert cursor.fetchone()[0] == BULK_BATCH


@pytest.mark.django_db
def test_a_few_mails_are_left_to_autovacuum() -> None:
    # Below an import's size nothing is merged by ingest: a mail piped in by an
    # MTA must not pay for merging what others left pending.
    summary = ingest([_mail(n) for n in range(3)], workers=1)
    assert summary.new == 3
    assert _pending_left() > 0


def _filenode() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_relation_filenode('message_search_gin')")
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_an_import_of_most_of_the_archive_rebuilds_the_index_and_a_small_one_merges() -> None:
    # Merging an import's pending lists leaves the body index about two and a
    # half times its packed size; an import that is most of the archive pays
    # for a rebuild (concurrently: outside a transaction), a smaller one does not.
    before = _filenode()
    first = ingest([_mail(n) for n in range(2 * BULK_BATCH)], workers=1)
    assert first.new == 2 * BULK_BATCH
    rebuilt = _filenode()
    assert rebuilt != before
    second = ingest([_mail(n) for n in range(2 * BULK_BATCH, 3 * BULK_BATCH)], workers=1)
    assert second.new == BULK_BATCH  # a third of the archive then: merged, not rebuilt
    assert _filenode() == rebuilt
    assert _pending_left() == 0
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indisvalid FROM pg_index WHERE indexrelid = 'message_search_gin'::regclass"
        )
        assert cursor.fetchone() == (True,)
        cursor.execute("SELECT count(*) FROM archive_message WHERE search @@ 'alarm'::tsquery")
        assert cursor.fetchone()[0] == 3 * BULK_BATCH


@pytest.mark.django_db(transaction=True)
def test_a_rebuild_drops_what_an_interrupted_one_left() -> None:
    # A concurrent rebuild stopped half way leaves an invalid "_ccnew" index
    # that every insert still updates; the next rebuild drops it. A failed
    # concurrent build leaves one the same way.
    ingest([_mail(n) for n in range(BULK_BATCH)], workers=1)
    with connection.cursor() as cursor, pytest.raises(IntegrityError):
        cursor.execute(
            "CREATE UNIQUE INDEX CONCURRENTLY message_search_gin_ccnew "
            "ON archive_message (is_ghost)"
        )
    ingest([_mail(n) for n in range(BULK_BATCH, 3 * BULK_BATCH)], workers=1)
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('message_search_gin_ccnew')")
        assert cursor.fetchone() == (None,)


@pytest.mark.django_db
def test_an_import_times_its_end_within_its_own_time() -> None:
    # The growth bench reports the import's one-off end apart from its copies (#21).
    summary = ingest([_mail(n) for n in range(BULK_BATCH)], workers=1)
    assert summary.new == BULK_BATCH
    assert 0 < summary.settle_seconds < summary.seconds


@pytest.mark.django_db
def test_a_few_mails_have_no_end_to_time() -> None:
    summary = ingest([_mail(n) for n in range(3)], workers=1)
    assert summary.new == 3
    assert summary.settle_seconds == 0.0
