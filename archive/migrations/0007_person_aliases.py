# One person behind several addresses: an address points to the one it is
# merged into (archive/people.py is the only writer).
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("archive", "0006_body_search"),
    ]

    operations = [
        migrations.AddField(
            model_name="person",
            name="alias_origin",
            field=models.CharField(
                blank=True,
                choices=[("mailmap", "a mailmap file"), ("admin", "an administrator")],
                default="",
                db_default="",
                max_length=8,
            ),
        ),
        migrations.AddField(
            model_name="person",
            name="canonical",
            field=models.ForeignKey(
                blank=True,
                help_text="The address this one is merged into: pages and the API show that one.",
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="aliases",
                to="archive.person",
            ),
        ),
        migrations.AddConstraint(
            model_name="person",
            constraint=models.CheckConstraint(
                condition=models.Q(("canonical", models.F("id")), _negated=True),
                name="person_not_own_alias",
            ),
        ),
    ]
