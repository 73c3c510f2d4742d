# SPDX-License-Identifier: AGPL-3.0-or-later
"""A request as the middleware leaves it for a view, for tests that call views and
render templates directly: a user, a session and a message store."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.signed_cookies import SessionStore
from django.http import HttpRequest
from django.test import RequestFactory

__all__ = ["page_request"]


def page_request(path: str, user=None) -> HttpRequest:
    """A GET of ``path`` by ``user`` (a visitor not logged in when None)."""
    request = RequestFactory().get(path)
    request.user = user or AnonymousUser()
    request.session = SessionStore()
    request._messages = FallbackStorage(request)  # type: ignore[attr-defined]
    return request
