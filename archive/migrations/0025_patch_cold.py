# Patch page first view (#16) (reserved; empty until its work needs an operation).
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("archive", "0024_growth"),
    ]

    operations: list[migrations.operations.base.Operation] = []
