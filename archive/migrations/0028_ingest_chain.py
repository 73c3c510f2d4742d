# Ingest writers' chain (#21 ingest CPU) (reserved; empty until its work needs an operation).
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("archive", "0027_lean_body"),
    ]

    operations: list[migrations.operations.base.Operation] = []
