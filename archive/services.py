"""The archive's write path: store a batch of parsed mail, thread it, quarantine the rest.

Everything here is set-based: a batch of a thousand messages costs a fixed
handful of statements (COPY into a staging table, ``INSERT ... ON CONFLICT``,
a few ``UPDATE ... FROM unnest``), never a query per message.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field

from django.db import connection, transaction

from archive import churned, indexdeferral, threads
from archive.dberrors import CONNECTION_ERRORS, brief
from archive.incoming import (
    IncomingMessage,
    clean_text,
    first_of_each,
    rename_taken,
    rename_taken_since,
    rename_within,
)
from archive.lists import ensure_lists
from archive.models import QuarantinedMail
from archive.processors import StoredMessage, message_processors
from archive.tablestats import maintenance_memory, maintenance_turn

logger = logging.getLogger(__name__)

# One ingest batch threads at a time, across processes: threading decisions
# read and then write shared rows (ghosts, thread ids).
INGEST_LOCK_KEY = 0x7468726561  # "threa"

_WIDE = ("text", "bytea", "jsonb")

# A batch this large is part of an import: the search indexes' pending lists
# (GIN fastupdate) may grow to BULK_PENDING_KB before they are merged into the
# index, and the import merges what is left when it ends (merge_search_pending).
# With the default 4 MB a thousand messages' vectors overflow the list about
# once a batch, and each merge touches pages all over an index that grows with
# the archive: at ten times linux-rtc inserting 5.5k messages took 19-20 s
# with 4 MB and 8-9 s with 64 MB, merge included (same at 17k: 7 s either way).
# Searches read the pending list whole, so it stays small outside imports.
BULK_BATCH = 200
BULK_PENDING_KB = 64 * 1024

# The merge itself: PostgreSQL moves a full pending list into the index in
# rounds of work_mem (4 MB by default), each round inserting every key it
# holds into its place in the index, so a 64 MB list went in as many rounds
# that each walked the posting trees of the common words again, longer the
# larger the archive. A bulk batch's message INSERT (where the list overflows) gets
# BULK_MERGE_MEM, enough for the whole list in one round; only that statement,
# so no other plan of the batch changes. Same 17,000 messages inserted with a
# full list (#21, docs/performance.md "Ingest growth"): 2.8 -> 1.8 M buffer
# visits at 17k, 4.6 -> 2.0-2.5 M at ten times linux-rtc.
BULK_MERGE_MEM = "256MB"

# No random_page_cost of its own for a batch: 1.1 (rows in memory) helped
# plans made on statistics lagging behind an import at ten times linux-rtc,
# but a fresh linux-rtc ingest took 59 s with it against 42 s without
# (make bench, 2026-12-06, docs/performance.md "Growth slope").

# The staging table's columns and their types, in COPY order.
_STAGE = (
    ("msgid", "text"),
    ("synthetic_msgid", "boolean"), ("subject", "text"), ("author_email", "text"),
    ("date", "timestamptz"), ("utc_offset", "smallint"), ("in_reply_to", "text"),
    ("refs", "text"), ("to_", "text"), ("cc", "text"), ("body", "bytea"),
    ("html_only", "boolean"), ("sha256", "text"), ("size", "integer"),
    ("raw", "bytea"), ("codec", "smallint"),  # raw mail packed (archive/rawcodec.py)
    ("body_at", "integer"),  # where the body's bytes go back into it (rawcodec.cut_body)
    ("author_name", "text"), ("unquoted", "text"), ("quoted", "text"), ("code", "text"),
    ("terms", "text"), ("apart", "text"),  # exact terms: in the vector, apart (search_terms)
)  # fmt: skip


@dataclass
class BatchResult:
    new: int = 0
    duplicate: int = 0
    renamed: int = 0  # of the new: stored under a derived Message-ID
    stored: list[StoredMessage] = field(default_factory=list)


def store_batch(
    items: Sequence[IncomingMessage], turn: Callable[[], AbstractContextManager] = nullcontext
) -> BatchResult:
    """Store, thread and hand to processors one batch, atomically.

    Staging the mail and computing its search vectors needs no lock, so it
    happens first; ``turn`` then wraps taking the ingest lock, letting
    concurrent writers of one ingest (archive.ingest) take it in batch order
    while the next batch is already being staged.

    A mail whose Message-ID other mail took first is stored under one of its
    own (archive.incoming); the same mail again is a duplicate, as always.
    """
    items = rename_within(items)
    batch = first_of_each(items)
    result = BatchResult(duplicate=len(items) - len(batch))
    if not batch:
        return result
    with transaction.atomic(), connection.cursor() as cursor:
        items, batch = rename_taken(cursor, items, batch)
        _stage(cursor, batch)
        with turn():
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [INGEST_LOCK_KEY])
        items, batch = rename_taken_since(cursor, items, batch)
        people = _ensure_people(cursor, batch)
        known = threads.known_nodes(
            cursor, [r for i in batch for r in (i.parsed.msgid, *i.parsed.references)]
        )
        incoming = [i for i in batch if (n := known.get(i.parsed.msgid)) is None or n.is_ghost]
        # Staged before the lock without what was already archived then; mail
        # is never removed, so everything incoming now is in the stage.
        placement = threads.place(cursor, [i.parsed for i in incoming], known)
        threads.write_ghosts_and_changes(cursor, placement)
        ids = placement.ids
        # All items, not just unique ones: a second copy may name another list.
        links = _wanted_links(items, ids)
        _place_staged(cursor, incoming, placement, links)
        new_ids = _insert_messages(cursor, bulk=len(batch) >= BULK_BATCH)
        _insert_raw(cursor)
        new_links = _link_lists(cursor, links, set(new_ids.values()))
        threads.refresh_threads(cursor, sorted(placement.touched_threads))
        cursor.execute("TRUNCATE ingest_stage, ingest_place")
        result.new = len(new_ids)
        result.duplicate += len(batch) - len(new_ids)
        result.renamed = sum(1 for i in batch if i.taken_msgid and i.parsed.msgid in new_ids)
        result.stored = [
            StoredMessage(
                id=ids[item.parsed.msgid],
                parsed=item.parsed,
                analysis=item.analysis,
                is_new=item.parsed.msgid in new_ids,
                new_lists=tuple(new_links.get(ids[item.parsed.msgid], ())),
                author_id=people.get(item.parsed.from_email),
            )
            for item in batch
        ]
        after_commit = [then for p in message_processors() if (then := p.apply(result.stored))]
    # Committed, the ingest lock released: the next batch's writer takes it meanwhile.
    _after_commit(after_commit)
    return result


def _after_commit(steps: Sequence[Callable[[], None]]) -> None:
    """Run the processors' after-commit steps; they make caches, so a failure is logged
    and costs only its cache (a savepoint when the caller's transaction is still open)."""
    for then in steps:
        try:
            with transaction.atomic():
                then()
        except CONNECTION_ERRORS as exc:
            # A lost database fails the next batch or the import's end, which stop the
            # ingest with a sentence saying so: no traceback for the operator here.
            logger.warning(
                "a processor's after-commit step could not reach the database (%s); "
                "its caches are made live",
                brief(exc),
            )
        except Exception:
            logger.exception("a processor's after-commit step failed; its caches are made live")


# An import that wrote most of the table rebuilds its search indexes instead of
# merging their pending lists: the merges during the import add entries to the
# posting trees a page at a time and leave them split half empty (linux-rtc
# into a fresh database: body index 94-96 MB merged, 37 MB rebuilt, which took
# 4.6-5.5 s). An import of a smaller share merges as before; rebuilding would
# cost it time in proportion to the whole archive for little space back.
REBUILD_SHARE = 0.5

# The rebuild's memory for collecting keys. PostgreSQL builds a GIN index by
# inserting the keys it has collected in sorted order, and a full entry page
# splits in half: with every key collected at once (64 MB held linux-rtc's)
# each page was left half empty for good. Collected a few megabytes at a time,
# later rounds' keys land between earlier ones and fill the pages to about
# 70%: the body and terms indexes 19.9 + 17.8 -> 16.5 + 14.1 MB at 17k, the
# same entries, built no slower (#21, docs/performance.md "The sixth cut").
REBUILD_MEM = "4MB"


def settle_search_indexes(new: int) -> None:
    """End an import of ``new`` messages with its search indexes merged; if it was most of
    the archive, with them rebuilt packed and its churned tables rewritten (``churned``)."""
    with maintenance_turn():  # never beside another import's rebuild or ANALYZE
        # Those this import dropped (archive.indexdeferral), or one that stopped did.
        built = indexdeferral.build_missing()
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM archive_message")
            total = cursor.fetchone()[0]
        if new < total * REBUILD_SHARE:
            merge_search_pending()
        else:
            rebuild_search_indexes(skip=built)
            # and the small tables its batches updated row by row (archive.churned)
            churned.rewrite_churned_tables()


def rebuild_search_indexes(skip: Sequence[str] = ()) -> None:
    """Build the search indexes anew, packed and with nothing pending.

    ``CONCURRENTLY`` keeps searches and other writers going while it builds;
    inside a transaction (where PostgreSQL does not allow that) the plain
    rebuild locks the index until the transaction ends. Callers hold the
    maintenance turn (``settle_search_indexes``), so two imports never rebuild
    at once.
    """
    concurrently = "" if connection.in_atomic_block else " CONCURRENTLY"
    with connection.cursor() as cursor:
        # What an interrupted concurrent rebuild left: invalid, yet kept up
        # to date by every insert until dropped.
        cursor.execute(_LEFT_BY_REBUILDS)
        for (name,) in cursor.fetchall():
            cursor.execute(f"DROP INDEX{concurrently} IF EXISTS {connection.ops.quote_name(name)}")
        cursor.execute(_SEARCH_GIN_NAMES)
        names = [name for (name,) in cursor.fetchall() if name not in skip]
        if not names:
            return
        with maintenance_memory(cursor, REBUILD_MEM):
            for name in names:
                cursor.execute(f"REINDEX INDEX{concurrently} {connection.ops.quote_name(name)}")


_LEFT_BY_REBUILDS = """
    SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
    WHERE i.indrelid = 'archive_message'::regclass AND NOT i.indisvalid
        AND c.relname ~ '_ccnew[0-9]*$'
"""
_SEARCH_GIN_NAMES = """
    SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
    JOIN pg_am am ON am.oid = c.relam
    WHERE i.indrelid = 'archive_message'::regclass AND am.amname = 'gin' AND i.indisvalid
    ORDER BY c.relname
"""


def merge_search_pending() -> None:
    """Merge the search indexes' pending lists, which bulk batches let grow (BULK_BATCH).

    Run at the end of an import, so that searches right after it do not read
    megabytes of pending entries until autovacuum gets to them.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT gin_clean_pending_list(i.indexrelid)
            FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
            JOIN pg_am am ON am.oid = c.relam
            WHERE i.indrelid = 'archive_message'::regclass AND am.amname = 'gin'
            """
        )


