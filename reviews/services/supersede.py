# SPDX-License-Identifier: AGPL-3.0-or-later
"""Automatic state changes: newer revisions supersede older ones, set-wise.

Ingest links revisions in bulk (``reviews.derived.link_revisions``) and then
calls these functions, which change states in one statement each and record
every change through ``events.record_state_changes``. A state set this way is
marked ``StateOrigin.AUTO`` with the state it replaced, so it can be undone
when the revision links change, without reading the history back.

``protect_upto``: patches with an id at or below it are left alone. A rebuild
in place (``reviews.rebuild``) passes the highest id it kept, so that what
maintainers and earlier ingests decided stays as it was; ingest passes 0.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from django.db import connection

from reviews import turnstore
from reviews.models import StateOrigin
from reviews.services import events
from reviews.states import state

__all__ = ["SUPERSEDABLE", "supersede_late_arrivals", "supersede_replaced", "undo_stranded"]

SUPERSEDED = "superseded"
# Open states a newer revision replaces; a decision (Accepted, Rejected...) stands.
SUPERSEDABLE = ("new", "under-review", "changes-requested", "rfc")

# Every statement below ends with this update of the patches its CTE ``target``
# selects (id, before, version, series, the series' date) and returns what it
# changed. The Event is dated by the mail: the later of the patch and the
# revision that replaces it.
_SUPERSEDE_TARGET = """
UPDATE reviews_patch p SET state_id = %(superseded)s, state_origin = %(auto)s,
    state_before_id = p.state_id
FROM target t JOIN reviews_state st ON st.id = t.before_id
WHERE p.id = t.id
RETURNING p.id, p.project_id, p.series_id, st.slug,
    'superseded by v' || t.version || ' (series ' || t.series || ')', greatest(p.date, t.by_date)
"""

_REPLACED_SQL = (
    """
WITH newest AS (
    -- each linked lineage's newest revision: what it replaces does not depend
    -- on which revision happened to be linked last
    SELECT DISTINCT ON (r.root) r.root, n.version, n.id AS series, n.date
    FROM unnest(%(lineages)s::bigint[]) AS r(root)
    JOIN reviews_series n ON n.lineage_id = r.root OR n.id = r.root
    ORDER BY r.root, n.version DESC, n.date DESC NULLS LAST, n.id DESC
), target AS (
    SELECT p.id, p.state_id AS before_id, n.version, n.series, n.date AS by_date FROM newest n
    JOIN reviews_series o ON (o.lineage_id = n.root OR o.id = n.root) AND o.version < n.version
    JOIN reviews_project pr ON pr.id = o.project_id AND pr.auto_supersede
    JOIN reviews_patch p ON p.series_id = o.id AND p.id > %(protect)s
    JOIN reviews_state st ON st.id = p.state_id AND st.slug = ANY(%(open)s)
)
"""
    + _SUPERSEDE_TARGET
)

# A patch arriving in a series that a later revision already replaced is
# superseded too, as it would have been had it come first; so is a revision
# arriving after a later one of its lineage. A state anyone already changed
# (a person, or superseding undone) stays.
_LATE_SQL = (
    """
