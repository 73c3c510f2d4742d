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


def _patch_writes() -> tuple[int, int]:
    """Rows inserted and updated in reviews_patch by this test's transaction."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT n_tup_ins, n_tup_upd FROM pg_stat_xact_user_tables"
            " WHERE relname = 'reviews_patch'"
        )
        return cursor.fetchone()


def test_an_acked_patch_is_updated_once_with_its_counts_and_turn(ingest_file) -> None:
    # A cover letter, its two patches and an ack of the cover, in one batch.
    ingest_file(SERIES / "cover-letter-acked.mbox")
    assert _patch_writes() == (2, 2)
    rows = Patch.objects.order_by("id").values_list("acked", "reviewed", "tested", "turn")
    assert [row[:3] for row in rows] == [(1, 0, 0), (1, 0, 0)]
    assert all(row[3] for row in rows)


def test_a_later_ack_updates_the_count_and_turn_in_one_version(ingest_file) -> None:
    ingest_file(SERIES / "reply-to-reply-reviewed.mbox")
    ins, upd = _patch_writes()
    assert Patch.objects.filter(reviewed=1).count() == 1
    assert upd <= ins  # one update a patch at most in a single batch
