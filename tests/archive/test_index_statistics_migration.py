"""archive 0038: an index the deferral built with planner statistics is built again
without them, under its own name; one without them is left as it is."""

from __future__ import annotations

from importlib import import_module

import pytest
from django.db import connection

from archive.indexdeferral import NO_STATISTICS

migration = import_module("archive.migrations.0038_search_index_statistics")


def _state() -> dict[str, tuple[int, int | None, bool, bool]]:
    """Each index: its oid, statistics target, whether it has statistics, and is valid."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, c.oid, a.attstattarget,"
            " EXISTS (SELECT FROM pg_stats s WHERE s.tablename = c.relname), i.indisvalid"
            " FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = 1"
            " JOIN pg_index i ON i.indexrelid = c.oid WHERE c.relname = ANY(%s)",
            [list(NO_STATISTICS)],
        )
        return {name: tuple(rest) for name, *rest in cursor.fetchall()}


def _analyze() -> None:
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE archive_message")


@pytest.mark.django_db(transaction=True)
def test_an_index_with_statistics_is_built_again_without(ingest_file) -> None:
    from tests.conftest import DATA

    for path in sorted((DATA / "search").glob("*.eml")):
        ingest_file(path)
    terms, subject = NO_STATISTICS
    with connection.cursor() as cursor:  # as the deferral of session 22 built it
        cursor.execute(f"ALTER INDEX {subject} ALTER COLUMN 1 SET STATISTICS -1")
    _analyze()
    before = _state()
    assert before[subject][1:] == (None, True, True) or before[subject][1:] == (-1, True, True)
    assert before[terms][1:] == (0, False, True)

    with connection.schema_editor(atomic=False) as editor:
        migration._rebuild_with_statistics(None, editor)
    _analyze()
    after = _state()
    assert after[subject][1:] == (0, False, True)
    assert after[subject][0] != before[subject][0]  # a new index, under the old name
    assert after[terms] == before[terms]  # left alone
