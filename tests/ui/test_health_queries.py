# SPDX-License-Identifier: AGPL-3.0-or-later
"""The review-health page costs the same number of queries at 10 and at 1,000 patches."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext


@pytest.mark.parametrize("n", [10, 1000])
def test_health_queries_do_not_grow_with_the_patches(make_patches, client, n):
    from reviews.health.store import rebuild_all
    from reviews.turnstore import refresh_patches

    patches = make_patches(n)
    # The fixture writes rows directly; derive what ingest would (first replies,
    # the stored health counts).
    refresh_patches([p.id for p in patches])
    rebuild_all()
    counts = []
    for url in ("/project/test/health/", "/project/test/health/", "/project/test/health.json"):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        # The statements are prepared per connection: the first use of each on the
        # test's connection also sends its PREPARE, not counted (a worker's are made).
        counts.append(sum(not q["sql"].startswith("PREPARE ") for q in queries.captured_queries))
    # Cold: the project with its stamp, then four measures; warm: the project only.
    assert counts == [5, 1, 1]
    data = client.get("/project/test/health.json").json()
    # Each patch has one reply from the reviewer, 30 seconds after it.
    assert sum(m["answered"] for m in data["first_reply"]) == n
    assert data["reviewers"]["people"][0]["replies"] == n
    assert data["reviewers"]["people"][0]["reviewed_by"] == n