def _ensure_people(cursor, batch: Sequence[IncomingMessage]) -> dict[str, int]:
    names: dict[str, str] = {}
    for item in batch:
        email = item.parsed.from_email
        if email and not names.get(email):
            names[email] = item.parsed.from_name[:255]
    return ensure_people(cursor, names)


def ensure_people(cursor, names: dict[str, str]) -> dict[str, int]:
    """Person ids by address, creating the missing; a blank name is filled in later."""
    if not names:
        return {}
    emails, display = list(names), [names[e] for e in names]
    cursor.execute(
        """
        INSERT INTO archive_person (email, name)
        SELECT * FROM unnest(%s::text[], %s::text[])
        ON CONFLICT (email) DO UPDATE SET name = EXCLUDED.name
            WHERE archive_person.name = '' AND EXCLUDED.name <> ''
        """,
        [emails, display],
    )
    cursor.execute("SELECT email, id FROM archive_person WHERE email = ANY(%s)", [emails])
    return dict(cursor.fetchall())


def _stage(cursor, batch: Sequence[IncomingMessage]) -> None:
    """COPY the batch's mail not yet archived into ``ingest_stage``, with its search vectors.

    Lock-free: a message archived since is simply not inserted (the INSERT
    fills ghosts only), or, if other mail, renamed by ``_taken_since``.
    """
    if len(batch) >= BULK_BATCH:  # for the whole transaction: the INSERT comes later
        cursor.execute(f"SET LOCAL gin_pending_list_limit = {BULK_PENDING_KB}")
    cursor.execute(
        "SELECT msgid FROM archive_message WHERE msgid = ANY(%s) AND NOT is_ghost",
        [[i.parsed.msgid for i in batch]],
    )
    archived = {row[0] for row in cursor.fetchall()}
    todo = [i for i in batch if i.parsed.msgid not in archived]
    columns = ", ".join(name for name, _ in _STAGE)
    # Staged values are read once, right away: storing them uncompressed
    # (EXTERNAL) spares compressing every body twice.
    cursor.execute(
        "CREATE TEMP TABLE IF NOT EXISTS ingest_stage ("
        + ", ".join(
            f"{name} {kind} STORAGE EXTERNAL" if kind in _WIDE else f"{name} {kind}"
            for name, kind in _STAGE
        )
        + ", vec tsvector, header_vec tsvector)"
    )
    cursor.execute(
        "CREATE TEMP TABLE IF NOT EXISTS ingest_place "
        "(msgid text PRIMARY KEY, id bigint, parent_id bigint, thread_id bigint,"
        " list_ids bigint[])"
    )
    if not todo:
        return
    # Binary COPY: text-format COPY would hex-escape every raw byte in Python.
    with cursor.cursor.copy(f"COPY ingest_stage ({columns}) FROM STDIN (FORMAT BINARY)") as copy:
        copy.set_types([kind for _, kind in _STAGE])
        for item in todo:
            p = item.parsed
            # Raw mail and body packed (archive/rawcodec.py, bodycodec.py) and the
            # body split for its vector, all by the parse workers where there are some.
            ready = item.ready()
            text = ready.text
            copy.write_row(
                (
                    p.msgid, p.synthetic_msgid, _clean(p.subject), p.from_email or None,
                    p.date, p.utc_offset, p.in_reply_to or "", _clean(" ".join(p.references)),
                    _clean(p.to), _clean(p.cc), ready.body,
                    p.html_only, p.sha256, p.size, ready.packed, ready.codec, ready.body_at,
                    _clean(p.from_name),
                    text.unquoted, text.quoted, text.code, ready.terms, ready.apart,
                )
            )  # fmt: skip
    # The costliest part of storing mail, done before the lock so that it
    # overlaps with another writer's locked work.
    cursor.execute(
        """
        UPDATE ingest_stage SET
            vec = threadwork_search_vector(unquoted, quoted, code, string_to_array(terms, ' ')),
            -- recipients are searched by their exact t:/c: terms
            header_vec = threadwork_header_vector(
                subject, coalesce(author_name, '') || ' ' || coalesce(author_email, ''))
        """
    )


