# The patch list's counts (#17): an index led by archived and state, which
# every view but "any state" narrows, replaces the one led by turn.
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("reviews", "0019_patch_page"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="patch", name="patch_list_filters"),
        migrations.AddIndex(
            model_name="patch",
            index=models.Index(
                fields=["project", "archived", "state", "turn", "waiting_since"],
                include=("first_reply", "acked", "reviewed", "last_activity"),
                name="patch_list_review",
            ),
        ),
    ]
