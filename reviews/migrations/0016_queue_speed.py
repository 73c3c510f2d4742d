# My queue, the patch list's review filters, the events page's person filter:
# indexes that answer them (#17).
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("reviews", "0015_patch_list_order"),
    ]

    operations = [
        # patch_list_filters has the same keys and more: it serves what patch_turn did.
        migrations.RemoveIndex(model_name="patch", name="patch_turn"),
        migrations.AddIndex(
            model_name="patch",
            index=models.Index(
                fields=["project", "turn", "waiting_since"],
                include=("archived", "state", "first_reply", "acked", "reviewed", "last_activity"),
                name="patch_list_filters",
            ),
        ),
        migrations.AddIndex(
            model_name="patch",
            index=models.Index(
                condition=models.Q(("archived", False)),
                fields=["project", "waiting_since", "id"],
                name="patch_open_waiting",
            ),
        ),
        migrations.AddIndex(
            model_name="patch",
            index=models.Index(
                condition=models.Q(("archived", False)),
                fields=["project", "last_activity", "id"],
                name="patch_open_activity",
            ),
        ),
        migrations.AddIndex(
            model_name="series",
            index=models.Index(
                condition=models.Q(("received_total__gt", 0)),
                fields=["turn", "waiting_since", "id"],
                include=("project",),
                name="series_queue",
            ),
        ),
        migrations.AddIndex(
            model_name="event",
            index=models.Index(
                condition=models.Q(("actor__isnull", False)),
                fields=["project", "-date", "-id"],
                name="event_people_date",
            ),
        ),
        migrations.AddIndex(
            model_name="event",
            index=models.Index(
                condition=models.Q(("actor__isnull", True)),
                fields=["project", "-date", "-id"],
                name="event_mail_date",
            ),
        ),
    ]