def _place_staged(
    cursor, incoming: Sequence[IncomingMessage], placement, links: dict[int, list[int]]
) -> None:
    """Ids, parents, threads and lists of the staged mail that goes in, decided under
    the lock."""
    ids = [placement.ids[i.parsed.msgid] for i in incoming]
    cursor.execute(
        """
        INSERT INTO ingest_place (msgid, id, parent_id, thread_id, list_ids)
        SELECT msgid, id, parent_id, thread_id,
            coalesce(string_to_array(list_ids, ' ')::bigint[], '{}')
        FROM unnest(%s::text[], %s::bigint[], %s::bigint[], %s::bigint[], %s::text[])
            AS u (msgid, id, parent_id, thread_id, list_ids)
        """,
        [
            [i.parsed.msgid for i in incoming],
            ids,
            [placement.parent[i] for i in ids],
            [placement.thread[i] for i in ids],
            # Arrays of unequal lengths cannot nest in one parameter: each as text.
            [" ".join(map(str, links.get(i, ()))) or None for i in ids],
        ],
    )


_clean = clean_text


@contextmanager
def _merge_memory(cursor, bulk: bool) -> Iterator[None]:
    """``work_mem`` of BULK_MERGE_MEM for the statement inside, when ``bulk``; restored after."""
    if not bulk:
        yield
        return
    cursor.execute(
        "SELECT current_setting('work_mem'), set_config('work_mem', %s, true)", [BULK_MERGE_MEM]
    )
    previous = cursor.fetchone()[0]
    yield
    cursor.execute("SELECT set_config('work_mem', %s, true)", [previous])


