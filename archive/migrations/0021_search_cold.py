# Cold search (#18) (reserved; empty until its work needs an operation).
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("archive", "0020_search_first"),
    ]

    operations: list[migrations.operations.base.Operation] = []
