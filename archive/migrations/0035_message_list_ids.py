# Search (#18): the ids of a message's lists in its own row (Message.list_ids),
# filled in from archive_messagelist. A search within a list filtered its
# matches through a probe of the list index per match (about 2 us each, the
# larger part of counting a common word); in the row the test is a comparison.
# The default is in the database too: threads.py writes ghosts (in no list) in SQL.
# Filling it rewrites every row: the VACUUM after it makes the old versions'
# space reusable and marks the pages all-visible again (index-only scans read no heap page;
# archive.tablestats says what an empty visibility map cost searches).
import django.contrib.postgres.fields
from django.db import migrations, models

FORWARD = [
    "ALTER TABLE archive_message ADD COLUMN IF NOT EXISTS list_ids bigint[] NOT NULL DEFAULT '{}'",
    """
    UPDATE archive_message m SET list_ids = l.ids
    FROM (SELECT message_id, array_agg(mailing_list_id ORDER BY mailing_list_id) AS ids
          FROM archive_messagelist GROUP BY message_id) AS l
    WHERE l.message_id = m.id AND m.list_ids <> l.ids
    """,
    "VACUUM (ANALYZE) archive_message",
]
BACKWARD = ["ALTER TABLE archive_message DROP COLUMN list_ids"]


class Migration(migrations.Migration):
    atomic = False  # VACUUM runs outside a transaction; each statement can be run again
    dependencies = [
        ("archive", "0034_subject_no_statistics"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunSQL(FORWARD, BACKWARD)],
            state_operations=[
                migrations.AddField(
                    model_name="message",
                    name="list_ids",
                    field=django.contrib.postgres.fields.ArrayField(
                        base_field=models.BigIntegerField(), blank=True, default=list, size=None
                    ),
                ),
            ],
        ),
    ]
