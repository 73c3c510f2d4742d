# Ingest CPU and growth, reviews side (#21) (reserved; empty until its work needs an operation).
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("reviews", "0022_patch_tail"),
    ]

    operations: list[migrations.operations.base.Operation] = []
