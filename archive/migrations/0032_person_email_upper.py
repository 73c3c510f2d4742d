# My queue and the API (#21 at lore scale): an address looked up in any case
# (``email__iexact``, UPPER(email) = UPPER(%s)) read every person of the
# archive; 1,177 at linux-rtc, about a hundred times that on a list like LKML.
# Built concurrently: pages and ingest go on meanwhile.
import django.db.models.functions.text
from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False  # the index is built concurrently
    dependencies = [
        ("archive", "0031_subject_index"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="person",
            index=models.Index(
                django.db.models.functions.text.Upper("email"), name="person_email_upper"
            ),
        ),
    ]
