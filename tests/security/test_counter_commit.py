# SPDX-License-Identifier: AGPL-3.0-or-later
"""A rate count commits without waiting for a disk flush, and changes nothing else."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from throttle import counters

pytestmark = pytest.mark.django_db(transaction=True)


def _setting() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        return str(cursor.fetchone()[0])


def test_a_hit_outside_a_transaction_is_committed_and_leaves_the_session_as_it_was() -> None:
    before = _setting()
    with CaptureQueriesContext(connection) as queries:
        assert counters.hit("test:unflushed", 60).count == 1
    # The count's own transaction commits without waiting for the WAL flush.
    assert "SET LOCAL synchronous_commit = off" in [q["sql"] for q in queries]
    assert counters.hit("test:unflushed", 60).count == 2
    assert not connection.in_atomic_block
    assert _setting() == before  # SET LOCAL ended with the hit's own transaction
    assert counters.current("test:unflushed") == 2


def test_a_hit_inside_a_transaction_leaves_its_commit_to_the_caller() -> None:
    before = _setting()
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        assert counters.hit("test:inside", 60).count == 1
        assert _setting() == before  # the caller's own writes keep their durability
    assert not any("SET LOCAL" in q["sql"] for q in queries)
    assert counters.current("test:inside") == 1
