"""Turning freshly archived mail into patches, cover letters and series.

:func:`record_batch` runs inside the ingest batch transaction (called by
``reviews.processor.ReviewProcessor``) and writes a whole batch in a fixed
number of statements; the page caches it calls for are stored after the
commit (:class:`PageCaches`). A rebuild in place (``reviews.rebuild``) replays the
mail through it with a :class:`Carry`: the ids and decisions to keep.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connection

from archive.bodycodec import unpack_body
from archive.bulk import copy_new, insert_model_rows
from archive.incoming import clean_text
from archive.processors import StoredMessage
from archive.services import ensure_people
from reviews import derived, diffcolours, pairmemo, renderedmail, turnstore
from reviews.analysis import MailAnalysis, analyze_message, mercurial_marker
from reviews.health import store as health_store
from reviews.models import (
    Cover,
    Event,
    EventCategory,
    Patch,
    Project,
    Series,
    SeriesReference,
    State,
    Trailer,
)  # fmt: skip
from reviews.patchtext import patch_texts
from reviews.projects import ensure_projects
from reviews.series import MARKER_WINDOW, SeriesPlanner, SeriesSlot, Submission
from reviews.services import events, mailheaders
from reviews.states import state
from reviews.subjects import parse_subject

DEFAULT_STATE = "new"


REVIEWS = "reviews"  # the processor's name: its analysis is stored under it


@dataclass
class Carry:
    """What a rebuild in place keeps from the rows it replaces.

    Keys are (message id, project id), the identity a row has in the mail.
    """

    patches: dict[tuple[int, int], dict[str, Any]] = field(default_factory=dict)
    covers: dict[tuple[int, int], int] = field(default_factory=dict)
    series_of: dict[tuple[int, int], int] = field(default_factory=dict)
    names: dict[int, str] = field(default_factory=dict)  # series id -> a maintainer's name
    complete: frozenset[int] = frozenset()  # series whose completion is in the history
    protect_upto: int = 0  # patches up to this id keep their state
    used_series: set[int] = field(default_factory=set)

    def series_id(self, message_id: int, project_id: int) -> int | None:
        """The old id for a new series whose first mail is this one, once."""
        found = self.series_of.get((message_id, project_id))
        if found is None or found in self.used_series:
            return None
        self.used_series.add(found)
        return found


@dataclass(frozen=True)
class _Item:
    stored: StoredMessage
    analysis: MailAnalysis
    project: Project


@dataclass(frozen=True)
class PageCaches:
    """What the patch page keeps made ahead for one batch, stored by :meth:`store`.

    Every entry is keyed by what it was made from (``reviews.pairmemo``,
    ``reviews.diffcolours``, ``reviews.renderedmail``) and a page makes live
    what it does not find, so nothing here is state: ingest stores them once
    the batch is committed, outside the ingest lock, where the next batch's
    writer no longer waits for them (#21).
    """

    series: tuple[int, ...] = ()
    new_messages: tuple[int, ...] = ()
    coloured: Mapping[int, Any] = field(default_factory=dict)
    threads: tuple[int, ...] = ()  # their long replies rendered, unless a rebuild's
    rendered: Mapping[int, Any] | None = None

    def store(self) -> None:
        # each touched revision paired with the others of its lineage, once
        pairmemo.store_pairings(self.series)
        # the new patches' costly diffs coloured once
        diffcolours.colour_patches(self.new_messages, self.coloured)
        if self.rendered is not None:  # the long replies to patches rendered once
            renderedmail.store_threads(self.threads, self.rendered)


def record_batch(stored: Sequence[StoredMessage], carry: Carry | None = None) -> PageCaches:
    """Record the review side of one ingest batch (in the caller's transaction); the
    page caches it calls for are the caller's to store (:meth:`PageCaches.store`).

    With ``carry`` (a rebuild), comments and counts are left to the caller,
    which refreshes them once every patch is back.
    """
    relevant = [s for s in stored if s.is_new or s.new_lists]
    if not relevant:
        return PageCaches()
    analyses = {s.id: _analysis(s) for s in relevant}
    _store_trailers([s for s in relevant if s.is_new], analyses)
    projects = ensure_projects({lid for s in relevant for lid in s.new_lists})
    items = [
        _Item(s, analyses[s.id], projects[lid])
        for s in relevant
        for lid in s.new_lists
        if analyses[s.id].is_tracked
    ]
    fresh = carry is None
    submitted = _record_submissions(items, carry or Carry(), fresh) if items else set()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT thread_id FROM archive_message WHERE id = ANY(%s)",
            [[s.id for s in relevant]],
        )
        threads = [row[0] for row in cursor.fetchall() if row[0] is not None]
    # What the parse workers read of the new replies, so the writer need not.
    read = {s.id: r for s in relevant if s.is_new and (r := analyses[s.id].reply) is not None}
    if carry is None:
        # the health counts of these threads' replies: out, comments rewritten, back in
        health_store.count_replies(threads, -1)
        derived.refresh_comments(threads, read)
        health_store.count_replies(threads, 1)
    touched_series = submitted | derived.series_in_threads(threads)
    derived.refresh_series(sorted(touched_series), quiet=carry.complete if carry else frozenset())
    # Ingest's counts are stored with the turns below, in the one update of each
    # new patch those make (a rebuild's caller refreshes them once all are back).
    counts = derived.changed_counts(threads) if carry is None else {}
    # Only series that gained a patch or cover letter: what links revisions (their
    # version, titles, submitter, date, Change-Id and references) changes with
    # nothing else, and a revision arriving late relinks the others from its own
    # side (_LATER_SQL). Series that only got replies were linked again each
    # batch, and their lineages' health recounted (#21).
    derived.link_revisions(sorted(submitted), protect_upto=carry.protect_upto if carry else 0)
    if carry is None:
        # after superseding: whose turn reads the states it left
        known = {mid: r.cues for mid, r in read.items()}
        turnstore.refresh_threads(threads, touched_series, known=known, counts=counts)
    return PageCaches(
        series=tuple(sorted(touched_series)),
        new_messages=tuple(s.id for s in relevant if s.is_new),
        coloured={i: a.colours for i, a in analyses.items() if a.colours is not None},
        threads=tuple(threads),
        rendered=(
            {i: a.rendered for i, a in analyses.items() if a.rendered is not None}
            if carry is None
            else None
        ),
    )


def _analysis(stored: StoredMessage) -> MailAnalysis:
    found = stored.analysis.get(REVIEWS)
    return found if isinstance(found, MailAnalysis) else analyze_message(stored.parsed)


def _store_trailers(stored: Sequence[StoredMessage], analyses: dict[int, MailAnalysis]) -> None:
    rows = [
        (s.id, i, t.kind[:100], t.value, t.name[:255], t.email[:254])
        for s in stored
        # A mail its sender asked trackers to ignore gives no trailers either.
        if not analyses[s.id].is_cover and not analyses[s.id].patchwork.ignore
        for i, t in enumerate(analyses[s.id].trailers)
    ]
    with connection.cursor() as cursor:
        insert_model_rows(
            cursor, Trailer, ("message", "position", "kind", "value", "name", "email"), rows,
            on_conflict="DO NOTHING",
        )  # fmt: skip


def _record_submissions(items: Sequence[_Item], carry: Carry, fresh: bool) -> set[int]:
    """Create patches and covers, placing each in a series. Returns the series touched."""
    authors = _authors(items)
    subs = [_submission(item, authors) for item in items]
    planner = _planner(subs)
    slots = [planner.place(sub) for sub in subs]
    _create_series(planner.planned(), items, slots, carry)
    SeriesReference.objects.bulk_create(
        [
            SeriesReference(project_id=p, msgid=m, series_id=planner.slots[k].id)
            for p, m, k in planner.new_refs
        ],
        batch_size=5000,
        ignore_conflicts=True,
    )
    patches = _create_submissions(items, subs, slots, carry, fresh)
    mailheaders.apply_patchwork_headers(
        [
            (p, item.analysis.patchwork)
            for item, p in patches
            if item.project.trust_patchwork_headers
            and (p.message_id, p.project_id) not in carry.patches  # a kept patch keeps its own
        ]
    )
    return {slot.id for slot in slots if slot.id is not None}


def _authors(items: Sequence[_Item]) -> dict[str, int]:
    names = {a[1]: a[0] for item in items if (a := item.analysis.author)}
    if not names:
        return {}
    with connection.cursor() as cursor:
        return ensure_people(cursor, names)


def _submitter_id(item: _Item, authors: dict[str, int]) -> int | None:
    author = item.analysis.author
    if author and author[1] in authors:
        return authors[author[1]]
    return item.stored.author_id


def _submission(item: _Item, authors: dict[str, int]) -> Submission:
    parsed, subject = item.stored.parsed, item.analysis.subject
    return Submission(
        project_id=item.project.id,
        msgid=parsed.msgid,
        refs=parsed.references,
        number=subject.number,
        total=subject.total,
        version=subject.version,
        submitter_id=_submitter_id(item, authors),
        date=parsed.date,
        is_cover=item.analysis.is_cover,
    )


def _planner(subs: Sequence[Submission]) -> SeriesPlanner:
    """Load just the series this batch can join: referenced ones and marker matches."""
    project_ids = {s.project_id for s in subs}
    msgids = {m for s in subs for m in (s.msgid, *s.refs)}
    references = list(
        SeriesReference.objects.filter(project_id__in=project_ids, msgid__in=msgids).values_list(
            "project_id", "msgid", "series_id"
        )
    )
    series_ids = {r[2] for r in references}
    loose = [s for s in subs if not s.refs and s.number is not None and s.date is not None]
    if loose:
        series_ids |= _marker_matches(loose)
    return SeriesPlanner(_slots(series_ids), references)


# The series a mail without references could join by its marker (SeriesPlanner.
# _by_markers): the same submitter and total, dated within the window of that
# mail. A batch's whole span of dates (months of a small list's mail) once
# loaded every series of its submitters in it: the same copy of linux-rtc took
# 20 times longer to plan into thirty copies of it than into none (#21).
_MARKER_MATCHES_SQL = """
SELECT DISTINCT s.id
FROM unnest(%(projects)s::bigint[], %(submitters)s::bigint[], %(totals)s::int[],
    %(dates)s::timestamptz[]) AS u (project_id, submitter_id, total, date)
JOIN reviews_series s ON s.project_id = u.project_id AND s.submitter_id = u.submitter_id
    AND s.total = u.total AND s.date BETWEEN u.date - %(window)s AND u.date + %(window)s
"""


def _marker_matches(loose: Sequence[Submission]) -> set[int]:
    with connection.cursor() as cursor:
        cursor.execute(
            _MARKER_MATCHES_SQL,
            {
                "projects": [s.project_id for s in loose],
                "submitters": [s.submitter_id for s in loose],
                "totals": [s.total or 1 for s in loose],  # a mail without one is 1 of 1
                "dates": [s.date for s in loose],
                "window": MARKER_WINDOW,
            },
        )
        return {row[0] for row in cursor.fetchall()}


# Each series with the numbers its patches hold and whether it has a cover
# letter, in one statement (three ORM queries and a model per series before).
_SLOTS_SQL = """
SELECT s.id, s.project_id, s.version, s.total, s.submitter_id, s.date,
    ARRAY(SELECT p.number FROM reviews_patch p
          WHERE p.series_id = s.id AND p.number IS NOT NULL),
    EXISTS (SELECT 1 FROM reviews_cover c WHERE c.series_id = s.id)
FROM reviews_series s WHERE s.id = ANY(%s) ORDER BY s.id
"""


def _slots(series_ids: set[int]) -> list[SeriesSlot]:
    if not series_ids:
        return []
    with connection.cursor() as cursor:
        cursor.execute(_SLOTS_SQL, [sorted(series_ids)])
        rows = cursor.fetchall()
    return [
        SeriesSlot(
            key=-1, id=sid, project_id=project_id, version=version, total=total,
            submitter_id=submitter_id, date=date, numbers=set(numbers), has_cover=has_cover,
        )
        for sid, project_id, version, total, submitter_id, date, numbers, has_cover in rows
    ]  # fmt: skip


def _create_series(
    planned: Sequence[SeriesSlot], items: Sequence[_Item], slots: Sequence[SeriesSlot],
    carry: Carry,
) -> None:  # fmt: skip
    if not planned:
        return
    first_item: dict[int, _Item] = {}
    for item, slot in zip(items, slots, strict=True):
        first_item.setdefault(slot.key, item)
    rows = [_series(slot, first_item[slot.key], carry) for slot in planned]
    new = [row.id is None for row in rows]
    with connection.cursor() as cursor:
        copy_new(cursor, rows)
    for slot, row in zip(planned, rows, strict=True):
        slot.id = row.id
    events.record(
        events.event_for(
            EventCategory.SERIES_CREATED,
            project_id=row.project_id,
            series_id=row.id,
            date=row.date,
            series=row.id,
        )
        for row, is_new in zip(rows, new, strict=True)
        if is_new
    )


def _series(slot: SeriesSlot, first: _Item, carry: Carry) -> Series:
    title = first.analysis.subject.title
    kept = carry.series_id(first.stored.id, slot.project_id)
    name = carry.names.get(kept) if kept is not None else None
    return Series(
        id=kept,
        project_id=slot.project_id,
        version=slot.version,
        total=slot.total,
        submitter_id=slot.submitter_id,
        date=slot.date,
        name=name or title,
        name_locked=name is not None,
        title=title,
    )


def _create_submissions(
    items: Sequence[_Item], subs: Sequence[Submission], slots: Sequence[SeriesSlot],
    carry: Carry, fresh: bool,
) -> list[tuple[_Item, Patch]]:  # fmt: skip
    """Write the rows and their creation Events; returns the patches, with their mail.

    ``fresh``: an ingest, whose new mail's bodies are stored as parsed (a
    rebuild's replay reads the stored bodies back: the parser may have changed).
    """
    new_state = state(DEFAULT_STATE)
    made: list[tuple[_Item, Patch]] = []
    covers: list[Cover] = []
    bodies = _stored_bodies([i for i, s in zip(items, subs, strict=True) if not s.is_cover], fresh)
    for item, sub, slot in zip(items, subs, slots, strict=True):
        key = (item.stored.id, item.project.id)
        if sub.is_cover:
            covers.append(_cover(item, sub, slot, carry.covers.get(key)))
        else:
            kept = carry.patches.get(key)
            made.append((item, _patch(item, sub, slot, new_state, kept, bodies)))
    patches = [p for _, p in made]
    with connection.cursor() as cursor:
        copy_new(cursor, patches)
        copy_new(cursor, covers)
    created = _created(EventCategory.PATCH_CREATED, "patch", patches, carry.patches)
    created += _created(EventCategory.COVER_CREATED, "cover", covers, carry.covers)
    events.record(created)
    return made


def _created(
    category: str, kind: str, rows: Sequence[Patch | Cover], kept: Mapping[tuple[int, int], Any]
) -> list[Event]:
    """A "created" Event for each row that is new, not one a rebuild kept."""
    return [
        events.event_for(
            category,
            project_id=row.project_id,
            series_id=row.series_id,
            date=row.date,
            **{f"{kind}_id": row.id, kind: row.id},
        )
        for row in rows
        if (row.message_id, row.project_id) not in kept
    ]


def _names(item: _Item) -> tuple[str, str, list[str]]:
    """Display name, bare title and prefixes, with the project's own tag dropped."""
    subject = item.analysis.subject
    link_name = item.project.link_name.lower()
    if any(p.lower() == link_name for p in subject.prefixes):
        subject = mercurial_marker(
            parse_subject(item.stored.parsed.subject, drop_prefixes=[link_name])
        )
    return subject.name, subject.title, list(subject.prefixes)


def _patch(
    item: _Item, sub: Submission, slot: SeriesSlot, state: State, kept: dict[str, Any] | None,
    bodies: Mapping[int, str],
) -> Patch:  # fmt: skip
    """A new Patch row; a kept one takes its old id and a maintainer's decisions back."""
    name, title, prefixes = _names(item)
    patch = item.analysis.patch
    assert patch is not None
    decisions: dict[str, Any] = kept or {"state": state}
    # Commit message and diff as spans of the stored body where they are (patchtext).
    texts = patch_texts(
        bodies.get(item.stored.id), _nul_free(patch.message), _nul_free(patch.diff or "")
    )
    return Patch(
        **decisions,
        project_id=sub.project_id,
        message_id=item.stored.id,
        name=name,
        title=title,
        prefixes=[p[:100] for p in prefixes],
        number=sub.number,
        submitter_id=sub.submitter_id,
        date=sub.date,
        **texts.fields(),
        pull_url=patch.pull_url or "",
        hash=item.analysis.hash,
        patchid=item.analysis.patchid,
        diffstat=[[f.path, f.added, f.removed] for f in item.analysis.diffstat],
        series_id=slot.id,
    )


def _cover(item: _Item, sub: Submission, slot: SeriesSlot, kept: int | None) -> Cover:
    name, _, _ = _names(item)
    return Cover(
        id=kept,
        project_id=sub.project_id,
        message_id=item.stored.id,
        name=name,
        submitter_id=sub.submitter_id,
        date=sub.date,
        series_id=slot.id,
    )


def _stored_bodies(items: Sequence[_Item], fresh: bool) -> dict[int, str]:
    """The bodies archive_message holds for these items' mail, by message id.

    Mail this ingest archived holds its parsed body as ``clean_text`` made it;
    other mail (already archived, or any in a rebuild) is read back, one query.
    """
    bodies = {
        i.stored.id: clean_text(i.stored.parsed.body) for i in items if fresh and i.stored.is_new
    }
    rest = sorted({i.stored.id for i in items} - bodies.keys())
    if rest:
        with connection.cursor() as cursor:
            cursor.execute("SELECT id, body FROM archive_message WHERE id = ANY(%s)", [rest])
            bodies.update((mid, unpack_body(body)) for mid, body in cursor.fetchall())
    return bodies


def _nul_free(text: str) -> str:
    return text.replace("\x00", "\ufffd") if "\x00" in text else text
