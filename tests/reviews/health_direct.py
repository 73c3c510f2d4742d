# SPDX-License-Identifier: AGPL-3.0-or-later
"""Review health counted directly from patches, replies and events: the reference.

The page reads stored counts (``reviews.health.store``); these are the same
measures as one query each over everything, as the page computed them
before, for the tests to compare the two. People are counted as persons
(``Person.canonical``).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import connection
from django.db.models import Case, Count, IntegerField, Value, When

from reviews.health.measures import AGE_BUCKETS
from reviews.models import EventCategory, Patch

__all__ = ["daily_flow", "first_replies", "open_ages", "reviewers"]

# A reply to a patch is mail in its own thread, or in its series' cover
# letter's (a review "for the whole series" answers each of its patches), from
# anyone but the patch's submitter (docs/review-health.md).

_FLOW_SQL = f"""
WITH last_change AS (
    -- the last time someone (or superseding) changed the state or archived it
    SELECT e.patch_id, max(e.date) AS at FROM reviews_event e
    WHERE e.project_id = %(project)s AND e.patch_id IS NOT NULL
        AND e.category IN ('{EventCategory.PATCH_STATE_CHANGED}', '{EventCategory.PATCH_ARCHIVED}')
    GROUP BY e.patch_id
), next_revision AS (
    -- superseded automatically: decided when the next revision was posted
    SELECT s.id AS series_id, min(n.date) AS at
    FROM reviews_series s JOIN reviews_series n
        ON coalesce(n.lineage_id, n.id) = coalesce(s.lineage_id, s.id) AND n.version > s.version
    WHERE s.project_id = %(project)s AND n.project_id = %(project)s
    GROUP BY s.id
), moves AS (
    -- two rows a patch, from one scan: its arrival, and its decision if it left the queue
    SELECT m.at, m.kind, p.reviewed + p.acked > 0 AS reviewed
    FROM reviews_patch p JOIN reviews_state st ON st.id = p.state_id
        LEFT JOIN last_change lc ON lc.patch_id = p.id
        LEFT JOIN next_revision nr ON nr.series_id = p.series_id
        CROSS JOIN LATERAL (VALUES
            (p.date, 'arrived'),
            (CASE WHEN NOT st.action_required OR p.archived THEN greatest(p.date, coalesce(
                CASE WHEN st.slug = 'superseded' AND p.state_origin = 'auto' THEN nr.at END,
                lc.at, p.date)) END,
             CASE WHEN st.slug IN ('accepted', 'rejected', 'superseded') THEN st.slug
                ELSE 'other' END),
            -- applied by mail: a reply says so (whose-turn read it), the state
            -- still open; dated by that reply. It stays in the open queue.
            (CASE WHEN p.turn_reason = 'applied' AND st.slug <> 'accepted'
                THEN p.waiting_since END, 'applied-by-mail')
        ) AS m(at, kind)
    WHERE p.project_id = %(project)s AND p.date IS NOT NULL AND m.at IS NOT NULL
)
SELECT (at AT TIME ZONE 'UTC')::date AS day,
    count(*) FILTER (WHERE kind = 'arrived'),
    count(*) FILTER (WHERE kind = 'accepted'),
    count(*) FILTER (WHERE kind = 'rejected'),
    count(*) FILTER (WHERE kind = 'superseded'),
    count(*) FILTER (WHERE kind = 'other'),
    count(*) FILTER (WHERE kind = 'applied-by-mail'),
    count(*) FILTER (WHERE kind IN ('accepted', 'applied-by-mail') AND reviewed),
    sum(count(*) FILTER (WHERE kind = 'arrived')
        - count(*) FILTER (WHERE kind IN ('accepted', 'rejected', 'superseded', 'other')))
        OVER (ORDER BY (at AT TIME ZONE 'UTC')::date) AS open_after
FROM moves GROUP BY 1 ORDER BY 1
"""


def daily_flow(project_id: int) -> list[tuple]:
    """Per UTC day with any move: arrived, accepted, rejected, superseded, other,
    applied by mail only, applied (either way) with a review trailer, and
    patches open at the day's end."""
    with connection.cursor() as cursor:
        cursor.execute(_FLOW_SQL, {"project": project_id})
        return cursor.fetchall()


