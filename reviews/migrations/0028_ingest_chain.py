# Ingest writers' chain (#21 ingest CPU) (reserved; empty until its work needs an operation).
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("reviews", "0027_lean_events"),
    ]

    operations: list[migrations.operations.base.Operation] = []
