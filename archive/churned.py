# SPDX-License-Identifier: AGPL-3.0-or-later
"""Small tables an import updates row by row, written out compact when it ends.

Each batch inserts rows and then updates them in the same transaction: the
archive its threads' counts and dates, the reviews processor its patches'
counts, states and turns and its series' totals and turns. Every column
those updates change is in some index, so none of them is HOT: each leaves a
dead row version and an entry in every index, and PostgreSQL cannot clean
either while the batch's transaction is open. After linux-rtc's first import
``reviews_patch`` held 6,488 rows in 22.9 MB (10.3 heap, 12.4 indexes), 8.3 MB
once rewritten (#21, docs/performance.md "The seventh cut").

An import that wrote most of the archive (the rule of
``services.settle_search_indexes``) therefore ends by rewriting these tables
with ``VACUUM FULL``: live rows in their order, every index built anew. That
holds an exclusive lock while it copies, so only a table under
``FULL_REWRITE_BYTES`` is rewritten (0.3 s for ``reviews_patch`` at 17k, 3.8 s
at ten times: too long for a site that serves meanwhile), and the lock is
waited for at most ``LOCK_WAIT``: queued behind a long reader it would stop
every page reading the table meanwhile; a table it cannot lock in time is left
as it is. A larger table gets only its indexes rebuilt, ``CONCURRENTLY`` (no
lock that stops readers or writers), and keeps its heap's free space for later
writes.
"""

from __future__ import annotations

from django.db import OperationalError, connection
from psycopg import errors

from archive.processors import message_processors

# The archive's own: each batch sets its threads' counts, dates and roots.
ARCHIVE_TABLES = ("archive_thread",)

# Longer than PostgreSQL's deadlock_timeout (1 s), after which an autovacuum
# of the table (a large import sets them going on these very tables) gives
# way to the rewrite; short enough that pages queued behind the waiting
# rewrite are not held for long.
LOCK_WAIT = "2s"
# About half a second of exclusive lock on this machine (reviews_patch: 22.9 MB
# in 0.32 s at 17k, 181 MB in 3.8 s at ten times).
FULL_REWRITE_BYTES = 48 * 1024 * 1024


def churned_tables() -> tuple[str, ...]:
    """The archive's tables and those each processor names (``churned_tables``)."""
    names = list(ARCHIVE_TABLES)
    for processor in message_processors():
        names.extend(getattr(processor, "churned_tables", ()))
    return tuple(dict.fromkeys(names))


def rewrite_churned_tables() -> list[str]:
    """Rewrite the churned tables compact (or their indexes); returns the tables done.

    Nothing inside a transaction, where neither can run (tests; the space
    then stays for later batches). The session's ``lock_timeout`` is put back.
    """
    if connection.in_atomic_block:
        return []
    with connection.cursor() as cursor:
        return [table for table in churned_tables() if _rewrite(cursor, table)]


def _rewrite(cursor, table: str) -> bool:
    cursor.execute("SELECT pg_total_relation_size(%s::regclass)", [table])
    name = connection.ops.quote_name(table)
    if cursor.fetchone()[0] > FULL_REWRITE_BYTES:
        _drop_left(cursor, table)
        cursor.execute(f"REINDEX TABLE CONCURRENTLY {name}")
        return True
    cursor.execute(
        "SELECT current_setting('lock_timeout'), set_config('lock_timeout', %s, false)",
        [LOCK_WAIT],
    )
    before = cursor.fetchone()[0]
    try:
        cursor.execute(f"VACUUM FULL {name}")
    except OperationalError as exc:
        if not isinstance(exc.__cause__, errors.LockNotAvailable):
            raise
        return False  # someone held it all that time: left as it is
    finally:
        cursor.execute("SELECT set_config('lock_timeout', %s, false)", [before])
    return True


def _drop_left(cursor, table: str) -> None:
    """Drop what an interrupted concurrent rebuild left: invalid indexes every
    write still updates."""
    cursor.execute(
        """
        SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
        WHERE i.indrelid = %s::regclass AND NOT i.indisvalid AND c.relname ~ '_ccnew[0-9]*$'
        """,
        [table],
    )
    for (index,) in cursor.fetchall():
        cursor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {connection.ops.quote_name(index)}")
