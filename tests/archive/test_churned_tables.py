# SPDX-License-Identifier: AGPL-3.0-or-later
"""An import that was most of the archive ends with its churned tables rewritten (#21).

Its batches update patches, series and threads row by row in the
transaction that inserted them, which leaves dead versions and index entries
nobody can clean meanwhile (archive.churned). The rewrite keeps every row as
it was; a smaller import, a transaction and a table someone holds are left.
"""

from __future__ import annotations

import io
import time
from email.message import EmailMessage

import psycopg
import pytest
from django.core.management import call_command
from django.db import connection

from archive import churned
from archive.churned import churned_tables, rewrite_churned_tables
from archive.ingest import ingest
from archive.services import BULK_BATCH
from archive.sources import RawMail

TABLES = ("archive_thread", "reviews_patch", "reviews_series")


def _patch(number: int) -> RawMail:
    """Patch 1/2 and 2/2 of a series each, the first with a reply acking it."""
    series, part = divmod(number, 3)
    msg = EmailMessage()
    msg["From"] = f"Dev {series} <dev{series}@example.org>" if part < 2 else "Rev <r@x.org>"
    msg["To"] = "linux-rtc@vger.kernel.org"
    msg["Date"] = "Sun, 06 Dec 2026 05:00:00 +0000"
    msg["List-Id"] = "<linux-rtc.vger.kernel.org>"
    if part == 2:
        msg["Subject"] = f"Re: [PATCH 1/2] rtc: fix alarm {series}"
        msg["Message-ID"] = f"<churn-{series}-reply@example.org>"
        msg["In-Reply-To"] = f"<churn-{series}-1@example.org>"
        msg["References"] = f"<churn-{series}-1@example.org>"
        msg.set_content("Looks right.\n\nAcked-by: Reviewer <rev@example.org>\n")
        return RawMail(msg.as_bytes(), f"test {number}")
    msg["Subject"] = f"[PATCH {part + 1}/2] rtc: fix alarm {series}"
    msg["Message-ID"] = f"<churn-{series}-{part + 1}@example.org>"
    if part:
        msg["In-Reply-To"] = f"<churn-{series}-1@example.org>"
        msg["References"] = f"<churn-{series}-1@example.org>"
    msg.set_content(
        f"The alarm of board {series} fires late.\n\nSigned-off-by: Dev <dev@x.org>\n---\n"
        f"diff --git a/drivers/rtc/rtc-{part}.c b/drivers/rtc/rtc-{part}.c\n"
        f"--- a/drivers/rtc/rtc-{part}.c\n+++ b/drivers/rtc/rtc-{part}.c\n"
        f"@@ -1,2 +1,2 @@\n int a;\n-int b = {series};\n+int b = {series + 1};\n"
    )
    return RawMail(msg.as_bytes(), f"test {number}")


def _state() -> dict[str, tuple[int, list[str]]]:
    """Each table's file and its rows as text, in id order."""
    found = {}
    with connection.cursor() as cursor:
        for table in TABLES:
            cursor.execute(f"SELECT pg_relation_filenode('{table}')")
            node = cursor.fetchone()[0]
            cursor.execute(f"SELECT t::text FROM {table} t ORDER BY id")
            found[table] = (node, [row[0] for row in cursor.fetchall()])
    return found


def _indexes(table: str) -> dict[str, int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexrelid::regclass::text, pg_relation_filenode(indexrelid) FROM pg_index"
            " WHERE indrelid = %s::regclass",
            [table],
        )
        return dict(cursor.fetchall())


