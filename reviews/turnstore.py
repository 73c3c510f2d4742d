# SPDX-License-Identifier: AGPL-3.0-or-later
"""Whose turn, stored: the facts read set-wise, ``reviews.turns`` applied, rows updated.

Derived data, like ``reviews.derived``: recomputed from what is stored for
the patches a change touched, never patched up incrementally. Called where
the inputs change: ingest (new replies, new revisions), the services that
change states (``services.patches``, ``services.supersede``), and the
rebuild. Each call costs a fixed number of queries whatever the number of
patches; series follow their patches in one statement.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime

from django.db import connection

from archive.bodycodec import unpack_body
from reviews.health import store as health_store
from reviews.replies import Cue, applied_numbers, read_reply
from reviews.turns import PatchFacts, Reply, decide

__all__ = [
    "read_cues",
    "refresh_after_change",
    "refresh_patches",
    "refresh_series",
    "refresh_threads",
]

_CHUNK = 5000

Counts = tuple[int, int, int]  # Acked-by, Reviewed-by, Tested-by

# Replies whose cues are still unread (or all, when read ``again``), with the
# kinds of the trailers ingest found in them; neither for those already read.
_UNREAD_SQL = """
SELECT m.id, CASE WHEN m.id <> ALL(%(read)s::bigint[]) THEN m.body END,
    CASE WHEN m.id <> ALL(%(read)s::bigint[]) THEN coalesce(
    (SELECT array_agg(t.kind) FROM reviews_trailer t WHERE t.message_id = m.id), '{}') END
FROM archive_message m WHERE m.id IN (
    SELECT c.message_id FROM reviews_comment c WHERE (c.cues IS NULL OR %(again)s)
        AND c.message_id = ANY(ARRAY(
            SELECT id FROM archive_message WHERE thread_id = ANY(%(threads)s))))
"""

_CUES_SQL = """
UPDATE reviews_comment c SET cues = u.cues FROM unnest(%s::bigint[], %s::int[]) u(mid, cues)
WHERE c.message_id = u.mid AND c.cues IS DISTINCT FROM u.cues
"""


def read_cues(
    thread_ids: Sequence[int], *, again: bool = False, known: Mapping[int, int] | None = None
) -> None:
    """Read what each new reply in these threads says (``reviews.replies``), once.

    ``known``: cues already read by ingest's workers, by message id.
    """
    if not thread_ids:
        return
    known = known or {}
    with connection.cursor() as cursor:
        cursor.execute(
            _UNREAD_SQL, {"threads": list(thread_ids), "again": again, "read": list(known)}
        )
        read = [
            (mid, known[mid] if mid in known else int(read_reply(unpack_body(body or b""), kinds)))
            for mid, body, kinds in cursor.fetchall()
        ]
        if read:
            cursor.execute(_CUES_SQL, [[r[0] for r in read], [r[1] for r in read]])


# Patches to look at again after a batch: in its threads, under a cover in
# them, in the series it touched, and in the revisions those replace. Rows are
# found by arrays of keys, which PostgreSQL probes indexes with: joined on the
# threads, it read every patch of the archive once a batch while its
# statistics lagged behind an import (#21: 40 ms at ten times linux-rtc).
_TOUCHED_SQL = """
WITH msgs AS (SELECT id FROM archive_message WHERE thread_id = ANY(%(threads)s))
SELECT p.id FROM reviews_patch p WHERE p.message_id = ANY(ARRAY(SELECT id FROM msgs))
UNION SELECT p.id FROM reviews_patch p WHERE p.series_id = ANY(ARRAY(
    SELECT c.series_id FROM reviews_cover c WHERE c.message_id = ANY(ARRAY(SELECT id FROM msgs))))
UNION SELECT p.id FROM reviews_patch p WHERE p.series_id = ANY(%(series)s)
UNION SELECT p.id FROM reviews_patch p JOIN reviews_series s ON s.previous_id = p.series_id
    WHERE s.id = ANY(%(series)s)
