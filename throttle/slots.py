# SPDX-License-Identifier: AGPL-3.0-or-later
"""A few server-wide slots for the heaviest responses, whatever the number of workers.

A search-result mbox costs about a second of CPU; with sync workers, a
handful at once would hold every worker and nothing else would be served.
Each download holds one of a few PostgreSQL advisory locks while it
streams: taken with ``pg_try_advisory_lock`` (never waiting), released when
the response ends, and by PostgreSQL itself if the worker dies.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator

from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections

__all__ = ["HeldWhile", "release", "take"]

# The first key of the two-key advisory locks; the second is the slot number.
# (The ingest lock uses the one-key form, a separate key space.)
_KEY = 0x74687274  # "thrt"


def take(slots: int) -> int | None:
    """One free slot out of ``slots``, now held by this process, or None when all are taken."""
    # The primary, as for the counters: a lock must be visible to every worker.
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        for slot in range(slots):
            cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [_KEY, slot])
            if cursor.fetchone()[0]:
                return slot
    return None


def release(slot: int) -> None:
    # A broken connection has lost its locks already: nothing left to release.
    with contextlib.suppress(DatabaseError), connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [_KEY, slot])


class HeldWhile:
    """``chunks``, with ``slot`` released when they end or the response is closed.

    An iterator with ``close()`` rather than a generator: Django closes the
    response's iterator even when nobody read it, and a generator that never
    started would not run its ``finally``.
    """

    def __init__(self, slot: int, chunks: Iterable[bytes]) -> None:
        self.slot, self.chunks, self.held = slot, iter(chunks), True

    def __iter__(self) -> Iterator[bytes]:
        return self

    def __next__(self) -> bytes:
        try:
            return next(self.chunks)
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        if self.held:
            self.held = False
            release(self.slot)
        closing = getattr(self.chunks, "close", None)
        if closing is not None:
            closing()
