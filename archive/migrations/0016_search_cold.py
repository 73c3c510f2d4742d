# The body vector keeps no planner statistics (archive/searchresults.py says
# why): without them PostgreSQL takes every body word as rare and reads it
# through the GIN index's bitmap, never by decompressing vectors row by row.
# ANALYZE skips a column whose statistics target is 0 but keeps what it
# gathered before; a type change to the same type forgets that (no rewrite:
# the table and its indexes stay as they are).
from django.db import migrations

FORWARD = """
ALTER TABLE archive_message ALTER COLUMN search TYPE tsvector;
ALTER TABLE archive_message ALTER COLUMN search SET STATISTICS 0;
"""
# Statistics come back with the next ANALYZE (autovacuum's, or an import's).
BACKWARD = "ALTER TABLE archive_message ALTER COLUMN search SET STATISTICS -1;"


class Migration(migrations.Migration):
    dependencies = [
        ("archive", "0015_ingest_growth"),
    ]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
