from django.db import migrations

# Compressing big values with PostgreSQL's default pglz was the largest single
# cost of ingest inside the database (about 7 of 15 CPU-seconds for
# linux-rtc: 150 MB of raw mail, bodies, headers and search vectors). lz4 is
# several times faster; where the server is built without it, the values are
# stored uncompressed, out of line, trading disk space for ingest speed.
COLUMNS = [
    ("archive_rawmail", "data"),
    ("archive_message", "body"),
    ("archive_message", "headers"),
    ("archive_message", "search"),
]


def _sql(action: str) -> str:
    return "\n".join(f"ALTER TABLE {t} ALTER COLUMN {c} SET {action};" for t, c in COLUMNS)


FORWARD = f"""
DO $$
BEGIN
{_sql("COMPRESSION lz4")}
EXCEPTION WHEN feature_not_supported THEN
{_sql("STORAGE EXTERNAL")}
END $$;
"""
BACKWARD = _sql("STORAGE EXTENDED") + "\n" + _sql("COMPRESSION DEFAULT")


class Migration(migrations.Migration):
    dependencies = [("archive", "0003_subject_search")]
    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
