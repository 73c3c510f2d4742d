# SPDX-License-Identifier: AGPL-3.0-or-later
"""Review health counted directly from patches, replies and events: the reference.

The page reads stored counts (``reviews.health.store``); these are the same
measures as one query each over everything, as the page computed them
before, for the tests to compare the two. Who reviews is counted in plain
Python over simply read rows, so that it shares no SQL with the page's query
(a mistake there would otherwise be made here too). People are counted as
persons (``Person.canonical``).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import connection
from django.db.models import Case, Count, IntegerField, Value, When

from archive.models import Message, Person
from reviews.health.measures import AGE_BUCKETS
from reviews.models import Comment, EventCategory, Patch, Trailer

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


def _as_person(canonical: dict[int, int | None], address: int | None) -> int | None:
    """The person an address belongs to (itself unless merged into another)."""
    if address is None:
        return None
    return canonical.get(address) or address


def _replies_to_others(project_id: int, canonical: dict[int, int | None]) -> dict[int, int]:
    """Each reply (message id) that answers someone other than its sender, with
    its sender as a person. A reply counts once, even when it answers several
    patches or a cover letter too."""
    owners: dict[int, set[int | None]] = {}
    for message_id, owner in Comment.objects.filter(patch__project_id=project_id).values_list(
        "message_id", "patch__submitter_id"
    ):
        owners.setdefault(message_id, set()).add(owner)
    for message_id, owner in Comment.objects.filter(cover__project_id=project_id).values_list(
        "message_id", "cover__submitter_id"
    ):
        owners.setdefault(message_id, set()).add(owner)
    authors = dict(Message.objects.filter(id__in=owners).values_list("id", "author_id"))
    out = {}
    for message_id, answered in owners.items():
        sender = _as_person(canonical, authors.get(message_id))
        if sender is None:  # no known sender: nobody to count it for
            continue
        if any(_as_person(canonical, owner) != sender for owner in answered):
            out[message_id] = sender
    return out


def reviewers(project_id: int, top: int) -> list[tuple]:
    """Totals (people replying to others, submitters, submitters who do) on every
    row, then the ``top`` people by replies to others, with the trailers they gave.

    Counted in Python over plain rows, independently of the SQL the page runs.
    """
    people = {
        pk: (canonical, name, email)
        for pk, canonical, name, email in Person.objects.values_list(
            "id", "canonical_id", "name", "email"
        )
    }
    canonical = {pk: row[0] for pk, row in people.items()}
    sent = _replies_to_others(project_id, canonical)
    per_person: dict[int, list[int]] = {}  # replies, reviewed, acked, tested
    for sender in sent.values():
        per_person.setdefault(sender, [0, 0, 0, 0])[0] += 1
    given = {"Reviewed-by": 1, "Acked-by": 2, "Tested-by": 3}
    for message_id, kind in Trailer.objects.filter(message_id__in=sent).values_list(
        "message_id", "kind"
    ):
        if kind in given:
            per_person[sent[message_id]][given[kind]] += 1
    submitters = {
        _as_person(canonical, pk)
        for pk in Patch.objects.filter(project_id=project_id).values_list("submitter_id", flat=True)
        if pk is not None
    }
    totals = (len(per_person), len(submitters), len(submitters & per_person.keys()))
    ranked = sorted(per_person.items(), key=lambda kv: (-kv[1][0], -sum(kv[1][1:]), kv[0]))
    rows = [(*totals, pk, people[pk][1] or people[pk][2], *counts) for pk, counts in ranked[:top]]
    # The page's query gives the totals on one row of nothing else when nobody replied.
    return rows or [(*totals, None, None, None, None, None, None)]
