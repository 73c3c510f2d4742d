# SPDX-License-Identifier: AGPL-3.0-or-later
"""A first import builds the search indexes once, at its end.

Every batch an import stores also goes into the four GIN indexes of
``archive_message`` (body, exact terms, header, subject): PostgreSQL adds
each message's lexemes to the index's pending list and merges that list
into the posting trees as it fills, under the ingest lock. An import that
ends by rebuilding those indexes anyway (``services.settle_search_indexes``:
one that wrote most of the archive) did that work for nothing. linux-rtc
into an empty database, trees alternating: 40.5, 35.2, 32.9 and 32.4 s with
the indexes kept up, 34.3, 32.6, 28.7 and 30.1 s with them built at the end
(#21, docs/performance.md "Search indexes built once").

So an import into an archive that holds fewer than ``EMPTY_BELOW`` messages
drops them before it stores its first full batch (a smaller import is not
worth it: its end would build them at once), and builds them from the
model's own definitions at its end. Searches meanwhile read every message
stored so far (slower as the import goes on: the archive is being built),
and find the same mail.

Two imports can overlap: the one that dropped the indexes holds the
session lock ``LOCK_KEY`` until it has built them, and another import
leaves them to it. An import that fails builds them back before it raises
(``build_quietly``). One interrupted (Ctrl-C) lets the lock go unbuilt, and
one killed or cut off from its database loses the lock with its session:
the next import to end builds what is missing, a single mail piped in
included (``heal``). Dropping and building take the maintenance turn, as a
rebuild does.
"""

from __future__ import annotations

import logging
import threading
import time

from django.contrib.postgres.indexes import GinIndex
from django.db import DatabaseError, connection

from archive.dberrors import brief
from archive.models import Message
from archive.tablestats import maintenance_memory, maintenance_turn, without_statistics

__all__ = [
    "EMPTY_BELOW", "LOCK_KEY", "NO_STATISTICS", "build_missing", "build_quietly", "defer",
    "heal", "missing", "release",
]  # fmt: skip

logger = logging.getLogger(__name__)

# An archive holding fewer messages than this is new: its imports defer the
# search indexes (a store batch's worth; searches of it read every row anyway).
EMPTY_BELOW = 1000
LOCK_KEY = 0x6465666572  # "defer"
# The expression indexes that keep no planner statistics (archive migrations
# 0018 and 0034 say why: with them PostgreSQL planned a common word's page
# with a hash join of all its matches, and replanned each search). The target
# belongs to the index, not the model's definition: a build sets it again.
NO_STATISTICS = ("message_terms_gin", "message_subject_gin")
# The build's memory for collecting keys: a few megabytes at a time pack the
# entry pages (services.REBUILD_MEM says why).
BUILD_MEM = "4MB"

# Whether this process's connection holds LOCK_KEY (session locks stack, so
# it is taken once and given back once), and whether because this import
# dropped the indexes (it builds them plainly) rather than to build what an
# import that stopped left missing (concurrently: the archive is live).
_holding = False
_dropped = False


def search_indexes() -> list[GinIndex]:
    """The archive's search indexes, as the model defines them."""
    return [index for index in Message._meta.indexes if isinstance(index, GinIndex)]


