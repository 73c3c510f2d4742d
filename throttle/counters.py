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

__all__ = ["Tally", "clear", "current", "hit"]

# One hit in this many also deletes expired rows, so keys that never come
# back (one per address and username tried) do not pile up.
_PURGE_ONE_IN = 1000

_HIT = """
INSERT INTO throttle_counter AS c (key, count, expires)
VALUES (%s, 1, now() + make_interval(secs => %s))
ON CONFLICT (key) DO UPDATE SET
    count = CASE WHEN c.expires <= now() THEN 1 ELSE c.count + 1 END,
    expires = CASE WHEN c.expires <= now() THEN EXCLUDED.expires ELSE c.expires END
RETURNING count, greatest(ceil(extract(epoch FROM c.expires - now())), 0)::int
"""


@dataclass(frozen=True)
class Tally:
    """The count of a key in its current window, and the seconds until the window ends."""

    count: int
    seconds_left: int


def _connection() -> BaseDatabaseWrapper:
    return connections[DEFAULT_DB_ALIAS]


def hit(key: str, window_seconds: int) -> Tally:
    """Count one event for ``key``; a window of ``window_seconds`` starts at its first event."""
    with _connection().cursor() as cursor:
        cursor.execute(_HIT, [key, window_seconds])
        count, seconds_left = cursor.fetchone()
        if random.randrange(_PURGE_ONE_IN) == 0:
            cursor.execute("DELETE FROM throttle_counter WHERE expires <= now()")
    return Tally(count, seconds_left)


def current(key: str) -> int:
    """The count of ``key`` in its current window (0 when none is open)."""
    with _connection().cursor() as cursor:
        cursor.execute(
            "SELECT count FROM throttle_counter WHERE key = %s AND expires > now()", [key]
        )
        row = cursor.fetchone()
    return row[0] if row else 0


def clear(key: str) -> None:
    with _connection().cursor() as cursor:
        cursor.execute("DELETE FROM throttle_counter WHERE key = %s", [key])
