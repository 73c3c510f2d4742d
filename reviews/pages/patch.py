# SPDX-License-Identifier: AGPL-3.0-or-later
"""The patch page: header, trailers, series navigation, diff, discussion."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import unquote

from django.core.cache import cache as page_cache
from django.db.models import QuerySet, Subquery
from django.http import Http404
from django.utils.safestring import SafeString, mark_safe

from archive.models import Message
from archive.prepared_models import PreparedQuery
from reviews.changelog import patch_notes
from reviews.checks import check_state_expression
from reviews.diffcolours import coloured_expression, usable
from reviews.models import Patch, Series
from reviews.pages.answers import inline_answer_rows
from reviews.pages.carried import CarriedReview, carried_review
from reviews.pages.carried_html import render_carried
from reviews.pages.common import (
    TrailerView,
    collected_trailers,
    commit_text,
    light_message_fields,
    patch_discussion,
    revisions,
    series_navigation,
)  # fmt: skip
from reviews.pages.discussion import render_discussion
from reviews.pages.patch_html import (
    FileStatRow,
    diffstat_html,
    draw_head,
    draw_main,
    draw_side,
    revision_notes_html,
    series_nav_html,
    trailers_box_html,
)  # fmt: skip
from reviews.pages.revisions import RevisionLink, lineage, patch_links
from reviews.pages.stamp import change_stamp
from reviews.rendering.answers import LineKey
from reviews.rendering.cache import commit_html, diff_html, notes_html

# Bump when the cached parts of the page change shape.
PARTS_VERSION = 6
PARTS_TIMEOUT = 24 * 3600


@dataclass
class PatchPage:
    """The page: the patch row, and its markup drawn around the actions box."""

    patch: Patch
    list_name: str
    before_actions: SafeString
    after_actions: SafeString

    @property
    def title(self) -> str:
        return f"{self.patch.name} · {self.patch.project.name} · Threadwork"


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
        if (found := _PATCH.first(Patch, link_name=link_name, msgid=candidate)) is not None:
            return found
    raise Http404("No such patch")


@dataclass(frozen=True)
class _Parts:
    """What the page reads besides the patch row, drawn; cached under the change stamp.

    Kept as strings: pickling the models and views they are drawn from (the
    local-memory cache pickles what it stores) took about a millisecond of a
    first view, to spare the second view, which most pages never get.
    """

    answer_rows: dict[LineKey, str]  # under the diff lines they answer
    replies: int
    changes_since: RevisionLink | None
    revision_notes: str
    carried: str  # the review carried from an earlier revision ("" when none)
    discussion: str
    boxes: str  # the Trailers box and the series box


def _parts(patch: Patch, list_name: str) -> _Parts:
    key = f"tw:patch-parts:{PARTS_VERSION}:{patch.id}:{patch.series_id}:{list_name}:{patch.stamp}"
    parts = page_cache.get(key)
    if parts is None:
        parts = _read_parts(patch, list_name)
        page_cache.set(key, parts, PARTS_TIMEOUT)
    return parts


def _read_parts(patch: Patch, list_name: str) -> _Parts:
    link_name = patch.project.link_name
    comments = patch_discussion(patch.id, list_name)
    lineage_series = revisions(patch.series) if patch.series else []
    revision_links = _revision_links(patch, lineage_series)
    trailers = collected_trailers(
        patch.message_id, list_name, patch_id=patch.id, series_id=patch.series_id
    )
    carried = carried_review(patch, revision_links, list_name)
    series_nav = ""
    if patch.series:
        series_nav = series_nav_html(
            patch.series, link_name, revision_links, series_navigation(patch.series.id), patch.id
        )
    return _Parts(
        answer_rows=inline_answer_rows(comments),
        replies=len(comments),
        changes_since=_changes_since(revision_links),
        revision_notes=revision_notes_html(lineage_series, patch.series, link_name),
        carried=render_carried(carried) if carried and carried.answers else "",
        discussion=render_discussion(comments),
        boxes=trailers_box_html(
            trailers,
            _carried_trailers(carried, trailers),
            carried.name if carried else "",
            bool(carried and carried.applied),
            series_nav,
        ),
    )


def patch_page(link_name: str, msgid: str) -> PatchPage:
    patch = find_patch(link_name, msgid)
    list_name = patch.project.mailing_list.name
    parts = _parts(patch, list_name)
    diff = diff_html(
        patch.id, patch.diff, parts.answer_rows, usable(patch.stored_colours, patch.diff)
    )
    before = draw_head(
        patch, list_name, parts.changes_since, parts.replies, parts.revision_notes
    ) + draw_main(
        commit_html(patch.id, commit_text(patch.commit_message)),
        _notes(patch),
        parts.carried,
        diffstat_html(_diffstat(patch.diffstat)),
        patch,
        diff,
        parts.discussion,
    )
    # Safe: every value from mail or from a person is escaped where it is drawn.
    return PatchPage(
        patch=patch,
        list_name=list_name,
        before_actions=mark_safe(before),
        after_actions=mark_safe(draw_side(patch, parts.boxes)),
    )


def _changes_since(revision_links: list[RevisionLink]) -> RevisionLink | None:
    """The latest earlier revision with a matching patch: its interdiff is one click."""
    at = next((i for i, r in enumerate(revision_links) if r.current), 0)
    return next((r for r in reversed(revision_links[:at]) if r.interdiff_url), None)


def _carried_trailers(
    carried: CarriedReview | None, trailers: list[TrailerView]
) -> list[TrailerView]:
    """The previous revision's reply trailers this patch has not been given again."""
    if carried is None:
        return []
    have = {(t.kind, t.value.lower()) for t in trailers}
    return [t for t in carried.trailers if (t.kind, t.value.lower()) not in have]


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
