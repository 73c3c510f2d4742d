# Placeholder reserved for one piece of work so that parallel work keeps a
# single migration chain; its owner fills in the operations.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("archive", "0014_page_speed"),
    ]

    operations: list[migrations.operations.base.Operation] = []