# ``Patch.first_reply`` is stored by ``reviews.turnstore`` with the definition
# above (its thread and its cover letter's, anyone but the submitter), the one
# the patch list's "No reply yet" filter reads too.
_REPLY_SQL = """
WITH waited AS (
    SELECT date, first_reply AS at,
        extract(epoch FROM greatest(first_reply - date, interval '0')) / 3600 AS hours
    FROM reviews_patch WHERE project_id = %(project)s AND date IS NOT NULL
)
SELECT to_char(date AT TIME ZONE 'UTC', 'YYYY-MM') AS month,
    count(*),
    count(at),
    percentile_cont(0.5) WITHIN GROUP (ORDER BY hours) FILTER (WHERE at IS NOT NULL),
    percentile_cont(0.9) WITHIN GROUP (ORDER BY hours) FILTER (WHERE at IS NOT NULL),
    count(*) FILTER (WHERE date <= %(cutoff)s),
    count(*) FILTER (WHERE date <= %(cutoff)s
        AND (at IS NULL OR at > date + make_interval(days => %(days)s)))
FROM waited GROUP BY 1 ORDER BY 1
"""


def first_replies(project_id: int, now: datetime, days: int) -> list[tuple]:
    """Per month of arrival: patches, answered, median and 90th percentile hours to
    the first reply from someone else, patches at least ``days`` old, and of those
    the ones nobody else answered within ``days``."""
    with connection.cursor() as cursor:
        cursor.execute(
            _REPLY_SQL, {"project": project_id, "cutoff": now - timedelta(days=days), "days": days}
        )
        return cursor.fetchall()


def open_ages(project_id: int, now: datetime) -> dict[str, int]:
    """Open patches (action required, not archived) counted by age bucket."""
    whens = [
        When(date__gt=now - timedelta(days=bucket.upto_days), then=Value(i))
        for i, bucket in enumerate(AGE_BUCKETS)
        if bucket.upto_days is not None
    ]
    rows = (
        Patch.objects.filter(project_id=project_id, date__isnull=False)
        .action_required()
        .annotate(
            bucket=Case(*whens, default=Value(len(AGE_BUCKETS) - 1), output_field=IntegerField())
        )
        .values("bucket")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {AGE_BUCKETS[row["bucket"]].label: row["n"] for row in rows}


_PEOPLE_SQL = """
WITH reply AS (
    SELECT c.message_id, p.submitter_id AS owner FROM reviews_comment c
        JOIN reviews_patch p ON p.id = c.patch_id WHERE p.project_id = %(project)s
    UNION
    SELECT c.message_id, cv.submitter_id FROM reviews_comment c
        JOIN reviews_cover cv ON cv.id = c.cover_id WHERE cv.project_id = %(project)s
), to_others AS (
    -- a reply counts once, even when it answers several patches; people as persons
    SELECT DISTINCT m.id, coalesce(a.canonical_id, a.id) AS author_id
    FROM reply r JOIN archive_message m ON m.id = r.message_id
        JOIN archive_person a ON a.id = m.author_id
        LEFT JOIN archive_person o ON o.id = r.owner
    WHERE coalesce(a.canonical_id, a.id) IS DISTINCT FROM coalesce(o.canonical_id, o.id)
), per_person AS (
    SELECT o.author_id, count(*)::int AS replies,
        coalesce(sum(t.reviewed), 0)::int AS reviewed, coalesce(sum(t.acked), 0)::int AS acked,
        coalesce(sum(t.tested), 0)::int AS tested
    FROM to_others o LEFT JOIN LATERAL (
        SELECT count(*) FILTER (WHERE kind = 'Reviewed-by') AS reviewed,
            count(*) FILTER (WHERE kind = 'Acked-by') AS acked,
            count(*) FILTER (WHERE kind = 'Tested-by') AS tested
        FROM reviews_trailer tr WHERE tr.message_id = o.id
    ) t ON true
    GROUP BY o.author_id
), submitter AS (
    SELECT DISTINCT coalesce(pe.canonical_id, pe.id) AS id FROM reviews_patch p
        JOIN archive_person pe ON pe.id = p.submitter_id
    WHERE p.project_id = %(project)s
), totals AS (
    SELECT (SELECT count(*) FROM per_person) AS reviewers,
        (SELECT count(*) FROM submitter) AS submitters,
        (SELECT count(*) FROM submitter s JOIN per_person q ON q.author_id = s.id) AS reviewing
)
SELECT t.reviewers, t.submitters, t.reviewing,
    top.author_id, top.name, top.replies, top.reviewed, top.acked, top.tested
FROM totals t LEFT JOIN LATERAL (
    SELECT q.*, coalesce(nullif(pe.name, ''), pe.email) AS name FROM per_person q
        JOIN archive_person pe ON pe.id = q.author_id
    ORDER BY q.replies DESC, q.reviewed + q.acked + q.tested DESC, q.author_id
    LIMIT %(top)s
) top ON true
"""


def reviewers(project_id: int, top: int) -> list[tuple]:
    """Totals (people replying to others, submitters, submitters who do) on every
    row, then the ``top`` people by replies to others, with the trailers they gave."""
    with connection.cursor() as cursor:
        cursor.execute(_PEOPLE_SQL, {"project": project_id, "top": top})
        return cursor.fetchall()
