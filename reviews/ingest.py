"""Turning freshly archived mail into patches, cover letters and series.

:class:`ReviewProcessor` is the archive's message processor for this app
(see ``archive.processors``). Its ``apply`` runs inside the ingest batch
transaction and writes a whole batch in a fixed number of statements.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db import connection
from django.utils import timezone

from archive.bulk import copy_new
from archive.processors import StoredMessage
from archive.services import ensure_people
from reviews import derived
from reviews.analysis import MailAnalysis, analyze_message, mercurial_marker
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
from reviews.projects import ensure_projects
from reviews.series import MARKER_WINDOW, SeriesPlanner, SeriesSlot, Submission
from reviews.states import state
from reviews.subjects import parse_subject

DEFAULT_STATE = "new"


class ReviewProcessor:
    name = "reviews"

    def analyze(self, parsed) -> MailAnalysis:
        return analyze_message(parsed)

    def search_terms(self, analysis: MailAnalysis) -> tuple[str, ...]:
        return (f"patchid:{analysis.patchid}",) if analysis.patchid else ()

    def apply(self, stored: Sequence[StoredMessage]) -> None:
        record_batch(stored)

    def rebuild(self, list_ids: Sequence[int] | None) -> None:
        from reviews.rebuild import rebuild_reviews

        rebuild_reviews(list_ids)


@dataclass(frozen=True)
class _Item:
    stored: StoredMessage
    analysis: MailAnalysis
    project: Project


def record_batch(stored: Sequence[StoredMessage]) -> None:
    """Record the review side of one ingest batch (in the caller's transaction)."""
    relevant = [s for s in stored if s.is_new or s.new_lists]
    if not relevant:
        return
    analyses = {s.id: _analysis(s) for s in relevant}
    _store_trailers([s for s in relevant if s.is_new], analyses)
    projects = ensure_projects({lid for s in relevant for lid in s.new_lists})
    items = [
        _Item(s, analyses[s.id], projects[lid])
        for s in relevant
        for lid in s.new_lists
        if analyses[s.id].is_patch or analyses[s.id].is_cover
    ]
    touched_series = _record_submissions(items) if items else set()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT thread_id FROM archive_message WHERE id = ANY(%s)",
            [[s.id for s in relevant]],
        )
        threads = [row[0] for row in cursor.fetchall() if row[0] is not None]
    derived.refresh_comments(threads)
    touched_series |= derived.series_in_threads(threads)
    derived.refresh_series(sorted(touched_series))
    derived.refresh_counts(threads)
    derived.link_revisions(sorted(touched_series))


def _analysis(stored: StoredMessage) -> MailAnalysis:
    found = stored.analysis.get(ReviewProcessor.name)
    return found if isinstance(found, MailAnalysis) else analyze_message(stored.parsed)


def _store_trailers(stored: Sequence[StoredMessage], analyses: dict[int, MailAnalysis]) -> None:
    rows = [
        Trailer(
            message_id=s.id,
            position=i,
            kind=t.kind[:100],
            value=t.value,
            name=t.name[:255],
            email=t.email[:254],
        )
        for s in stored
        if not analyses[s.id].is_cover
        for i, t in enumerate(analyses[s.id].trailers)
    ]
    Trailer.objects.bulk_create(rows, batch_size=2000, ignore_conflicts=True)


def _record_submissions(items: Sequence[_Item]) -> set[int]:
    """Create patches and covers, placing each in a series. Returns the series touched."""
    authors = _authors(items)
    subs = [_submission(item, authors) for item in items]
    planner = _planner(subs)
    slots = [planner.place(sub) for sub in subs]
    _create_series(planner.planned(), items, slots)
    SeriesReference.objects.bulk_create(
        [
            SeriesReference(project_id=p, msgid=m, series_id=planner.slots[k].id)
            for p, m, k in planner.new_refs
        ],
        batch_size=5000,
        ignore_conflicts=True,
    )
    _create_submissions(items, subs, slots)
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
    """Load just the series this batch can join: referenced ones and recent marker matches."""
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
        dates = [s.date for s in loose]
        series_ids |= set(
            Series.objects.filter(
                project_id__in=project_ids,
                submitter_id__in={s.submitter_id for s in loose},
                date__gte=min(dates) - MARKER_WINDOW,
                date__lte=max(dates) + MARKER_WINDOW,
            ).values_list("id", flat=True)
        )
    return SeriesPlanner(_slots(series_ids), references)


