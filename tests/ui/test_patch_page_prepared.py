"""The patch page's key query (#18): one statement, prepared once per connection,
giving the same patch, joined rows and annotations as the ORM does."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from archive.prepared import forget_all
from reviews.models import Patch
from reviews.pages.patch import _patch_queryset, find_patch
from tests.ui.conftest import SEED_MSGID, SEED_URL


def _statements(url: str, client) -> list[str]:  # type: ignore[no-untyped-def]
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return [q["sql"] for q in queries.captured_queries]


def test_found_patch_is_the_orm_one(seed) -> None:  # type: ignore[no-untyped-def]
    patch = find_patch("linux-mm", SEED_MSGID)
    expected = _patch_queryset("linux-mm", SEED_MSGID).get()
    assert patch.id == expected.id and patch.stamp == expected.stamp
    assert patch.check_state == expected.check_state
    # The joined rows are loaded with it, not read again.
    with CaptureQueriesContext(connection) as queries:
        assert patch.series.name == expected.series.name
        # The cover letter (none here) is joined too: knowing it is absent costs no query.
        assert hasattr(patch.series, "cover") == hasattr(expected.series, "cover")
        assert patch.submitter.email == expected.submitter.email
        assert patch.project.mailing_list.name == expected.project.mailing_list.name
        assert patch.message.subject == expected.message.subject
        assert patch.state.name == expected.state.name
    assert not queries.captured_queries
    assert "body" in patch.message.get_deferred_fields()  # the light columns stay unread


def test_unknown_patch_or_project_is_not_found(seed) -> None:  # type: ignore[no-untyped-def]
    from django.http import Http404

    for link, msgid in (("linux-mm", "nope@example.org"), ("other", SEED_MSGID)):
        with pytest.raises(Http404):
            find_patch(link, msgid)
    # A visitor's value is a parameter, whatever it holds.
    with pytest.raises(Http404):
        find_patch("linux-mm", "\ue000link_name\ue000")


def test_key_prepared_once_per_connection(seed, client) -> None:  # type: ignore[no-untyped-def]
    # What a new connection holds: nothing prepared (closing it would end the test's transaction).
    forget_all(connection)
    first = _statements(SEED_URL, client)
    assert any(s.startswith("PREPARE threadwork_patch_page ") for s in first)
    again = _statements(SEED_URL, client)
    assert not any(s.startswith("PREPARE threadwork_patch_page ") for s in again)
    assert any(s.startswith("EXECUTE threadwork_patch_page(") for s in again)
    assert Patch.objects.filter(message__msgid=SEED_MSGID).exists()


def test_worker_warm_up_prepares_the_key(db) -> None:  # type: ignore[no-untyped-def]
    from django.conf import settings
    from django.utils.module_loading import import_string

    forget_all(connection)
    assert "reviews.warmup.warm_patch_page" in settings.THREADWORK_WORKER_WARM_UP
    import_string("reviews.warmup.warm_patch_page")()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE name = %s",
                       ["threadwork_patch_page"])  # fmt: skip
        assert cursor.fetchone() == (1,)
        # Planned until PostgreSQL keeps one plan: the first visitors plan nothing.
        cursor.execute("SELECT generic_plans > 0 FROM pg_prepared_statements WHERE name = %s",
                       ["threadwork_patch_page"])  # fmt: skip
        assert cursor.fetchone() == (True,)
