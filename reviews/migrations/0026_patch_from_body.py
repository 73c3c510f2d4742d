# Patch diffs read from the message body (#21 disk) (reserved; empty until its work needs an operation).
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("reviews", "0025_lean_store"),
    ]

    operations: list[migrations.operations.base.Operation] = []
