# Search first view (#18) (reserved; empty until its work needs an operation).
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("archive", "0019_ingest_speed"),
    ]

    operations: list[migrations.operations.base.Operation] = []
