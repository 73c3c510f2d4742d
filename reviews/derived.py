"""Review data derived from threads, recomputed set-wise for the threads a batch touched.

Mail arrives in any order, so rather than patch up incrementally we recompute
each touched thread's comments, counts and series totals from what is stored.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from django.db import connection

from archive.bodycodec import unpack_body
from archive.bulk import insert_model_rows
from reviews.comment_anchors import find_anchors
from reviews.health import store as health_store
from reviews.models import Comment, EventCategory
from reviews.services import events, supersede

if TYPE_CHECKING:
    from reviews.replyreading import ReplyReading


def refresh_comments(
    thread_ids: Sequence[int], read: Mapping[int, ReplyReading] | None = None
) -> None:
    """Every real message under a patch or cover (at any depth) is one of its comments.

    ``read``: the batch's replies as ingest's workers read them, by message id.
    """
    if not thread_ids:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, parent_id, is_ghost FROM archive_message WHERE thread_id = ANY(%s)",
            [list(thread_ids)],
        )
        rows = cursor.fetchall()
        parents = {r[0]: r[1] for r in rows}
        cursor.execute(
            """
            SELECT s.message_id, 'patch', s.id FROM reviews_patch s
                WHERE s.message_id = ANY(%(ids)s)
            UNION ALL
            SELECT s.message_id, 'cover', s.id FROM reviews_cover s
                WHERE s.message_id = ANY(%(ids)s)
            """,
            {"ids": [r[0] for r in rows]},
        )
        owners: dict[int, list[tuple[str, int]]] = {}
        for message_id, kind, sub_id in cursor.fetchall():
            owners.setdefault(message_id, []).append((kind, sub_id))
        wanted = {
            (message_id, kind, sub_id)
            for message_id, _, is_ghost in rows
            if not is_ghost and message_id not in owners
            for kind, sub_id in _nearest_owner(message_id, parents, owners)
        }
        cursor.execute(
            """
            SELECT c.id, c.message_id, c.patch_id, c.cover_id FROM reviews_comment c
            WHERE c.message_id = ANY(%s)
            """,
            [[r[0] for r in rows]],
        )
        existing = {
            (mid, "patch" if pid else "cover", pid or cid): cid_row
            for cid_row, mid, pid, cid in cursor.fetchall()
        }
    stale = [row_id for key, row_id in existing.items() if key not in wanted]
    if stale:
        Comment.objects.filter(id__in=stale).delete()
    new = sorted(wanted - set(existing))
    # A reply to a patch is anchored to its diff once, here (reviews.comment_anchors).
    anchors = find_anchors(((mid, sid) for mid, kind, sid in new if kind == "patch"), read)
    # What a reply says, when the workers read it, goes in with the row:
    # ``turnstore.read_cues`` then has nothing to write to it, and an UPDATE
    # of each new comment (a new row version and an entry in each of the
    # table's indexes) is saved.
    known = read or {}
    rows = [
        (
            mid,
            sid if kind == "patch" else None,
            sid if kind == "cover" else None,
            anchors.get((mid, sid), []) if kind == "patch" else [],
            known[mid].cues if mid in known else None,
        )
        for mid, kind, sid in new
    ]
    with connection.cursor() as cursor:
        insert_model_rows(cursor, Comment, ("message", "patch", "cover", "anchors", "cues"), rows)


def _nearest_owner(
    message_id: int, parents: dict[int, int | None], owners: dict[int, list[tuple[str, int]]]
) -> list[tuple[str, int]]:
    seen = {message_id}
    current = parents.get(message_id)
    while current is not None and current not in seen:
        if current in owners:
            return owners[current]
        seen.add(current)
        current = parents.get(current)
    return []


def series_in_threads(thread_ids: Sequence[int]) -> set[int]:
    if not thread_ids:
        return set()
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT p.series_id FROM reviews_patch p WHERE p.series_id IS NOT NULL AND p.message_id
                = ANY(ARRAY(SELECT id FROM archive_message WHERE thread_id = ANY(%s)))
            UNION
            SELECT c.series_id FROM reviews_cover c WHERE c.series_id IS NOT NULL AND c.message_id
                = ANY(ARRAY(SELECT id FROM archive_message WHERE thread_id = ANY(%s)))
            """,
            [list(thread_ids), list(thread_ids)],
        )
        return {row[0] for row in cursor.fetchall()}


