# SPDX-License-Identifier: AGPL-3.0-or-later
"""The newest messages' own search indexes: a first results page that does not read
a common word's whole posting list.

PostgreSQL reads a GIN index's posting list of a word whole into a bitmap before
it fetches a single row, whatever the ``LIMIT`` or date condition. So a newest
page of a common word cost in proportion to the archive: ``b:structs`` is
73,731 entries at ten times linux-rtc, 12 ms a reading, and a page read it two
to four times (the count, then date windows until one held the page).
public-inbox's Xapian walks its documents from the newest and stops at the
page's end.

The tier gives PostgreSQL the same shape: partial GIN indexes of the body and
subject vectors over the messages dated from ``since`` on (about ``TARGET`` of
them), and no date (ghosts; a dateless message sorts first). Every match in
the tier is newer than every match outside it, so when the tier holds a page's
matches that page is the archive's too, and when it holds more matches than a
page counts to, so does the archive: the whole posting lists are never read
(``b:structs`` 0.4-0.8 ms in the tier). A search reads the tier first and the
rest only when it must (``archive.searchresults``).

The tier's condition is written into a statement as a constant, since only a
constant lets the planner use a partial index. A worker reads the tier at its
warm-up, and each search's first statement reads it again with the page, for
the next search (no round trip of its own). A tier a worker still names after
it was replaced is only a slower plan, never other results: the condition is
an ordinary ``WHERE`` clause, true or false whatever index reads it.

New mail joins the tier as it is indexed, so the tier grows; ``roll`` builds
a new one when it holds ``ROLL_AT`` messages (at the end of an ingest, or by
``manage.py searchtier``), concurrently, then drops the old. An archive of
fewer than ``SMALLEST`` messages has no tier: its posting lists are short.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime

from django.db import connection
from django.db.backends.base.base import BaseDatabaseWrapper

from archive.tablestats import maintenance_turn, without_statistics

__all__ = [
    "ROLL_AT", "SINCE_SQL", "SMALLEST", "TARGET", "Rolled", "Tier", "current", "drop_indexes",
    "due", "forget", "learn", "refresh", "roll",
]  # fmt: skip

# How many of the newest messages a tier is built over, and when it is rebuilt.
# A first page of a word found in one message in 40 of them is read in the
# tier; a window of the newest messages is then read through the tier's index
# (a tenth of a millisecond per thousand entries).
TARGET = 8_000
ROLL_AT = 2 * TARGET
# A smaller archive has no tier: its posting lists are short, and a tier would be
# a large share of its search indexes (at linux-rtc's 17k messages, 11 MB on 268,
# and the tier's second reading made its searches slower, not faster).
SMALLEST = 10 * TARGET

_PREFIX = "message_tier_"
# The vectors a tier indexes: the body (b:, bare words) and the subject (s:), as
# their whole-archive indexes do (archive.models.Message.Meta.indexes).
_INDEXES = {
    "body": "gin (search)",
    "subject": "gin (ts_filter(header_search, '{a}'))",
}


@dataclass(frozen=True)
class Tier:
    """The messages dated from ``since`` on (and those without a date)."""

    since: datetime

    def literal(self) -> str:
        return f"'{self.since.astimezone(UTC).isoformat()}'::timestamptz"

    def condition(self, table: str = '"archive_message"') -> str:
        """In the tier: the condition a statement must state as written for the
        planner to read the tier's indexes."""
        return f'({table}."date" >= {self.literal()} OR {table}."date" IS NULL)'

    def older(self, table: str = '"archive_message"') -> str:
        """Outside the tier: every such row sorts after every row inside it."""
        return f'{table}."date" < {self.literal()}'

    def dated(self, table: str = '"archive_message"') -> str:
        """In the tier with a date (what the tier's size counts)."""
        return f'{table}."date" >= {self.literal()}'

    def suffix(self) -> str:
        return self.since.astimezone(UTC).strftime("%Y%m%d%H%M%S%f")


@dataclass(frozen=True)
class Rolled:
    """What ``roll`` did: the new tier (None: the archive is too small for one),
    how many messages it holds, and the seconds taken."""

    tier: Tier | None
    messages: int
    seconds: float

    def line(self) -> str:
        if self.tier is None:
            return "no search tier: the archive is smaller than one"
        return (
            f"search tier rebuilt over {self.messages} messages dated from "
            f"{self.tier.since.isoformat()} in {self.seconds:.1f} s"
        )


# The tier each database's archive had when this worker last asked (a search's
# first statement reads it with the page: SINCE_SQL).
_known: dict[str, Tier | None] = {}
SINCE_SQL = "(SELECT since FROM archive_searchtier WHERE id = 1)"


def current(db: BaseDatabaseWrapper | None = None) -> Tier | None:
    """The tier of ``db``'s archive as this worker last learned it: None before it
    learned any (``refresh``, ``learn``)."""
    return _known.get((db or connection).alias)