def _insert_messages(cursor, *, bulk: bool = False) -> dict[str, int]:
    """Insert staged mail; a ghost with the same Message-ID is filled in. Returns the new ones."""
    with _merge_memory(cursor, bulk):
        cursor.execute(
            """
        INSERT INTO archive_message AS m (
            id, parent_id, thread_id, msgid, is_ghost, synthetic_msgid, subject, author_id, date,
            utc_offset, in_reply_to, "references", "to", cc, body, html_only,
            archived_at, search, search_terms, header_search, list_ids)
        SELECT pl.id, pl.parent_id, pl.thread_id, s.msgid, false, s.synthetic_msgid, s.subject,
               p.id, s.date, s.utc_offset, s.in_reply_to, string_to_array(s.refs, ' '), s.to_,
               s.cc, s.body, s.html_only, now(), s.vec, s.apart,
               s.header_vec, pl.list_ids
        FROM ingest_stage s JOIN ingest_place pl ON pl.msgid = s.msgid
        LEFT JOIN archive_person p ON p.email = s.author_email
        ON CONFLICT (msgid) DO UPDATE SET
            is_ghost = false, synthetic_msgid = EXCLUDED.synthetic_msgid,
            subject = EXCLUDED.subject, author_id = EXCLUDED.author_id, date = EXCLUDED.date,
            utc_offset = EXCLUDED.utc_offset, in_reply_to = EXCLUDED.in_reply_to,
            "references" = EXCLUDED."references", "to" = EXCLUDED."to", cc = EXCLUDED.cc,
            body = EXCLUDED.body, html_only = EXCLUDED.html_only,
            archived_at = EXCLUDED.archived_at, search = EXCLUDED.search,
            search_terms = EXCLUDED.search_terms, header_search = EXCLUDED.header_search,
            parent_id = EXCLUDED.parent_id, thread_id = EXCLUDED.thread_id,
            list_ids = EXCLUDED.list_ids
            WHERE m.is_ghost
        RETURNING m.msgid, m.id
        """
        )
        new = dict(cursor.fetchall())  # before work_mem is restored on this cursor
    return new


