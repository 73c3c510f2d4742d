# SPDX-License-Identifier: AGPL-3.0-or-later
"""``manage.py reparse``: recompute the review tables from the raw mail, in place.

What the mail says (names, diffs, trailers, series grouping, revision links)
is computed again; what people did stays. A patch or cover letter keeps its
id, keyed by its message and project, so API ids, ``/patch/<id>/`` links,
bundles, checks, comments and the event history all still point at it; it
keeps its state, delegate, archived flag and commit reference. A series keeps
its id and a maintainer's name when its first mail starts a series again.

How: inside one transaction the rows are deleted with plain SQL (foreign keys
are checked at commit, so checks, bundle entries and events may point at a
missing row meanwhile), the mail is replayed through the ingest code with a
:class:`~reviews.ingest.Carry` of the old ids and decisions, and whatever the
new parse no longer makes a patch or cover is put back as it was and
reported, never dropped with its history. Events are never deleted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db import connection, transaction

from archive.ingest import analyse_raw
from archive.models import Message, MessageList, RawMail
from archive.processors import StoredMessage
from reviews import comment_anchors, derived, renderedmail, turnstore
from reviews.health import store as health_store
from reviews.ingest import Carry, record_batch
from reviews.missed import MissedMail, hint_ignored, without_diff
from reviews.models import Project
from reviews.services import events

__all__ = ["RebuildReport", "rebuild_reviews"]

BATCH = 1000
THREAD_CHUNK = 2000


@dataclass
class RebuildReport:
    messages: int = 0
    patches: int = 0
    covers: int = 0
    series: int = 0
    new_patches: int = 0
    # Kept as they were: the new parse makes no patch (cover) of their mail.
    unparsed_patches: list[tuple[int, str]] = field(default_factory=list)
    unparsed_covers: list[tuple[int, str]] = field(default_factory=list)
    # Mail only, never a patch: the sender asked (X-Patchwork-Hint: ignore).
    ignored_by_hint: int = 0
    # Tagged as a patch but without a diff we can read (reviews.missed).
    without_diff: list[MissedMail] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = [
            f"rebuilt reviews of {self.messages} messages in place: {self.patches} patches "
            f"({self.new_patches} new), {self.covers} cover letters, {self.series} series"
        ]
        for kind, rows in (("patch", self.unparsed_patches), ("cover", self.unparsed_covers)):
            if rows:
                out.append(
                    f"{len(rows)} {kind} rows no longer parse as a {kind}; kept unchanged "
                    "with their states and history, for a maintainer to look at:"
                )
                out += [f"  {kind} {row_id} <{msgid}>" for row_id, msgid in rows]
        if self.ignored_by_hint:
            out.append(
                f"{self.ignored_by_hint} messages archived as mail only, as their senders "
                "asked (X-Patchwork-Hint: ignore)"
            )
        if self.without_diff:
            out.append(
                f"{len(self.without_diff)} messages say they are a patch but have no diff "
                "Threadwork can read; kept as mail (comments where they reply), "
                "for a maintainer to look at:"
            )
            out += [f"  <{m.msgid}> {m.subject}" for m in self.without_diff]
        return out


def rebuild_reviews(list_ids: Sequence[int] | None) -> RebuildReport:
    """Rebuild review data for the given lists (all when None), keeping ids and decisions."""
    links = MessageList.objects.all()
    if list_ids is not None:
        links = links.filter(mailing_list_id__in=list_ids)
    message_ids = list(
        links.order_by("message__date", "message_id")
        .values_list("message_id", flat=True)
        .distinct()
    )
    projects = _projects(list_ids)
    report = RebuildReport(messages=len(message_ids))
    with transaction.atomic():
        carry = _carry(projects)
        _set_aside(projects, message_ids)
        for start in range(0, len(message_ids), BATCH):
            _replay(message_ids[start : start + BATCH], list_ids, carry)
        _put_back(report)
        _refresh_threads(message_ids)
        health_store.rebuild(projects)
        _count(report, projects, carry)
        report.ignored_by_hint = hint_ignored(list_ids).count()
        report.without_diff = without_diff(list_ids)
        _drop_set_aside()
        events.touch()
    return report


def _projects(list_ids: Sequence[int] | None) -> list[int]:
    projects = Project.objects.all()
    if list_ids is not None:
        projects = projects.filter(mailing_list_id__in=list_ids)
    return list(projects.values_list("id", flat=True))


_KEPT_PATCH_SQL = """
SELECT id, message_id, project_id, series_id, state_id, state_origin, state_before_id,
    delegate_id, archived, commit_ref
