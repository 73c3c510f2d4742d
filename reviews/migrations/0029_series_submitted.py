# My queue's "Mine as a submitter" (#21): a submitter's open series counted and
# paged from an index alone, not by reading each series row for its turn.
# Built concurrently: pages and ingest go on meanwhile.
from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False  # the index is built concurrently
    dependencies = [
        ("reviews", "0028_ingest_chain"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="series",
            index=models.Index(
                condition=models.Q(
                    ("received_total__gt", 0), models.Q(("turn", "nobody"), _negated=True)
                ),
                fields=["submitter", "waiting_since", "id"],
                name="series_submitted",
            ),
        ),
    ]