def _slots(series_ids: set[int]) -> list[SeriesSlot]:
    if not series_ids:
        return []
    numbers: dict[int, set[int]] = {}
    for series_id, number in Patch.objects.filter(series_id__in=series_ids).values_list(
        "series_id", "number"
    ):
        if number is not None:
            numbers.setdefault(series_id, set()).add(number)
    with_cover = set(
        Cover.objects.filter(series_id__in=series_ids).values_list("series_id", flat=True)
    )
    return [
        SeriesSlot(
            key=-1,
            id=s.id,
            project_id=s.project_id,
            version=s.version,
            total=s.total,
            submitter_id=s.submitter_id,
            date=s.date,
            numbers=numbers.get(s.id, set()),
            has_cover=s.id in with_cover,
        )
        for s in Series.objects.filter(id__in=series_ids)
    ]


def _create_series(
    planned: Sequence[SeriesSlot], items: Sequence[_Item], slots: Sequence[SeriesSlot]
) -> None:
    if not planned:
        return
    first_item = {}
    for item, slot in zip(items, slots, strict=True):
        first_item.setdefault(slot.key, item)
    rows = [
        Series(
            project_id=slot.project_id,
            version=slot.version,
            total=slot.total,
            submitter_id=slot.submitter_id,
            date=slot.date,
            name=first_item[slot.key].analysis.subject.title,
            title=first_item[slot.key].analysis.subject.title,
        )
        for slot in planned
    ]
    with connection.cursor() as cursor:
        copy_new(cursor, rows)
    for slot, row in zip(planned, rows, strict=True):
        slot.id = row.id
    Event.objects.bulk_create(
        [
            Event(
                project_id=row.project_id,
                category=EventCategory.SERIES_CREATED,
                date=row.date or timezone.now(),
                series_id=row.id,
                payload={"series": row.id},
            )
            for row in rows
        ],
        batch_size=2000,
    )


def _create_submissions(
    items: Sequence[_Item], subs: Sequence[Submission], slots: Sequence[SeriesSlot]
) -> None:
    new_state = state(DEFAULT_STATE)
    patches: list[Patch] = []
    covers: list[Cover] = []
    for item, sub, slot in zip(items, subs, slots, strict=True):
        if sub.is_cover:
            covers.append(_cover(item, sub, slot))
        else:
            patches.append(_patch(item, sub, slot, new_state))
    with connection.cursor() as cursor:
        copy_new(cursor, patches)
        copy_new(cursor, covers)
    _created_events("reviews_patch", "patch", EventCategory.PATCH_CREATED, [p.id for p in patches])
    _created_events("reviews_cover", "cover", EventCategory.COVER_CREATED, [c.id for c in covers])


def _created_events(table: str, kind: str, category: str, ids: list[int]) -> None:
    """One "created" Event per new row, written set-wise from the rows themselves."""
    if not ids:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO reviews_event (project_id, category, date, {kind}_id, series_id, payload)
            SELECT project_id, %s, coalesce(date, now()), id, series_id,
                   jsonb_build_object(%s, id)
            FROM {table} WHERE id = ANY(%s)
            """,
            [category, kind, ids],
        )


def _names(item: _Item) -> tuple[str, str, list[str]]:
    """Display name, bare title and prefixes, with the project's own tag dropped."""
    subject = item.analysis.subject
    link_name = item.project.link_name.lower()
    if any(p.lower() == link_name for p in subject.prefixes):
        subject = mercurial_marker(
            parse_subject(item.stored.parsed.subject, drop_prefixes=[link_name])
        )
    return subject.name, subject.title, list(subject.prefixes)


def _patch(item: _Item, sub: Submission, slot: SeriesSlot, state: State) -> Patch:
    name, title, prefixes = _names(item)
    patch = item.analysis.patch
    assert patch is not None
    return Patch(
        project_id=sub.project_id,
        message_id=item.stored.id,
        name=name,
        title=title,
        prefixes=[p[:100] for p in prefixes],
        number=sub.number,
        submitter_id=sub.submitter_id,
        date=sub.date,
        commit_message=_nul_free(patch.message),
        diff=_nul_free(patch.diff or ""),
        pull_url=patch.pull_url or "",
        hash=item.analysis.hash,
        patchid=item.analysis.patchid,
        diffstat=[[f.path, f.added, f.removed] for f in item.analysis.diffstat],
        state=state,
        series_id=slot.id,
    )


def _cover(item: _Item, sub: Submission, slot: SeriesSlot) -> Cover:
    name, _, _ = _names(item)
    return Cover(
        project_id=sub.project_id,
        message_id=item.stored.id,
        name=name,
        submitter_id=sub.submitter_id,
        date=sub.date,
        series_id=slot.id,
    )


def _nul_free(text: str) -> str:
    return text.replace("\x00", "\ufffd") if "\x00" in text else text
