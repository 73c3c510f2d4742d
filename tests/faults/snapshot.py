"""What an archive holds, independent of database ids, and what must always hold.

Both work on any DB-API cursor (Django's or a bare psycopg one), so the same
check runs on the test database, a private server and the bench database.
Threads are compared by their members' Message-IDs and series by their
submissions' Message-IDs: ids and the order mail was stored in may differ.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

_QUERIES = {
    "messages": "SELECT msgid, is_ghost FROM archive_message",
    "parents": """
        SELECT m.msgid, p.msgid FROM archive_message m
        JOIN archive_message p ON p.id = m.parent_id""",
    "threads": """
        SELECT array_agg(m.msgid ORDER BY m.msgid), t.message_count, t.subject, r.msgid
        FROM archive_thread t JOIN archive_message m ON m.thread_id = t.id
        LEFT JOIN archive_message r ON r.id = t.root_id
        GROUP BY t.id, r.msgid""",
    "thread_lists": """
        SELECT min(m.msgid), l.list_id FROM archive_thread_lists tl
        JOIN archive_mailinglist l ON l.id = tl.mailinglist_id
        JOIN archive_message m ON m.thread_id = tl.thread_id
        GROUP BY tl.thread_id, l.list_id""",
    "lists": """
        SELECT m.msgid, l.list_id FROM archive_messagelist ml
        JOIN archive_message m ON m.id = ml.message_id
        JOIN archive_mailinglist l ON l.id = ml.mailing_list_id""",
    "raw": """
        SELECT m.msgid, r.sha256 FROM archive_rawmail r
        JOIN archive_message m ON m.id = r.message_id""",
    "quarantine": "SELECT sha256, reason FROM archive_quarantinedmail",
    "patches": """
        SELECT m.msgid, pr.link_name, st.slug, p.number, p.acked, p.reviewed, p.tested,
               s.version, s.total, s.received_total, s.name,
               (SELECT min(pm.msgid) FROM reviews_patch pp
                JOIN archive_message pm ON pm.id = pp.message_id WHERE pp.series_id = s.id),
               (SELECT min(pm.msgid) FROM reviews_patch pp
                JOIN archive_message pm ON pm.id = pp.message_id
                WHERE pp.series_id = s.previous_id)
        FROM reviews_patch p JOIN archive_message m ON m.id = p.message_id
        JOIN reviews_project pr ON pr.id = p.project_id
        JOIN reviews_state st ON st.id = p.state_id
        LEFT JOIN reviews_series s ON s.id = p.series_id""",
    "covers": """
        SELECT m.msgid, pr.link_name,
               (SELECT min(pm.msgid) FROM reviews_patch pp
                JOIN archive_message pm ON pm.id = pp.message_id WHERE pp.series_id = c.series_id)
        FROM reviews_cover c JOIN archive_message m ON m.id = c.message_id
        JOIN reviews_project pr ON pr.id = c.project_id""",
    "comments": """
        SELECT m.msgid, coalesce(pm.msgid, cm.msgid) FROM reviews_comment c
        JOIN archive_message m ON m.id = c.message_id
        LEFT JOIN reviews_patch p ON p.id = c.patch_id
        LEFT JOIN archive_message pm ON pm.id = p.message_id
        LEFT JOIN reviews_cover cv ON cv.id = c.cover_id
        LEFT JOIN archive_message cm ON cm.id = cv.message_id""",
    "trailers": """
        SELECT m.msgid, t.kind, t.value FROM reviews_trailer t
        JOIN archive_message m ON m.id = t.message_id""",
    "series_count": "SELECT count(*) FROM reviews_series",
}

# Each must return no rows; the first column names the culprit.
_INVARIANTS = {
    "Message-ID stored twice": """
        SELECT msgid FROM archive_message GROUP BY msgid HAVING count(*) > 1""",
    "real message without raw mail": """
        SELECT m.msgid FROM archive_message m LEFT JOIN archive_rawmail r ON r.message_id = m.id
        WHERE NOT m.is_ghost AND r.message_id IS NULL""",
    "message without a thread": "SELECT msgid FROM archive_message WHERE thread_id IS NULL",
    "reply in another thread than its parent": """
        SELECT m.msgid FROM archive_message m JOIN archive_message p ON p.id = m.parent_id
        WHERE m.thread_id <> p.thread_id""",
    "referenced message in another thread": """
        SELECT m.msgid FROM archive_message m
        JOIN archive_message r ON r.msgid = ANY(m."references")
        WHERE r.thread_id <> m.thread_id""",
    "thread message count wrong": """
        SELECT t.id FROM archive_thread t LEFT JOIN archive_message m
            ON m.thread_id = t.id AND NOT m.is_ghost
        GROUP BY t.id HAVING t.message_count <> count(m.id)""",
    "empty thread": """
        SELECT t.id FROM archive_thread t
        WHERE NOT EXISTS (SELECT 1 FROM archive_message m WHERE m.thread_id = t.id)""",
    "series received count wrong": """
        SELECT s.id FROM reviews_series s LEFT JOIN reviews_patch p ON p.series_id = s.id
        GROUP BY s.id HAVING s.received_total <> count(p.id)""",
    "patch recorded twice": """
        SELECT message_id FROM reviews_patch GROUP BY message_id, project_id
        HAVING count(*) > 1""",
    "series number taken twice": """
        SELECT series_id FROM reviews_patch WHERE series_id IS NOT NULL AND number IS NOT NULL
        GROUP BY series_id, number HAVING count(*) > 1""",
}


def archive_state(cursor) -> dict[str, Any]:
    """Every part of the archive as sorted, id-free rows, and a checksum over them."""
    state: dict[str, Any] = {}
    for part, sql in _QUERIES.items():
        cursor.execute(sql)
        state[part] = sorted(_plain(row) for row in cursor.fetchall())
    state["checksum"] = hashlib.sha256(
        json.dumps(state, sort_keys=True, default=str).encode()
    ).hexdigest()
    return state


def counts(state: dict[str, Any]) -> dict[str, int]:
    real = sum(1 for _, ghost in state["messages"] if not ghost)
    return {
        "messages": real,
        "ghosts": len(state["messages"]) - real,
        "threads": len(state["threads"]),
        "patches": len(state["patches"]),
        "series": state["series_count"][0][0],
        "quarantined": len(state["quarantine"]),
    }


def problems(cursor) -> dict[str, list]:
    """Broken invariants, each with up to five culprits; empty when the archive is whole."""
    found = {}
    for name, sql in _INVARIANTS.items():
        cursor.execute(sql + " LIMIT 5")
        rows = [row[0] for row in cursor.fetchall()]
        if rows:
            found[name] = rows
    return found


def differences(actual: dict[str, Any], expected: dict[str, Any]) -> dict[str, dict]:
    """Rows only in one of two states, per part; small enough to read in a failed assert."""
    diff = {}
    for part in expected:
        if part == "checksum":
            continue
        mine, theirs = set(map(_key, actual[part])), set(map(_key, expected[part]))
        if mine != theirs:
            diff[part] = {"extra": sorted(mine - theirs)[:5], "missing": sorted(theirs - mine)[:5]}
    return diff


def _plain(row: tuple) -> list:
    # JSON-able and sortable: arrays become lists, None sorts as "".
    return [list(v) if isinstance(v, list | tuple) else ("" if v is None else v) for v in row]


def _key(row: list) -> str:
    return json.dumps(row, default=str)


def wipe_archive(cursor) -> None:
    """Empty every archive and review table (review states stay), as before a first ingest."""
    cursor.execute(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
        " AND (tablename LIKE 'archive\\_%' OR tablename LIKE 'reviews\\_%')"
        " AND tablename <> 'reviews_state'"
    )
    tables = ", ".join(f'"{row[0]}"' for row in cursor.fetchall())
    # Inside a test transaction, deferred foreign-key checks must run first.
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    cursor.execute(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
