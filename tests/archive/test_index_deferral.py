"""A first import builds the search indexes once, at its end (archive/indexdeferral.py)."""

from __future__ import annotations

import pytest
from django.db import connection

from archive import indexdeferral
from archive import ingest as ingest_module
from archive.ingest import IngestSummary, ingest
from archive.sources import RawMail
from tests.archive.test_ingest_pending import _mail
from tests.archive.test_maintenance_turn import _other_session

ALL = {"message_search_gin", "message_terms_gin", "message_header_gin", "message_subject_gin"}


@pytest.fixture
def small_batches(monkeypatch):
    """Store batches of 10 mails, and call an archive of fewer than 15 new."""
    monkeypatch.setattr(ingest_module, "BATCH", 10)
    monkeypatch.setattr(indexdeferral, "EMPTY_BELOW", 15)


@pytest.fixture(autouse=True)
def indexes_left_whole():
    """Dropped indexes outlive a test's rows: each test leaves all of them built."""
    yield
    from archive.tablestats import maintenance_turn

    with maintenance_turn():
        indexdeferral.build_missing()
    assert _missing() == set()


def _missing() -> set[str]:
    return {index.name for index in indexdeferral.missing()}


def _body_matches(word: str) -> int:
    """Messages whose body holds ``word``, found through the body index alone."""
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        cursor.execute(
            "EXPLAIN SELECT count(*) FROM archive_message WHERE search @@ to_tsquery('simple', %s)",
            [word],
        )
        plan = "\n".join(row[0] for row in cursor.fetchall())
        assert "message_search_gin" in plan
        cursor.execute(
            "SELECT count(*) FROM archive_message WHERE search @@ to_tsquery('simple', %s)",
            [word],
        )
        found = cursor.fetchone()[0]
        cursor.execute("RESET enable_seqscan")
    return found


def _statistics() -> dict[str, tuple[int | None, bool]]:
    """Of the indexes that keep none: the column's statistics target, and whether
    ANALYZE gathered statistics for it."""
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE archive_message")
        cursor.execute(
            "SELECT c.relname, a.attstattarget, EXISTS (SELECT FROM pg_stats s"
            "  WHERE s.schemaname = 'public' AND s.tablename = c.relname)"
            " FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid"
            " WHERE c.relname = ANY(%s) AND a.attnum = 1",
            [list(indexdeferral.NO_STATISTICS)],
        )
        return {name: (target, gathered) for name, target, gathered in cursor.fetchall()}


def _mails(first: int, count: int) -> list[RawMail]:
    return [_mail(n) for n in range(first, first + count)]


@pytest.mark.django_db(transaction=True)
def test_a_first_import_stores_without_the_search_indexes_then_builds_them(small_batches):
    seen: list[set[str]] = []

    def during(summary: IngestSummary) -> None:
        seen.append(_missing())

    summary = ingest(_mails(0, 40), workers=1, on_batch=during)
    assert summary.new == 40
    assert seen and all(names == ALL for names in seen)  # dropped from the first batch on
    assert _missing() == set()
    assert _body_matches("alarm") == 40
    # Built as the migrations left them: the exact terms' and subject's indexes
    # without planner statistics (archive 0018, 0034).
    assert _statistics() == {name: (0, False) for name in indexdeferral.NO_STATISTICS}
    with connection.cursor() as cursor:  # the lock is given back
        cursor.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()"
        )
        assert cursor.fetchone()[0] == 0


@pytest.mark.django_db(transaction=True)
def test_an_archive_that_is_not_new_keeps_its_indexes_while_storing(small_batches):
    ingest(_mails(0, 20), workers=1)
    seen: list[set[str]] = []
    ingest(_mails(20, 30), workers=1, on_batch=lambda summary: seen.append(_missing()))
    assert seen and all(names == set() for names in seen)
    assert _body_matches("alarm") == 50


@pytest.mark.django_db(transaction=True)
def test_an_import_smaller_than_a_batch_keeps_them(small_batches):
    seen: list[set[str]] = []
    ingest(_mails(0, 9), workers=1, on_batch=lambda summary: seen.append(_missing()))
    assert seen == [] or all(names == set() for names in seen)
    assert _missing() == set()


@pytest.mark.django_db(transaction=True)
def test_a_failed_import_builds_back_what_it_dropped(small_batches):
    def fail_on_second(summary: IngestSummary) -> None:
        if summary.read >= 20:
            raise RuntimeError("the disk is full")

    with pytest.raises(RuntimeError):
        ingest(_mails(0, 40), workers=1, on_batch=fail_on_second)
    assert _missing() == set()
    assert _body_matches("alarm") >= 10  # what was stored is found through the index


@pytest.mark.django_db(transaction=True)
def test_indexes_another_import_dropped_are_left_to_it_and_built_once_it_is_gone(small_batches):
    other = _other_session()
    try:
        # Another import has dropped them and is still storing.
        other.execute("SELECT pg_advisory_lock(%s)", [indexdeferral.LOCK_KEY])
        for name in ALL:
            other.execute(f"DROP INDEX {name}")
        ingest(_mails(0, 5), workers=1)  # mail piped in meanwhile
        assert _missing() == ALL
        ingest(_mails(5, 30), workers=1)  # an import of its own: not dropped twice, not built
        assert _missing() == ALL
    finally:
        # That import stops without building them: its session and lock go with it.
        other.execute("SELECT pg_advisory_unlock_all()")  # not left to the closing's timing
        other.close()
    ingest(_mails(35, 1), workers=1)  # the next mail's import builds them
    assert _missing() == set()
    assert _body_matches("alarm") == 36


@pytest.mark.django_db
def test_inside_a_transaction_a_missing_index_is_built_by_the_next_import(small_batches):
    with connection.cursor() as cursor:
        cursor.execute("DROP INDEX message_terms_gin")
    summary = ingest(_mails(0, 40), workers=1)  # a new archive, but never dropped here
    assert summary.new == 40
    assert _missing() == set()
    assert _body_matches("alarm") == 40
    # Built as the migrations left them: the exact terms' and subject's indexes
    # without planner statistics (archive 0018, 0034).
    assert _statistics() == {name: (0, False) for name in indexdeferral.NO_STATISTICS}


@pytest.mark.django_db(transaction=True)
def test_an_interrupted_import_leaves_them_to_the_next_and_lets_go(small_batches):
    def interrupt(summary: IngestSummary) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        ingest(_mails(0, 40), workers=1, on_batch=interrupt)
    assert _missing() == ALL  # not held up by a build
    other = _other_session()
    try:  # and the lock is free for the next import
        taken = other.execute("SELECT pg_try_advisory_lock(%s)", [indexdeferral.LOCK_KEY])
        assert taken.fetchone()[0]
    finally:
        other.execute("SELECT pg_advisory_unlock_all()")  # not left to the closing's timing
        other.close()
    ingest(_mails(40, 1), workers=1)
    assert _missing() == set()
    assert _body_matches("alarm") == 11
