"""Thread structure of an ingest batch, decided before anything is written.

New rows get their ids from the sequence up front, so parent and thread ids
are known when the messages are inserted: a message row is written once,
never updated afterwards (an update would rewrite its search-index entries).
Only rows that already exist — ghosts that learn their parent, threads that
merge — are updated, and those are few.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from archive import threadplan
from archive.bulk import next_ids
from archive.parsing import ParsedMessage


@dataclass
class Placement:
    """Where each message of a batch goes."""

    ids: dict[str, int]  # msgid -> id, for incoming mail and the ghosts it needs
    parent: dict[int, int | None]  # final parent of each new or changed row
    thread: dict[int, int]  # final thread of each new or changed row
    new_ghosts: list[tuple[int, str]] = field(default_factory=list)  # (id, msgid) to insert
    existing_changes: list[int] = field(default_factory=list)  # known rows to update
    touched_threads: set[int] = field(default_factory=set)


def known_nodes(cursor, msgids: Iterable[str]) -> dict[str, threadplan.Node]:
    cursor.execute(
        "SELECT msgid, id, parent_id, thread_id, is_ghost FROM archive_message"
        " WHERE msgid = ANY(%s)",
        [sorted(set(msgids))],
    )
    return {r[0]: threadplan.Node(r[1], r[2], r[3], r[4]) for r in cursor.fetchall()}


def place(
    cursor, incoming: Sequence[ParsedMessage], known: dict[str, threadplan.Node]
) -> Placement:
    """Decide ids, parents and threads for ``incoming`` (new mail and filled ghosts)."""
    wanted = [p.msgid for p in incoming if p.msgid not in known]
    ghosts = sorted({r for p in incoming for r in p.references} - set(known) - set(wanted))
    fresh_ids = next_ids(cursor, "archive_message", len(wanted) + len(ghosts))
    ids = {msgid: node.id for msgid, node in known.items()}
    ids.update(zip(wanted + ghosts, fresh_ids, strict=True))
    nodes = {node.id: node for node in known.values()}
    for msgid in wanted + ghosts:
        nodes[ids[msgid]] = threadplan.Node(ids[msgid], None, None, msgid in ghosts)
    parents = _ancestors(cursor, [n.id for n in known.values()])
    parents.update({ids[m]: None for m in wanted + ghosts})
    links = threadplan.plan_parents(
        [(ids[p.msgid], [ids[r] for r in p.references]) for p in incoming], nodes, parents
    )
    thread_of = {node_id: node.thread_id for node_id, node in nodes.items()}
    # A thread is everything its messages reference, as on public-inbox: not
    # only parent links, but also a reference that could not become a parent
    # (its child already had one), so a ghost named first in References (a
    # resent cover letter, say) waits in the thread of the replies naming it.
    edges = [*links.items()]
    edges += [(ids[p.msgid], ids[r]) for p in incoming for r in p.references]
    plan = threadplan.plan_threads(edges, thread_of)
    assign = dict(plan.assign)
    for members, thread_id in zip(plan.groups.values(), _new_threads(cursor, len(plan.groups)),
                                  strict=True):  # fmt: skip
        assign.update({m: thread_id for m in members})
    merge_threads(cursor, plan.merges)
    changed = set(links) | set(assign) | {ids[m] for m in wanted + ghosts}
    changed |= {ids[p.msgid] for p in incoming}
    placement = Placement(
        ids=ids,
        parent={i: links.get(i, nodes[i].parent_id) for i in changed},
        thread={i: _final_thread(i, assign, nodes, plan.merges) for i in changed},
        new_ghosts=[(ids[m], m) for m in ghosts],
    )
    new_rows = {ids[m] for m in wanted + ghosts} | {ids[p.msgid] for p in incoming}
    placement.existing_changes = sorted(changed - new_rows)
    placement.touched_threads = set(placement.thread.values()) | {
        plan.merges.get(t, t) for n in known.values() if (t := n.thread_id) is not None
    }
    return placement


def _final_thread(node_id: int, assign, nodes, merges: dict[int, int]) -> int:
    thread = assign.get(node_id, nodes[node_id].thread_id)
    return merges.get(thread, thread)


def _new_threads(cursor, count: int) -> list[int]:
    if not count:
        return []
    cursor.execute(
        "INSERT INTO archive_thread (subject, message_count) "
        "SELECT '', 0 FROM generate_series(1, %s) RETURNING id",
        [count],
    )
    return [row[0] for row in cursor.fetchall()]


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


def merge_threads(cursor, merges: dict[int, int]) -> None:
    """Move every message of an absorbed thread into the surviving one."""
    if not merges:
        return
    absorbed, kept = list(merges), list(merges.values())
    cursor.execute(
        """
        UPDATE archive_message m SET thread_id = u.kept
        FROM unnest(%s::bigint[], %s::bigint[]) u(gone, kept) WHERE m.thread_id = u.gone
        """,
        [absorbed, kept],
    )
    cursor.execute("DELETE FROM archive_thread_lists WHERE thread_id = ANY(%s)", [absorbed])
    cursor.execute("DELETE FROM archive_thread WHERE id = ANY(%s)", [absorbed])


def write_ghosts_and_changes(cursor, placement: Placement) -> None:
    """Insert the new ghost rows and update the known rows whose links changed."""
    if placement.new_ghosts:
        ids = [i for i, _ in placement.new_ghosts]
        cursor.execute(
            """
            INSERT INTO archive_message (id, msgid, is_ghost, synthetic_msgid, subject,
                utc_offset, in_reply_to, "references", "to", cc, body, html_only,
                archived_at, parent_id, thread_id)
            SELECT u.id, u.msgid, true, false, '', 0, '', '{}', '', '', ''::bytea, false, now(),
                   u.parent, u.thread
            FROM unnest(%s::bigint[], %s::text[], %s::bigint[], %s::bigint[])
                AS u(id, msgid, parent, thread)
            """,
            [ids, [m for _, m in placement.new_ghosts],
             [placement.parent[i] for i in ids], [placement.thread[i] for i in ids]],
        )  # fmt: skip
    if placement.existing_changes:
        ids = placement.existing_changes
        cursor.execute(
            """
            UPDATE archive_message m SET parent_id = u.parent, thread_id = u.thread
            FROM unnest(%s::bigint[], %s::bigint[], %s::bigint[]) u(id, parent, thread)
            WHERE m.id = u.id
                AND (m.parent_id IS DISTINCT FROM u.parent OR m.thread_id IS DISTINCT FROM u.thread)
            """,
            [ids, [placement.parent[i] for i in ids], [placement.thread[i] for i in ids]],
        )


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
        ) agg WHERE t.id = agg.thread_id AND t.id = ANY(%s)  -- by key, not every thread hashed
        """,
        [thread_ids, thread_ids],
    )
    cursor.execute(
        """
        INSERT INTO archive_thread_lists (thread_id, mailinglist_id)
        SELECT DISTINCT m.thread_id, ml.mailing_list_id
        FROM archive_message m JOIN archive_messagelist ml ON ml.message_id = m.id
        WHERE m.thread_id = ANY(%s)
            -- the links by key: joined alone, every link of the archive was
            -- read once a batch (#21: 172k rows, 30 ms at ten times linux-rtc)
            AND ml.message_id = ANY(ARRAY(SELECT id FROM archive_message WHERE thread_id = ANY(%s)))
        ORDER BY 1, 2  -- ids in this order, whatever the plan
        ON CONFLICT DO NOTHING
        """,
        [thread_ids, thread_ids],
    )