def refresh(db: BaseDatabaseWrapper | None = None) -> Tier | None:
    """Read the tier of ``db``'s archive (a worker's warm-up)."""
    db = db or connection
    with db.cursor() as cursor:
        cursor.execute(f"SELECT {SINCE_SQL}")
        since = cursor.fetchone()[0]
    return learn(db, since)


def learn(db: BaseDatabaseWrapper, since: datetime | None) -> Tier | None:
    """Keep the tier a statement read (``SINCE_SQL``) for the next search."""
    tier = Tier(since) if since is not None else None
    _known[db.alias] = tier
    return tier


def forget() -> None:
    """Know no tier until the next search or ``refresh`` (tests)."""
    _known.clear()


def due() -> bool:
    """Whether the tier should be (re)built: it has grown to ``ROLL_AT`` messages,
    or there is none and the archive has reached ``SMALLEST``."""
    tier = refresh()
    with connection.cursor() as cursor:
        # Counts that stop at their threshold: at most SMALLEST rows of the table
        # (a few ms, until the archive has its first tier), or ROLL_AT entries of
        # the date index.
        if tier is None:
            where, limit = "", SMALLEST
        else:
            where, limit = f"WHERE {tier.dated()}", ROLL_AT + 1
        cursor.execute(
            f'SELECT count(*) FROM (SELECT 1 FROM "archive_message" {where} LIMIT %s) AS t',
            [limit],
        )
        return cursor.fetchone()[0] >= limit


def roll(force: bool = False) -> Rolled | None:
    """Rebuild the tier over the newest ``TARGET`` messages when ``due`` (or
    ``force``); None when it was not due.

    Concurrently outside a transaction (searches and ingest go on): the new
    indexes are built before the tier names them, and the old dropped after.
    In the import maintenance turn (``tablestats.maintenance_turn``): a
    concurrent build waits for older transactions, and an import's ANALYZE
    waiting for this build's lock would be one of them.
    """
    if not force and not due():
        return None
    start = time.perf_counter()
    with maintenance_turn():
        if not force and not due():  # another process rolled it meanwhile
            return None
        return _build(start)


def _build(start: float) -> Rolled:
    concurrently = "" if connection.in_atomic_block else " CONCURRENTLY"
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        if not concurrently:
            # Inside a transaction (tests, a migration run atomically) PostgreSQL
            # refuses to index a table with deferred constraint checks pending.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(
            'SELECT "date" FROM archive_message WHERE "date" IS NOT NULL'
            ' ORDER BY "date" DESC OFFSET %s LIMIT 1',
            [TARGET - 1],
        )
        row = cursor.fetchone()
        tier = Tier(row[0]) if row is not None else None
        names = {kind: f"{_PREFIX}{kind}_{tier.suffix()}" for kind in _INDEXES} if tier else {}
        # An interrupted concurrent build leaves an invalid index that every
        # insert still updates: dropped, then built again.
        _drop(cursor, _tier_indexes(cursor, valid=False), concurrently)
        messages = 0
        if tier is not None:
            for kind, name in names.items():
                cursor.execute(
                    f"CREATE INDEX{concurrently} IF NOT EXISTS {quote(name)} ON archive_message"
                    f" USING {_INDEXES[kind]} WHERE {tier.condition('archive_message')}"
                )
                if kind == "subject":
                    # No planner statistics, as the whole subject index (archive 0034).
                    without_statistics(cursor, name)
            cursor.execute(
                "INSERT INTO archive_searchtier (id, since, built) VALUES (1, %s, now())"
                " ON CONFLICT (id) DO UPDATE SET since = EXCLUDED.since, built = EXCLUDED.built",
                [tier.since],
            )
            cursor.execute(f'SELECT count(*) FROM "archive_message" WHERE {tier.dated()}')
            messages = cursor.fetchone()[0]
        else:
            cursor.execute("DELETE FROM archive_searchtier")
        kept = set(names.values())
        _drop(cursor, [n for n in _tier_indexes(cursor, valid=True) if n not in kept], concurrently)
    _known[connection.alias] = tier
    return Rolled(tier, messages, time.perf_counter() - start)


def drop_indexes() -> None:
    """Drop every tier index, valid or not (archive 0033 undone)."""
    with connection.cursor() as cursor:
        names = _tier_indexes(cursor, valid=True) + _tier_indexes(cursor, valid=False)
        _drop(cursor, names, "" if connection.in_atomic_block else " CONCURRENTLY")


def _drop(cursor, names: list[str], concurrently: str) -> None:
    for name in names:
        cursor.execute(f"DROP INDEX{concurrently} IF EXISTS {connection.ops.quote_name(name)}")


def _tier_indexes(cursor, valid: bool) -> list[str]:
    cursor.execute(
        "SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid"
        " WHERE i.indrelid = 'archive_message'::regclass AND i.indisvalid = %s"
        " AND c.relname LIKE %s ORDER BY c.relname",
        [valid, f"{_PREFIX}%"],
    )
    return [name for (name,) in cursor.fetchall()]