WITH arrived AS (
    SELECT id, version, coalesce(lineage_id, id) AS root FROM reviews_series
    WHERE id = ANY(%(ids)s)
), newest AS (
    SELECT DISTINCT ON (a.id) a.id AS old, n.id, n.version, n.date
    FROM arrived a JOIN reviews_series n
        ON (n.lineage_id = a.root OR n.id = a.root) AND n.version > a.version
    ORDER BY a.id, n.version DESC, n.id DESC
), target AS (
    SELECT p.id, p.state_id AS before_id, n.version, n.id AS series, n.date AS by_date
    FROM newest n JOIN reviews_patch p ON p.series_id = n.old AND p.id > %(protect)s
        AND p.state_origin = %(mail)s
    JOIN reviews_state st ON st.id = p.state_id AND st.slug = ANY(%(open)s)
    JOIN reviews_project pr ON pr.id = p.project_id AND pr.auto_supersede
)
"""
    + _SUPERSEDE_TARGET
)

# A series moved to a closer previous revision leaves its old lineage; what
# it superseded there, and what nothing later in that lineage supersedes now,
# goes back to the state it had, unless someone changed it since. Otherwise
# the states would depend on the order the revisions arrived in. The Event
# is dated by the mail that moved the series (``dates``, one per root).
_UNDO_SQL = """
WITH member AS (
    SELECT id, version, coalesce(lineage_id, id) AS root FROM reviews_series
    WHERE lineage_id = ANY(%(roots)s) OR id = ANY(%(roots)s)
), stranded AS (
    SELECT m.id, u.date FROM member m
    JOIN unnest(%(roots)s::bigint[], %(dates)s::timestamptz[]) u(root, date) ON u.root = m.root
    WHERE NOT EXISTS (
        SELECT 1 FROM reviews_series n
        WHERE (n.lineage_id = m.root OR n.id = m.root) AND n.version > m.version)
)
UPDATE reviews_patch p SET state_id = p.state_before_id, state_before_id = NULL
FROM stranded s, reviews_state back
WHERE p.series_id = s.id AND p.id > %(protect)s AND p.state_id = %(superseded)s
    AND p.state_origin = %(auto)s AND back.id = p.state_before_id
RETURNING p.id, p.project_id, p.series_id, back.slug, s.date
"""


def supersede_replaced(lineages: Sequence[int], *, protect_upto: int = 0) -> int:
    """Supersede open patches of every revision older than its lineage's newest."""
    if not lineages:
        return 0
    return _supersede(_REPLACED_SQL, {"lineages": sorted(set(lineages))}, protect_upto)


def supersede_late_arrivals(series_ids: Sequence[int], *, protect_upto: int = 0) -> int:
    """Supersede open, untouched patches of these series if a later revision exists."""
    if not series_ids:
        return 0
    return _supersede(_LATE_SQL, {"ids": list(series_ids)}, protect_upto)


def _supersede(sql: str, params: dict[str, object], protect_upto: int) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            {
                **params,
                "superseded": state(SUPERSEDED).id,
                "open": list(SUPERSEDABLE),
                "protect": protect_upto,
                "auto": StateOrigin.AUTO,
                "mail": StateOrigin.MAIL,
            },
        )
        # In patch order: RETURNING's order is the plan's, and event ids should not be.
        rows = sorted(cursor.fetchall(), key=lambda row: row[0])
    events.record_state_changes(
        [
            events.StateChange(pid, project, series, before, SUPERSEDED, reason, date)
            for pid, project, series, before, reason, date in rows
        ]
    )
    turnstore.refresh_patches([row[0] for row in rows])
    return len(rows)


def undo_stranded(
    roots: Sequence[int],
    *,
    protect_upto: int = 0,
    dates: Mapping[int, datetime | None] | None = None,
) -> int:
    """Undo automatic superseding in these lineages where no later revision remains.

    ``dates``: for each root, the date of the mail that left it (the Events'
    date); a root without one is dated now.
    """
    if not roots:
        return 0
    roots = sorted(set(roots))
    when = dates or {}
    with connection.cursor() as cursor:
        cursor.execute(
            _UNDO_SQL,
            {
                "roots": roots,
                "dates": [when.get(root) for root in roots],
                "superseded": state(SUPERSEDED).id,
                "protect": protect_upto,
                "auto": StateOrigin.AUTO,
            },
        )
        rows = sorted(cursor.fetchall(), key=lambda row: row[0])  # (as in _supersede)
    reason = "no later revision since revision links changed"
    events.record_state_changes(
        [
            events.StateChange(pid, project, series, SUPERSEDED, back, reason, date)
            for pid, project, series, back, date in rows
        ]
    )
    turnstore.refresh_patches([row[0] for row in rows])
    return len(rows)
