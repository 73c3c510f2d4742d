# SPDX-License-Identifier: AGPL-3.0-or-later
"""A page for a visitor not logged in, joined from its template's frame.

Most pages are first views by visitors not logged in: a link from a mail, a
search hit, a crawler. For them the page depends on a few values (the title,
the section drawn in Python, the URL in the login link) and on a key (the
list a page belongs to, which scopes the site's search box). The template is
rendered once per key and worker with a marker in each slot, cut at the
markers, and each page after that is the pieces joined with the request's
values, escaped as the template escaped them: the same bytes (the tests
compare them), without the template's inheritance, tags and lookups on every
page (base.html alone, with its seven static files, is about 0.3 ms).

Logged-in users and pages with messages get the template itself (the frame
would show them the anonymous header), as does ``runserver`` (DEBUG), where
templates are edited while the process runs. The page reads the user and the
messages as the template did (the session is touched, so ``Vary: Cookie``
stays), and the response is what ``render`` returns: the same headers.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from html import escape
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages import get_messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.safestring import SafeData

__all__ = ["Frame", "PageFrames", "marker"]


def marker(slot: str) -> str:
    """What stands in a slot while the frame is rendered.

    NUL cannot come from a URL (config.inputguard) nor from PostgreSQL text,
    and escaping and quoting leave it findable: "\\x00" is quoted as "%00".
    """
    return f"\x00{slot}\x00"


# The login links' next=, as base.html quotes the request's path.
_NEXT = quote(marker("next"))


class _MarkedRequest:
    """What a template reads of the request: its path, here a marker, and its user."""

    user = AnonymousUser()

    def get_full_path(self) -> str:
        return marker("next")


@dataclass(frozen=True)
class Frame:
    """A page cut at its slots: ``pieces`` around ``slots`` (names), in order."""

    pieces: tuple[str, ...]
    slots: tuple[str, ...]

    def fill(self, values: Mapping[str, str]) -> str:
        out = [self.pieces[0]]
        for slot, piece in zip(self.slots, self.pieces[1:], strict=True):
            out += [values[slot], piece]
        return "".join(out)


def cut(page: str, slots: Mapping[str, int]) -> Frame | None:
    """``page`` cut at the markers of ``slots`` (name: how often the template shows
    it), or None when a marker is found another number of times (a list named
    with "%00next%00" in it): that key's pages then come from the template."""
    found = {(_NEXT if slot == "next" else marker(slot)): slot for slot in slots}
    if any(page.count(text) != slots[slot] for text, slot in found.items()):
        return None
    pieces, names, at = [], [], 0
    while True:
        hits = [(where, text) for text in found if (where := page.find(text, at)) >= 0]
        if not hits:
            break
        where, text = min(hits)
        pieces.append(page[at:where])
        names.append(found[text])
        at = where + len(text)
    pieces.append(page[at:])
    return Frame(tuple(pieces), tuple(names))


class PageFrames:
    """``template``'s pages for visitors not logged in, from a frame per key.

    ``marked(key)`` is the context the frame of ``key`` is rendered with: the
    values that depend only on the key, and ``marker(slot)`` wherever a slot's
    value goes. ``slots`` names each slot with how often the page shows it;
    ``next``, the login links' return path, is filled from the request.
    """

    def __init__(
        self, template: str, marked: Callable[[str], dict[str, Any]], slots: Mapping[str, int]
    ) -> None:
        self.template = template
        self.marked = marked
        self.slots = {**slots, "next": slots.get("next", 1)}
        # A few keys (the lists) per worker; bounded all the same.
        self.frame = lru_cache(maxsize=256)(self._cut)

    def warm(self, keys: list[str]) -> None:
        """Cut these keys' frames now (a worker's warm-up): the first visitor of
        each would otherwise wait for the template to be compiled and rendered."""
        for key in keys:
            self.frame(key)

    def _cut(self, key: str) -> Frame | None:
        context = {**self.marked(key), "request": _MarkedRequest()}
        page = render_to_string(self.template, {**context, "user": AnonymousUser(), "messages": []})
        return cut(page, self.slots)

    def response(
        self,
        request: HttpRequest,
        key: str,
        context: dict[str, Any],
        values: Mapping[str, str],
        status: int = 200,
    ) -> HttpResponse:
        """``render(request, template, context)``'s page, from the frame of ``key``
        with its slots holding ``values`` when it can. Each value is escaped as the
        template's autoescape does: text is, HTML already drawn (SafeString) is not."""
        anonymous = not request.user.is_authenticated
        # With DEBUG (runserver) templates edited while the process runs show at once.
        frame = None if settings.DEBUG else self.frame(key)
        if not anonymous or get_messages(request) or frame is None:
            return render(request, self.template, context, status=status)
        filled = {slot: _escaped(value) for slot, value in values.items()}
        filled["next"] = escape(quote(request.get_full_path()))
        return HttpResponse(frame.fill(filled), status=status)


def _escaped(value: str) -> str:
    # ``conditional_escape`` without its lazy-text wrapper: what ``{{ value }}`` writes.
    return value if isinstance(value, SafeData) else escape(value)
