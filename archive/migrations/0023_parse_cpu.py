# Ingest CPU (#21) (reserved; empty until its work needs an operation).
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("archive", "0022_lean_store"),
    ]

    operations: list[migrations.operations.base.Operation] = []
