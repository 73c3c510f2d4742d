# Search (#18): the newest messages get search indexes of their own
# (archive.searchtier), so a common word's first page no longer reads its whole
# posting list. The table names the tier; an archive large enough for one gets
# its first tier here, built concurrently (pages and ingest go on meanwhile).
from django.db import migrations, models


def build_tier(apps, schema_editor) -> None:
    from archive import searchtier

    searchtier.roll()


def drop_tier(apps, schema_editor) -> None:
    from archive import searchtier

    searchtier.drop_indexes()


class Migration(migrations.Migration):
    atomic = False  # the tier's indexes are built concurrently
    dependencies = [
        ("archive", "0032_person_email_upper"),
    ]

    operations = [
        migrations.CreateModel(
            name="SearchTier",
            fields=[
                (
                    "id",
                    models.PositiveSmallIntegerField(default=1, primary_key=True, serialize=False),
                ),
                ("since", models.DateTimeField()),
                ("built", models.DateTimeField()),
            ],
            options={
                "constraints": [
                    models.CheckConstraint(condition=models.Q(("id", 1)), name="searchtier_one_row")
                ],
            },
        ),
        migrations.RunPython(build_tier, drop_tier, elidable=True),
    ]