def _insert_raw(cursor) -> None:
    cursor.execute(
        """
        INSERT INTO archive_rawmail (message_id, data, codec, body_at, sha256, size)
        SELECT pl.id, s.raw, s.codec, s.body_at, s.sha256, s.size
        FROM ingest_stage s JOIN ingest_place pl ON pl.msgid = s.msgid
        ON CONFLICT (message_id) DO NOTHING
        """
    )


def _wanted_links(items: Sequence[IncomingMessage], ids: dict[str, int]) -> dict[int, list[int]]:
    """The lists each message of the batch came through, by message id (lists created
    when new), sorted: what ``archive_messagelist`` and ``Message.list_ids`` get."""
    wanted: dict[str, tuple[str, str]] = {}
    pairs: list[tuple[int, str]] = []
    for item in items:
        p = item.parsed
        list_ids = [(item.list_override, "")] if item.list_override else list(p.list_ids)
        for list_id, description in list_ids:
            wanted.setdefault(list_id, (description, p.list_post))
            pairs.append((ids[p.msgid], list_id))
    if not pairs:
        return {}
    lists = ensure_lists(wanted)
    links: dict[int, set[int]] = {}
    for message_id, list_id in pairs:
        links.setdefault(message_id, set()).add(lists[list_id].id)
    return {message_id: sorted(found) for message_id, found in links.items()}


