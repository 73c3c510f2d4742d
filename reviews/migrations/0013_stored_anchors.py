# Comment.anchors: each reply's answers under the diff lines they quote,
# stored when the comment is made (issue 16), filled here for existing rows.
from django.db import migrations, models


def fill_anchors(apps, schema_editor):
    # The pure matching code and plain SQL: what the ingest path runs too.
    from reviews.comment_anchors import restore_anchors

    Message = apps.get_model("archive", "Message")
    threads = list(
        Message.objects.filter(review_comments__patch__isnull=False)
        .exclude(thread_id=None)
        .values_list("thread_id", flat=True)
        .distinct()
        .order_by("thread_id")
    )
    for start in range(0, len(threads), 2000):
        restore_anchors(threads[start : start + 2000])


class Migration(migrations.Migration):
    dependencies = [
        ("reviews", "0012_bulk_undo"),
        ("archive", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="comment",
            name="anchors",
            field=models.JSONField(blank=True, default=list),
        ),
        migrations.RunPython(fill_anchors, migrations.RunPython.noop),
    ]
