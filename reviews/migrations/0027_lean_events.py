# Lean events (#21 disk) (reserved; empty until its work needs an operation).
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("reviews", "0026_patch_from_body"),
    ]

    operations: list[migrations.operations.base.Operation] = []
