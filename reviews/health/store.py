# SPDX-License-Identifier: AGPL-3.0-or-later
"""Review health, stored: the counts the health page reads, written where their inputs change.

Derived data, like ``reviews.turnstore``, and kept by the same callers:
:func:`refresh_patches` runs at the end of every turn refresh (ingest, the
state-change services, superseding), :func:`count_replies` around ingest's
comment refresh, :func:`rebuild` at the end of ``reparse``. Each is a fixed
number of set-based statements whatever the number of patches.

- ``HealthPatch`` holds where each patch counts (the day it arrived, the day
  and kind of its decision, the day a reply said it was applied); a refresh
  recomputes those for the patches given and adds the difference to
  ``HealthDay``, one row a project and UTC day.
- ``HealthMonth`` is recomputed whole, in the same statement, for the months
  of the patches given (medians cannot be added up).
- ``HealthReplies`` counts replies by sender and by the submitters they
  answer, by address: ingest takes the counts of a batch's threads out
  before it rewrites their comments and adds them back after.

The definitions are those of ``docs/review-health.md``; ``tests/reviews``
compares every stored count with the same count made directly.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connection

from reviews.health.measures import UNANSWERED_DAYS
from reviews.models import EventCategory

__all__ = ["count_replies", "rebuild", "refresh_lineages", "refresh_patches"]

# Where a patch counts: the flow's rules (docs/review-health.md), one row a
# patch with a date. ``{where}`` picks the patches, ``{series}`` their series:
# for a batch's patches an array of their series' keys, which PostgreSQL
# probes the series with (joined alone, it hashed every series of the
# archive once a batch: #21, 28 ms at ten times linux-rtc).
_CONTRIB_SQL = f"""
SELECT p.id AS patch_id, p.project_id, (p.date AT TIME ZONE 'UTC')::date AS arrived,
    CASE WHEN NOT st.action_required OR p.archived THEN (greatest(p.date, coalesce(
        nr.at, lc.at, p.date)) AT TIME ZONE 'UTC')::date END AS decided,
    CASE WHEN st.action_required AND NOT p.archived THEN ''
        WHEN st.slug IN ('accepted', 'rejected', 'superseded') THEN st.slug
        ELSE 'other' END AS kind,
    CASE WHEN p.turn_reason = 'applied' AND st.slug <> 'accepted'
        THEN (p.waiting_since AT TIME ZONE 'UTC')::date END AS applied,
    p.reviewed + p.acked > 0 AS reviewed
