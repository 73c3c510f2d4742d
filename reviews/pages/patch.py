# SPDX-License-Identifier: AGPL-3.0-or-later
"""The patch page: header, trailers, series navigation, diff, discussion."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import unquote

from django.db.models import Prefetch, Q
from django.http import Http404
from django.utils.safestring import SafeString

from reviews import links
from reviews.checks import check_state_expression
from reviews.models import Cover, Patch, Series
from reviews.pages.common import (
    CommentView,
    TrailerView,
    collected_trailers,
    commit_text,
    discussion,
    light_message_fields,
    revisions,
    series_patches,
)  # fmt: skip
from reviews.rendering.cache import commit_html, diff_html


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
    series_patches: list[Patch] = field(default_factory=list)
    revisions: list[Series] = field(default_factory=list)
    previous: Patch | None = None
    next: Patch | None = None

    @property
    def added(self) -> int:
        return sum(row.added for row in self.diffstat)

    @property
    def removed(self) -> int:
        return sum(row.removed for row in self.diffstat)

    @property
    def links(self) -> dict[str, str]:
        link, msgid = self.patch.project.link_name, self.patch.message.msgid
        return {
            "message": links.message_url(self.list_name, msgid),
            "mbox": links.patch_mbox_url(link, msgid),
            "raw": links.patch_raw_url(link, msgid),
        }


def _patch_queryset():
    # Few joins, the rest prefetched by primary key: PostgreSQL plans a
    # many-way outer join in milliseconds, longer than running it takes.
    light = light_message_fields("message__")
    return (
        Patch.objects.select_related("project__mailing_list", "message", "state")
        .prefetch_related(
            "submitter", "delegate", "series",
            Prefetch("series__cover", Cover.objects.select_related("message").defer(
                *light_message_fields("message__"))),
        )
        .defer(*light)
        .annotate(check_state=check_state_expression())
    )  # fmt: skip


def find_patch(link_name: str, msgid: str) -> Patch:
    """The patch by project and Message-ID (also tried percent-decoded once more)."""
    candidates = [msgid] + ([unquote(msgid)] if "%" in msgid else [])
    for candidate in candidates:
        patch = (
            _patch_queryset().filter(project__link_name=link_name, message__msgid=candidate).first()
        )
        if patch is not None:
            return patch
    raise Http404("No such patch")


def patch_page(link_name: str, msgid: str) -> PatchPage:
    patch = find_patch(link_name, msgid)
    list_name = patch.project.mailing_list.name
    cover_comments = Q(cover__series_id=patch.series_id) if patch.series_id else Q(pk__in=[])
    page = PatchPage(
        patch=patch,
        list_name=list_name,
        commit=commit_html(patch.id, commit_text(patch.commit_message)),
        diff=diff_html(patch.id, patch.diff),
        diffstat=_diffstat(patch.diffstat),
        trailers=collected_trailers(
            patch.message_id, Q(patch_id=patch.id) | cover_comments, list_name
        ),
        comments=discussion(Q(patch_id=patch.id), list_name),
    )
    if patch.series is not None:
        page.series_patches = series_patches(patch.series)
        page.revisions = revisions(patch.series)
        ids = [p.id for p in page.series_patches]
        if patch.id in ids:
            at = ids.index(patch.id)
            page.previous = page.series_patches[at - 1] if at > 0 else None
            page.next = page.series_patches[at + 1] if at + 1 < len(ids) else None
    return page


def _diffstat(stored: list) -> list[FileStatRow]:
    rows = []
    for i, entry in enumerate(stored or [], 1):
        try:
            path, added, removed = str(entry[0]), int(entry[1]), int(entry[2])
        except (IndexError, TypeError, ValueError):
            continue
        rows.append(FileStatRow(path, added, removed, f"file-{i}"))
    return rows
