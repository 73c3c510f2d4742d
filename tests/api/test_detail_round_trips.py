# SPDX-License-Identifier: AGPL-3.0-or-later
"""An API patch detail in three round trips, its links right (issue 18)."""

from __future__ import annotations

from tests.api.conftest import V1_PATCH1, patch_id


def test_patch_detail_round_trips(api, toy, django_assert_max_num_queries) -> None:
    pk = patch_id(V1_PATCH1)
    # The anonymous count, the patch with its project and list, its checks.
    with django_assert_max_num_queries(3):
        detail = api.get(f"/api/1.3/patches/{pk}/").json()
    assert detail["web_url"] == f"http://testserver/project/toy-rtc/patch/{V1_PATCH1}/"
    assert detail["mbox"] == f"http://testserver/project/toy-rtc/patch/{V1_PATCH1}/mbox/"
    assert detail["list_archive_url"].startswith("http://testserver/")
    assert detail["project"]["link_name"] == "toy-rtc"
