# SPDX-License-Identifier: AGPL-3.0-or-later
"""Security headers on every response: HTML pages, the API, raw mail and downloads.

Everything shown here comes from mail written by strangers, so a missed
escape must not become script: the Content-Security-Policy allows scripts
and styles only from our own static files (no inline code, no ``on*=``
handlers, no ``style=`` attributes, no ``javascript:`` URLs), and the page
may not be framed. Django's SecurityMiddleware and XFrameOptionsMiddleware
set the other headers too; setting them here as well keeps them on every
response even if someone reorders or removes those.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

__all__ = ["CONTENT_SECURITY_POLICY", "SecurityHeadersMiddleware"]

_DIRECTIVES = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    # data: for the empty favicon in templates/base.html.
    "img-src": "'self' data:",
    "object-src": "'none'",
    "base-uri": "'none'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


def _policy(directives: dict[str, str]) -> str:
    return "; ".join(f"{name} {value}" for name, value in directives.items())


CONTENT_SECURITY_POLICY = _policy(_DIRECTIVES)
# DRF's browsable API (our own pages never) uses style="" attributes; it gets
# inline styles, never inline scripts.
BROWSABLE_API_POLICY = _policy({**_DIRECTIVES, "style-src": "'self' 'unsafe-inline'"})

_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}


class SecurityHeadersMiddleware:
    """Adds the CSP and the nosniff, referrer and framing headers unless a view set its own."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        renderer = getattr(response, "accepted_renderer", None)
        browsable = getattr(renderer, "format", None) == "api"
        response.headers.setdefault(
            "Content-Security-Policy",
            BROWSABLE_API_POLICY if browsable else CONTENT_SECURITY_POLICY,
        )
        for name, value in _HEADERS.items():
            response.headers.setdefault(name, value)
        return response
