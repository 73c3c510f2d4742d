# Search (#18): the subject index keeps no planner statistics, as the body vector
# has none (archive 0016, archive/searchresults.py). With them PostgreSQL knew a
# common subject word's thousands of matches and read them in a hash join that
# hashed all of them and scanned the list table, even where the page needed the
# first thousand (s:mediatek at ten times linux-rtc: 27 ms against 12 without).
# ANALYZE skips an index column whose target is 0 but keeps what it gathered
# before, so the index is built again, concurrently, with no statistics, and
# takes the old one's name.
from django.db import migrations

EXPRESSION = "gin ((ts_filter(header_search, '{a}')))"

FORWARD = [
    "DROP INDEX CONCURRENTLY IF EXISTS message_subject_gin_bare",
    f"CREATE INDEX CONCURRENTLY message_subject_gin_bare ON archive_message USING {EXPRESSION}",
    "ALTER INDEX message_subject_gin_bare ALTER COLUMN 1 SET STATISTICS 0",
    "DROP INDEX CONCURRENTLY message_subject_gin",
    "ALTER INDEX message_subject_gin_bare RENAME TO message_subject_gin",
]
# Statistics come back with the next ANALYZE.
BACKWARD = ["ALTER INDEX message_subject_gin ALTER COLUMN 1 SET STATISTICS -1"]


class Migration(migrations.Migration):
    atomic = False  # the index is built concurrently
    dependencies = [
        ("archive", "0033_search_tier"),
    ]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