FROM reviews_patch p JOIN reviews_state st ON st.id = p.state_id
    LEFT JOIN reviews_series s ON s.id = p.series_id AND {{series}}
    -- the last time someone (or superseding) changed the state or archived it; by
    -- the patch alone (its events are its project's): with the project too, stale
    -- statistics mid-import picked the project's index and filtered every event of
    -- the project for each patch (#21: 100 ms a batch, 5.7 s of a 17k import)
    LEFT JOIN LATERAL (
        SELECT max(e.date) AS at FROM reviews_event e
        WHERE (NOT st.action_required OR p.archived) AND e.patch_id = p.id
            AND e.category IN
            ('{EventCategory.PATCH_STATE_CHANGED}', '{EventCategory.PATCH_ARCHIVED}')
    ) lc ON true
    -- superseded automatically: decided when the next revision was posted
    LEFT JOIN LATERAL (
        SELECT min(n.date) AS at FROM reviews_series n
        WHERE st.slug = 'superseded' AND p.state_origin = 'auto'
            AND (n.lineage_id = coalesce(s.lineage_id, s.id)
                OR (n.lineage_id IS NULL AND n.id = coalesce(s.lineage_id, s.id)))
            AND n.version > s.version AND n.project_id = p.project_id
    ) nr ON true
WHERE p.date IS NOT NULL AND {{where}}
"""

_COLUMNS = "patch_id, project_id, arrived, decided, kind, applied, reviewed"

# New contributions in, old ones out, and the difference added to the days.
# Every CTE reads the table as it was before the statement, so ``old`` holds
# what the patches counted until now.
_REFRESH_SQL = f"""
WITH fresh AS ({_CONTRIB_SQL}),
old AS (SELECT {_COLUMNS} FROM reviews_healthpatch h WHERE {{old}}),
gone AS (
    DELETE FROM reviews_healthpatch h WHERE {{old}}
        AND NOT EXISTS (SELECT 1 FROM fresh f WHERE f.patch_id = h.patch_id)
), put AS (
    INSERT INTO reviews_healthpatch ({_COLUMNS}) SELECT {_COLUMNS} FROM fresh
    ON CONFLICT (patch_id) DO UPDATE SET project_id = excluded.project_id,
        arrived = excluded.arrived, decided = excluded.decided, kind = excluded.kind,
        applied = excluded.applied, reviewed = excluded.reviewed
    WHERE (reviews_healthpatch.project_id, reviews_healthpatch.arrived,
        reviews_healthpatch.decided, reviews_healthpatch.kind, reviews_healthpatch.applied,
        reviews_healthpatch.reviewed) IS DISTINCT FROM (excluded.project_id, excluded.arrived,
        excluded.decided, excluded.kind, excluded.applied, excluded.reviewed)
), signed AS (
    SELECT 1 AS n, * FROM fresh UNION ALL SELECT -1, * FROM old
), moves AS (
    SELECT project_id, arrived AS day, n AS arrived, 0 AS accepted, 0 AS rejected,
        0 AS superseded, 0 AS other, 0 AS by_mail, 0 AS reviewed,
        CASE WHEN decided IS NULL THEN n ELSE 0 END AS open
    FROM signed
    UNION ALL
    SELECT project_id, decided, 0, n * (kind = 'accepted')::int, n * (kind = 'rejected')::int,
        n * (kind = 'superseded')::int, n * (kind = 'other')::int, 0,
        n * (kind = 'accepted' AND reviewed)::int, 0
    FROM signed WHERE decided IS NOT NULL
    UNION ALL
    SELECT project_id, applied, 0, 0, 0, 0, 0, n, n * reviewed::int, 0
    FROM signed WHERE applied IS NOT NULL
), {{months}}, delta AS (
    SELECT project_id, day, sum(arrived) AS arrived, sum(accepted) AS accepted,
        sum(rejected) AS rejected, sum(superseded) AS superseded, sum(other) AS other,
        sum(by_mail) AS by_mail, sum(reviewed) AS reviewed, sum(open) AS open
    FROM moves GROUP BY project_id, day
)
INSERT INTO reviews_healthday AS d (project_id, day, arrived, accepted, rejected, superseded,
    other, by_mail, reviewed, open)
SELECT * FROM delta WHERE (arrived, accepted, rejected, superseded, other, by_mail, reviewed,
    open) <> (0, 0, 0, 0, 0, 0, 0, 0)
ORDER BY project_id, day  -- new rows' ids in day order, whatever the plan
ON CONFLICT (project_id, day) DO UPDATE SET arrived = d.arrived + excluded.arrived,
    accepted = d.accepted + excluded.accepted, rejected = d.rejected + excluded.rejected,
    superseded = d.superseded + excluded.superseded, other = d.other + excluded.other,
    by_mail = d.by_mail + excluded.by_mail, reviewed = d.reviewed + excluded.reviewed,
    open = d.open + excluded.open
"""

# Time to a first reply of every patch posted in the given months, the month
# recomputed whole (medians do not add up); a month left without patches goes.
#
# Each month is read by its date range (LATERAL, one index range scan a
# month): a join on the project alone made PostgreSQL walk every patch of the
# project once per batch, which grew ingest with the archive (#21: 9 -> 46 s
# of a two-copy ingest between an empty archive and ten times linux-rtc).
_MONTHS_CTE = f"""
wanted AS (
    SELECT DISTINCT project_id, date_trunc('month', arrived)::date AS month FROM signed
), agg AS (
    SELECT w.project_id, w.month, a.* FROM wanted w CROSS JOIN LATERAL (
        SELECT count(p.id) AS patches, count(p.first_reply) AS answered,
            percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM
                greatest(p.first_reply - p.date, interval '0')) / 3600)
                FILTER (WHERE p.first_reply IS NOT NULL) AS median,
            percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM
                greatest(p.first_reply - p.date, interval '0')) / 3600)
                FILTER (WHERE p.first_reply IS NOT NULL) AS p90,
            count(p.id) FILTER (WHERE p.first_reply IS NULL
                OR p.first_reply > p.date + interval '{UNANSWERED_DAYS} days') AS late
        FROM reviews_patch p WHERE p.project_id = w.project_id
            AND p.date >= w.month::timestamp AT TIME ZONE 'UTC'
            AND p.date < (w.month + interval '1 month')::timestamp AT TIME ZONE 'UTC'
    ) a
), emptied AS (
    DELETE FROM reviews_healthmonth h USING agg
    WHERE h.project_id = agg.project_id AND h.month = agg.month AND agg.patches = 0
), month_put AS (
    INSERT INTO reviews_healthmonth AS h (project_id, month, patches, answered, median_hours,
        p90_hours, late)
    SELECT project_id, month, patches, answered, median, p90, late FROM agg WHERE patches > 0
    ORDER BY project_id, month
    ON CONFLICT (project_id, month) DO UPDATE SET patches = excluded.patches,
        answered = excluded.answered, median_hours = excluded.median_hours,
        p90_hours = excluded.p90_hours, late = excluded.late
)"""


def _refresh_sql(where: str, old: str, series: str = "true") -> str:
    return _REFRESH_SQL.format(where=where, old=old, series=series, months=_MONTHS_CTE.strip())


_BY_ID = _refresh_sql(
    "p.id = ANY(%(ids)s)",
    "h.patch_id = ANY(%(ids)s)",
    "s.id = ANY(ARRAY(SELECT series_id FROM reviews_patch WHERE id = ANY(%(ids)s)))",
)
_BY_PROJECT = _refresh_sql("p.project_id = ANY(%(projects)s)", "h.project_id = ANY(%(projects)s)")


def refresh_patches(patch_ids: Sequence[int]) -> None:
    """Recount where these patches stand in their project's health (one statement)."""
    if patch_ids:
        with connection.cursor() as cursor:
            cursor.execute(_BY_ID, {"ids": sorted(set(patch_ids))})


