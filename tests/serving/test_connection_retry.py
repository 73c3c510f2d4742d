# SPDX-License-Identifier: AGPL-3.0-or-later
"""A read whose persistent connection died while idle is run once more (issue 18).

Without ``CONN_HEALTH_CHECKS`` (a ``SELECT 1`` before every request's first
query) a connection left idle across a database restart fails its first
query: ``DatabaseUnavailableMiddleware`` then runs a GET or HEAD once more on
a new connection, and answers 503 only when that fails too. Writes are never
repeated. (tests/faults/test_database_down.py restarts a real server.)
"""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import OperationalError
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory

from config.middleware import DatabaseUnavailableMiddleware

# The middleware looks at every open connection (is it still usable?). In a
# worker whose earlier tests opened one that is database access, so it is
# allowed here; outside a test transaction, as a request runs.
pytestmark = pytest.mark.django_db(transaction=True)


def _serve(method: str, failures: int) -> tuple[int, int]:
    """Run the middleware around a view that fails ``failures`` times: (status, calls)."""
    calls = 0
    middleware: DatabaseUnavailableMiddleware

    def view(request: HttpRequest) -> HttpResponse:
        nonlocal calls
        calls += 1
        if calls <= failures:  # as Django's handler does with a view's exception
            response = middleware.process_exception(request, OperationalError("server closed"))
            assert response is not None
            return response
        return HttpResponse("page")

    middleware = DatabaseUnavailableMiddleware(view)
    request = getattr(RequestFactory(), method.lower())("/linux-rtc/x@y/")
    return middleware(request).status_code, calls


@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_a_read_is_run_once_more_on_a_new_connection(method: str) -> None:
    assert _serve(method, failures=1) == (200, 2)


def test_a_read_that_fails_twice_answers_503() -> None:
    assert _serve("GET", failures=2) == (503, 2)


def test_a_write_is_never_repeated() -> None:
    assert _serve("POST", failures=1) == (503, 1)


def test_no_select_1_before_every_request() -> None:
    database: dict[str, object] = settings.DATABASES["default"]
    assert database["CONN_HEALTH_CHECKS"] is False
    assert isinstance(database["CONN_MAX_AGE"], int) and database["CONN_MAX_AGE"] >= 60
