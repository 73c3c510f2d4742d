# SPDX-License-Identifier: AGPL-3.0-or-later
"""The review-health measures of one project, read from the stored counts.

``reviews.health.store`` keeps per-day, per-month and per-sender counts as
mail and decisions arrive, so each function here reads a few hundred rows
(by index) instead of every patch and reply; what depends on "now" (the
ages, the 14-day cut) reads the raw patches only for the days or months the
cut falls in. Rows come back in the shapes ``reviews.health.measures``
reads. Definitions: ``docs/review-health.md``; keep the two in step.

Each statement is prepared on its connection (``archive.prepared``): the
people's, eight CTEs, took 3.5 ms to plan, as long as a third of its run.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from django.db import connection

from archive.prepared import execute_prepared
from reviews.health.measures import AGE_BUCKETS

__all__ = ["daily_flow", "first_replies", "open_ages", "reviewers"]

_FLOW_SQL = """
SELECT day, arrived, accepted, rejected, superseded, other, by_mail, reviewed,
    sum(arrived - accepted - rejected - superseded - other) OVER (ORDER BY day) AS open_after
FROM reviews_healthday
WHERE project_id = %(project)s
    AND (arrived, accepted, rejected, superseded, other, by_mail) <> (0, 0, 0, 0, 0, 0)
ORDER BY day
"""


def daily_flow(project_id: int) -> list[tuple]:
    """Per UTC day with any move: arrived, accepted, rejected, superseded, other,
    applied by mail only, applied (either way) with a review trailer, and
    patches open at the day's end."""
    with connection.cursor() as cursor:
        execute_prepared(cursor, "threadwork_health_flow", _FLOW_SQL, {"project": project_id})
        return cursor.fetchall()


# Months wholly before the 14-day cut are read as stored (every patch in them
# is old enough; ``late`` is then the unanswered count). The months from the
# cut's on are counted from the patches themselves, a short range of the
# date index.
_REPLY_SQL = """
SELECT to_char(month, 'YYYY-MM'), patches, answered, median_hours, p90_hours, patches, late
FROM reviews_healthmonth WHERE project_id = %(project)s AND month < %(recent)s
UNION ALL (
    SELECT to_char(date AT TIME ZONE 'UTC', 'YYYY-MM') AS month,
        count(*),
        count(first_reply),
        percentile_cont(0.5) WITHIN GROUP (ORDER BY hours) FILTER (WHERE first_reply IS NOT NULL),
        percentile_cont(0.9) WITHIN GROUP (ORDER BY hours) FILTER (WHERE first_reply IS NOT NULL),
        count(*) FILTER (WHERE date <= %(cutoff)s),
        count(*) FILTER (WHERE date <= %(cutoff)s
            AND (first_reply IS NULL OR first_reply > date + make_interval(days => %(days)s)))
    FROM (
        SELECT date, first_reply,
            extract(epoch FROM greatest(first_reply - date, interval '0')) / 3600 AS hours
        FROM reviews_patch WHERE project_id = %(project)s AND date >= %(since)s
    ) recent GROUP BY 1
)
ORDER BY 1
"""


def first_replies(project_id: int, now: datetime, days: int) -> list[tuple]:
    """Per month of arrival: patches, answered, median and 90th percentile hours to
    the first reply from someone else, patches at least ``days`` old, and of those
    the ones nobody else answered within ``days``."""
    cutoff = now - timedelta(days=days)
    recent = cutoff.astimezone(UTC).date().replace(day=1)
    since = datetime.combine(recent, time(), tzinfo=UTC)
    with connection.cursor() as cursor:
        execute_prepared(
            cursor,
            "threadwork_health_replies",
            _REPLY_SQL,
            {"project": project_id, "recent": recent, "since": since, "cutoff": cutoff,
             "days": days},
        )  # fmt: skip
        return cursor.fetchall()


