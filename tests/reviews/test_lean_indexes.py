"""The busiest tables keep no index another index already covers, and new
replies are not updated right after their insert (#21, fifth cut)."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.db import connection

from reviews.models import Comment

SERIES = Path(__file__).resolve().parent.parent / "data" / "series"

# Written by every ingest batch: each index costs disk and writer time, and
# the patch rows' indexes are written again by each of their updates.
BUSY_TABLES = [
    "archive_message",
    "archive_messagelist",
    "reviews_patch",
    "reviews_comment",
    "reviews_trailer",
    "reviews_series",
    "reviews_seriesreference",
    "reviews_event",
]

# A plain btree index whose key columns begin another btree index's key
# columns on the same table: any lookup it answers, the other answers too.
_COVERED_SQL = """
WITH ix AS (
    SELECT x.indrelid, x.indexrelid, x.indisunique, x.indnkeyatts,
        x.indkey::int2[] AS keys, x.indpred IS NOT NULL AS partial,
        x.indexprs IS NOT NULL AS expr, am.amname
    FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_am am ON am.oid = i.relam
    WHERE x.indrelid = ANY(%s::regclass[])
)
SELECT a.indexrelid::regclass::text, b.indexrelid::regclass::text
FROM ix a JOIN ix b ON b.indrelid = a.indrelid AND b.indexrelid <> a.indexrelid
WHERE a.amname = 'btree' AND b.amname = 'btree' AND NOT a.indisunique
    AND NOT a.partial AND NOT b.partial AND NOT a.expr AND NOT b.expr
    AND b.indnkeyatts >= a.indnkeyatts
    AND (a.keys)[0:a.indnkeyatts - 1] = (b.keys)[0:a.indnkeyatts - 1]
ORDER BY 1, 2
"""


@pytest.mark.django_db
def test_no_index_on_the_busy_tables_is_covered_by_another():
    with connection.cursor() as cursor:
        cursor.execute(_COVERED_SQL, [BUSY_TABLES])
        covered = cursor.fetchall()
    assert covered == []


@pytest.mark.django_db
def test_message_id_lookups_and_prefix_search_share_one_unique_index():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexrelid::regclass::text FROM pg_index"
            " WHERE indrelid = 'archive_message'::regclass"
            " AND indnatts = 1 AND indkey[0] = (SELECT attnum FROM pg_attribute"
            " WHERE attrelid = 'archive_message'::regclass AND attname = 'msgid')"
        )
        assert [row[0] for row in cursor.fetchall()] == ["message_msgid_unique"]
        cursor.execute("SET LOCAL enable_seqscan = off")
        for where in ("msgid = 'a@example.org'", "msgid LIKE 'a@exa%%'"):
            cursor.execute(f"EXPLAIN SELECT id FROM archive_message WHERE {where}")
            plan = "\n".join(row[0] for row in cursor.fetchall())
            assert "message_msgid_unique" in plan, plan


@pytest.mark.django_db
def test_new_replies_go_in_with_their_cues_and_are_not_updated(ingest_file):
    ingest_file(SERIES / "reply-to-reply-reviewed.mbox")
    comments = list(Comment.objects.values_list("message_id", "cues"))
    assert comments
    assert all(cues is not None for _, cues in comments)
    with connection.cursor() as cursor:
        # This test's transaction's own counts: the rows went in, none was rewritten.
        cursor.execute(
            "SELECT n_tup_ins, n_tup_upd FROM pg_stat_xact_user_tables"
            " WHERE relname = 'reviews_comment'"
        )
        inserted, updated = cursor.fetchone()
    assert inserted >= len(comments)
    assert updated == 0
