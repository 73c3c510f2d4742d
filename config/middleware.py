"""HTTP 503 while the database is unreachable, and recovery without a restart.

When PostgreSQL stops (restart, failover, outage) every page would otherwise
end in a 500 with a traceback in the log. Instead each request that meets a
connection error gets a short 503 page with ``Retry-After``, and connections
found broken are closed at once, so the next request after the database
returns opens a fresh one rather than reusing a dead persistent connection
(``CONN_MAX_AGE``). A connection left idle across the outage is found dead
by the first query that uses it: a GET or HEAD is then run once more on a
fresh connection, so the visitor sees the page, not a 503. (Django's
``CONN_HEALTH_CHECKS`` would instead send ``SELECT 1`` before every request's
first query: a round trip on every page to save one retry after a restart.)
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable

from django.db import DatabaseError, InterfaceError, OperationalError, connections
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

__all__ = ["UNAVAILABLE", "DatabaseUnavailableMiddleware"]

UNAVAILABLE = "The archive's database is unavailable; try again in a minute."
RETRY_AFTER_SECONDS = 60

logger = logging.getLogger(__name__)


class DatabaseUnavailableMiddleware:
    """Turn connection errors raised by views (and their templates) into a 503."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if getattr(request, _RETRY, False):
            # The connection had died while idle (a database restart): once
            # more, on a new one. Reads only: a write may have been applied.
            setattr(request, _RETRY, False)
            setattr(request, _RETRIED, True)
            response = self.get_response(request)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        # OperationalError: refused, terminated or timed-out connections;
        # InterfaceError: a connection already closed under us.
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        reason = (str(exception).strip().splitlines() or [type(exception).__name__])[0]
        close_broken_connections()
        if request.method in ("GET", "HEAD") and not getattr(request, _RETRIED, False):
            logger.info("database connection lost for %s, trying again: %s", request.path, reason)
            setattr(request, _RETRY, True)
        else:
            logger.warning("database unavailable for %s: %s", request.path, reason)
        return unavailable_response()


_RETRY = "_threadwork_db_retry"
_RETRIED = "_threadwork_db_retried"


def close_broken_connections() -> None:
    """Close every connection that errored and no longer answers; keep the healthy ones."""
    for conn in connections.all(initialized_only=True):
        # Closing a dead socket may fail too; Django forgets the connection regardless.
        with contextlib.suppress(DatabaseError):
            conn.close_if_unusable_or_obsolete()


def unavailable_response() -> HttpResponse:
    # A standalone template: rendering must not need the database.
    body = render_to_string("503.html", {"message": UNAVAILABLE})
    response = HttpResponse(body, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response
