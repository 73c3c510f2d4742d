# SPDX-License-Identifier: AGPL-3.0-or-later
"""Pieces shared by the patch, cover and series pages: discussion and trailers."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Model, OuterRef, Q, Subquery
from django.utils.safestring import SafeString, mark_safe

from archive.bodycodec import unpack_body_bytes
from archive.dbrouting import read_connection
from archive.models import SEARCH_VECTORS, Message, Person
from archive.prepared import execute_prepared, jsonb
from archive.prepared_models import loaded
from reviews import links
from reviews.anchors import Anchor
from reviews.comment_anchors import anchors_of
from reviews.models import (
    Comment,
    Cover,
    Patch,
    Project,
    RenderedMail,
    Series,
    State,
    Trailer,
)
from reviews.renderedmail import unpack, usable_sql
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


def patch_discussion(patch_id: int, list_name: str) -> list[CommentView]:
    """``discussion(Q(patch_id=patch_id), list_name, patch_id=patch_id)``, as one
    written-out statement: the patch page's replies, each with its stored anchors.

    The ORM took longer to compile that query than PostgreSQL to run it; the
    rows become the same model instances (the columns not read are deferred).
    A long reply's HTML is read as stored at ingest (``reviews.renderedmail``,
    unpacked with its body); the others' bodies are rendered (or found in the cache).
    """
    db = read_connection(Message)
    with db.cursor() as cursor:
        execute_prepared(cursor, "threadwork_discussion", _DISCUSSION_SQL, {"patch": patch_id})
        rows = cursor.fetchall()
    mine, theirs = len(_DISCUSSION_MESSAGE), len(_DISCUSSION_AUTHOR)
    messages, bodies, html = [], [], {}
    for row in rows:
        message = loaded(Message, db.alias, _DISCUSSION_MESSAGE, row[:mine])
        if row[mine] is not None:
            author = row[mine : mine + theirs]
            message.author = loaded(Person, db.alias, _DISCUSSION_AUTHOR, author)
        else:
            message.author = None
        stored, body, rendered = row[mine + theirs :]
        message.stored_anchors = jsonb(stored)
        messages.append(message)
        data = unpack_body_bytes(body)  # packed (archive.bodycodec)
        stored_html = unpack(rendered, data) if rendered is not None else None
        if stored_html is not None:
            # Safe: stored as reviews.rendering.mail made it, every piece of mail escaped.
            html[message.id] = mark_safe(stored_html)
        else:
            bodies.append((message.id, data.decode()))
    html.update(mail_html_many(bodies))
    return [
        CommentView(
            m, html[m.id], links.message_url(list_name, m.msgid), anchors_of(m.stored_anchors)
        )
        for m in messages
    ]


def _in_field_order(model: type[Model], wanted: set[str]) -> tuple[str, ...]:
    # Model.from_db takes a partial row in the order of the model's fields.
    return tuple(f.attname for f in model._meta.concrete_fields if f.attname in wanted)


# The body is read apart, and only when no stored HTML is usable.
_DISCUSSION_MESSAGE = _in_field_order(Message, {"id", "msgid", "subject", "date", "author_id"})
_DISCUSSION_AUTHOR = _in_field_order(Person, {"id", "name", "email", "canonical_id"})


def _discussion_sql() -> str:
    m_columns = ", ".join(f"m.{c}" for c in _DISCUSSION_MESSAGE)
    a_columns = ", ".join(f"a.{c}" for c in _DISCUSSION_AUTHOR)
    comment = Comment._meta.db_table
    return f"""
SELECT {m_columns}, {a_columns},
       (SELECT c.anchors FROM {comment} c
        WHERE c.message_id = m.id AND c.patch_id = %(patch)s LIMIT 1),
       m.body, r.html
FROM {Message._meta.db_table} m
LEFT JOIN {Person._meta.db_table} a ON a.id = m.author_id
LEFT JOIN {RenderedMail._meta.db_table} r ON r.message_id = m.id AND {usable_sql("m", "r")}
WHERE m.id IN (SELECT message_id FROM {comment} WHERE patch_id = %(patch)s)
  AND NOT m.is_ghost
