# Patch page first view (#16) (reserved; empty until its work needs an operation).
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("reviews", "0023_ingest_speed"),
    ]

    operations: list[migrations.operations.base.Operation] = []
