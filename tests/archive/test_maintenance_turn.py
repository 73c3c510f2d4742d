# SPDX-License-Identifier: AGPL-3.0-or-later
"""Imports ending together take turns at their end, waiting outside any transaction.

A concurrent REINDEX waits for every transaction older than it; an import
that waited for the rebuild's lock inside a statement (its ANALYZE) was a
deadlock, which killed one of four imports run at once in make bench.
"""

from __future__ import annotations

import threading
import time

import psycopg
import pytest
from django.db import connection

from archive import tablestats


def _other_session() -> psycopg.Connection:
    settings = connection.settings_dict
    return psycopg.connect(
        dbname=settings["NAME"], user=settings["USER"], password=settings["PASSWORD"],
        host=settings["HOST"], port=settings["PORT"] or None, autocommit=True,
    )  # fmt: skip


@pytest.mark.django_db(transaction=True)
def test_an_import_waits_for_its_turn_with_no_transaction_open() -> None:
    other = _other_session()
    other.execute("SELECT pg_advisory_lock(%s)", [tablestats.MAINTENANCE_LOCK_KEY])
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        our_pid = cursor.fetchone()[0]
    entered: list[float] = []
    released_at: list[float] = []
    seen: list[tuple] = []

    def release_later() -> None:
        # Look at the waiting import's session a few times, then end our turn.
        for _ in range(5):
            time.sleep(0.1)
            seen.extend(
                other.execute(
                    "SELECT state, wait_event_type FROM pg_stat_activity WHERE pid = %s",
                    [our_pid],
                ).fetchall()
            )
        released_at.append(time.monotonic())
        other.execute("SELECT pg_advisory_unlock(%s)", [tablestats.MAINTENANCE_LOCK_KEY])

    releaser = threading.Thread(target=release_later)
    releaser.start()
    with tablestats.maintenance_turn():  # on this thread's Django connection
        entered.append(time.monotonic())
    releaser.join()
    other.close()
    # It entered only once the other import's turn ended ...
    assert entered and released_at and entered[0] >= released_at[0]
    # ... and meanwhile had no transaction open and waited on no lock in the server.
    assert len(seen) == 5
    for state, wait_type in seen:
        assert state in ("idle", "active") and wait_type != "Lock", (state, wait_type)


@pytest.mark.django_db(transaction=True)
def test_the_turn_is_given_back_when_the_work_fails() -> None:
    with pytest.raises(RuntimeError), tablestats.maintenance_turn():
        raise RuntimeError("ANALYZE failed")
    other = _other_session()
    got = other.execute(
        "SELECT pg_try_advisory_lock(%s)", [tablestats.MAINTENANCE_LOCK_KEY]
    ).fetchone()[0]
    other.execute("SELECT pg_advisory_unlock_all()")  # not left to the closing's timing
    other.close()
    assert got
