# Lean search and event storage (#21 disk) (reserved; empty until its work needs an operation).
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("archive", "0028_ingest_chain"),
    ]

    operations: list[migrations.operations.base.Operation] = []