# Open patches by the UTC day they arrived, stored, each day stood for by its
# end (every patch of a day is younger than the edges its end is younger
# than); the days a bucket's edge falls in are read patch by patch instead.
# Counted by bucket here: a moment's bucket is how many cuts (now less each
# bucket's days, youngest first) are at or after it. Sent to Python row by row,
# the edge days' patches grew with the archive (950 rows at ten times
# linux-rtc, 10 ms of the health page).
_AGES_SQL = """
SELECT (SELECT count(*) FROM unnest(%(cuts)s::timestamptz[]) AS c(cut) WHERE c.cut >= a.moment),
    sum(a.n)
FROM (
    SELECT (day + 1)::timestamp AT TIME ZONE 'UTC', open FROM reviews_healthday
    WHERE project_id = %(project)s AND open > 0 AND day <> ALL(%(edges)s::date[])
    UNION ALL
    SELECT p.date, 1 FROM unnest(%(edges)s::date[]) e(day)
        JOIN reviews_patch p ON p.project_id = %(project)s
            AND p.date >= e.day::timestamp AT TIME ZONE 'UTC'
            AND p.date < (e.day + 1)::timestamp AT TIME ZONE 'UTC'
        JOIN reviews_state st ON st.id = p.state_id
    WHERE st.action_required AND NOT p.archived
) AS a(moment, n)
GROUP BY 1
"""


def open_ages(project_id: int, now: datetime) -> dict[str, int]:
    """Open patches (action required, not archived) counted by age bucket: "younger
    than N days" is posted after now less N days, to the microsecond."""
    cuts = [now - timedelta(days=b.upto_days) for b in AGE_BUCKETS if b.upto_days is not None]
    edges = sorted({cut.astimezone(UTC).date() for cut in cuts})
    counts = [0] * len(AGE_BUCKETS)
    with connection.cursor() as cursor:
        params = {"project": project_id, "edges": edges, "cuts": cuts}
        execute_prepared(cursor, "threadwork_health_ages", _AGES_SQL, params)
        for bucket, n in cursor.fetchall():
            counts[bucket] += n
    return {b.label: n for b, n in zip(AGE_BUCKETS, counts, strict=True) if n}


# People are counted as persons: an address merged into another
# (``Person.canonical``, archive/people.py) counts as the person it belongs
# to, both as the sender and as the submitter answered, so a reply to one's
# own patch from another address answers nobody else.
_PEOPLE_SQL = """
WITH RECURSIVE address AS (
    -- every address that submitted a patch here, one index probe each
    (SELECT submitter_id AS id FROM reviews_patch
        WHERE project_id = %(project)s AND submitter_id IS NOT NULL
        ORDER BY submitter_id LIMIT 1)
    UNION ALL
    SELECT (SELECT p.submitter_id FROM reviews_patch p
        WHERE p.project_id = %(project)s AND p.submitter_id > a.id
        ORDER BY p.submitter_id LIMIT 1)
    FROM address a WHERE a.id IS NOT NULL
), alias AS MATERIALIZED (
    -- the few addresses merged into another (the index on canonical_id finds them)
    SELECT id, canonical_id FROM archive_person WHERE canonical_id IS NOT NULL
), submitter AS (
    SELECT DISTINCT coalesce(al.canonical_id, a.id) AS id
    FROM address a LEFT JOIN alias al ON al.id = a.id WHERE a.id IS NOT NULL
), sent AS (
    SELECT r.id, coalesce(al.canonical_id, r.author_id) AS who, r.owners, r.replies,
        r.reviewed, r.acked, r.tested
    FROM reviews_healthreplies r LEFT JOIN alias al ON al.id = r.author_id
    WHERE r.project_id = %(project)s
), to_others AS (
    -- a reply counts when it answers someone other than its sender (a semi-join:
    -- the distinct answering replies joined back cost a third of the statement)
    SELECT s.who, s.replies, s.reviewed, s.acked, s.tested FROM sent s
    WHERE EXISTS (SELECT FROM unnest(s.owners) o(id) LEFT JOIN alias al ON al.id = o.id
        WHERE coalesce(al.canonical_id, nullif(o.id, 0)) IS DISTINCT FROM s.who)
), per_person AS (
    SELECT who AS author_id, sum(replies)::int AS replies, sum(reviewed)::int AS reviewed,
        sum(acked)::int AS acked, sum(tested)::int AS tested
    FROM to_others GROUP BY who HAVING sum(replies) > 0
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
        params = {"project": project_id, "top": top}
        execute_prepared(cursor, "threadwork_health_people", _PEOPLE_SQL, params)
        return cursor.fetchall()