"""


def refresh_threads(
    thread_ids: Sequence[int],
    series_ids: Iterable[int] = (),
    *,
    again: bool = False,
    known: Mapping[int, int] | None = None,
    counts: Mapping[int, Counts] | None = None,
) -> None:
    """Cues of new replies, then the turns of every patch these threads or series touch.

    ``counts``: Acked/Reviewed/Tested counts to store with the turns, by patch
    id (``derived.changed_counts``: ingest's, so that a new patch is updated once).
    """
    read_cues(thread_ids, again=again, known=known)
    with connection.cursor() as cursor:
        cursor.execute(_TOUCHED_SQL, {"threads": list(thread_ids), "series": sorted(series_ids)})
        patch_ids = {row[0] for row in cursor.fetchall()}
    refresh_patches(sorted(patch_ids | set(counts or ())), counts=counts)


_FACTS_SQL = """
SELECT p.id, p.date, st.slug, st.action_required, p.archived, p.acked + p.reviewed,
    p.submitter_id, p.series_id, coalesce(s.date, p.date), p.number,
    EXISTS (SELECT 1 FROM reviews_series n WHERE n.previous_id = p.series_id),
    (SELECT max(e.date) FROM reviews_event e
        WHERE e.patch_id = p.id AND e.category = 'patch-state-changed')
FROM reviews_patch p JOIN reviews_state st ON st.id = p.state_id
    LEFT JOIN reviews_series s ON s.id = p.series_id
        -- by key: joined alone, every series was hashed once a batch (#21)
        AND s.id = ANY(ARRAY(SELECT series_id FROM reviews_patch WHERE id = ANY(%(ids)s)))
WHERE p.id = ANY(%(ids)s)
"""

# Replies to each patch, and to its series' cover letter (which speak for
# every patch of the series); ``own`` tells the two apart. The body only of
# a reply saying it applied something: which patches it lists.
_REPLIES_SQL = """
SELECT cm.patch_id, m.date, m.author_id, coalesce(cm.cues, 0), true,
    CASE WHEN cm.cues & %(applied)s <> 0 THEN m.body END FROM reviews_comment cm
    JOIN archive_message m ON m.id = cm.message_id WHERE cm.patch_id = ANY(%(ids)s)
UNION ALL
SELECT p.id, m.date, m.author_id, coalesce(cm.cues, 0), false,
    CASE WHEN cm.cues & %(applied)s <> 0 THEN m.body END FROM reviews_patch p
    JOIN reviews_cover c ON c.series_id = p.series_id
    JOIN reviews_comment cm ON cm.cover_id = c.id
    JOIN archive_message m ON m.id = cm.message_id
WHERE p.id = ANY(%(ids)s)
    -- the covers by key: joined alone, every cover was hashed once a batch (#21)
    AND c.series_id = ANY(ARRAY(SELECT series_id FROM reviews_patch WHERE id = ANY(%(ids)s)))
ORDER BY 1, 2 NULLS FIRST
"""

# Counts given (ingest's) are stored with the turn; NULL keeps the row's.
_STORE_SQL = """
UPDATE reviews_patch p SET turn = u.turn, turn_reason = u.reason, waiting_since = u.since,
    replies = u.replies, first_reply = u.first_reply, last_activity = u.last_activity,
    series_date = u.series_date, acked = coalesce(u.acked, p.acked),
    reviewed = coalesce(u.reviewed, p.reviewed), tested = coalesce(u.tested, p.tested)
FROM unnest(%s::bigint[], %s::text[], %s::text[], %s::timestamptz[], %s::int[],
    %s::timestamptz[], %s::timestamptz[], %s::timestamptz[], %s::int[], %s::int[], %s::int[])
    AS u(id, turn, reason, since, replies, first_reply, last_activity, series_date,
        acked, reviewed, tested)
WHERE p.id = u.id AND (p.turn, p.turn_reason, p.waiting_since, p.replies, p.first_reply,
    p.last_activity, p.series_date, p.acked, p.reviewed, p.tested) IS DISTINCT FROM (u.turn,
    u.reason, u.since, u.replies, u.first_reply, u.last_activity, u.series_date,
    coalesce(u.acked, p.acked), coalesce(u.reviewed, p.reviewed), coalesce(u.tested, p.tested))
"""


def refresh_patches(patch_ids: Sequence[int], counts: Mapping[int, Counts] | None = None) -> None:
    """Recompute and store the turn of these patches, then of their series.

    ``counts``: new Acked/Reviewed/Tested counts of some of them, stored with it.
    """
    ids = sorted(set(patch_ids))
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        refresh_series(sorted(_store_turns(chunk, counts or {})))
        # The health counts read the turn (applied by a reply's word) and the first reply.
        health_store.refresh_patches(chunk)


def refresh_after_change(
    to_read: Sequence[int], changed: Sequence[int], series_ids: Iterable[int]
) -> None:
    """After a change that stored the turn its new state decides (``services.changes``).

    Only the patches whose turn still depends on their replies (``to_read``)
    are read here; then the series and the health counts of every changed
    patch follow, one statement each.
    """
    ids = sorted(set(to_read))
    series = set(series_ids)
    for start in range(0, len(ids), _CHUNK):
        series |= _store_turns(ids[start : start + _CHUNK], {})
    refresh_series(sorted(series))
    health_store.refresh_patches(changed)


def _store_turns(ids: list[int], counts: Mapping[int, Counts]) -> set[int]:
    """Store these patches' turns (and ``counts`` given for them); returns their series."""
    with connection.cursor() as cursor:
        cursor.execute(_FACTS_SQL, {"ids": ids})
        facts = cursor.fetchall()
        cursor.execute(_REPLIES_SQL, {"ids": ids, "applied": int(Cue.APPLIED)})
        replies: dict[int, list[tuple]] = {}
        for pid, *reply in cursor.fetchall():
            replies.setdefault(pid, []).append(tuple(reply))
        rows = [_row(fact, replies.get(fact[0], []), counts.get(fact[0])) for fact in facts]
        if rows:
            cursor.execute(_STORE_SQL, [list(column) for column in zip(*rows, strict=True)])
    return {fact[7] for fact in facts if fact[7] is not None}


def _row(fact: tuple, replies: list[tuple], counts: Counts | None) -> tuple:
    """One patch's stored columns, in ``_STORE_SQL``'s order; ``counts``, when given, are
    stored with them and are the approvals its turn reads (not those stored before)."""
    pid, date, slug, action_required, archived, approvals, submitter, _, series_date = fact[:9]
    if counts is not None:
        approvals = counts[0] + counts[1]  # as _FACTS_SQL adds them: Acked-by + Reviewed-by
    number, replaced, state_changed = fact[9:12]
    turn = decide(
        PatchFacts(
            date=date,
            state=slug,
            action_required=action_required,
            archived=archived,
            replaced=replaced,
            state_changed=state_changed,
            replies=[
                Reply(
                    when,
                    author is not None and author == submitter,
                    Cue(cues),
                    applied_numbers(unpack_body(body)) if body else frozenset(),
                )
                for when, author, cues, _, body in replies
            ],
            approvals=approvals,
            number=number,
        )
    )
    others = [r[0] for r in replies if r[1] != submitter and r[0] is not None]
    moments = [d for d in (date, state_changed, *(r[0] for r in replies)) if d is not None]
    return (
        pid,
        turn.whose.value,
        turn.reason.value,
        turn.since,
        sum(1 for r in replies if r[3]),
        min(others, default=None),
        _latest(moments),
        series_date,
        *(counts or (None, None, None)),  # NULL: _STORE_SQL keeps the row's counts
    )


def _latest(moments: list[datetime]) -> datetime | None:
    return max(moments) if moments else None


# A series is the submitter's turn if any patch is; else the maintainer's if
# any patch is (reviewed only when every such patch is); else nobody's. Its
# wait is its oldest patch's of that turn; its counts the fewest any patch has.
_SERIES_SQL = """
WITH agg AS (
    SELECT s.id,
        CASE WHEN bool_or(p.turn = 'submitter') THEN 'submitter'
             WHEN bool_or(p.turn = 'maintainer') THEN 'maintainer' ELSE 'nobody' END AS turn,
        (array_agg(p.turn_reason ORDER BY p.waiting_since NULLS LAST)
            FILTER (WHERE p.turn = 'submitter'))[1] AS submitter_reason,
        (array_agg(p.turn_reason ORDER BY CASE p.turn_reason WHEN 'no-reply' THEN 0
            WHEN 'discussed' THEN 1 WHEN 'answered' THEN 2 ELSE 3 END, p.waiting_since NULLS LAST)
            FILTER (WHERE p.turn = 'maintainer'))[1] AS maintainer_reason,
        (array_agg(p.turn_reason ORDER BY p.waiting_since DESC NULLS LAST))[1] AS nobody_reason,
        min(p.waiting_since) FILTER (WHERE p.turn = 'submitter') AS submitter_since,
        min(p.waiting_since) FILTER (WHERE p.turn = 'maintainer') AS maintainer_since,
        max(p.waiting_since) AS nobody_since,
        coalesce(sum(p.replies), 0) + coalesce(max(cv.n), 0) AS replies,
        GREATEST(max(p.last_activity), max(cv.last)) AS last_activity,
        coalesce(min(p.acked), 0) AS acked, coalesce(min(p.reviewed), 0) AS reviewed,
        coalesce(min(p.tested), 0) AS tested
    FROM reviews_series s LEFT JOIN reviews_patch p ON p.series_id = s.id
    LEFT JOIN (
        SELECT c.series_id, count(*) AS n, max(m.date) AS last FROM reviews_cover c
        JOIN reviews_comment cm ON cm.cover_id = c.id JOIN archive_message m ON m.id = cm.message_id
        WHERE c.series_id = ANY(%(ids)s) GROUP BY c.series_id
    ) cv ON cv.series_id = s.id
    WHERE s.id = ANY(%(ids)s) GROUP BY s.id
), new AS (
    SELECT id, turn,
        CASE turn WHEN 'submitter' THEN submitter_reason
            WHEN 'maintainer' THEN maintainer_reason
            ELSE coalesce(nobody_reason, 'closed') END AS reason,
        CASE turn WHEN 'submitter' THEN submitter_since
            WHEN 'maintainer' THEN maintainer_since ELSE nobody_since END AS since,
        replies, last_activity, acked, reviewed, tested
    FROM agg
)
UPDATE reviews_series s SET turn = new.turn, turn_reason = new.reason,
    waiting_since = new.since, replies = new.replies, last_activity = new.last_activity,
    acked = new.acked, reviewed = new.reviewed, tested = new.tested
FROM new WHERE s.id = new.id AND (s.turn, s.turn_reason, s.waiting_since, s.replies,
    s.last_activity, s.acked, s.reviewed, s.tested) IS DISTINCT FROM (new.turn, new.reason,
    new.since, new.replies, new.last_activity, new.acked, new.reviewed, new.tested)
"""


def refresh_series(series_ids: Sequence[int]) -> None:
    """Each series' turn, wait and counts, from its patches' (one statement)."""
    if series_ids:
        with connection.cursor() as cursor:
            cursor.execute(_SERIES_SQL, {"ids": list(series_ids)})
