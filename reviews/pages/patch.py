# SPDX-License-Identifier: AGPL-3.0-or-later
"""The patch page: header, trailers, series navigation, diff, discussion."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import unquote

from django.core.cache import cache as page_cache
from django.db.models import QuerySet, Subquery
from django.http import Http404
from django.utils.safestring import SafeString

from archive.models import Message
from archive.prepared_models import PreparedQuery
from reviews import links
from reviews.changelog import patch_notes
from reviews.checks import check_state_expression
from reviews.diffcolours import coloured_expression, usable
from reviews.models import Patch, Series
from reviews.pages.answers import inline_answer_rows
from reviews.pages.carried import CarriedReview, carried_review
from reviews.pages.carried_html import render_carried
from reviews.pages.common import (
    CommentView,
    TrailerView,
    collected_trailers,
    commit_text,
    light_message_fields,
    patch_discussion,
    revisions,
    series_patches,
)  # fmt: skip
from reviews.pages.discussion import render_discussion
from reviews.pages.revisions import RevisionLink, lineage, patch_links
from reviews.pages.stamp import change_stamp
from reviews.rendering.answers import LineKey
from reviews.rendering.cache import commit_html, diff_html, notes_html

# Bump when the cached parts of the page change shape.
PARTS_VERSION = 5
PARTS_TIMEOUT = 24 * 3600


@dataclass(frozen=True)
class FileStatRow:
    path: str
    added: int
    removed: int
    anchor: str


@dataclass
class PatchPage:
    patch: Patch
    list_name: str
    commit: SafeString
    diff: SafeString
    diffstat: list[FileStatRow]
    trailers: list[TrailerView]
    comments: list[CommentView]
    notes: SafeString | None = None  # the author's changelog below "---"
    answered_lines: int = 0
    series_patches: list[Patch] = field(default_factory=list)
    revisions: list[Series] = field(default_factory=list)
    revision_links: list[RevisionLink] = field(default_factory=list)
    carried: CarriedReview | None = None
    previous: Patch | None = None
    next: Patch | None = None

    @property
    def added(self) -> int:
        return sum(row.added for row in self.diffstat)

    @property
    def removed(self) -> int:
        return sum(row.removed for row in self.diffstat)

    @property
    def changes_since(self) -> RevisionLink | None:
        """The latest earlier revision with a matching patch: its interdiff is one click."""
        at = next((i for i, r in enumerate(self.revision_links) if r.current), 0)
        return next((r for r in reversed(self.revision_links[:at]) if r.interdiff_url), None)

    @property
    def discussion(self) -> SafeString:
        """The replies below the diff (``reviews/_discussion.html``'s markup, in Python)."""
        return render_discussion(self.comments)

    @property
    def carried_html(self) -> SafeString:
        """The review carried from an earlier revision (``_carried_answers.html``'s markup)."""
        return render_carried(self.carried) if self.carried else SafeString("")

    @property
    def carried_trailers(self) -> list[TrailerView]:
        """The previous revision's reply trailers this patch has not been given again."""
        if self.carried is None:
            return []
        have = {(t.kind, t.value.lower()) for t in self.trailers}
        return [t for t in self.carried.trailers if (t.kind, t.value.lower()) not in have]

    @property
    def links(self) -> dict[str, str]:
        link, msgid = self.patch.project.link_name, self.patch.message.msgid
        return {
            "message": links.message_url(self.list_name, msgid),
            "mbox": links.patch_mbox_url(link, msgid),
            "raw": links.patch_raw_url(link, msgid),
        }


def _patch_queryset(link_name: str, msgid: str) -> QuerySet[Patch]:
    # Eleven joins and three annotations in one prepared statement (_PATCH):
    # Django compiles it once per process. PostgreSQL plans a prepared statement
    # afresh on each of a connection's first five runs (custom plans), then keeps
    # a generic plan. The Message-ID is looked up in a subquery, not through the
    # message join: with the filter on a joined table, each of those five plans
    # cost ~9 ms of the server's CPU at 10x (the joins' orders and the LIMIT's
    # sorted paths), ~4.5 now, paid by every new connection's first patch views.
    # The light message columns stay unread.
    return (
        Patch.objects.select_related(
            "project__mailing_list", "message", "state", "submitter__canonical", "delegate",
            "series__cover__message",
        )
        .defer(*light_message_fields("message__"),
               *light_message_fields("series__cover__message__"))
        .annotate(
            check_state=check_state_expression(),
            stamp=change_stamp(),
            stored_colours=coloured_expression(),
        )
        .with_texts()
        .filter(project__link_name=link_name, message_id=_message_id(msgid))
        .order_by("pk")[:1]
    )  # fmt: skip


def _message_id(msgid: str) -> Subquery:
    # Message-IDs are unique: one row or none.
    return Subquery(Message.objects.filter(msgid=msgid).values("id")[:1])


_PATCH: PreparedQuery[Patch] = PreparedQuery("threadwork_patch_page", _patch_queryset)


def find_patch(link_name: str, msgid: str) -> Patch:
    """The patch by project and Message-ID (also tried percent-decoded once more)."""
    candidates = [msgid] + ([unquote(msgid)] if "%" in msgid else [])
    for candidate in candidates:
        found = _PATCH.models(Patch, link_name=link_name, msgid=candidate)
        if found:
            return found[0]
    raise Http404("No such patch")


@dataclass(frozen=True)
class _Parts:
    """What the page reads besides the patch row; cached under the change stamp."""

    trailers: list[TrailerView]
    comments: list[CommentView]
    answer_rows: dict[LineKey, str]  # under the diff lines they answer
    series_patches: list[Patch]
    revisions: list[Series]
    revision_links: list[RevisionLink]
    carried: CarriedReview | None


def _parts(patch: Patch, list_name: str) -> _Parts:
    key = f"tw:patch-parts:{PARTS_VERSION}:{patch.id}:{patch.series_id}:{list_name}:{patch.stamp}"
    parts = page_cache.get(key)
    if parts is None:
        comments = patch_discussion(patch.id, list_name)
        lineage_series = revisions(patch.series) if patch.series else []
        revision_links = _revision_links(patch, lineage_series)
        parts = _Parts(
            trailers=collected_trailers(
                patch.message_id, list_name, patch_id=patch.id, series_id=patch.series_id
            ),
            comments=comments,
            answer_rows=inline_answer_rows(comments),
            series_patches=series_patches(patch.series) if patch.series else [],
            revisions=lineage_series,
            revision_links=revision_links,
            carried=carried_review(patch, revision_links, list_name),
        )
        page_cache.set(key, parts, PARTS_TIMEOUT)
    return parts


def patch_page(link_name: str, msgid: str) -> PatchPage:
    patch = find_patch(link_name, msgid)
    list_name = patch.project.mailing_list.name
    parts = _parts(patch, list_name)
    page = PatchPage(
        patch=patch,
        list_name=list_name,
        commit=commit_html(patch.id, commit_text(patch.commit_message)),
        notes=_notes(patch),
        diff=diff_html(
            patch.id, patch.diff, parts.answer_rows, usable(patch.stored_colours, patch.diff)
        ),
        diffstat=_diffstat(patch.diffstat),
        trailers=parts.trailers,
        comments=parts.comments,
        answered_lines=len(parts.answer_rows),
        series_patches=parts.series_patches,
        revisions=parts.revisions,
        revision_links=parts.revision_links,
        carried=parts.carried,
    )
    ids = [p.id for p in page.series_patches]
    if patch.id in ids:
        at = ids.index(patch.id)
        page.previous = page.series_patches[at - 1] if at > 0 else None
        page.next = page.series_patches[at + 1] if at + 1 < len(ids) else None
    return page


def _revision_links(patch: Patch, series: list[Series]) -> list[RevisionLink]:
    """The matching patch in every revision (none for a patch sent once)."""
    if len(series) < 2 or patch.series_id is None:
        return []
    return patch_links(lineage(series), patch.id, patch.series_id, patch.project.link_name)


def _notes(patch: Patch) -> SafeString | None:
    notes = patch_notes(patch.commit_message)
    return notes_html(patch.id, notes) if notes else None


def _diffstat(stored: list) -> list[FileStatRow]:
    rows = []
    for i, entry in enumerate(stored or [], 1):
        try:
            path, added, removed = str(entry[0]), int(entry[1]), int(entry[2])
        except (IndexError, TypeError, ValueError):
            continue
        rows.append(FileStatRow(path, added, removed, f"file-{i}"))
    return rows
