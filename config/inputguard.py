# SPDX-License-Identifier: AGPL-3.0-or-later
"""HTTP 400 for a request whose path or query string carries a NUL character.

PostgreSQL text cannot hold NUL, and no page, filter or search has a use for
one, so such a request is refused before any view sees it, with a sentence
saying why (JSON under ``/api/``). Each parser refuses NUL on its own as
well (archive.converters, archive.search, reviews.listing, the API
filters); this guard keeps a parameter added later from answering 500.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import unquote_plus

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse

__all__ = ["NUL_REFUSED", "RefuseNulMiddleware", "has_nul"]

NUL_REFUSED = "Bad request: the URL contains a NUL character (%00), which nothing here accepts."


def has_nul(request: HttpRequest) -> bool:
    """Does the decoded path, or any decoded name or value of the query string, hold NUL?"""
    query = request.META.get("QUERY_STRING", "")
    # The path arrives decoded; the query string as sent (%00, or a raw byte).
    return "\x00" in request.path_info or "\x00" in unquote_plus(query, errors="replace")


class RefuseNulMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not has_nul(request):
            return self.get_response(request)
        if request.path_info.startswith("/api/"):
            return JsonResponse({"detail": NUL_REFUSED}, status=400)
        return HttpResponseBadRequest(NUL_REFUSED + "\n", content_type="text/plain; charset=utf-8")
