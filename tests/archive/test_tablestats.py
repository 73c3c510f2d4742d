"""A large import leaves the planner's statistics fresh (archive/tablestats.py)."""

from __future__ import annotations

import io
from email.message import EmailMessage
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection

from archive import tablestats


def _mbox(path: Path, count: int) -> Path:
    with path.open("wb") as out:
        for n in range(count):
            mail = EmailMessage()
            mail["From"] = f"Sender {n % 7} <sender{n % 7}@example.org>"
            mail["To"] = "list@example.org"
            mail["Subject"] = f"statistics scenario message {n}"
            mail["Date"] = "Tue, 01 Dec 2026 10:00:00 +0000"
            mail["Message-ID"] = f"<stats-{n}@example.org>"
            mail.set_content(f"Body {n}\n")
            out.write(b"From sender@example.org Tue Dec  1 10:00:00 2026\n")
            out.write(mail.as_bytes().replace(b"\nFrom ", b"\n>From ") + b"\n")
    return path


def _analysed_message_rows() -> int | None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = 'archive_message'")
        return int(cursor.fetchone()[0])


@pytest.mark.django_db(transaction=True)
def test_large_import_analyses_the_tables_it_filled(tmp_path, monkeypatch):
    monkeypatch.setattr(tablestats, "MIN_NEW_MESSAGES", 40)
    monkeypatch.setattr(tablestats, "MIN_CHANGED_ROWS", 20)
    out = io.StringIO()
    call_command("ingest", str(_mbox(tmp_path / "a.mbox", 60)), "--list", "stats", "--workers", "1",
                 stdout=out, stderr=io.StringIO())  # fmt: skip
    assert "planner statistics refreshed for" in out.getvalue()
    # ANALYZE is what sets reltuples; a never-analysed table reads -1.
    assert _analysed_message_rows() == 60
    assert "archive.archive_message" not in tablestats.stale_tables()
    # VACUUM is what marks the rows' pages all-visible (an index-only scan then
    # reads no heap page): every page of the table.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relpages, relallvisible FROM pg_class WHERE relname = 'archive_message'"
        )
        pages, visible = cursor.fetchone()
    assert pages > 0 and visible == pages


@pytest.mark.django_db(transaction=True)
def test_small_import_leaves_statistics_to_autovacuum(tmp_path):
    out = io.StringIO()
    call_command("ingest", str(_mbox(tmp_path / "b.mbox", 30)), "--list", "stats", "--workers", "1",
                 stdout=out, stderr=io.StringIO())  # fmt: skip
    assert "planner statistics" not in out.getvalue()
    assert _analysed_message_rows() == -1
    with connection.cursor() as cursor:
        cursor.execute("SELECT relallvisible FROM pg_class WHERE relname = 'archive_message'")
        assert cursor.fetchone()[0] == 0


def _import_in_batches_of_20(tmp_path, monkeypatch, name: str) -> None:
    from archive import ingest, services

    monkeypatch.setattr(ingest, "BATCH", 20)
    monkeypatch.setattr(services, "BULK_BATCH", 20)
    monkeypatch.setattr(tablestats, "MIN_CHANGED_ROWS", 20)
    call_command("ingest", str(_mbox(tmp_path / name, 60)), "--list", "stats", "--workers", "1",
                 stdout=io.StringIO(), stderr=io.StringIO())  # fmt: skip


@pytest.mark.django_db(transaction=True)
def test_an_import_analyses_its_tables_as_they_grow(tmp_path, monkeypatch):
    before = _analyse_count()
    # Three batches of 20, and no refresh at the import's end (60 new is small here).
    _import_in_batches_of_20(tmp_path, monkeypatch, "c.mbox")
    # Analysed after the first batch (20 rows) and the second (grown by 20, half of
    # 40); not after the third (20 more is a third of 60).
    assert _analyse_count() - before == 2


def _analyse_count() -> int:
    """ANALYZE runs on archive_message so far (the test database's, cumulative)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_force_next_flush()")
        cursor.execute(
            "SELECT analyze_count FROM pg_stat_user_tables WHERE relname = 'archive_message'"
        )
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_mid_import_statistics_wait_for_no_other_import(tmp_path, monkeypatch):
    from tests.archive.test_maintenance_turn import _other_session

    monkeypatch.setattr(tablestats, "MIN_CHANGED_ROWS", 20)
    call_command("ingest", str(_mbox(tmp_path / "d.mbox", 60)), "--list", "stats", "--workers", "1",
                 stdout=io.StringIO(), stderr=io.StringIO())  # fmt: skip
    other = _other_session()
    try:
        other.execute("SELECT pg_advisory_lock(%s)", [tablestats.MAINTENANCE_LOCK_KEY])
        assert tablestats.analyze_grown() == ()  # another import's end: skipped, not waited for
        assert _analysed_message_rows() == -1
    finally:
        # Unlocked before closing: a closed connection's server process lets
        # its locks go when it exits, which can be after our next statement.
        other.execute("SELECT pg_advisory_unlock_all()")
        other.close()
    assert "public.archive_message" in tablestats.analyze_grown()
    assert _analysed_message_rows() == 60


@pytest.mark.django_db
def test_failed_mid_import_statistics_cost_nothing_but_themselves(monkeypatch, caplog):
    # A table gone between listing and ANALYZE: the statement fails; the caller's
    # transaction (a savepoint took the error) and the turn are fine after.
    listed = "SELECT 'public.no_such_table' FROM (SELECT %s, %s) AS given"
    monkeypatch.setattr(tablestats, "_STALE_TABLES", listed)
    with caplog.at_level("WARNING", logger="archive.tablestats"):
        assert tablestats.analyze_grown() == ()
    assert "statistics mid-import failed (ProgrammingError: " in caplog.text
    assert "no_such_table" in caplog.text
    assert all(record.exc_info is None for record in caplog.records)  # a sentence, no traceback
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM archive_message")  # the transaction still works
    # The turn was given back: another session can take it (ours could again anyway).
    from tests.archive.test_maintenance_turn import _other_session

    other = _other_session()
    try:
        taken = other.execute("SELECT pg_try_advisory_lock(%s)", [tablestats.MAINTENANCE_LOCK_KEY])
        assert taken.fetchone()[0]
    finally:
        other.execute("SELECT pg_advisory_unlock_all()")  # not left to the closing's timing
        other.close()
