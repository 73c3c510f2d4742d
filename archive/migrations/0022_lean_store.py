# Disk footprint, fifth cut (#21): indexes that another index already covers.
#
# - Message-IDs: one unique index with text_pattern_ops instead of the unique
#   constraint plus Django's pattern (``_like``) index beside it. Its equality
#   is text's own (lookups by id, ``= ANY``, ON CONFLICT (msgid)), and it also
#   answers ``m:prefix*`` (LIKE), which the default opclass cannot under this
#   database's C.UTF-8 collation. The new index is built before the old two
#   are dropped, so the column is never without a unique index.
# - The ``thread`` and ``mailing_list`` keys' own indexes: ``message_thread_date``
#   and ``message_list_unique`` lead with them. Only the indexes are dropped
#   (Django's AlterField would also drop and re-check the foreign keys).
#
# Cost: one index build over archive_message, under a lock that stops writes
# to it (stop ingest, as the README says); the rest are drops.
import django.db.models.deletion
from django.db import migrations, models

_DROP = """
DROP INDEX IF EXISTS archive_message_thread_id_842ee020;
DROP INDEX IF EXISTS archive_messagelist_mailing_list_id_488d791f;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("archive", "0021_search_cold"),
    ]

    operations = [
        migrations.AddConstraint(
            model_name="message",
            constraint=models.UniqueConstraint(
                fields=("msgid",), name="message_msgid_unique", opclasses=["text_pattern_ops"]
            ),
        ),
        migrations.AlterField(
            model_name="message",
            name="msgid",
            field=models.TextField(),
        ),
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunSQL(_DROP, migrations.RunSQL.noop)],
            state_operations=[
                migrations.AlterField(
                    model_name="message",
                    name="thread",
                    field=models.ForeignKey(
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="messages",
                        to="archive.thread",
                    ),
                ),
                migrations.AlterField(
                    model_name="messagelist",
                    name="mailing_list",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        to="archive.mailinglist",
                    ),
                ),
            ],
        ),
    ]
