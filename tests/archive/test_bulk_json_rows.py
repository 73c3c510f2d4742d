"""archive.bulk.insert_json_rows: rows sent as one JSON parameter arrive as given."""

from __future__ import annotations

import json

import pytest
from django.db import connection

from archive.bulk import insert_json_rows

pytestmark = pytest.mark.django_db

_COLUMNS = (("id", "bigint"), ("label", "text"), ("size", "smallint"), ("doc", "jsonb"))
_HOSTILE = 'a "quoted" \\back\\slash, {brace}, comma; ünïcödé \u200b and\nnewline'


@pytest.fixture
def table():
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE json_rows (id bigint PRIMARY KEY, label text, size smallint,"
            " doc jsonb, serial bigserial)"
        )
    yield "json_rows"
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE json_rows")


def test_values_arrive_as_given_in_order(table):
    rows = [
        (3, _HOSTILE, 7, [['<span class="k">x</span>', "\\"], {"a": None}]),
        (1, None, None, []),
        (2, "", 0, {"text": _HOSTILE}),
    ]
    with connection.cursor() as cursor:
        insert_json_rows(cursor, table, _COLUMNS, rows)
        cursor.execute(f"SELECT id, label, size, doc FROM {table} ORDER BY serial")
        stored = cursor.fetchall()
    # Inserted in the given order: a sequence numbers them as bulk_create would.
    # (Django's cursor reads jsonb as its text.)
    assert [(*row[:3], json.loads(row[3])) for row in stored] == rows


def test_conflicts_are_skipped_when_asked_and_raise_otherwise(table):
    from django.db import IntegrityError, transaction

    with connection.cursor() as cursor:
        insert_json_rows(cursor, table, _COLUMNS, [(1, "first", 1, {})])
        insert_json_rows(
            cursor, table, _COLUMNS, [(1, "again", 2, {}), (2, "new", 3, {})],
            on_conflict="DO NOTHING",
        )  # fmt: skip
        cursor.execute(f"SELECT id, label FROM {table} ORDER BY id")
        assert cursor.fetchall() == [(1, "first"), (2, "new")]
        with pytest.raises(IntegrityError), transaction.atomic():
            insert_json_rows(cursor, table, _COLUMNS, [(2, "twice", 1, {})])


def test_no_rows_no_statement(table, django_assert_num_queries):
    with connection.cursor() as cursor, django_assert_num_queries(0):
        insert_json_rows(cursor, table, _COLUMNS, [])