def _link_lists(cursor, links: dict[int, list[int]], fresh: set[int]) -> dict[int, list[int]]:
    """Store ``links``; returns those that are new, by message id. The rows of ``fresh``
    mail got their ``list_ids`` as they were written; older mail's are added to, and
    its threads listed in its new lists."""
    if not links:
        return {}
    pairs = [(m, lid) for m, list_ids in links.items() for lid in list_ids]
    cursor.execute(
        """
        INSERT INTO archive_messagelist (message_id, mailing_list_id)
        SELECT * FROM unnest(%s::bigint[], %s::bigint[])
        ON CONFLICT DO NOTHING
        RETURNING message_id, mailing_list_id
        """,
        [[m for m, _ in pairs], [lid for _, lid in pairs]],
    )
    new: dict[int, list[int]] = {}
    for message_id, list_id in cursor.fetchall():
        new.setdefault(message_id, []).append(list_id)
    older = {m: list_ids for m, list_ids in new.items() if m not in fresh}
    _add_list_ids(cursor, older)
    _relist_threads(cursor, list(older))
    return new


def _add_list_ids(cursor, new: dict[int, list[int]]) -> None:
    """Add lists to mail archived before this batch (a copy through another list)."""
    if not new:
        return
    cursor.execute(
        """
        UPDATE archive_message m SET list_ids = ARRAY(
            SELECT DISTINCT x FROM unnest(m.list_ids || string_to_array(u.added, ' ')::bigint[])
                AS x ORDER BY x)
        FROM unnest(%s::bigint[], %s::text[]) AS u (id, added)
        WHERE m.id = u.id
        """,
        [list(new), [" ".join(map(str, sorted(v))) for v in new.values()]],
    )


def _relist_threads(cursor, message_ids: list[int]) -> None:
    """Known mail delivered through another list puts its thread in that list too."""
    if message_ids:
        cursor.execute(
            """
            INSERT INTO archive_thread_lists (thread_id, mailinglist_id)
            SELECT DISTINCT m.thread_id, ml.mailing_list_id
            FROM archive_message m JOIN archive_messagelist ml ON ml.message_id = m.id
            WHERE m.id = ANY(%s) AND m.thread_id IS NOT NULL
            ORDER BY 1, 2
            ON CONFLICT DO NOTHING
            """,
            [message_ids],
        )


def quarantine(
    raw: bytes,
    sha256: str,
    reason: str,
    detail: str,
    origin: str,
    list_hint: str = "",
    size: int | None = None,
) -> None:
    """Keep mail we could not archive, with the reason; a retry of the same bytes counts up.

    ``raw`` may be only the first bytes of a mail of ``size`` bytes (too large
    to keep whole): ``size`` is then more than ``len(raw)``.
    """
    # size is an integer column: a larger mail's true size is in its detail.
    size = min(len(raw) if size is None else size, 2**31 - 1)
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO archive_quarantinedmail
                (data, sha256, size, reason, detail, origin, list_hint, received, attempts)
            VALUES (%s, %s, %s, %s, %s, %s, %s, now(), 1)
            ON CONFLICT (sha256) DO UPDATE SET attempts = archive_quarantinedmail.attempts + 1,
                reason = EXCLUDED.reason, detail = EXCLUDED.detail
            """,
            [raw, sha256, size, reason, detail[:2000], origin[:1000], list_hint[:255]],
        )


def release_quarantined(ids: Sequence[int]) -> None:
    QuarantinedMail.objects.filter(id__in=ids).delete()
