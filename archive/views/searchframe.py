# SPDX-License-Identifier: AGPL-3.0-or-later
"""A search page around its results section: ``templates/archive/search.html``
for a visitor not logged in joined from its frame (``archive.views.frame``).

The page depends on the list's name (its links, the site search box's scope),
the query (the title), the results section (drawn in Python:
``searchpage``) and the URL (the login link's ``next``): the frame is cut per
list, the first time it is searched.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse
from django.utils.safestring import mark_safe

from archive.views.frame import PageFrames, marker
from archive.views.searchpage import search_form

__all__ = ["TEMPLATE", "search_response", "warm_frames"]

TEMPLATE = "archive/search.html"


@dataclass(frozen=True)
class _Slots:
    """What the template reads of ``results``: only the query (any other field
    would render empty in the frame, and the test comparing pages would fail)."""

    query: str


def _marked(list_name: str) -> dict:
    # The section is a marker, nothing from outside.
    return {"list_name": list_name, "results": _Slots(marker("title")),
            "section": mark_safe(marker("section"))}  # fmt: skip


_FRAMES = PageFrames(TEMPLATE, _marked, {"title": 1, "section": 1})


def search_response(
    request: HttpRequest, list_name: str, query: str, section: str, status: int
) -> HttpResponse:
    """The search page of ``query`` holding ``section`` (the results, drawn and escaped)."""
    context = {"list_name": list_name, "results": _Slots(query), "section": section}
    values = {"title": query, "section": section}
    return _FRAMES.response(request, list_name, context, values, status)


def warm_frames(list_names: list[str]) -> None:
    """Cut the frames of these lists now (a worker's warm-up), and their search boxes."""
    for name in list_names:
        _FRAMES.frame(name)
        search_form(name)