FROM reviews_patch WHERE project_id = ANY(%s)
"""


def _carry(projects: list[int]) -> Carry:
    """The old rows' ids and what people decided, keyed by (message, project)."""
    carry = Carry()
    with connection.cursor() as cursor:
        cursor.execute(_KEPT_PATCH_SQL, [projects])
        for pid, message, project, series, *decided in cursor.fetchall():
            carry.patches[(message, project)] = dict(
                zip(("id", "state_id", "state_origin", "state_before_id", "delegate_id",
                     "archived", "commit_ref"), (pid, *decided), strict=True)
            )  # fmt: skip
            if series is not None:
                carry.series_of[(message, project)] = series
        cursor.execute(
            "SELECT id, message_id, project_id, series_id FROM reviews_cover "
            "WHERE project_id = ANY(%s)",
            [projects],
        )
        for cid, message, project, series in cursor.fetchall():
            carry.covers[(message, project)] = cid
            if series is not None:
                carry.series_of[(message, project)] = series
        cursor.execute(
            "SELECT id, name, name_locked, received_total >= total FROM reviews_series "
            "WHERE project_id = ANY(%s)",
            [projects],
        )
        series_rows = cursor.fetchall()
    carry.names = {sid: name for sid, name, locked, _ in series_rows if locked}
    carry.complete = frozenset(sid for sid, _, _, done in series_rows if done)
    carry.protect_upto = max((p["id"] for p in carry.patches.values()), default=0)
    return carry


# The old rows wait in temporary tables until the replay shows which came back.
_SET_ASIDE_SQL = """
CREATE TEMP TABLE rebuild_patch ON COMMIT DROP AS
    SELECT * FROM reviews_patch WHERE project_id = ANY(%(projects)s);
CREATE TEMP TABLE rebuild_cover ON COMMIT DROP AS
    SELECT * FROM reviews_cover WHERE project_id = ANY(%(projects)s);
CREATE TEMP TABLE rebuild_series ON COMMIT DROP AS
    SELECT id FROM reviews_series WHERE project_id = ANY(%(projects)s);
DELETE FROM reviews_seriesreference WHERE project_id = ANY(%(projects)s);
DELETE FROM reviews_patch WHERE project_id = ANY(%(projects)s);
DELETE FROM reviews_cover WHERE project_id = ANY(%(projects)s);
DELETE FROM reviews_series WHERE project_id = ANY(%(projects)s);
DELETE FROM reviews_trailer WHERE message_id = ANY(%(messages)s);
"""


