# Ingest CPU and growth (#21) (reserved; empty until its work needs an operation).
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("archive", "0018_search_vector"),
    ]

    operations: list[migrations.operations.base.Operation] = []
