# SPDX-License-Identifier: AGPL-3.0-or-later
"""jsonb read through a prepared statement comes back decoded by archive.prepared.jsonb."""

from __future__ import annotations

import pytest
from django.db import connection

from archive.prepared import execute_prepared, jsonb


@pytest.mark.django_db
def test_jsonb_of_a_prepared_row_is_the_stored_value() -> None:
    with connection.cursor() as cursor:
        execute_prepared(
            cursor,
            "test_jsonb_roundtrip",
            "SELECT %s::jsonb, NULL::jsonb",
            ['{"anchors": [[3, "+x"]], "n": 1.5}'],
        )
        stored, missing = cursor.fetchone()
    assert jsonb(stored) == {"anchors": [[3, "+x"]], "n": 1.5}
    assert jsonb(missing) is None
    assert jsonb(missing, []) == []


def test_jsonb_leaves_decoded_values_alone() -> None:
    already = [[1, 2, "same"]]
    assert jsonb(already) is already
    assert jsonb("null", []) is None  # SQL NULL only gets the default, not JSON null
