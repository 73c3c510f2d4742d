# Disk: the body search vector's storage (#21) (reserved; empty until its work needs an operation).
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("archive", "0017_lean_disk"),
    ]

    operations: list[migrations.operations.base.Operation] = []
