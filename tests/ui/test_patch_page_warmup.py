"""A worker's warm-up prepares and plans the patch page's reads, not only its key."""

from __future__ import annotations

from django.db import connection

from archive.prepared import forget_all

PAGE_READS = (
    "threadwork_patch_page",
    "threadwork_discussion",
    "threadwork_trailers",
    "threadwork_series_navigation",
    "threadwork_revisions",
    "threadwork_lineage",
    "threadwork_pairings",
    "threadwork_answered_replies",
    "threadwork_patch_lineage",
)


def test_warm_up_prepares_the_patch_pages_reads(seed, client) -> None:  # type: ignore[no-untyped-def]
    from django.utils.module_loading import import_string

    from tests.ui.conftest import SEED_URL

    forget_all(connection)
    import_string("reviews.warmup.warm_patch_page")()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name, generic_plans + custom_plans FROM pg_prepared_statements"
            " WHERE name = ANY(%s)",
            [list(PAGE_READS)],
        )
        runs = dict(cursor.fetchall())
    assert set(runs) == set(PAGE_READS)
    assert all(n >= 6 for n in runs.values())  # past the five custom plans of a new statement
    # The page then prepares none of them again, and is found as before.
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert client.get(SEED_URL).status_code == 200
    prepared = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("PREPARE ")]
    assert not [s for s in prepared if s.split()[1] in PAGE_READS]
