# Review health, stored (reviews.health.store): where each patch counts, the
# counts by day and by month, and replies by sender, filled from what is stored.
import django.contrib.postgres.fields
import django.db.models.deletion
from django.db import migrations, models


def _count(apps, schema_editor):
    from reviews.health.store import rebuild_all

    rebuild_all()


class Migration(migrations.Migration):
    dependencies = [
        ("reviews", "0016_queue_speed"),
    ]

    operations = [
        migrations.CreateModel(
            name="HealthPatch",
            fields=[
                ("patch_id", models.BigIntegerField(primary_key=True, serialize=False)),
                ("arrived", models.DateField()),
                ("decided", models.DateField(null=True)),
                ("kind", models.CharField(blank=True, max_length=16)),
                ("applied", models.DateField(null=True)),
                ("reviewed", models.BooleanField(default=False)),
                (
                    "project",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="reviews.project",
                    ),
                ),
            ],
        ),
        migrations.CreateModel(
            name="HealthDay",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("day", models.DateField()),
                ("arrived", models.IntegerField(default=0)),
                ("accepted", models.IntegerField(default=0)),
                ("rejected", models.IntegerField(default=0)),
                ("superseded", models.IntegerField(default=0)),
                ("other", models.IntegerField(default=0)),
                ("by_mail", models.IntegerField(default=0)),
                ("reviewed", models.IntegerField(default=0)),
                ("open", models.IntegerField(default=0)),
                (
                    "project",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="reviews.project",
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(fields=("project", "day"), name="health_day_unique")
                ],
            },
        ),
        migrations.CreateModel(
            name="HealthMonth",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("month", models.DateField()),
                ("patches", models.IntegerField()),
                ("answered", models.IntegerField()),
                ("median_hours", models.FloatField(null=True)),
                ("p90_hours", models.FloatField(null=True)),
                ("late", models.IntegerField()),
                (
                    "project",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="reviews.project",
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(fields=("project", "month"), name="health_month_unique")
                ],
            },
        ),
        migrations.CreateModel(
            name="HealthReplies",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("author_id", models.BigIntegerField()),
                (
                    "owners",
                    django.contrib.postgres.fields.ArrayField(
                        base_field=models.BigIntegerField(), size=None
                    ),
                ),
                ("replies", models.IntegerField(default=0)),
                ("reviewed", models.IntegerField(default=0)),
                ("acked", models.IntegerField(default=0)),
                ("tested", models.IntegerField(default=0)),
                (
                    "project",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="reviews.project",
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("project", "author_id", "owners"), name="health_replies_unique"
                    )
                ],
            },
        ),
        migrations.RunPython(_count, migrations.RunPython.noop),
    ]
