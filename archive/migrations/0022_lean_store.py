# Disk footprint, fifth cut (#21) (reserved; empty until its work needs an operation).
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("archive", "0021_search_cold"),
    ]

    operations: list[migrations.operations.base.Operation] = []
