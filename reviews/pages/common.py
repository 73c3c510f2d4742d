# SPDX-License-Identifier: AGPL-3.0-or-later
"""Pieces shared by the patch, cover and series pages: discussion and trailers."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import OuterRef, Q, Subquery
from django.utils.safestring import SafeString

from archive.models import SEARCH_VECTORS, Message
from reviews import links
from reviews.anchors import Anchor
from reviews.comment_anchors import anchors_of
from reviews.models import Comment, Patch, Series, Trailer
from reviews.rendering.cache import mail_html_many

# Shown first, in this order; other kinds follow alphabetically.
REVIEW_KINDS = ("Reviewed-by", "Acked-by", "Tested-by")
HIDDEN_KINDS = ("Cc",)
_MESSAGE_LIGHT = ("body", *SEARCH_VECTORS, "references", "to", "cc", "in_reply_to")


@dataclass(frozen=True)
class CommentView:
    message: Message
    html: SafeString
    url: str
    anchors: tuple[Anchor, ...] = ()  # stored when the reply was anchored to the patch


@dataclass(frozen=True)
class TrailerView:
    kind: str
    value: str
    name: str
    email: str
    url: str
    given_by: str
    in_patch: bool

    @property
    def is_review(self) -> bool:
        return self.kind in REVIEW_KINDS


def light_message_fields(prefix: str) -> list[str]:
    """Message columns a page never needs, to ``defer()`` under ``prefix``."""
    return [f"{prefix}{name}" for name in _MESSAGE_LIGHT]


def discussion(comments: Q, list_name: str, patch_id: int | None = None) -> list[CommentView]:
    """Comments selected by ``comments`` (a Comment filter), in date order, rendered.

    With ``patch_id``, each comes with the anchors stored for it under that patch.
    """
    messages = (
        Message.objects.filter(
            id__in=Comment.objects.filter(comments).values("message_id"), is_ghost=False
        )
        .select_related("author")
        .only(
            "msgid",
            "subject",
            "date",
            "body",
            "author__name",
            "author__email",
            "author__canonical_id",
        )
        .order_by("date", "id")
    )
    if patch_id is not None:
        stored = Comment.objects.filter(message_id=OuterRef("id"), patch_id=patch_id)
        messages = messages.annotate(stored_anchors=Subquery(stored.values("anchors")[:1]))
    rows = list(messages)
    html = mail_html_many((m.id, m.body) for m in rows)
    return [
        CommentView(
            m,
            html[m.id],
            links.message_url(list_name, m.msgid),
            anchors_of(getattr(m, "stored_anchors", None)),
        )
        for m in rows
    ]


def collected_trailers(
    patch_message_id: int | None, comments: Iterable[Q], list_name: str
) -> list[TrailerView]:
    """Trailers from a patch's own message and its (or its cover's) comments, deduplicated.

    ``comments`` are Comment filters, one per source (the patch's, its cover's).
    """
    # A UNION of indexed lookups, not one OR: PostgreSQL plans an OR across
    # subqueries as scans of the whole trailer and message tables.
    branches = [Comment.objects.filter(q).values("message_id") for q in comments]
    if patch_message_id is not None:
        branches.append(Trailer.objects.filter(message_id=patch_message_id).values("message_id"))
    if not branches:
        return []
    sources = branches[0].union(*branches[1:], all=True) if len(branches) > 1 else branches[0]
    rows = (
        Trailer.objects.filter(message_id__in=sources)
        .exclude(kind__in=HIDDEN_KINDS)
        .select_related("message__author")
        .only("kind", "value", "name", "email", "message__msgid", "message__date",
              "message__author__name", "message__author__email")
        .order_by("message__date", "message_id", "position")
    )  # fmt: skip
    return _ordered(_dedupe(rows, patch_message_id, list_name))


def _dedupe(
    rows: Iterable[Trailer], patch_message_id: int | None, list_name: str
) -> list[TrailerView]:
    seen: set[tuple[str, str]] = set()
    out = []
    for t in rows:
        key = (t.kind, t.value.lower())
        if key in seen:
            continue
        seen.add(key)
        author = t.message.author
        out.append(
            TrailerView(
                kind=t.kind,
                value=t.value,
                name=t.name or t.value,
                email=t.email,
                url=links.message_url(list_name, t.message.msgid),
                given_by=author.display_name if author else "",
                in_patch=t.message_id == patch_message_id,
            )
        )
    return out


def _ordered(trailers: list[TrailerView]) -> list[TrailerView]:
    def rank(t: TrailerView) -> tuple[int, str]:
        if t.kind in REVIEW_KINDS:
            return REVIEW_KINDS.index(t.kind), ""
        return len(REVIEW_KINDS), t.kind

    return sorted(trailers, key=rank)


def series_patches(series: Series) -> list[Patch]:
    """The patches of a series, in order, for a navigation table."""
    return list(series.patches.for_navigation().order_by("number", "date", "id"))


def revisions(series: Series) -> list[Series]:
    """Every revision of the series' lineage, oldest first (one query)."""
    return series.revisions()


def commit_text(commit_message: str) -> str:
    """A stored commit message without the ``---`` notes and diffstat below it."""
    lines = commit_message.split("\n")
    for i, line in enumerate(lines):
        if line.rstrip() == "---":
            return "\n".join(lines[:i]).rstrip()
    return commit_message.rstrip()
