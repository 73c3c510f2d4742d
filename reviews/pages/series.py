# SPDX-License-Identifier: AGPL-3.0-or-later
"""The series page and the cover letter page: one view of a series, two entries."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import unquote

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.safestring import SafeString, mark_safe

from archive.prepared_models import PreparedQuery
from reviews import links
from reviews.changelog import cover_changelog
from reviews.models import Cover, Patch, Project, Series
from reviews.pages.common import (
    CommentView,
    TrailerView,
    collected_trailers,
    discussion,
    revisions,
    series_patches,
)  # fmt: skip
from reviews.pages.discussion import render_discussion
from reviews.pages.patch_html import trailers_html
from reviews.pages.revisions import RevisionLink, lineage, pair_fully, series_links
from reviews.pairing import PairKind
from reviews.rendering.cache import mail_html, notes_html


@dataclass
class SeriesPage:
    project: Project
    series: Series | None
    cover: Cover | None
    cover_html: SafeString | None
    comments: list[CommentView]
    trailers: list[TrailerView]
    changelog: SafeString | None = None  # the cover letter's changes since earlier revisions
    patches: list[Patch] = field(default_factory=list)
    revisions: list[Series] = field(default_factory=list)
    revision_links: list[RevisionLink] = field(default_factory=list)
    # "changes since vN": the previous revision's name and the compare page.
    changes_since: tuple[str, str] | None = None

    @property
    def list_name(self) -> str:
        return self.project.mailing_list.name

    @property
    def title(self) -> str:
        if self.cover is not None:
            return self.cover.name
        return self.series.name if self.series else ""

    @property
    def trailers_html(self) -> SafeString:
        """The cover letter's trailers (``reviews.pages.patch_html``, as on the patch page)."""
        return mark_safe(trailers_html(self.trailers))  # escaped where drawn

    @property
    def discussion_html(self) -> SafeString:
        """The replies to the cover letter (``reviews.pages.discussion``, as on the patch page)."""
        return render_discussion(self.comments)

    @property
    def cover_message_url(self) -> str:
        return links.message_url(self.list_name, self.cover.message.msgid) if self.cover else ""


def _series_queryset(link_name: str, series_id: int) -> QuerySet[Series]:
    # Six joins in one prepared statement (_SERIES): building and compiling it
    # with the ORM on every view cost more than running it.
    return (
        Series.objects.select_related(
            "project__mailing_list",
            "submitter__canonical",
            "cover__message",
            "cover__submitter__canonical",
        )
        .filter(project__link_name=link_name, id=series_id)
        .order_by("pk")[:1]
    )


_SERIES: PreparedQuery[Series] = PreparedQuery("threadwork_series_page", _series_queryset)


def series_page(link_name: str, series_id: int) -> SeriesPage:
    series = _SERIES.first(Series, link_name=link_name, series_id=series_id)
    if series is None:
        raise Http404("No such series")
    cover = getattr(series, "cover", None)
    return _page(series.project, series, cover)


def cover_page(link_name: str, msgid: str) -> SeriesPage:
    candidates = [msgid] + ([unquote(msgid)] if "%" in msgid else [])
    cover = (
        Cover.objects.select_related(
            "project__mailing_list",
            "submitter__canonical",
            "message",
            "series__submitter__canonical",
        )
        .filter(project__link_name=link_name, message__msgid__in=candidates)
        .first()
    )
    if cover is None:
        raise Http404("No such cover letter")
    return _page(cover.project, cover.series, cover)


def _changelog(cover: Cover | None) -> SafeString | None:
    changes = cover_changelog(cover.message.body) if cover else ""
    return notes_html(cover.message_id, changes) if cover and changes else None


def _page(project: Project, series: Series | None, cover: Cover | None) -> SeriesPage:
    list_name = project.mailing_list.name
    comments = Q(cover_id=cover.id) if cover else Q(pk__in=[])
    page = SeriesPage(
        project=project,
        series=series,
        cover=cover,
        cover_html=mail_html(cover.message_id, cover.message.body) if cover else None,
        comments=discussion(comments, list_name),
        trailers=collected_trailers(None, list_name, cover_id=cover.id) if cover else [],
        changelog=_changelog(cover),
    )
    if series is not None:
        page.patches = series_patches(series)
        page.revisions = revisions(series)
        _add_revisions(page, series)
    return page


_SINCE = {
    PairKind.UNCHANGED: "unchanged",
    PairKind.CHANGED: "changed",
    PairKind.ADDED: "new",
    PairKind.DROPPED: "",
}


def _add_revisions(page: SeriesPage, series: Series) -> None:
    """Names for the revisions bar and the link to the changes since the previous one."""
    if len(page.revisions) < 2:
        return
    line = lineage(page.revisions)
    link_name = page.project.link_name
    page.revision_links = series_links(line, series.id, link_name)
    previous = line.previous(series.id)
    if previous is not None:
        url = links.compare_url(link_name, series.id, previous.id)
        page.changes_since = (line.names[previous.id], url)
        pairs = pair_fully(line.patches[previous.id], line.patches[series.id])
        _mark_since(page.patches, {p.new: p.kind for p in pairs}, line.names[previous.id])


def _mark_since(patches: list[Patch], kinds: dict[int | None, PairKind], name: str) -> None:
    """Each patch row says what it is since the previous revision ("changed since v1").

    Set on this page's own Patch objects, read only by its patch rows.
    """
    for patch in patches:
        patch.since_previous = _SINCE[kinds.get(patch.id, PairKind.ADDED)]
        patch.since_name = name
