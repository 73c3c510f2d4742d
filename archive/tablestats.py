"""Fresh planner statistics and visibility maps after a large import.

Autovacuum analyses a table once a fifth of it changed and then only after
its nap, so right after importing an archive the planner still believes the
tables are a fraction of their size: on a 95k-message list the patch list
took 85 ms until a manual ``ANALYZE`` brought it to 50. A large ingest
therefore analyses, itself, every table it changed a good share of.

It vacuums them in the same command: the rows it wrote are not yet marked
visible to all in their tables' visibility maps, so an index-only scan still
reads each row's heap page. The date index's walk to a search window's first
date (32,000 entries at ten times linux-rtc, ``archive.searchresults``) took
22.8 ms instead of 4.4 until autovacuum came round.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.db import DatabaseError, connection, transaction

from archive.dberrors import brief

logger = logging.getLogger(__name__)

# Below this many new messages autovacuum keeps up on its own, and a mail
# piped in by an MTA must not pay for statistics.
MIN_NEW_MESSAGES = 5000
# A table is re-analysed once this share of its rows changed since its last
# ANALYZE (autovacuum's default threshold is 0.2 plus 50 rows).
MIN_CHANGED_SHARE = 0.1
MIN_CHANGED_ROWS = 1000

_STALE_TABLES = """
    SELECT format('%%I.%%I', schemaname, relname)
    FROM pg_stat_user_tables
    WHERE n_mod_since_analyze >= greatest(%s, %s * n_live_tup)
    ORDER BY n_live_tup DESC
"""


# What an import does to its tables when it ends (ANALYZE, a concurrent
# REINDEX of the search indexes, merging their pending lists) takes turns
# under this session-level lock. A concurrent rebuild waits for every
# transaction older than it, so another import waiting inside a statement for
# a lock the rebuild holds (ANALYZE's) is a deadlock: four imports at once
# met it in make bench. The turn is therefore waited for between statements,
# where no transaction of ours is open.
MAINTENANCE_LOCK_KEY = 0x6D61696E74  # "maint"
POLL_SECONDS = 0.1


@contextmanager
def maintenance_turn() -> Iterator[None]:
    """Hold the import maintenance lock for the block, waiting for it without a transaction."""
    while not _try_turn():
        time.sleep(POLL_SECONDS)
    try:
        yield
    finally:
        _give_turn_back()


def _try_turn() -> bool:
    """Take the import maintenance lock if it is free; whether it was taken."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [MAINTENANCE_LOCK_KEY])
        return bool(cursor.fetchone()[0])


def _give_turn_back() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_unlock(%s)", [MAINTENANCE_LOCK_KEY])


@contextmanager
def maintenance_memory(cursor, size: str) -> Iterator[None]:
    """``maintenance_work_mem`` of ``size`` inside the block: for the transaction when
    in one (PostgreSQL puts it back at its end), else for the session, put back after
    (a concurrent build or rebuild runs outside any transaction)."""
    local = connection.in_atomic_block
    cursor.execute(
        "SELECT current_setting('maintenance_work_mem'),"
        " set_config('maintenance_work_mem', %s, %s)",
        [size, local],
    )
    before = cursor.fetchone()[0]
    try:
        yield
    finally:
        if not local:
            cursor.execute("SELECT set_config('maintenance_work_mem', %s, false)", [before])


def without_statistics(cursor, index: str) -> None:
    """Have ANALYZE gather no planner statistics for the expression of ``index``
    (its first column). Run it as the index is built: what an ANALYZE gathered
    before stays until the index is built anew."""
    cursor.execute(
        f"ALTER INDEX {connection.ops.quote_name(index)} ALTER COLUMN 1 SET STATISTICS 0"
    )


@dataclass(frozen=True)
class Refresh:
    tables: tuple[str, ...]
    seconds: float

    def line(self) -> str:
        return f"planner statistics refreshed for {len(self.tables)} tables in {self.seconds:.1f} s"


def stale_tables(share: float = MIN_CHANGED_SHARE) -> list[str]:
    """Tables whose statistics miss ``share`` of their rows (and MIN_CHANGED_ROWS)."""
    with connection.cursor() as cursor:
        # This session's own counts reach pg_stat only once it goes idle, and
        # at most once a second unless asked; a writer that wrote in this
        # session (one worker) would otherwise see its tables as untouched.
        cursor.execute("SELECT pg_stat_force_next_flush()")
    with connection.cursor() as cursor:
        cursor.execute(_STALE_TABLES, [MIN_CHANGED_ROWS, share])
        return [row[0] for row in cursor.fetchall()]


def refresh_after_import(new_messages: int) -> Refresh | None:
    """VACUUM and ANALYZE what a large import changed (ANALYZE alone inside a
    transaction, where PostgreSQL cannot vacuum); None when the import was small."""
    if new_messages < MIN_NEW_MESSAGES:
        return None
    start = time.perf_counter()
    command = "ANALYZE " if connection.in_atomic_block else "VACUUM (ANALYZE) "
    with maintenance_turn():
        tables = stale_tables()
        if tables:
            with connection.cursor() as cursor:
                # The names come from the catalogue, quoted by format('%I').
                cursor.execute(command + ", ".join(tables))
    return Refresh(tuple(tables), time.perf_counter() - start)


# Mid-import: a table is analysed again once it has grown by about half since
# its statistics were taken, so an import analyses each table a handful of
# times (after its first batch, then as it doubles), not after every batch.
GROWN_SHARE = 0.5


def analyze_grown() -> tuple[str, ...]:
    """ANALYZE the tables an import has grown by half since their last statistics.

    Skipped (empty answer) while another import holds the maintenance turn:
    its end analyses everything anyway, and waiting here would hold up this
    import's writer. Statistics only speed the next batches up, so a failure
    here is logged and the import goes on (a lost database fails its next batch).
    """
    if not _try_turn():
        return ()
    try:
        with transaction.atomic():  # a savepoint inside a caller's transaction
            tables = tuple(stale_tables(GROWN_SHARE))
            if tables:
                with connection.cursor() as cursor:
                    cursor.execute("ANALYZE " + ", ".join(tables))
    except DatabaseError as exc:  # a sentence: a lost database is reported by the batch
        logger.warning(
            "statistics mid-import failed (%s); the import goes on",
            brief(exc),
        )
        tables = ()
    finally:
        _give_turn_back()
    return tables
