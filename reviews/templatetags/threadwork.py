# SPDX-License-Identifier: AGPL-3.0-or-later
"""Links and small formatting for review templates."""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString, mark_safe

from archive.invisible import escape_visible
from reviews import links
from reviews.listing import PatchListQuery

register = template.Library()


@register.filter
def patch_url(patch) -> str:
    return links.patch_url(patch.project.link_name, patch.message.msgid)


@register.filter
def series_url(series, link_name: str) -> str:
    return links.series_url(link_name, series.id)


@register.filter
def cover_url(cover, link_name: str) -> str:
    return links.cover_url(link_name, cover.message.msgid)


@register.filter
def series_mbox_url(series) -> str:
    return links.series_mbox_url(series.id)


@register.filter
def person_url(person) -> str:
    # A merged address links to the person it belongs to (no query: the id is on the row).
    return links.person_url(person.identity_id) if person is not None else ""


@register.filter
def message_url(message, list_name: str) -> str:
    return links.message_url(list_name, message.msgid)


@register.filter
def search_url(q: str) -> str:
    return links.search_url(q)


@register.filter
def web_url(url: str) -> str:
    """``url`` if it is http(s), else "": stored URLs (check targets) come from strangers."""
    return url if url and links.is_web_url(url) else ""


@register.filter
def file_name(path: str) -> SafeString:
    """A file name from mail, isolated (``<bdi>``) with its invisible characters marked."""
    return mark_safe(f"<bdi>{escape_visible(str(path))}</bdi>")  # escaped just here


@register.filter
def count(value: int) -> str:
    """A/R/T cell text: the number, or a dash for none (as on Patchwork)."""
    return str(value) if value else "–"


@register.simple_tag
def list_params(query: PatchListQuery, **changes: object) -> str:
    """``?…`` for the patch list with ``changes`` applied to the current filters."""
    params = query.params(**changes)
    return f"?{params}" if params else "?"


@register.simple_tag
def sort_params(query: PatchListQuery, column: str) -> str:
    return f"?{query.sort_params(column)}"


@register.simple_tag
def page_params(query: PatchListQuery, number: int) -> str:
    return f"?{query.params(page=number)}"


@register.filter
def sort_mark(query: PatchListQuery, column: str) -> str:
    if query.order == column:
        return "▲"
    if query.order == f"-{column}":
        return "▼"
    return ""