ORDER BY m.date, m.id
"""


_DISCUSSION_SQL = _discussion_sql()


def collected_trailers(
    patch_message_id: int | None,
    list_name: str,
    *,
    patch_id: int | None = None,
    cover_id: int | None = None,
    series_id: int | None = None,
) -> list[TrailerView]:
    """Trailers from a patch's own message and the comments on it, on a cover, or
    on the cover of a series (whichever are given), deduplicated.

    One statement, written out: built by the ORM (a UNION of subqueries, two
    joins) it took longer to compile than PostgreSQL took to plan and run it.
    """
    if patch_message_id is None and patch_id is None and cover_id is None and series_id is None:
        return []
    params = {"patch": patch_id, "cover": cover_id, "series": series_id,
              "message": patch_message_id, "hidden": list(HIDDEN_KINDS)}  # fmt: skip
    with read_connection(Trailer).cursor() as cursor:
        execute_prepared(cursor, "threadwork_trailers", _TRAILERS_SQL, params)
        rows = cursor.fetchall()
    return _ordered(_dedupe(rows, patch_message_id, list_name))


def _table(model: type[Model]) -> str:
    return model._meta.db_table


# Each branch an indexed lookup; a branch whose id is NULL finds nothing.
_TRAILERS_SQL = f"""
SELECT t.kind, t.value, t.name, t.email, t.message_id, m.msgid, a.name, a.email
FROM {_table(Trailer)} t
JOIN {_table(Message)} m ON m.id = t.message_id
LEFT JOIN {_table(Person)} a ON a.id = m.author_id
WHERE t.message_id = ANY(ARRAY(
    SELECT c.message_id FROM {_table(Comment)} c WHERE c.patch_id = %(patch)s
    UNION ALL
    SELECT c.message_id FROM {_table(Comment)} c WHERE c.cover_id = %(cover)s
    UNION ALL
    SELECT c.message_id FROM {_table(Comment)} c
    JOIN {_table(Cover)} cv ON cv.id = c.cover_id WHERE cv.series_id = %(series)s
    UNION ALL
    SELECT %(message)s::bigint
))
AND NOT t.kind = ANY(%(hidden)s::text[])
ORDER BY m.date, t.message_id, t.position
"""


def _dedupe(
    rows: Iterable[tuple], patch_message_id: int | None, list_name: str
) -> list[TrailerView]:
    seen: set[tuple[str, str]] = set()
    out = []
    for kind, value, name, email, message_id, msgid, author_name, author_email in rows:
        key = (kind, value.lower())
        if key in seen:
            continue
        seen.add(key)
        out.append(
            TrailerView(
                kind=kind,
                value=value,
                name=name or value,
                email=email,
                url=links.message_url(list_name, msgid),
                # Person.display_name, from the row's two columns.
                given_by=(author_name or author_email or "") if author_email is not None else "",
                in_patch=message_id == patch_message_id,
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
    db = read_connection(Patch).alias
    out = []
    for row in _navigation_rows(series.id):
        patch = loaded(Patch, db, _NAV_PATCH, row[:_AT_STATE_ROW])
        patch.state = loaded(State, db, _NAV_STATE, row[_AT_STATE_ROW:_AT_MESSAGE_ROW])
        patch.message = loaded(Message, db, _NAV_MESSAGE, row[_AT_MESSAGE_ROW:_AT_PROJECT_ROW])
        patch.project = loaded(Project, db, _NAV_PROJECT, row[_AT_PROJECT_ROW:])
        out.append(patch)
    return out


@dataclass(frozen=True)
class NavigationRow:
    """A patch of a series as the patch page's series box shows it."""

    id: int
    name: str
    state_slug: str
    state_name: str
    url: str


def series_navigation(series_id: int) -> list[NavigationRow]:
    """``series_patches``' rows without their model instances: what the patch
    page's series box shows (four instances a patch were ~0.5 ms of a first view
    of a patch in a series of twenty)."""
    return [
        NavigationRow(
            row[_AT_ID], row[_AT_NAME], row[_AT_SLUG], row[_AT_STATE],
            links.patch_url(row[_AT_LINK], row[_AT_MSGID]),
        )
        for row in _navigation_rows(series_id)
    ]  # fmt: skip


