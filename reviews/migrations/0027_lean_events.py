# Lean events (#21 disk): the events page's indexes ascending, the sparse keys
# indexed only where set.
#
# A descending btree gets each new event (the newest date and id) on its
# leftmost page, and a full page splits in half there, so those indexes stayed
# half empty; ascending, new entries go to the right, where a split leaves the
# full page behind, and the page reads them backwards (the same plans). The
# actor, patch, cover and change-set keys are empty in most events (all of
# those ingest records have no actor and no change set): their indexes keep
# only the set ones, which every lookup by them (``= x``, ``IN``, cascades)
# can use. Only indexes are dropped and built (Django's AlterField would also
# drop and re-check the foreign keys).
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

# Django's own indexes of the four keys (named by its hash of table and column).
_DROP_KEYS = """
DROP INDEX IF EXISTS reviews_event_actor_id_9da9195e;
DROP INDEX IF EXISTS reviews_event_patch_id_394ff059;
DROP INDEX IF EXISTS reviews_event_cover_id_09e4cb02;
DROP INDEX IF EXISTS reviews_event_change_set_id_b4de802d;
"""
_RESTORE_KEYS = """
CREATE INDEX IF NOT EXISTS reviews_event_actor_id_9da9195e ON reviews_event (actor_id);
CREATE INDEX IF NOT EXISTS reviews_event_patch_id_394ff059 ON reviews_event (patch_id);
CREATE INDEX IF NOT EXISTS reviews_event_cover_id_09e4cb02 ON reviews_event (cover_id);
CREATE INDEX IF NOT EXISTS reviews_event_change_set_id_b4de802d
    ON reviews_event (change_set_id);
"""


def _key(to: str, related_name: str, on_delete) -> models.ForeignKey:
    return models.ForeignKey(
        blank=True,
        db_index=False,
        null=True,
        on_delete=on_delete,
        related_name=related_name,
        to=to,
    )


def _set(field: str) -> models.Q:
    return models.Q((f"{field}__isnull", False))


class Migration(migrations.Migration):
    dependencies = [
        ("reviews", "0026_patch_from_body"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunSQL(_DROP_KEYS, _RESTORE_KEYS)],
            state_operations=[
                migrations.AlterField(
                    model_name="event",
                    name="actor",
                    field=_key(settings.AUTH_USER_MODEL, "+", django.db.models.deletion.SET_NULL),
                ),
                migrations.AlterField(
                    model_name="event",
                    name="change_set",
                    field=_key("reviews.changeset", "events", django.db.models.deletion.SET_NULL),
                ),
                migrations.AlterField(
                    model_name="event",
                    name="cover",
                    field=_key("reviews.cover", "events", django.db.models.deletion.CASCADE),
                ),
                migrations.AlterField(
                    model_name="event",
                    name="patch",
                    field=_key("reviews.patch", "events", django.db.models.deletion.CASCADE),
                ),
            ],
        ),
        migrations.RemoveIndex(model_name="event", name="event_project_date"),
        migrations.RemoveIndex(model_name="event", name="event_project_category"),
        migrations.RemoveIndex(model_name="event", name="event_people_date"),
        migrations.RemoveIndex(model_name="event", name="event_mail_date"),
        migrations.AddIndex(
            model_name="event",
            index=models.Index(fields=["project", "date", "id"], name="event_project_date"),
        ),
        migrations.AddIndex(
            model_name="event",
            index=models.Index(
                fields=["project", "category", "date"], name="event_project_category"
            ),
        ),
        migrations.AddIndex(
            model_name="event",
            index=models.Index(
                condition=_set("actor"), fields=["project", "date", "id"], name="event_people_date"
            ),
        ),
        migrations.AddIndex(
            model_name="event",
            index=models.Index(
                condition=models.Q(("actor__isnull", True)),
                fields=["project", "date", "id"],
                name="event_mail_date",
            ),
        ),
        migrations.AddIndex(
            model_name="event",
            index=models.Index(condition=_set("actor"), fields=["actor"], name="event_actor"),
        ),
        migrations.AddIndex(
            model_name="event",
            index=models.Index(condition=_set("patch"), fields=["patch"], name="event_patch"),
        ),
        migrations.AddIndex(
            model_name="event",
            index=models.Index(condition=_set("cover"), fields=["cover"], name="event_cover"),
        ),
        migrations.AddIndex(
            model_name="event",
            index=models.Index(
                condition=_set("change_set"), fields=["change_set"], name="event_change_set"
            ),
        ),
    ]