def _unread_covers(cursor, series_ids: Sequence[int]) -> dict[int, str]:
    """The bodies of these series' covers whose change-id is still unread, by message id.

    Bodies are stored packed (archive.bodycodec): read here and handed back to
    the statement as text, for the regular expression it has always used.
    """
    cursor.execute(
        "SELECT c.message_id, m.body FROM reviews_cover c"
        " JOIN reviews_series s ON s.id = c.series_id AND s.change_id = ''"
        " JOIN archive_message m ON m.id = c.message_id WHERE c.series_id = ANY(%s)",
        [list(series_ids)],
    )
    return {mid: unpack_body(body) for mid, body in cursor.fetchall()}


def refresh_series(series_ids: Sequence[int], quiet: frozenset[int] = frozenset()) -> None:
    """Received counts, names (unless a maintainer set one), dates; completion events.

    ``quiet``: series whose completion is already in the history (a rebuild).
    """
    if not series_ids:
        return
    with connection.cursor() as cursor:
        covers = _unread_covers(cursor, series_ids)
        cursor.execute(
            """
            WITH patches AS (
                -- one grouped pass (correlated subqueries plan badly on fresh tables)
                SELECT series_id, count(*) AS received, min(date) AS first,
                    -- without a cover letter a series is named after its first patch
                    -- by number, not the first to arrive: the same in any order
                    (array_agg(nullif(title, '') ORDER BY number NULLS LAST, date, id))[1]
                        AS first_title,
                    -- the mail that completes a series: its total-th patch by date
                    array_agg(date ORDER BY date, id) FILTER (WHERE date IS NOT NULL) AS dates
                FROM reviews_patch WHERE series_id = ANY(%(ids)s) GROUP BY series_id
            ), agg AS (
                SELECT s.id, coalesce(p.received, 0) AS received, p.first, p.first_title, p.dates,
                       regexp_replace(c.name, '^\\[[^]]*\\] ', '') AS cover_title,
                       c.message_id AS cover_msg
                FROM reviews_series s LEFT JOIN patches p ON p.series_id = s.id
                    LEFT JOIN reviews_cover c ON c.series_id = s.id AND c.series_id = ANY(%(ids)s)
                WHERE s.id = ANY(%(ids)s)
            ), new AS (
                SELECT s.id, agg.received, s.received_total AS old_received, s.total,
                    agg.dates[greatest(s.total, 1)] AS completed,
                    LEAST(s.date, agg.first) AS date,
                    coalesce(agg.cover_title, agg.first_title, s.title) AS title,
                    CASE WHEN s.name_locked THEN s.name
                         ELSE coalesce(agg.cover_title, agg.first_title, s.name) END AS name,
                    -- read the cover's change-id once; it never changes afterwards
                    CASE WHEN s.change_id = '' AND agg.cover_msg IS NOT NULL THEN coalesce((
                        SELECT substring(b.body from '(?mi)^change-id:[ \\t]*(\\S+)')
                        FROM unnest(%(cover_ids)s::bigint[], %(cover_bodies)s::text[])
                            AS b(id, body)
                        WHERE b.id = agg.cover_msg), '')
                        ELSE s.change_id END AS change_id
                FROM agg JOIN reviews_series s ON s.id = agg.id
            )
            UPDATE reviews_series s SET
                received_total = new.received, date = new.date, title = new.title,
                name = new.name, change_id = new.change_id
            FROM new
            WHERE s.id = new.id AND (s.received_total, s.date, s.title, s.name, s.change_id)
                IS DISTINCT FROM (new.received, new.date, new.title, new.name, new.change_id)
            RETURNING s.id, s.project_id,
                new.old_received < new.total AND new.received >= new.total, new.completed
            """,
            {
                "ids": list(series_ids),
                "cover_ids": list(covers),
                "cover_bodies": [*covers.values()],
            },
        )
        # sorted: RETURNING comes in no set order, and event ids should not depend on it
        completed = sorted(
            (sid, pid, when)
            for sid, pid, done, when in cursor.fetchall()
            if done and sid not in quiet
        )
    events.record(
        events.event_for(
            EventCategory.SERIES_COMPLETED, project_id=pid, series_id=sid, date=when, series=sid
        )
        for sid, pid, when in completed
    )


