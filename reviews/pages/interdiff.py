# SPDX-License-Identifier: AGPL-3.0-or-later
"""The interdiff page: what changed between two revisions of one patch."""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from urllib.parse import unquote

from django.core.cache import cache
from django.http import Http404
from django.utils.safestring import SafeString, mark_safe

from reviews import links
from reviews.interdiff import interdiff
from reviews.models import Patch, Series
from reviews.pages.common import commit_text, light_message_fields
from reviews.pages.revisions import lineage
from reviews.rendering.interdiff import render_interdiff

__all__ = ["InterdiffPage", "interdiff_html", "interdiff_page", "older_first"]

# Bump when reviews.interdiff or its renderer change their output.
INTERDIFF_VERSION = 1
TIMEOUT = 7 * 24 * 3600


@dataclass(frozen=True)
class InterdiffPage:
    old: Patch
    new: Patch
    old_name: str
    new_name: str
    html: SafeString
    changed: bool
    link_name: str

    @property
    def compare_url(self) -> str:
        if not (self.old.series_id and self.new.series_id):
            return ""
        return links.compare_url(self.link_name, self.new.series_id, self.old.series_id)


def older_first(a: Patch, b: Patch) -> tuple[Patch, Patch]:
    """The two patches, the older revision first (by version, then date)."""

    def rank(p: Patch) -> tuple[int, float, int]:
        version = p.series.version if p.series else 1
        return version, p.date.timestamp() if p.date else 0.0, p.id

    return (a, b) if rank(a) <= rank(b) else (b, a)


def interdiff_html(old: Patch, new: Patch) -> tuple[SafeString, bool]:
    """The rendered interdiff and whether the change differs, cached by both texts."""
    old_message, new_message = commit_text(old.commit_message), commit_text(new.commit_message)
    texts = [old.diff, new.diff, old_message, new_message]
    digest = f"{zlib.crc32(chr(0).join(texts).encode()):08x}"
    key = f"tw:interdiff:{INTERDIFF_VERSION}:{old.id}:{new.id}:{digest}"
    found = cache.get(key)
    if found is None:
        result = interdiff(old.diff, new.diff, old_message, new_message)
        found = (render_interdiff(result), result.changed)
        cache.set(key, found, TIMEOUT)
    # Safe: the renderer escapes every piece of mail text it emits.
    return mark_safe(found[0]), found[1]


def _patches(link_name: str, msgids: list[str]) -> dict[str, Patch]:
    candidates = msgids + [unquote(m) for m in msgids if "%" in m]
    rows = (
        Patch.objects.select_related("project__mailing_list", "message", "series")
        .defer(*light_message_fields("message__"))
        .with_texts()
        .filter(project__link_name=link_name, message__msgid__in=candidates)
    )
    found = {p.message.msgid: p for p in rows}
    return {m: found.get(m) or found.get(unquote(m)) for m in msgids}  # type: ignore[misc]


def interdiff_page(link_name: str, msgid: str, other_msgid: str) -> InterdiffPage:
    """Both patches (one query), the revisions' names (two), the interdiff (cached)."""
    found = _patches(link_name, [msgid, other_msgid])
    this, other = found[msgid], found[other_msgid]
    if this is None or other is None or this.id == other.id:
        raise Http404("No such pair of patches")
    old, new = older_first(this, other)
    names = _names(old, new)
    html, changed = interdiff_html(old, new)
    return InterdiffPage(old, new, names[0], names[1], html, changed, link_name)


def _names(old: Patch, new: Patch) -> tuple[str, str]:
    series: Series | None = new.series or old.series
    if series is None or old.series_id is None or new.series_id is None:
        return "older", "newer"
    names = lineage(series.revisions()).names
    return names.get(old.series_id, "older"), names.get(new.series_id, "newer")
