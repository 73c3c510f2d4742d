# The patch page's work done once at ingest: revisions paired (reviews.pairmemo) and
# large diffs coloured (reviews.diffcolours); both tables filled for the archive as it is.
from django.db import migrations, models


def pair_stored_revisions(apps, schema_editor) -> None:  # type: ignore[no-untyped-def]
    # Written with SQL only, by the module ingest uses: every revision that has another.
    from reviews.pairmemo import store_pairings

    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT id FROM reviews_series WHERE lineage_id IS NOT NULL"
            " UNION SELECT lineage_id FROM reviews_series WHERE lineage_id IS NOT NULL"
        )
        ids = sorted(row[0] for row in cursor.fetchall())
    for at in range(0, len(ids), 500):
        store_pairings(ids[at : at + 500])


def colour_stored_diffs(apps, schema_editor) -> None:  # type: ignore[no-untyped-def]
    from reviews.diffcolours import colour_patches

    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT message_id FROM reviews_patch WHERE length(diff) > 4000")
        ids = sorted(row[0] for row in cursor.fetchall())
    for at in range(0, len(ids), 200):
        colour_patches(ids[at : at + 200])


class Migration(migrations.Migration):
    dependencies = [
        ("reviews", "0018_first_view"),
    ]

    operations = [
        migrations.CreateModel(
            name="RevisionPairing",
            fields=[
                ("key", models.CharField(max_length=40, primary_key=True, serialize=False)),
                ("pairs", models.JSONField()),
            ],
        ),
        migrations.RunPython(pair_stored_revisions, migrations.RunPython.noop),
        migrations.CreateModel(
            name="ColouredDiff",
            fields=[
                ("patch_id", models.BigIntegerField(primary_key=True, serialize=False)),
                ("made_for", models.CharField(max_length=40)),
                ("hunks", models.JSONField()),
            ],
        ),
        migrations.RunPython(colour_stored_diffs, migrations.RunPython.noop),
    ]