# Every lookup from a batch's rows into a whole table goes through an array
# of the keys (``= ANY(ARRAY(SELECT ...))``), which PostgreSQL answers with
# index probes: joined plainly, the trailers, the covers and the comments on
# covers were hashed or merge-joined whole once a batch, a cost that grew with
# the archive (at ten times linux-rtc, freshly analysed: 280 ms a batch, 180
# of it hashing all 131k trailers, under the ingest lock; #21,
# docs/performance.md "Ingest growth: whole tables read for one batch").
_COUNTS_CTE = """
WITH msgs AS (
    SELECT id FROM archive_message WHERE thread_id = ANY(%(threads)s)
), target AS (
    SELECT p.id, p.message_id, p.series_id FROM reviews_patch p
        WHERE p.message_id = ANY(ARRAY(SELECT id FROM msgs))
    UNION
    SELECT p.id, p.message_id, p.series_id FROM reviews_patch p
        WHERE p.series_id = ANY(ARRAY(SELECT c.series_id FROM reviews_cover c
            WHERE c.message_id = ANY(ARRAY(SELECT id FROM msgs))))
), covers AS (
    SELECT c.id, c.series_id FROM reviews_cover c
        WHERE c.series_id = ANY(ARRAY(SELECT series_id FROM target WHERE series_id IS NOT NULL))
), source AS (
    SELECT t.id AS patch_id, t.message_id FROM target t
    UNION SELECT t.id, cm.message_id FROM target t JOIN reviews_comment cm ON cm.patch_id = t.id
        WHERE cm.patch_id = ANY(ARRAY(SELECT id FROM target))
    UNION SELECT t.id, cm.message_id FROM target t
        JOIN covers c ON c.series_id = t.series_id
        JOIN reviews_comment cm ON cm.cover_id = c.id
        WHERE cm.cover_id = ANY(ARRAY(SELECT id FROM covers))
), counts AS (
    SELECT s.patch_id,
        count(DISTINCT lower(tr.value)) FILTER (WHERE tr.kind = 'Acked-by') AS a,
        count(DISTINCT lower(tr.value)) FILTER (WHERE tr.kind = 'Reviewed-by') AS r,
        count(DISTINCT lower(tr.value)) FILTER (WHERE tr.kind = 'Tested-by') AS t
    FROM source s JOIN reviews_trailer tr ON tr.message_id = s.message_id
    WHERE tr.message_id = ANY(ARRAY(SELECT message_id FROM source))
    GROUP BY s.patch_id
)
"""
_COUNT_SQL = (
    _COUNTS_CTE
    + """
UPDATE reviews_patch p SET acked = coalesce(c.a, 0), reviewed = coalesce(c.r, 0),
    tested = coalesce(c.t, 0)
FROM target t LEFT JOIN counts c ON c.patch_id = t.id
WHERE p.id = t.id AND (p.acked, p.reviewed, p.tested)
    IS DISTINCT FROM (coalesce(c.a, 0), coalesce(c.r, 0), coalesce(c.t, 0))
"""
)
_CHANGED_COUNTS_SQL = (
    _COUNTS_CTE
    + """
SELECT p.id, coalesce(c.a, 0), coalesce(c.r, 0), coalesce(c.t, 0)
FROM target t JOIN reviews_patch p ON p.id = t.id LEFT JOIN counts c ON c.patch_id = t.id
WHERE (p.acked, p.reviewed, p.tested)
    IS DISTINCT FROM (coalesce(c.a, 0), coalesce(c.r, 0), coalesce(c.t, 0))
"""
)


def refresh_counts(thread_ids: Sequence[int]) -> None:
    """Acked/Reviewed/Tested counts for patches in (or whose cover is in) these threads."""
    if thread_ids:
        with connection.cursor() as cursor:
            cursor.execute(_COUNT_SQL, {"threads": list(thread_ids)})


