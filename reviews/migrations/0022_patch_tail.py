# Patch page cold tail (#16) (reserved; empty until its work needs an operation).
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("reviews", "0021_event_recorded"),
    ]

    operations: list[migrations.operations.base.Operation] = []
