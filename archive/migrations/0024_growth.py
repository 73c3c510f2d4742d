# Ingest growth slope (#21) (reserved; empty until its work needs an operation).
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("archive", "0023_parse_cpu"),
    ]

    operations: list[migrations.operations.base.Operation] = []
