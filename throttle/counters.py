# SPDX-License-Identifier: AGPL-3.0-or-later
"""Counting events per key in fixed windows, atomically, in PostgreSQL.

Each web worker is its own process, so a count kept in the local-memory
cache is one per worker: three workers would allow three times the tries.
These counts live in one table every worker (and every server) sees, and
each hit is one ``INSERT ... ON CONFLICT DO UPDATE``: concurrent hits never
lose a count.

Counts always use the primary database (``default``), directly rather than
through the database router: asking the router for a write would mark a
read-only request as writing and send its later reads off the replicas.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.utils import CursorWrapper

__all__ = ["TALLY_CTE", "Tally", "clear", "current", "hit", "hit_reading", "primary", "purge"]

# One hit in this many also deletes expired rows, so keys that never come
# back (one per address and username tried) do not pile up.
_PURGE_ONE_IN = 1000

_UPSERT = """
INSERT INTO throttle_counter AS c (key, count, expires)
VALUES (%s, 1, now() + make_interval(secs => %s))
ON CONFLICT (key) DO UPDATE SET
    count = CASE WHEN c.expires <= now() THEN 1 ELSE c.count + 1 END,
    expires = CASE WHEN c.expires <= now() THEN EXCLUDED.expires ELSE c.expires END
RETURNING count, greatest(ceil(extract(epoch FROM c.expires - now())), 0)::int AS seconds_left
"""
# ``hit`` as a CTE named ``tally`` (``count``, ``seconds_left``; parameters: the key
# and the window's seconds), for a statement of the primary database that counts a
# hit and does its other work in the same round trip (``archive.searchresults``):
# a data-modifying CTE runs once, whatever the rest of the statement reads.
TALLY_CTE = f"tally AS ({_UPSERT.strip()})"


@dataclass(frozen=True)
class Tally:
    """The count of a key in its current window, and the seconds until the window ends."""

    count: int
    seconds_left: int


def primary() -> BaseDatabaseWrapper:
    """The connection counts are kept on (``TALLY_CTE`` runs there only)."""
    return connections[DEFAULT_DB_ALIAS]


def hit(key: str, window_seconds: int) -> Tally:
    """Count one event for ``key``; a window of ``window_seconds`` starts at its first event."""
    tally, _ = hit_reading(key, window_seconds, "")
    return tally


def hit_reading(key: str, window_seconds: int, expression: str) -> tuple[Tally, object]:
    """``hit``, and the value of the SQL ``expression`` (no parameters; "" for none)
    read in the same statement: one round trip for both."""
    with primary().cursor() as cursor:
        if expression:
            cursor.execute(
                f"WITH {TALLY_CTE} SELECT count, seconds_left, {expression} FROM tally",
                [key, window_seconds],
            )
        else:
            cursor.execute(_UPSERT, [key, window_seconds])
        count, seconds_left, *value = cursor.fetchone()
        purge(cursor)
    return Tally(count, seconds_left), value[0] if value else None


def purge(cursor: CursorWrapper) -> None:
    """Now and then (one hit in ``_PURGE_ONE_IN``), delete the expired counts."""
    if random.randrange(_PURGE_ONE_IN) == 0:
        cursor.execute("DELETE FROM throttle_counter WHERE expires <= now()")


def current(key: str) -> int:
    """The count of ``key`` in its current window (0 when none is open)."""
    with primary().cursor() as cursor:
        cursor.execute(
            "SELECT count FROM throttle_counter WHERE key = %s AND expires > now()", [key]
        )
        row = cursor.fetchone()
    return row[0] if row else 0


def clear(key: str) -> None:
    with primary().cursor() as cursor:
        cursor.execute("DELETE FROM throttle_counter WHERE key = %s", [key])