def _navigation_rows(series_id: int) -> list[tuple]:
    # ``Patch.objects.for_navigation()``'s rows and relations, as one written-out
    # statement: compiling it through the ORM cost more than running it.
    with read_connection(Patch).cursor() as cursor:
        execute_prepared(cursor, "threadwork_series_navigation", _NAVIGATION_SQL, [series_id])
        return cursor.fetchall()


_NAV_PATCH = _in_field_order(Patch, {
    "id", "name", "number", "date", "archived", "acked", "reviewed", "tested",
    "series_id", "state_id", "message_id", "project_id"})  # fmt: skip
_NAV_STATE = _in_field_order(State, {"id", "name", "slug"})
_NAV_MESSAGE = _in_field_order(Message, {"id", "msgid"})
_NAV_PROJECT = _in_field_order(Project, {"id", "link_name"})
_NAVIGATION: tuple[tuple[type[Model], tuple[str, ...]], ...] = (
    (Patch, _NAV_PATCH), (State, _NAV_STATE), (Message, _NAV_MESSAGE), (Project, _NAV_PROJECT),
)  # fmt: skip
# Where each model's columns start in a row of _NAVIGATION_SQL.
_AT_STATE_ROW = len(_NAV_PATCH)
_AT_MESSAGE_ROW = _AT_STATE_ROW + len(_NAV_STATE)
_AT_PROJECT_ROW = _AT_MESSAGE_ROW + len(_NAV_MESSAGE)
_COLUMNS = [(model, c) for model, columns in _NAVIGATION for c in columns]
_AT_ID, _AT_NAME = _COLUMNS.index((Patch, "id")), _COLUMNS.index((Patch, "name"))
_AT_SLUG, _AT_STATE = _COLUMNS.index((State, "slug")), _COLUMNS.index((State, "name"))
_AT_MSGID, _AT_LINK = _COLUMNS.index((Message, "msgid")), _COLUMNS.index((Project, "link_name"))
_NAVIGATION_SQL = f"""
SELECT {", ".join(f"{alias}.{c}" for alias, (_, columns) in zip("psmj", _NAVIGATION, strict=True)
                  for c in columns)}
FROM {Patch._meta.db_table} p
JOIN {State._meta.db_table} s ON s.id = p.state_id
JOIN {Message._meta.db_table} m ON m.id = p.message_id
JOIN {Project._meta.db_table} j ON j.id = p.project_id
WHERE p.series_id = %s
ORDER BY p.number, p.date, p.id
"""  # fmt: skip


def revisions(series: Series) -> list[Series]:
    """``series.revisions()``: every revision of the series' lineage, oldest first.

    One written-out statement, prepared per connection: the ORM compiled its
    UNION on every first view of a patch or series page (~1.5 ms).
    """
    db = read_connection(Series)
    with db.cursor() as cursor:
        execute_prepared(
            cursor, "threadwork_revisions", _REVISIONS_SQL, {"root": series.lineage_id or series.id}
        )
        rows = cursor.fetchall()
    return [loaded(Series, db.alias, _SERIES_COLUMNS, row) for row in rows]


_SERIES_COLUMNS = [f.attname for f in Series._meta.concrete_fields]
_REVISIONS_SQL = f"""
SELECT {", ".join(f"s.{c}" for c in _SERIES_COLUMNS)}
FROM {Series._meta.db_table} s
WHERE s.id = ANY(ARRAY(
    SELECT id FROM {Series._meta.db_table} WHERE lineage_id = %(root)s
    UNION SELECT %(root)s::bigint
))
ORDER BY s.version, s.date, s.id
"""


def commit_text(commit_message: str) -> str:
    """A stored commit message without the ``---`` notes and diffstat below it."""
    lines = commit_message.split("\n")
    for i, line in enumerate(lines):
        if line.rstrip() == "---":
            return "\n".join(lines[:i]).rstrip()
    return commit_message.rstrip()
