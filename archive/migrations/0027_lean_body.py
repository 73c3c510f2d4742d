# Lean message storage (#21 disk) (reserved; empty until its work needs an operation).
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("archive", "0026_search_page"),
    ]

    operations: list[migrations.operations.base.Operation] = []
