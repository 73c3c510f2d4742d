# Search page first view (#18) (reserved; empty until its work needs an operation).
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("archive", "0025_patch_cold"),
    ]

    operations: list[migrations.operations.base.Operation] = []
