# SPDX-License-Identifier: AGPL-3.0-or-later
"""Bulk changes that can be undone, and Events about mail dated by the mail (issue 17).

``ChangeSet`` groups the Events of one confirmed bulk or series-wide change.
The backfill gives the Events that ingest wrote with the import time the
date of the mail they describe, as ingest now does when it writes them:
a series completed when the last of its patches (by mail date) was posted;
a patch superseded when the later of it and the revision replacing it was;
a state or delegate from a patch's own X-Patchwork-* header, at its date.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

BACKFILL = r"""
UPDATE reviews_event e SET date = d.completed
FROM (
    SELECT s.id, (array_agg(p.date ORDER BY p.date, p.id))[greatest(s.total, 1)] AS completed
    FROM reviews_series s JOIN reviews_patch p ON p.series_id = s.id AND p.date IS NOT NULL
    GROUP BY s.id, s.total
) d
WHERE e.category = 'series-completed' AND e.actor_id IS NULL AND e.series_id = d.id
    AND d.completed IS NOT NULL;

UPDATE reviews_event e SET date = greatest(p.date, s.date)
FROM reviews_patch p, reviews_series s
WHERE e.category = 'patch-state-changed' AND e.actor_id IS NULL
    AND e.payload->>'reason' ~ '^superseded by v[0-9]+ \(series [0-9]+\)$'
    AND p.id = e.patch_id
    AND s.id = substring(e.payload->>'reason' from '\(series ([0-9]+)\)$')::bigint
    AND greatest(p.date, s.date) IS NOT NULL;

UPDATE reviews_event e SET date = p.date
FROM reviews_patch p
WHERE e.category IN ('patch-state-changed', 'patch-delegated') AND e.actor_id IS NULL
    AND e.payload->>'reason' IN ('set by the X-Patchwork-State header',
                                 'set by the X-Patchwork-Delegate header')
    AND p.id = e.patch_id AND p.date IS NOT NULL;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("reviews", "0011_review_turns"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="ChangeSet",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False,
                                           verbose_name="ID")),
                ("date", models.DateTimeField()),
                ("description", models.CharField(max_length=300)),
                ("patches", models.PositiveIntegerField(help_text="How many patches it changed.")),
                ("actor", models.ForeignKey(
                    blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL,
                    related_name="+", to=settings.AUTH_USER_MODEL)),
                ("project", models.ForeignKey(
                    on_delete=django.db.models.deletion.CASCADE, related_name="change_sets",
                    to="reviews.project")),
                ("undone_by", models.OneToOneField(
                    blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL,
                    related_name="undoes", to="reviews.changeset")),
            ],
            options={
                "ordering": ["-date", "-id"],
                "indexes": [
                    models.Index(fields=["project", "-date"], name="changeset_latest")
                ],
            },
        ),
        migrations.AddField(
            model_name="event",
            name="change_set",
            field=models.ForeignKey(
                blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL,
                related_name="events", to="reviews.changeset"),
        ),
        migrations.AddIndex(
            model_name="event",
            index=models.Index(fields=["project", "-date", "-id"], name="event_project_date"),
        ),
        migrations.AddIndex(
            model_name="event",
            index=models.Index(
                fields=["project", "category", "-date"], name="event_project_category"
            ),
        ),
        migrations.AddIndex(
            model_name="event",
            index=models.Index(
                condition=models.Q(actor__isnull=False), fields=["project", "actor"],
                name="event_project_actor",
            ),
        ),
        migrations.RunSQL(BACKFILL, migrations.RunSQL.noop),
    ]  # fmt: skip
