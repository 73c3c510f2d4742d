# SPDX-License-Identifier: AGPL-3.0-or-later
"""A search page around its results section: ``templates/archive/search.html``
rendered once per list and worker, the request's values put in its slots.

For a visitor not logged in, with no messages waiting, the page depends on
the list's name (its links, the site search box's scope), the query (the
title), the results section (drawn in Python: ``searchpage``) and the URL
(the login link's ``next``). The template is rendered with markers in those
four places the first time a list is searched, and each page after that is
the pieces between them joined with the request's values, escaped as the
template escapes them: the same bytes (a test compares them), without
``base.html``'s inheritance, tags and lookups on every page (about 0.3 ms).
Logged-in users and pages with messages get the template itself (the frame
would show them the anonymous header), as does ``runserver`` (DEBUG), where
templates are edited while the process runs.

The page reads the user and the messages as the template did (the session is
touched, so ``Vary: Cookie`` stays), and the response is what ``render``
returns: the same headers.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from html import escape
from urllib.parse import quote

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages import get_messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from archive.views.searchpage import search_form

__all__ = ["TEMPLATE", "search_response", "warm_frames"]

TEMPLATE = "archive/search.html"

# NUL cannot come from a URL (config.inputguard) nor from a list's name, and
# escaping and quoting leave the markers findable: "\x00" is quoted as "%00".
_TITLE, _SECTION, _NEXT = "\x00title\x00", "\x00section\x00", "\x00next\x00"


@dataclass(frozen=True)
class _Slots:
    """What the template reads of ``results``: only the query (any other field
    would render empty in the frame, and the test comparing pages would fail)."""

    query: str


class _MarkedRequest:
    """What the template reads of the request: its path, here a marker."""

    def get_full_path(self) -> str:
        return _NEXT


@dataclass(frozen=True)
class _Frame:
    """The page cut at its slots: ``pieces`` around ``slots`` (names), in order."""

    pieces: tuple[str, ...]
    slots: tuple[str, ...]

    def fill(self, values: dict[str, str]) -> str:
        out = [self.pieces[0]]
        for slot, piece in zip(self.slots, self.pieces[1:], strict=True):
            out += [values[slot], piece]
        return "".join(out)


@cache
def _frame(list_name: str) -> _Frame | None:
    """The template for an anonymous visitor without messages, cut at its slots
    (None when they cannot be told apart)."""
    page = render_to_string(
        TEMPLATE,
        {
            "list_name": list_name,
            "results": _Slots(_TITLE),
            "section": mark_safe(_SECTION),  # a marker, nothing from outside
            "request": _MarkedRequest(),
            "user": AnonymousUser(),
            "messages": [],
        },
    )
    markers = {_TITLE: "title", _SECTION: "section", quote(_NEXT): "next"}
    if any(page.count(marker) != 1 for marker in markers):
        # A list named with "%00next%00" in it, or a template showing a value
        # twice: that list's pages come from the template.
        return None
    pieces, slots, at = [], [], 0
    while True:
        found = [(page.find(m, at), m) for m in markers if page.find(m, at) >= 0]
        if not found:
            break
        where, marker = min(found)
        pieces.append(page[at:where])
        slots.append(markers[marker])
        at = where + len(marker)
    pieces.append(page[at:])
    return _Frame(tuple(pieces), tuple(slots))


def search_response(
    request: HttpRequest, list_name: str, query: str, section: str, status: int
) -> HttpResponse:
    """The search page of ``query`` holding ``section`` (the results, drawn and escaped)."""
    anonymous = not request.user.is_authenticated
    # With DEBUG (runserver) templates edited while the process runs show at once.
    frame = None if settings.DEBUG else _frame(list_name)
    if not anonymous or get_messages(request) or frame is None:
        context = {"list_name": list_name, "results": _Slots(query), "section": section}
        return render(request, TEMPLATE, context, status=status)
    values = {
        "title": escape(query),
        "section": section,
        "next": escape(quote(request.get_full_path())),
    }
    return HttpResponse(frame.fill(values), status=status)


def warm_frames(list_names: list[str]) -> None:
    """Cut the frames of these lists now (a worker's warm-up), and their search boxes."""
    for name in list_names:
        _frame(name)
        search_form(name)
