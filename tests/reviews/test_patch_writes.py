# SPDX-License-Identifier: AGPL-3.0-or-later
"""A new patch's row is written once more in its batch, not once per derived value (#21).

Every column a batch derives for a patch (its counts, its turn) is in some
index, so each update is a new row version with an entry in every index,
none of which can be cleaned while the batch's transaction is open: ingest
stores the counts with the turn, in one update (``derived.changed_counts``).
"""

from __future__ import annotations

import pytest
from django.db import connection

from reviews.models import Patch
from tests.conftest import DATA

pytestmark = pytest.mark.django_db

SERIES = DATA / "series"


def _counted() -> tuple[int, int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT n_tup_ins, n_tup_upd FROM pg_stat_xact_user_tables"
            " WHERE relname = 'reviews_patch'"
        )
        return cursor.fetchone()


def _patch_writes(path) -> tuple[int, int]:
    """Rows inserted and updated in reviews_patch while ``path`` is ingested.

    PostgreSQL's "current transaction" counters read what this backend has not
    yet sent to the statistics system, which can still hold an earlier test's
    rolled-back writes (seen in the full suite: 6 and 7 for 2 and 2); inside
    the test's open transaction nothing is sent, so the ingest's own writes are
    the difference.
    """
    from archive.ingest import ingest
    from archive.sources import iter_source

    ins, upd = _counted()
    ingest(iter_source(str(path)), workers=1)
    after = _counted()
    return after[0] - ins, after[1] - upd


def test_an_acked_patch_is_updated_once_with_its_counts_and_turn() -> None:
    # A cover letter, its two patches and an ack of the cover, in one batch.
    assert _patch_writes(SERIES / "cover-letter-acked.mbox") == (2, 2)
    rows = Patch.objects.order_by("id").values_list("acked", "reviewed", "tested", "turn")
    assert [row[:3] for row in rows] == [(1, 0, 0), (1, 0, 0)]
    assert all(row[3] for row in rows)


def test_a_later_ack_updates_the_count_and_turn_in_one_version() -> None:
    ins, upd = _patch_writes(SERIES / "reply-to-reply-reviewed.mbox")
    assert Patch.objects.filter(reviewed=1).count() == 1
    assert upd <= ins  # one update a patch at most in a single batch
