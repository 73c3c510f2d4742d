# Raw mail compressed by the application (archive/rawcodec.py), and columns
# no query filters on left out of ANALYZE.
from django.db import migrations, models

# Each row says how its bytes are packed. The column's default is the
# uncompressed codec, so adding it rewrites nothing: rows written before stay
# readable as they are, and `manage.py compact` packs them later, in batches.
#
# ANALYZE detoasts every sampled value of a column with statistics. No query
# filters, joins or sorts on these (search uses the tsvectors, whose
# statistics stay), so their statistics cost seconds on a large archive and
# inform no plan: measured on linux-rtc's archive_message, 4.6 s -> 3.2 s.
NO_STATISTICS = [
    ("archive_message", "body"),
    ("archive_message", "headers"),
    ("archive_message", '"to"'),
    ("archive_message", "cc"),
    ("archive_message", '"references"'),
    ("archive_rawmail", "data"),
]


def _statistics(target: int) -> str:
    return "\n".join(
        f"ALTER TABLE {table} ALTER COLUMN {column} SET STATISTICS {target};"
        for table, column in NO_STATISTICS
    )


def _unpack_all(apps, schema_editor) -> None:
    """Going back: rows written packed become the mail itself again, as older code reads it."""
    from archive.rawcodec import unpack

    with schema_editor.connection.cursor() as cursor:
        while True:
            cursor.execute(
                "SELECT message_id, codec, data FROM archive_rawmail WHERE codec <> 0 LIMIT 500"
            )
            rows = cursor.fetchall()
            if not rows:
                return
            cursor.execute(
                "UPDATE archive_rawmail r SET data = v.data, codec = 0 "
                "FROM unnest(%s::bigint[], %s::bytea[]) AS v(id, data) WHERE r.message_id = v.id",
                [[r[0] for r in rows], [unpack(r[1], r[2]) for r in rows]],
            )


class Migration(migrations.Migration):
    dependencies = [
        ("archive", "0009_first_view"),
    ]

    operations: list[migrations.operations.base.Operation] = [
        # Only Python's name changes (so no reader gets packed bytes by
        # habit); the column stays "data".
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RenameField("rawmail", "data", "stored"),
                migrations.AlterField("rawmail", "stored", models.BinaryField(db_column="data")),
            ],
        ),
        migrations.AddField(
            model_name="rawmail",
            name="codec",
            field=models.PositiveSmallIntegerField(
                choices=[(0, "none"), (1, "zstd")], db_default=0, default=0
            ),
        ),
        migrations.RunPython(migrations.RunPython.noop, _unpack_all),
        # -1: the server's default_statistics_target again.
        migrations.RunSQL(_statistics(0), _statistics(-1)),
    ]