def missing() -> list[GinIndex]:
    """The search indexes the database lacks (or holds only half built)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid"
            " WHERE i.indrelid = 'archive_message'::regclass AND i.indisvalid"
        )
        present = {name for (name,) in cursor.fetchall()}
    return [index for index in search_indexes() if index.name not in present]


def defer() -> bool:
    """Drop the search indexes when the archive is new and no other import has
    them dropped already; whether this import now builds them at its end.

    Only outside a transaction: writers on other connections would wait for
    the dropped indexes' lock until the transaction ended.
    """
    global _dropped
    if connection.in_atomic_block or _holding:
        return _dropped
    with maintenance_turn(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM (SELECT FROM archive_message LIMIT %s) AS held", [EMPTY_BELOW]
        )
        if cursor.fetchone()[0] >= EMPTY_BELOW:
            return False
        if not _take():
            return False  # another import dropped them and builds them
        _dropped = True
        for index in search_indexes():
            name = connection.ops.quote_name(index.name)
            cursor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")
    return True


def _take() -> bool:
    """Hold ``LOCK_KEY``, unless another import does (it dropped the indexes and is
    still storing: it builds them)."""
    global _holding
    if not _holding:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [LOCK_KEY])
            _holding = bool(cursor.fetchone()[0])
    return _holding


def build_missing() -> list[str]:
    """Build the search indexes the database lacks, unless another import dropped
    them and is still storing; the names built. Callers hold the maintenance turn."""
    wanted = missing()
    if not wanted:
        release()
        return []
    if not _take():
        return []
    dropped_here = _dropped  # the archive is this import's, new
    try:
        if connection.in_atomic_block:
            with connection.cursor() as cursor:
                # A transaction's pending foreign-key checks forbid building an index
                # of their table; they are run now rather than at its commit.
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                _build(wanted, concurrently=False)
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")  # Django's are all deferred
        elif dropped_here:
            _build_side_by_side(wanted)
        else:
            # Missing from a live archive (an import died): writers go on meanwhile.
            _build(wanted, concurrently=True)
    finally:
        release()
    return [index.name for index in wanted]


def _build_side_by_side(wanted: list[GinIndex]) -> None:
    """Build on two connections at once, the body index on this one and the others
    on a second: a plain build (one pass over the table, where a concurrent one
    makes two), which holds off writers, not readers, while it runs: this
    import's archive is new. linux-rtc's end: 3.8 s one after the other,
    concurrently; 1.6 s this way."""
    body = [index for index in wanted if index.name == "message_search_gin"]
    rest = [index for index in wanted if index not in body]
    if not body or not rest:
        _build(wanted, concurrently=False)
        return
    failed: list[BaseException] = []

    def build_rest() -> None:
        try:
            _build(rest, concurrently=False)
        except BaseException as exc:  # raised again on the import's own thread
            failed.append(exc)
        finally:
            connection.close()  # this thread's own

    side = threading.Thread(target=build_rest, name="search-index-build")
    side.start()
    try:
        _build(body, concurrently=False)
    finally:
        side.join()
    if failed:
        raise failed[0]


def _build(wanted: list[GinIndex], *, concurrently: bool) -> None:
    """Build ``wanted`` one after the other on this thread's connection."""
    with (
        connection.cursor() as cursor,
        maintenance_memory(cursor, BUILD_MEM),
        connection.schema_editor(atomic=False) as editor,
    ):
        for index in wanted:
            start = time.perf_counter()
            # A build that stopped half way leaves an invalid index of the name.
            cursor.execute(
                f"DROP INDEX{' CONCURRENTLY' * concurrently} IF EXISTS"
                f" {connection.ops.quote_name(index.name)}"
            )
            cursor.execute(str(index.create_sql(Message, editor, concurrently=concurrently)))
            if index.name in NO_STATISTICS:
                without_statistics(cursor, index.name)
            seconds = time.perf_counter() - start
            logger.info("search index %s built in %.1f s", index.name, seconds)


def heal() -> bool:
    """After an import too small to settle the search indexes (a mail piped in):
    build what an import that stopped left missing; whether it built any. Never
    waits for an import that dropped them and is still storing."""
    if not missing() or not _take():
        return False
    try:
        with maintenance_turn():
            return bool(build_missing())
    finally:
        release()


def release() -> None:
    """Give ``LOCK_KEY`` back if this process holds it."""
    global _holding, _dropped
    if not _holding:
        return
    _holding = _dropped = False
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [LOCK_KEY])
    except DatabaseError:  # a lost session has let it go already
        pass


def build_quietly() -> None:
    """After a failed import: build what it dropped, if it dropped them and the
    database still answers."""
    if not _dropped:
        return
    try:
        with maintenance_turn():
            build_missing()
    except Exception as exc:  # the import's own error is the one to report
        # With the session gone goes the lock: the next import builds them.
        logger.warning(
            "The search indexes this import dropped were not built again (%s); "
            "the next import builds them.",
            brief(exc),
        )
        release()