def _size(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_total_relation_size(%s::regclass)", [table])
        return cursor.fetchone()[0]


def test_the_tables_are_the_archives_and_the_review_processors() -> None:
    assert set(churned_tables()) == set(TABLES)


@pytest.mark.django_db(transaction=True)
def test_an_import_of_most_of_the_archive_rewrites_them_with_the_same_rows(monkeypatch) -> None:
    seen = {}

    def rewrite() -> list[str]:  # the tables as the batches left them, then rewritten
        seen.update(_state())
        seen.update({f"size {table}": _size(table) for table in TABLES})
        return rewrite_churned_tables()

    monkeypatch.setattr(churned, "rewrite_churned_tables", rewrite)
    ingest([_patch(n) for n in range(BULK_BATCH)], workers=1)
    after = _state()
    for table in TABLES:
        assert after[table][0] != seen[table][0], table  # written anew
        assert after[table][1] == seen[table][1], table  # the same rows
    assert len(after["reviews_patch"][1]) == sum(1 for n in range(BULK_BATCH) if n % 3 < 2)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM reviews_patch WHERE acked = 1")
        assert cursor.fetchone()[0] == BULK_BATCH // 3  # counted, so updated, in the batch
    # the dead versions the batch's updates left went with the old file
    assert _size("reviews_patch") < seen["size reviews_patch"]


@pytest.mark.django_db(transaction=True)
def test_a_smaller_import_leaves_them_as_they_are() -> None:
    ingest([_patch(n) for n in range(2 * BULK_BATCH)], workers=1)
    first = _state()
    ingest([_patch(n) for n in range(2 * BULK_BATCH, 3 * BULK_BATCH)], workers=1)
    for table in TABLES:
        assert _state()[table][0] == first[table][0], table


@pytest.mark.django_db
def test_nothing_is_rewritten_inside_a_transaction() -> None:
    # VACUUM cannot run in one; the free space is then left for later batches.
    ingest([_patch(n) for n in range(6)], workers=1)
    before = _state()
    assert rewrite_churned_tables() == []
    assert _state() == before


@pytest.mark.django_db(transaction=True)
def test_a_table_someone_holds_is_left_and_the_sessions_lock_wait_put_back() -> None:
    ingest([_patch(n) for n in range(6)], workers=1)
    before = _state()
    with connection.cursor() as cursor:
        cursor.execute("SET lock_timeout = '7s'")
    with psycopg.connect(**connection.get_connection_params()) as other:
        other.execute("BEGIN")
        other.execute("LOCK TABLE reviews_series IN ACCESS SHARE MODE")  # a reader
        start = time.perf_counter()
        done = rewrite_churned_tables()
        waited = time.perf_counter() - start
        other.rollback()
    assert done == ["archive_thread", "reviews_patch"]
    assert waited < 5  # given up after churned.LOCK_WAIT, not the session's 7 s
    after = _state()
    assert after["reviews_series"][0] == before["reviews_series"][0]
    assert after["reviews_patch"][0] != before["reviews_patch"][0]
    with connection.cursor() as cursor:
        cursor.execute("SHOW lock_timeout")
        assert cursor.fetchone()[0] == "7s"
        cursor.execute("RESET lock_timeout")


@pytest.mark.django_db(transaction=True)
def test_a_larger_table_gets_its_indexes_rebuilt_concurrently_instead(monkeypatch) -> None:
    # VACUUM FULL would lock it for seconds at ten times linux-rtc; what an
    # interrupted concurrent rebuild left (an invalid "_ccnew" index) goes.
    ingest([_patch(n) for n in range(6)], workers=1)
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE INDEX CONCURRENTLY patch_unique_ccnew ON reviews_patch (id)"
            " WHERE id IS NOT NULL"
        )
        cursor.execute(
            "UPDATE pg_index SET indisvalid = false"
            " WHERE indexrelid = 'patch_unique_ccnew'::regclass"
        )
    before, indexes = _state(), _indexes("reviews_patch")
    monkeypatch.setattr(churned, "FULL_REWRITE_BYTES", 0)
    assert rewrite_churned_tables() == list(TABLES)
    after, rebuilt = _state(), _indexes("reviews_patch")
    assert after == before  # the same heap files, the same rows
    assert "patch_unique_ccnew" not in rebuilt
    del indexes["patch_unique_ccnew"]
    assert set(rebuilt) == set(indexes)
    assert all(rebuilt[name] != node for name, node in indexes.items())


@pytest.mark.django_db(transaction=True)
def test_a_whole_reparse_rewrites_them_and_one_lists_does_not() -> None:
    # A rebuild in place rewrites every patch row, as a first import does.
    ingest([_patch(n) for n in range(6)], workers=1)
    first = _state()
    call_command("reparse", "--list", "linux-rtc.vger.kernel.org", stdout=io.StringIO())
    listed = _state()
    assert listed["archive_thread"][0] == first["archive_thread"][0]
    out = io.StringIO()
    call_command("reparse", stdout=out)
    assert "rewrote 3 tables compact" in out.getvalue()
    after = _state()
    for table in TABLES:
        assert after[table][0] != listed[table][0], table
        assert after[table][1] == listed[table][1], table
