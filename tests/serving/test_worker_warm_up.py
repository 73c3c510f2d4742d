# SPDX-License-Identifier: AGPL-3.0-or-later
"""A gunicorn worker opens its connection and prepares the archive's statements
before its first request (issue 18)."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from archive.prepared import GENERIC_PLAN, forget_all
from config.warmup import warm_worker


def _prepared() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM pg_prepared_statements")
        return {name for (name,) in cursor.fetchall()}


@pytest.mark.django_db
def test_the_worker_warm_up_prepares_the_archive_statements() -> None:
    forget_all(connection)
    assert not {"threadwork_message_key", "threadwork_locate_all"} & _prepared()
    warm_worker()
    assert {
        "threadwork_message_key",
        "threadwork_message_key_all",
        "threadwork_locate_all",
    } <= _prepared()


@pytest.mark.django_db
def test_a_first_search_after_the_warm_up_prepares_nothing() -> None:
    """Its statements were planned before the first visitor (archive.searchresults)."""
    from archive.browse import search_page

    forget_all(connection)
    warm_worker()
    cache.clear()
    for text in ("s:alarm", "b:interrupt", "wakeup"):
        with CaptureQueriesContext(connection) as context:
            search_page(text, None, 1, by_relevance=False)
        sent = [q["sql"].removeprefix(GENERIC_PLAN) for q in context.captured_queries]
        assert [sql.split()[0] for sql in sent] == ["EXECUTE"], text


def test_a_failing_hook_leaves_the_worker_serving(settings, caplog) -> None:
    settings.THREADWORK_WORKER_WARM_UP = ["config.no_such_module.hook"]
    warm_worker()  # logged, not raised
    assert "worker warm-up config.no_such_module.hook failed" in caplog.text


def test_a_hook_meeting_no_database_is_skipped_with_a_warning(settings, caplog) -> None:
    settings.THREADWORK_WORKER_WARM_UP = ["tests.serving.test_worker_warm_up.database_away"]
    warm_worker()  # logged as a warning, not raised
    assert "worker warm-up tests.serving.test_worker_warm_up.database_away skipped" in caplog.text
    assert all(r.levelname == "WARNING" for r in caplog.records)


def database_away() -> None:
    """A hook whose database is away: Django raises its wrapper, as a lost server does."""
    from django.db import OperationalError

    raise OperationalError("connection to server failed")