# The patches superseded automatically in these lineages (roots).
_SUPERSEDED_IN = """
SELECT p.id FROM reviews_series s JOIN reviews_patch p ON p.series_id = s.id
WHERE (s.lineage_id = ANY(%(roots)s) OR s.id = ANY(%(roots)s)) AND p.state_origin = 'auto'
"""


def refresh_lineages(roots: Sequence[int]) -> None:
    """Recount the automatically superseded patches of these lineages.

    Such a patch is decided when its lineage's next revision was posted, so a
    revision joining or leaving the lineage (a late or relinked one) can move
    that day without changing any patch's state, which is what triggers
    :func:`refresh_patches` otherwise.
    """
    if roots:
        with connection.cursor() as cursor:
            cursor.execute(_SUPERSEDED_IN, {"roots": sorted(set(roots))})
            ids = [row[0] for row in cursor.fetchall()]
        refresh_patches(ids)


# A batch's replies, one row a message: who sent it and whose patches or
# covers it answers (in one project), with the trailers it gives.
_REPLIES_SQL = """
INSERT INTO reviews_healthreplies AS h (project_id, author_id, owners, replies, reviewed,
    acked, tested)
SELECT project_id, author_id, owners, %(sign)s * count(*), %(sign)s * sum(t.reviewed),
    %(sign)s * sum(t.acked), %(sign)s * sum(t.tested)
FROM (
    SELECT r.project_id, r.message_id, r.author_id,
        array_agg(DISTINCT coalesce(r.owner, 0) ORDER BY coalesce(r.owner, 0)) AS owners
    FROM (
        SELECT c.message_id, m.author_id, p.project_id, p.submitter_id AS owner
        FROM reviews_comment c JOIN archive_message m ON m.id = c.message_id
            JOIN reviews_patch p ON p.id = c.patch_id
        WHERE {where} AND m.author_id IS NOT NULL
        UNION
        SELECT c.message_id, m.author_id, p.project_id, p.submitter_id
        FROM reviews_comment c JOIN archive_message m ON m.id = c.message_id
            JOIN reviews_cover p ON p.id = c.cover_id
        WHERE {where} AND m.author_id IS NOT NULL
    ) r
    GROUP BY r.project_id, r.message_id, r.author_id
) message CROSS JOIN LATERAL (
    SELECT count(*) FILTER (WHERE kind = 'Reviewed-by') AS reviewed,
        count(*) FILTER (WHERE kind = 'Acked-by') AS acked,
        count(*) FILTER (WHERE kind = 'Tested-by') AS tested
    FROM reviews_trailer WHERE message_id = message.message_id
) t
GROUP BY project_id, author_id, owners
ON CONFLICT (project_id, author_id, owners) DO UPDATE SET replies = h.replies + excluded.replies,
    reviewed = h.reviewed + excluded.reviewed, acked = h.acked + excluded.acked,
    tested = h.tested + excluded.tested
"""

# The threads' messages as an array of keys, which PostgreSQL probes the comments
# with: joined on the thread, every reply to a cover letter in the archive was
# merge-joined with every cover, twice a batch (#21: 39 ms at ten times linux-rtc).
_IN_THREADS = _REPLIES_SQL.format(
    where="c.message_id = ANY(ARRAY("
    "SELECT id FROM archive_message WHERE thread_id = ANY(%(threads)s)))"
)
_IN_PROJECTS = _REPLIES_SQL.format(where="p.project_id = ANY(%(projects)s)")


def count_replies(thread_ids: Sequence[int], sign: int) -> None:
    """Add (``sign`` 1) or take out (-1) the replies stored in these threads.

    Ingest takes a batch's threads out before it rewrites their comments and
    adds them back after, so each reply counts once however often its
    thread is touched.
    """
    if not thread_ids:
        return
    with connection.cursor() as cursor:
        cursor.execute(_IN_THREADS, {"threads": list(thread_ids), "sign": sign})
        if sign > 0:  # rows a batch took out and gave nothing back
            cursor.execute(
                "DELETE FROM reviews_healthreplies WHERE replies = 0 AND reviewed = 0 "
                "AND acked = 0 AND tested = 0"
            )


def rebuild(project_ids: Sequence[int]) -> None:
    """Every stored health count of these projects, recomputed from what is stored."""
    if not project_ids:
        return
    params = {"projects": list(project_ids), "sign": 1}
    with connection.cursor() as cursor:
        for table in ("healthpatch", "healthday", "healthmonth", "healthreplies"):
            cursor.execute(
                f"DELETE FROM reviews_{table} WHERE project_id = ANY(%(projects)s)", params
            )
        cursor.execute(_BY_PROJECT, params)
        cursor.execute(_IN_PROJECTS, params)


def rebuild_all() -> None:
    """Every project's (the migration that made the tables, and tests)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM reviews_project")
        rebuild([row[0] for row in cursor.fetchall()])
