"""A rebuild of the search indexes collects their keys in small rounds (#21, sixth cut).

The rounds only change how full the index pages are; the rebuilt index
answers the same searches, and the session's own memory setting is back
as it was afterwards, in a transaction or not.
"""

from __future__ import annotations

import pytest
from django.db import connection, transaction

from archive.ingest import ingest
from archive.services import REBUILD_MEM, rebuild_search_indexes
from tests.archive.test_ingest_pending import _mail


def _setting() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW maintenance_work_mem")
        return cursor.fetchone()[0]


def _matches(query: str) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(
            "SELECT id FROM archive_message WHERE search @@ %s::tsquery ORDER BY id", [query]
        )
        return [row[0] for row in cursor.fetchall()]


@pytest.mark.django_db(transaction=True)
def test_a_concurrent_rebuild_uses_its_memory_and_restores_the_sessions() -> None:
    ingest([_mail(n) for n in range(40)], workers=1)
    with transaction.atomic():
        before = _matches("alarm & board")
    assert len(before) == 40
    with connection.cursor() as cursor:
        cursor.execute("SET maintenance_work_mem = '77MB'")
    rebuild_search_indexes()
    assert _setting() == "77MB"
    with transaction.atomic():
        assert _matches("alarm & board") == before
    with connection.cursor() as cursor:
        cursor.execute("RESET maintenance_work_mem")


@pytest.mark.django_db(transaction=True)
def test_a_rebuild_in_a_transaction_sets_its_memory_for_that_transaction_only() -> None:
    ingest([_mail(n) for n in range(5)], workers=1)
    default = _setting()
    with transaction.atomic():
        rebuild_search_indexes()
        assert _setting() == REBUILD_MEM
    assert _setting() == default
    with transaction.atomic():
        assert len(_matches("alarm")) == 5
