# Patch page first view (#16): long replies to patches rendered once (reviews.renderedmail),
# filled for the archive as it is.
from django.db import migrations, models


def render_stored_replies(apps, schema_editor) -> None:  # type: ignore[no-untyped-def]
    # Written with SQL only, by the module ingest uses: every thread with a comment.
    from reviews.renderedmail import store_threads

    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT m.thread_id FROM archive_message m"
            " JOIN reviews_comment c ON c.message_id = m.id"
            " WHERE m.thread_id IS NOT NULL ORDER BY 1"
        )
        ids = [row[0] for row in cursor.fetchall()]
    for at in range(0, len(ids), 200):
        store_threads(ids[at : at + 200])


class Migration(migrations.Migration):
    dependencies = [
        ("reviews", "0023_ingest_speed"),
    ]

    operations = [
        migrations.CreateModel(
            name="RenderedMail",
            fields=[
                ("message_id", models.BigIntegerField(primary_key=True, serialize=False)),
                ("made_for", models.CharField(max_length=40)),
                ("html", models.BinaryField()),
            ],
        ),
        migrations.RunPython(render_stored_replies, migrations.RunPython.noop),
    ]
