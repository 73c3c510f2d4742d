"""Search statements of words PostgreSQL keeps no statistics of run on one generic plan
from their first run (archive.search ``Compiled.plan_free``, archive.searchresults,
archive.prepared ``generic``); the others are left to PostgreSQL's choice."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection

from archive.browse import search_page
from archive.prepared import forget_all
from archive.search import compile_query, parse_query
from tests.conftest import DATA


@pytest.mark.parametrize(
    ("text", "plan_free"),
    [
        ("s:alarm", True),
        ("b:interrupt", True),
        ("b:rtc_class_ops", True),  # an identifier: the exact terms' vector
        ("f:ann@example.org b:probe -dfn:Kconfig", True),
        ('nq:"wake up" OR q:alarm', True),
        ("alarm", False),  # a bare word searches the header vector too, which has statistics
        ("s:alarm d:2024-01-01..", False),  # a date range's rows depend on its dates
        ("b:alarm l:rtc", False),
    ],
)
def test_which_queries_are_plan_free(text: str, plan_free: bool) -> None:
    assert compile_query(parse_query(text)).plan_free is plan_free


@pytest.fixture
def searchable(ingest_file) -> None:
    for path in sorted((DATA / "search").glob("*.eml")):
        ingest_file(path)
    forget_all(connection)
    cache.clear()


def _plans() -> dict[str, tuple[int, int]]:
    """The search statements this connection holds: (generic, custom) plans run."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name, generic_plans, custom_plans FROM pg_prepared_statements"
            " WHERE name LIKE 'threadwork_search_%'"
        )
        return {name: (generic, custom) for name, generic, custom in cursor.fetchall()}


def _plan_cache_mode() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW plan_cache_mode")
        return cursor.fetchone()[0]


@pytest.mark.django_db
def test_a_plan_free_search_runs_its_generic_plan_from_the_first_run(searchable) -> None:
    page = search_page("s:alarm", None, 1, by_relevance=False)
    assert page.hits  # the fixture's mail says alarm in its subject
    assert list(_plans().values()) == [(1, 0)]
    # Set for that statement alone, here inside the test's transaction too.
    assert _plan_cache_mode() == "auto"
    cache.clear()
    search_page("s:wakeup", None, 1, by_relevance=False)  # the same shape
    assert list(_plans().values()) == [(2, 0)]


@pytest.mark.django_db
def test_a_search_with_statistics_is_left_to_postgresql(searchable) -> None:
    search_page("alarm", None, 1, by_relevance=False)
    assert list(_plans().values()) == [(0, 1)]  # its first runs are planned for their words
    assert _plan_cache_mode() == "auto"