def changed_counts(thread_ids: Sequence[int]) -> dict[int, tuple[int, int, int]]:
    """What ``refresh_counts`` would store, by patch id, where it differs; nothing stored.

    Ingest hands them to ``turnstore``, whose update of the same rows stores
    them with the turn they decide: one new version of each row, not two.
    """
    if not thread_ids:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(_CHANGED_COUNTS_SQL, {"threads": list(thread_ids)})
        return {pid: (a, r, t) for pid, a, r, t in cursor.fetchall()}


# Candidate previous revisions of a later version, four ways; each arm uses an index.
_PREVIOUS_SQL = """
WITH s AS (
    SELECT * FROM reviews_series WHERE version > 1
        AND ((id = ANY(%(ids)s) AND previous_id IS NULL) OR id = ANY(%(relink)s))
), candidates AS (
    SELECT s.id, prev.id AS prev FROM s JOIN reviews_series prev
        ON prev.project_id = s.project_id AND prev.submitter_id = s.submitter_id
        AND prev.title = s.title AND s.title <> ''
    UNION ALL
    SELECT s.id, prev.id FROM s JOIN reviews_series prev
        ON prev.project_id = s.project_id AND prev.change_id = s.change_id AND s.change_id <> ''
    UNION ALL
    SELECT s.id, pp.series_id FROM s
        JOIN reviews_seriesreference r ON r.series_id = s.id
        JOIN archive_message m ON m.msgid = r.msgid
        JOIN reviews_patch pp ON pp.message_id = m.id AND pp.project_id = s.project_id
    UNION ALL
    -- a revision without its cover letter: the same submitter's patch of the same title
    SELECT s.id, op.series_id FROM s
        JOIN reviews_patch np ON np.series_id = s.id AND np.title <> ''
        JOIN reviews_patch op ON op.submitter_id = np.submitter_id
        AND op.project_id = np.project_id AND op.title = np.title AND op.series_id IS NOT NULL
)
SELECT DISTINCT ON (s.id) s.id, prev.id, coalesce(prev.lineage_id, prev.id), s.previous_id,
    s.lineage_id, s.date
FROM s JOIN candidates c ON c.id = s.id JOIN reviews_series prev ON prev.id = c.prev
WHERE prev.id <> s.id AND prev.version < s.version
    -- the candidates by key: joined alone, every series was hashed once a batch (#21)
    AND prev.id = ANY(ARRAY(SELECT prev FROM candidates))
    -- posted later, it cannot be the one revised; without this the link (and
    -- what it supersedes) would depend on the order mail is ingested in
    AND (prev.date IS NULL OR s.date IS NULL OR prev.date <= s.date)
ORDER BY s.id, prev.version DESC, prev.date DESC NULLS LAST, prev.id DESC
"""

# Later revisions that a revision arriving late now precedes more closely:
# a higher version, or the same version posted closer before them.
_LATER_SQL = """
WITH later AS (
    SELECT t.version AS since, t.date AS since_date, n.id, n.previous_id
    FROM reviews_series t JOIN reviews_series n
        ON n.project_id = t.project_id AND n.submitter_id = t.submitter_id
        AND n.title = t.title AND n.version > t.version
    WHERE t.id = ANY(%(ids)s) AND t.title <> ''
    UNION ALL
    SELECT t.version, t.date, n.id, n.previous_id FROM reviews_series t JOIN reviews_series n
        ON n.project_id = t.project_id AND n.change_id = t.change_id AND n.version > t.version
    WHERE t.id = ANY(%(ids)s) AND t.change_id <> ''
    UNION ALL
    -- the later revision was posted in reply to one of this series' patches
    SELECT t.version, t.date, n.id, n.previous_id FROM reviews_series t
        JOIN reviews_patch tp ON tp.series_id = t.id
        JOIN archive_message m ON m.id = tp.message_id
        JOIN reviews_seriesreference r ON r.project_id = t.project_id AND r.msgid = m.msgid
        JOIN reviews_series n ON n.id = r.series_id AND n.version > t.version
    WHERE t.id = ANY(%(ids)s)
    UNION ALL
    -- the later revision has no cover letter: the same submitter's patch of the same title
    SELECT t.version, t.date, n.id, n.previous_id FROM reviews_series t
        JOIN reviews_patch tp ON tp.series_id = t.id AND tp.title <> ''
        JOIN reviews_patch np ON np.project_id = tp.project_id
            AND np.submitter_id = tp.submitter_id AND np.title = tp.title
        JOIN reviews_series n ON n.id = np.series_id AND n.version > t.version
    WHERE t.id = ANY(%(ids)s)
)
SELECT DISTINCT later.id FROM later
-- each later revision's current previous one by its key: joined, PostgreSQL
-- hashed every series of the archive once a batch (#21)
WHERE later.previous_id IS NULL OR EXISTS (
    SELECT 1 FROM reviews_series p WHERE p.id = later.previous_id
        AND (p.version < later.since OR (p.version = later.since AND p.date < later.since_date))
)
"""

