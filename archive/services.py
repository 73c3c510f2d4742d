"""The archive's write path: store a batch of parsed mail, thread it, quarantine the rest.

Everything here is set-based: a batch of a thousand messages costs a fixed
handful of statements (COPY into a staging table, ``INSERT ... ON CONFLICT``,
a few ``UPDATE ... FROM unnest``), never a query per message.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db import connection, transaction

from archive import threading
from archive.lists import ensure_lists
from archive.models import QuarantinedMail
from archive.parsing import ParsedMessage
from archive.processors import StoredMessage, message_processors
from archive.searchindex import index_messages

# One ingest batch threads at a time, across processes: threading decisions
# read and then write shared rows (ghosts, thread ids).
INGEST_LOCK_KEY = 0x7468726561  # "threa"

_STAGE_COLUMNS = (
    "msgid", "synthetic_msgid", "subject", "author_email", "date", "utc_offset",
    "in_reply_to", "refs", "to_", "cc", "headers", "body", "html_only", "sha256", "size", "raw",
)  # fmt: skip


_STAGE_TYPES = (
    "text", "bool", "text", "text", "timestamptz", "int2", "text", "text[]", "text", "text",
    "jsonb", "text", "bool", "text", "int4", "bytea",
)  # fmt: skip


@dataclass(frozen=True)
class IncomingMessage:
    parsed: ParsedMessage
    raw: bytes
    analysis: dict = field(default_factory=dict)
    list_override: str | None = None


@dataclass
class BatchResult:
    new: int = 0
    duplicate: int = 0
    stored: list[StoredMessage] = field(default_factory=list)


def store_batch(items: Sequence[IncomingMessage]) -> BatchResult:
    """Store, thread and hand to processors one batch, atomically."""
    unique: dict[str, IncomingMessage] = {}
    for item in items:
        unique.setdefault(item.parsed.msgid, item)
    batch = list(unique.values())
    result = BatchResult(duplicate=len(items) - len(batch))
    if not batch:
        return result
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [INGEST_LOCK_KEY])
        people = _ensure_people(cursor, batch)
        _stage(cursor, batch, people)
        new_ids = _insert_messages(cursor)
        ids = _message_ids(cursor)
        # All items, not just unique ones: a second copy may name another list.
        new_links = _link_lists(cursor, items, ids)
        _insert_raw(cursor, new_ids)
        _thread(cursor, batch, ids, set(new_ids.values()))
        fresh = set(new_ids.values())
        _relist_threads(cursor, [m for m in new_links if m not in fresh])
        index_messages(cursor, {new_ids[i.parsed.msgid]: i.parsed.search_terms for i in batch
                                if i.parsed.msgid in new_ids})  # fmt: skip
        cursor.execute("TRUNCATE ingest_stage")
        result.new = len(new_ids)
        result.duplicate += len(batch) - len(new_ids)
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
        for processor in message_processors():
            processor.apply(result.stored)
    return result


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


def _stage(cursor, batch: Sequence[IncomingMessage], people: dict[str, int]) -> None:
    cursor.execute(
        """
        CREATE TEMP TABLE IF NOT EXISTS ingest_stage (
            msgid text, synthetic_msgid boolean, subject text, author_email text,
            date timestamptz, utc_offset smallint, in_reply_to text, refs text[], to_ text,
            cc text, headers jsonb, body text, html_only boolean, sha256 text, size integer,
            raw bytea
        )
        """
    )
    columns = ", ".join(_STAGE_COLUMNS)
    # Binary COPY: text-format COPY would hex-escape every raw byte in Python.
    with cursor.cursor.copy(f"COPY ingest_stage ({columns}) FROM STDIN (FORMAT BINARY)") as copy:
        copy.set_types(_STAGE_TYPES)
        for item in batch:
            p = item.parsed
            copy.write_row(
                (
                    p.msgid, p.synthetic_msgid, _clean(p.subject), p.from_email or None,
                    p.date, p.utc_offset, p.in_reply_to or "", [_clean(r) for r in p.references],
                    _clean(p.to), _clean(p.cc), _clean(json.dumps(p.headers)), _clean(p.body),
                    p.html_only, p.sha256, p.size, item.raw,
                )
            )  # fmt: skip


def _clean(text: str) -> str:
    # PostgreSQL text cannot hold NUL; the raw bytes keep the original.
    return text.replace("\x00", "\ufffd") if "\x00" in text else text


def _insert_messages(cursor) -> dict[str, int]:
    """Insert staged mail; a ghost with the same Message-ID is filled in. Returns the new ones."""
    cursor.execute(
        """
        INSERT INTO archive_message AS m (
            msgid, is_ghost, synthetic_msgid, subject, author_id, date, utc_offset, in_reply_to,
            "references", "to", cc, headers, body, html_only, archived_at)
        SELECT s.msgid, false, s.synthetic_msgid, s.subject, p.id, s.date, s.utc_offset,
               s.in_reply_to, s.refs, s.to_, s.cc, s.headers, s.body, s.html_only, now()
        FROM ingest_stage s LEFT JOIN archive_person p ON p.email = s.author_email
        ON CONFLICT (msgid) DO UPDATE SET
            is_ghost = false, synthetic_msgid = EXCLUDED.synthetic_msgid,
            subject = EXCLUDED.subject, author_id = EXCLUDED.author_id, date = EXCLUDED.date,
            utc_offset = EXCLUDED.utc_offset, in_reply_to = EXCLUDED.in_reply_to,
            "references" = EXCLUDED."references", "to" = EXCLUDED."to", cc = EXCLUDED.cc,
            headers = EXCLUDED.headers, body = EXCLUDED.body, html_only = EXCLUDED.html_only,
            archived_at = EXCLUDED.archived_at
            WHERE m.is_ghost
        RETURNING m.msgid, m.id
        """
    )
    return dict(cursor.fetchall())


def _message_ids(cursor) -> dict[str, int]:
    cursor.execute(
        "SELECT m.msgid, m.id FROM archive_message m JOIN ingest_stage s ON s.msgid = m.msgid"
    )
    return dict(cursor.fetchall())


def _insert_raw(cursor, new_ids: dict[str, int]) -> None:
    cursor.execute(
        """
        INSERT INTO archive_rawmail (message_id, data, sha256, size)
        SELECT m.id, s.raw, s.sha256, s.size
        FROM ingest_stage s JOIN archive_message m ON m.msgid = s.msgid
        WHERE m.id = ANY(%s)
        ON CONFLICT (message_id) DO NOTHING
        """,
        [list(new_ids.values())],
    )


def _link_lists(
    cursor, batch: Sequence[IncomingMessage], ids: dict[str, int]
) -> dict[int, list[int]]:
    wanted: dict[str, tuple[str, str]] = {}
    pairs: list[tuple[int, str]] = []
    for item in batch:
        p = item.parsed
        list_ids = [(item.list_override, "")] if item.list_override else list(p.list_ids)
        for list_id, description in list_ids:
            wanted.setdefault(list_id, (description, p.list_post))
            pairs.append((ids[p.msgid], list_id))
    if not pairs:
        return {}
    lists = ensure_lists(wanted)
    cursor.execute(
        """
        INSERT INTO archive_messagelist (message_id, mailing_list_id)
        SELECT * FROM unnest(%s::bigint[], %s::bigint[])
        ON CONFLICT DO NOTHING
        RETURNING message_id, mailing_list_id
        """,
        [[m for m, _ in pairs], [lists[lid].id for _, lid in pairs]],
    )
    links: dict[int, list[int]] = {}
    for message_id, list_id in cursor.fetchall():
        links.setdefault(message_id, []).append(list_id)
    return links


def _thread(cursor, batch: Sequence[IncomingMessage], ids: dict[str, int], new: set[int]) -> None:
    fresh = [item.parsed for item in batch if ids[item.parsed.msgid] in new]
    refs = sorted({r for p in fresh for r in p.references})
    if refs:
        cursor.execute(
            """
            INSERT INTO archive_message (msgid, is_ghost, synthetic_msgid, subject, utc_offset,
                in_reply_to, "references", "to", cc, headers, body, html_only, archived_at)
            SELECT r, true, false, '', 0, '', '{}', '', '', '[]', '', false, now()
            FROM unnest(%s::text[]) r
            ON CONFLICT (msgid) DO NOTHING
            """,
            [refs],
        )
    cursor.execute(
        "SELECT msgid, id, parent_id, thread_id, is_ghost FROM archive_message"
        " WHERE msgid = ANY(%s)",
        [refs + [p.msgid for p in fresh]],
    )
    rows = cursor.fetchall()
    by_msgid = {r[0]: threading.Node(r[1], r[2], r[3], r[4]) for r in rows}
    nodes = {n.id: n for n in by_msgid.values()}
    ancestors = _ancestors(cursor, list(nodes))
    plan_input = [(by_msgid[p.msgid].id, [by_msgid[r].id for r in p.references]) for p in fresh]
    parents = threading.plan_parents(plan_input, nodes, ancestors)
    if parents:
        cursor.execute(
            """
            UPDATE archive_message m SET parent_id = u.parent
            FROM unnest(%s::bigint[], %s::bigint[]) u(id, parent) WHERE m.id = u.id
            """,
            [list(parents), list(parents.values())],
        )
    thread_of = {n.id: n.thread_id for n in nodes.values()}
    for child, parent in parents.items():
        thread_of.setdefault(child, None)
        thread_of.setdefault(parent, None)
    _apply_thread_plan(cursor, threading.plan_threads(parents.items(), thread_of), thread_of)


def _relist_threads(cursor, message_ids: list[int]) -> None:
    """Known mail delivered through another list puts its thread in that list too."""
    if message_ids:
        cursor.execute(
            """
            INSERT INTO archive_thread_lists (thread_id, mailinglist_id)
            SELECT DISTINCT m.thread_id, ml.mailing_list_id
            FROM archive_message m JOIN archive_messagelist ml ON ml.message_id = m.id
            WHERE m.id = ANY(%s) AND m.thread_id IS NOT NULL
            ON CONFLICT DO NOTHING
            """,
            [message_ids],
        )


def _ancestors(cursor, ids: list[int]) -> dict[int, int | None]:
    """Parent links of ``ids`` and all their ancestors (UNION stops on cycles)."""
    if not ids:
        return {}
    cursor.execute(
        """
        WITH RECURSIVE up(id, parent_id) AS (
            SELECT id, parent_id FROM archive_message WHERE id = ANY(%s)
            UNION
            SELECT m.id, m.parent_id FROM archive_message m JOIN up ON m.id = up.parent_id
        ) SELECT id, parent_id FROM up
        """,
        [ids],
    )
    return dict(cursor.fetchall())


def _apply_thread_plan(cursor, plan: threading.ThreadPlan, thread_of: dict) -> None:
    assign = dict(plan.assign)
    if plan.groups:
        cursor.execute(
            "INSERT INTO archive_thread (subject, message_count) "
            "SELECT '', 0 FROM generate_series(1, %s) RETURNING id",
            [len(plan.groups)],
        )
        for (_, members), (thread_id,) in zip(plan.groups.items(), cursor.fetchall(), strict=True):
            assign.update({m: thread_id for m in members})
    if plan.merges:
        absorbed, kept = list(plan.merges), list(plan.merges.values())
        cursor.execute(
            """
            UPDATE archive_message m SET thread_id = u.kept
            FROM unnest(%s::bigint[], %s::bigint[]) u(gone, kept) WHERE m.thread_id = u.gone
            """,
            [absorbed, kept],
        )
        cursor.execute("DELETE FROM archive_thread_lists WHERE thread_id = ANY(%s)", [absorbed])
        cursor.execute("DELETE FROM archive_thread WHERE id = ANY(%s)", [absorbed])
    if assign:
        cursor.execute(
            """
            UPDATE archive_message m SET thread_id = u.thread
            FROM unnest(%s::bigint[], %s::bigint[]) u(id, thread) WHERE m.id = u.id
            """,
            [list(assign), list(assign.values())],
        )
    touched = set(assign.values()) | set(plan.merges.values())
    touched |= {t for m, t in thread_of.items() if t is not None and m not in assign}
    refresh_threads(cursor, sorted(touched - set(plan.merges)))


def refresh_threads(cursor, thread_ids: list[int]) -> None:
    """Recompute root, subject, counts, dates and lists of the given threads."""
    if not thread_ids:
        return
    cursor.execute(
        """
        UPDATE archive_thread t SET
            message_count = agg.n, first_date = agg.first, last_activity = agg.last,
            root_id = agg.root_id, subject = agg.subject
        FROM (
            SELECT m.thread_id,
                   count(*) FILTER (WHERE NOT m.is_ghost) AS n,
                   min(m.date) AS first, max(m.date) AS last,
                   (array_agg(m.id ORDER BY m.parent_id IS NOT NULL, m.is_ghost, m.date, m.id))[1]
                       AS root_id,
                   coalesce((array_agg(m.subject ORDER BY m.parent_id IS NOT NULL, m.date, m.id)
                       FILTER (WHERE NOT m.is_ghost))[1], '') AS subject
            FROM archive_message m WHERE m.thread_id = ANY(%s) GROUP BY m.thread_id
        ) agg WHERE t.id = agg.thread_id
        """,
        [thread_ids],
    )
    cursor.execute(
        """
        INSERT INTO archive_thread_lists (thread_id, mailinglist_id)
        SELECT DISTINCT m.thread_id, ml.mailing_list_id
        FROM archive_message m JOIN archive_messagelist ml ON ml.message_id = m.id
        WHERE m.thread_id = ANY(%s)
        ON CONFLICT DO NOTHING
        """,
        [thread_ids],
    )


def quarantine(
    raw: bytes, sha256: str, reason: str, detail: str, origin: str, list_hint: str = ""
) -> None:
    """Keep mail we could not archive, with the reason; a retry of the same bytes counts up."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO archive_quarantinedmail
                (data, sha256, size, reason, detail, origin, list_hint, received, attempts)
            VALUES (%s, %s, %s, %s, %s, %s, %s, now(), 1)
            ON CONFLICT (sha256) DO UPDATE SET attempts = archive_quarantinedmail.attempts + 1,
                reason = EXCLUDED.reason, detail = EXCLUDED.detail
            """,
            [raw, sha256, len(raw), reason, detail[:2000], origin[:1000], list_hint[:255]],
        )


def release_quarantined(ids: Sequence[int]) -> None:
    QuarantinedMail.objects.filter(id__in=ids).delete()