def _set_aside(projects: list[int], message_ids: list[int]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(_SET_ASIDE_SQL, {"projects": projects, "messages": message_ids})


def _replay(message_ids: list[int], list_ids: Sequence[int] | None, carry: Carry) -> None:
    raws = RawMail.objects.filter(message_id__in=message_ids).mail_by_message()
    links: dict[int, list[int]] = {}
    for message_id, list_id in MessageList.objects.filter(message_id__in=message_ids).values_list(
        "message_id", "mailing_list_id"
    ):
        if list_ids is None or list_id in list_ids:
            links.setdefault(message_id, []).append(list_id)
    authors = dict(Message.objects.filter(id__in=message_ids).values_list("id", "author_id"))
    stored = []
    for message_id in message_ids:
        outcome = analyse_raw(raws[message_id]) if message_id in raws else None
        if outcome is None or outcome.parsed is None:
            continue
        stored.append(
            StoredMessage(
                id=message_id,
                parsed=outcome.parsed,
                analysis=outcome.analysis,
                is_new=True,
                new_lists=tuple(links.get(message_id, ())),
                author_id=authors.get(message_id),
            )
        )
    record_batch(stored, carry).store()  # inside the rebuild's transaction


# Rows the replay did not make again go back as they were; a series that is
# gone leaves the events and rows that named it pointing at no series.
_PUT_BACK_SQL = """
INSERT INTO reviews_patch SELECT o.* FROM rebuild_patch o
WHERE NOT EXISTS (SELECT 1 FROM reviews_patch p WHERE p.id = o.id);
INSERT INTO reviews_cover SELECT o.* FROM rebuild_cover o
WHERE NOT EXISTS (SELECT 1 FROM reviews_cover c WHERE c.id = o.id);
CREATE TEMP TABLE rebuild_gone ON COMMIT DROP AS
    SELECT o.id FROM rebuild_series o
    WHERE NOT EXISTS (SELECT 1 FROM reviews_series s WHERE s.id = o.id);
UPDATE reviews_patch SET series_id = NULL WHERE series_id IN (SELECT id FROM rebuild_gone);
UPDATE reviews_cover SET series_id = NULL WHERE series_id IN (SELECT id FROM rebuild_gone);
UPDATE reviews_event SET series_id = NULL WHERE series_id IN (SELECT id FROM rebuild_gone);
"""

_PUT_BACK_REPORT_SQL = """
SELECT 'patch', o.id, m.msgid FROM rebuild_patch o JOIN archive_message m ON m.id = o.message_id
WHERE NOT EXISTS (SELECT 1 FROM reviews_patch p WHERE p.id = o.id)
UNION ALL
SELECT 'cover', o.id, m.msgid FROM rebuild_cover o JOIN archive_message m ON m.id = o.message_id
WHERE NOT EXISTS (SELECT 1 FROM reviews_cover c WHERE c.id = o.id)
ORDER BY 1, 2
"""


def _put_back(report: RebuildReport) -> None:
    with connection.cursor() as cursor:
        cursor.execute(_PUT_BACK_REPORT_SQL)
        for kind, row_id, msgid in cursor.fetchall():
            target = report.unparsed_patches if kind == "patch" else report.unparsed_covers
            target.append((row_id, msgid))
        cursor.execute(_PUT_BACK_SQL)


def _drop_set_aside() -> None:
    # ON COMMIT DROP is not enough: a caller's transaction may rebuild twice.
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE rebuild_patch, rebuild_cover, rebuild_series, rebuild_gone")


def _refresh_threads(message_ids: list[int]) -> None:
    """Comments and A/R/T counts, once every patch and cover is back."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT thread_id FROM archive_message "
            "WHERE id = ANY(%s) AND thread_id IS NOT NULL ORDER BY 1",
            [message_ids],
        )
        threads = [row[0] for row in cursor.fetchall()]
    for start in range(0, len(threads), THREAD_CHUNK):
        chunk = threads[start : start + THREAD_CHUNK]
        derived.refresh_comments(chunk)
        # kept comments too: the diff may be parsed differently now
        comment_anchors.restore_anchors(chunk)
        derived.refresh_counts(chunk)
        # long replies rendered again where the renderers changed (or none was)
        renderedmail.store_threads(chunk)
        # every reply read again: a rebuild also applies changed heuristics
        turnstore.refresh_threads(chunk, again=True)


def _count(report: RebuildReport, projects: list[int], carry: Carry) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT (SELECT count(*) FROM reviews_patch WHERE project_id = ANY(%(p)s)),
                (SELECT count(*) FROM reviews_patch WHERE project_id = ANY(%(p)s)
                    AND id > %(upto)s),
                (SELECT count(*) FROM reviews_cover WHERE project_id = ANY(%(p)s)),
                (SELECT count(*) FROM reviews_series WHERE project_id = ANY(%(p)s))
            """,
            {"p": projects, "upto": carry.protect_upto},
        )
        report.patches, report.new_patches, report.covers, report.series = cursor.fetchone()
