"""A visitor's search counted by the statement the page runs anyway (archive.browse,
archive.searchresults, throttle.counters.TALLY_CTE): one round trip for the count
and the page, and nothing searched past the rate."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from archive.prepared import GENERIC_PLAN, forget_all
from tests.conftest import DATA
from throttle import counters

KEY = "anon:search:127.0.0.1"


@pytest.fixture
def limited(settings, ingest_file) -> Client:
    for path in sorted((DATA / "search").glob("*.eml")):
        ingest_file(path)
    settings.THREADWORK_ANON_RATES = {**settings.THREADWORK_ANON_RATES, "search": "3/minute"}
    cache.clear()
    counters.clear(KEY)
    return Client(REMOTE_ADDR="127.0.0.1")


def _sent(client: Client, query: str) -> tuple[int, list[str]]:
    with CaptureQueriesContext(connection) as context:
        response = client.get("/srch/", {"q": query})
    # Besides finding the list by its name, as every page of a list does.
    sent = [q["sql"] for q in context.captured_queries if '"archive_mailinglist"' not in q["sql"]]
    # Preparing a shape, or letting go of the one used least lately, is the connection's.
    kinds = [sql.removeprefix(GENERIC_PLAN).split()[0] for sql in sent]
    return response.status_code, [kind for kind in kinds if kind not in ("PREPARE", "DEALLOCATE")]


def test_a_first_search_is_counted_by_its_page_statement(limited: Client) -> None:
    assert _sent(limited, "alarm") == (200, ["EXECUTE"])
    assert counters.current(KEY) == 1
    # The same page again: the count and the archive's stamp in one statement.
    assert _sent(limited, "alarm") == (200, ["WITH"])
    assert counters.current(KEY) == 2


def test_past_the_rate_nothing_is_searched_nor_kept(limited: Client, monkeypatch) -> None:
    from archive import searchresults

    for query in ("alarm", "kumquat", "s:alarm"):
        assert limited.get("/srch/", {"q": query}).status_code == 200
    drawn: list[int] = []
    real_hit = searchresults._hit
    monkeypatch.setattr(searchresults, "_hit", lambda *a: drawn.append(1) or real_hit(*a))
    refused = limited.get("/srch/", {"q": "b:kumquat"})  # cold: counted by the page statement
    assert refused.status_code == 429 and refused["Retry-After"]
    assert refused.content.decode().startswith("Too many searches from your address")
    assert drawn == []
    assert limited.get("/srch/", {"q": "alarm"}).status_code == 429  # warm: by the stamp's
    assert counters.current(KEY) == 5
    counters.clear(KEY)
    page = limited.get("/srch/", {"q": "b:kumquat"})  # the refused page was not kept empty
    assert page.status_code == 200 and b"1 result," in page.content
    assert drawn


def test_a_query_that_cannot_be_read_is_counted_too(limited: Client) -> None:
    response = limited.get("/srch/", {"q": "(alarm"})
    assert response.status_code == 400
    assert counters.current(KEY) == 1


def test_logged_in_users_are_not_counted(limited: Client, django_user_model) -> None:
    limited.force_login(django_user_model.objects.create_user("reader", "", "pw"))
    for _ in range(5):
        assert limited.get("/srch/", {"q": "alarm"}).status_code == 200
    assert counters.current(KEY) == 0


def test_a_counted_first_search_after_the_warm_up_prepares_nothing(limited: Client) -> None:
    """The counting shapes are prepared by a worker's warm-up too (searchresults.prepare_shapes)."""
    from config.warmup import warm_worker

    forget_all(connection)
    warm_worker()
    cache.clear()
    for query in ("s:alarm", "b:kumquat", "kumquat"):
        with CaptureQueriesContext(connection) as context:
            assert limited.get("/srch/", {"q": query}).status_code == 200
        sent = [q["sql"].split()[0] for q in context.captured_queries]
        assert "PREPARE" not in sent, (query, sent)