_LINK_SQL = """
UPDATE reviews_series s SET previous_id = u.prev, lineage_id = u.lineage
FROM unnest(%s::bigint[], %s::bigint[], %s::bigint[]) u(id, prev, lineage) WHERE s.id = u.id
"""

# Later revisions of a newly linked series (following previous links, and
# any that had it as their root) now share its root. Moving only those that
# had it as their root would leave a relinked series' later revisions in the
# lineage it left.
_RELINEAGE_SQL = """
WITH RECURSIVE moved(id, lineage) AS (
    SELECT d.id, u.lineage FROM unnest(%s::bigint[], %s::bigint[]) u(id, lineage)
        JOIN reviews_series d ON d.previous_id = u.id OR d.lineage_id = u.id
    UNION
    SELECT d.id, m.lineage FROM reviews_series d JOIN moved m ON d.previous_id = m.id
)
UPDATE reviews_series d SET lineage_id = m.lineage FROM moved m
WHERE d.id = m.id AND d.lineage_id IS DISTINCT FROM m.lineage
"""


def link_revisions(series_ids: Sequence[int], *, protect_upto: int = 0) -> None:
    """Find each later revision's previous one; supersede what the new one replaces.

    Revisions may arrive in any order: an older one arriving late is linked
    under the later ones already stored, and their supersede applies to it.
    The state changes themselves are the services' (``protect_upto`` is theirs).
    """
    if not series_ids:
        return
    with connection.cursor() as cursor:
        cursor.execute(_LATER_SQL, {"ids": list(series_ids)})
        relink = sorted({row[0] for row in cursor.fetchall()})
        cursor.execute(_PREVIOUS_SQL, {"ids": list(series_ids), "relink": relink})
        links = [row for row in cursor.fetchall() if row[1] != row[3]]
        left = _left_lineages(links)
        lineages = _link(cursor, [lk[:3] for lk in links]) if links else []
    supersede.supersede_replaced(lineages, protect_upto=protect_upto)
    # Patches arriving after a later revision replaced their series.
    supersede.supersede_late_arrivals(series_ids, protect_upto=protect_upto)
    supersede.undo_stranded(sorted(left), protect_upto=protect_upto, dates=left)
    # Superseded patches that kept their state can still change the day they
    # were decided on: the lineage they are in gained or lost a revision.
    health_store.refresh_lineages([*lineages, *left])


def _left_lineages(links: list[tuple]) -> dict[int, datetime | None]:
    """The lineages relinked series leave (their lineage before the new link), each
    with the date of the latest series that left it: undoing is dated by that mail."""
    left: dict[int, datetime | None] = {}
    for _, _, _, previous, lineage, date in links:
        if previous is None or lineage is None:
            continue
        known = left.get(lineage)
        left[lineage] = max(known, date) if known and date else known or date
    return left


def _link(cursor, links: list[tuple[int, int, int]]) -> list[int]:
    """Store (series, previous, previous's root) links; return the lineages they touch."""
    roots = _roots({lk[0]: lk[2] for lk in links})
    ids = [lk[0] for lk in links]
    cursor.execute(_LINK_SQL, [ids, [lk[1] for lk in links], [roots[i] for i in ids]])
    cursor.execute(_RELINEAGE_SQL, [ids, [roots[i] for i in ids]])
    return sorted({roots[i] for i in ids})


def _roots(lineage: dict[int, int]) -> dict[int, int]:
    """Each series' first revision, following links made in this same batch."""
    roots = {}
    for series_id, root in lineage.items():
        seen = {series_id}
        while root in lineage and root not in seen:
            seen.add(root)
            root = lineage[root]
        roots[series_id] = root
    return roots
