# SPDX-License-Identifier: AGPL-3.0-or-later
"""An API patch detail in three round trips, its links right (issue 18)."""

from __future__ import annotations

from archive.prepared import forget_all
from tests.api.conftest import V1_PATCH1, patch_id


def test_patch_detail_round_trips(api, toy, django_assert_max_num_queries) -> None:
    pk = patch_id(V1_PATCH1)
    # The anonymous count; the patch with its project, list and combined check state.
    with django_assert_max_num_queries(2):
        detail = api.get(f"/api/1.3/patches/{pk}/").json()
    assert detail["web_url"] == f"http://testserver/project/toy-rtc/patch/{V1_PATCH1}/"
    assert detail["mbox"] == f"http://testserver/project/toy-rtc/patch/{V1_PATCH1}/mbox/"
    assert detail["list_archive_url"].startswith("http://testserver/")
    assert detail["project"]["link_name"] == "toy-rtc"


def test_combined_check_state_in_detail_and_list(api, toy, accounts) -> None:
    """Patchwork's ``check``: the worst of each context's latest result, pending when none."""
    from reviews import services
    from reviews.models import Patch, combined_check_state

    pk = patch_id(V1_PATCH1)
    assert api.get(f"/api/patches/{pk}/").json()["check"] == "pending"
    patch = Patch.objects.get(pk=pk)
    toy.check_reporters.add(accounts.other)
    for context, state in [("ci/build", "fail"), ("ci/lint", "warning"), ("ci/build", "success")]:
        services.create_check(accounts.other, patch, state=state, context=context)
    # ci/build's later success replaces its fail: the worst latest is lint's warning.
    assert combined_check_state(patch.checks.all()) == "warning"
    assert api.get(f"/api/patches/{pk}/").json()["check"] == "warning"
    listed = {p["id"]: p["check"] for p in api.get("/api/patches/?per_page=250").json()}
    assert listed[pk] == "warning"


def test_patch_key_beyond_bigint_is_not_found(api, toy) -> None:
    # PostgreSQL refuses such a key as a parameter: the answer is a 404, not a 500.
    for key in (2**63 - 1, 2**63, 10**30):
        answer = api.get(f"/api/1.3/patches/{key}/")
        assert answer.status_code == 404
        assert answer.json() == {"detail": "No Patch matches the given query."}


def test_worker_warm_up_prepares_the_detail_statement(db) -> None:
    from django.conf import settings
    from django.db import connection
    from django.utils.module_loading import import_string

    forget_all(connection)
    assert "reviews.warmup.warm_api_patch" in settings.THREADWORK_WORKER_WARM_UP
    import_string("reviews.warmup.warm_api_patch")()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_prepared_statements WHERE name = 'threadwork_api_patch'"
        )
        assert cursor.fetchone() == (1,)


def test_delegated_patch_detail_in_the_same_round_trips(
    api, toy, accounts, django_assert_max_num_queries
) -> None:
    """The delegate is joined to the detail's one statement, as the list's prefetch
    gives it: the same object, and no query more."""
    from reviews.models import Patch

    pk = patch_id(V1_PATCH1)
    Patch.objects.filter(pk=pk).update(delegate=accounts.maintainer)
    with django_assert_max_num_queries(2):
        detail = api.get(f"/api/1.3/patches/{pk}/").json()
    listed = {p["id"]: p for p in api.get("/api/1.3/patches/?per_page=250").json()}
    assert detail["delegate"]["username"] == "carol"
    assert detail["delegate"] == listed[pk]["delegate"]
    undelegated = next(p for p in listed.values() if p["id"] != pk)
    assert api.get(f"/api/1.3/patches/{undelegated['id']}/").json()["delegate"] is None
