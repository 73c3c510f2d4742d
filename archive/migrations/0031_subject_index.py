# Search (#18): the subject's lexemes get a GIN index of their own, so s: (and
# bs:'s subject half) needs no weight recheck of the header vector, whose
# senders' names made one word's recheck grow with the archive (s:alexandre:
# 22,710 rows rechecked, 62 ms, at ten times linux-rtc; 0.24 ms with this
# index). Built concurrently: pages and ingest go on meanwhile (about a second
# for 172k messages).
import django.contrib.postgres.indexes
from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations

import archive.models


class Migration(migrations.Migration):
    atomic = False  # the index is built concurrently
    dependencies = [
        ("archive", "0030_packed_body"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="message",
            index=django.contrib.postgres.indexes.GinIndex(
                archive.models.SubjectVector("header_search"), name="message_subject_gin"
            ),
        ),
    ]
