from django.db import migrations

# Patchwork's default states; editable later in the admin.
STATES = [
    ("new", "New", True),
    ("under-review", "Under Review", True),
    ("accepted", "Accepted", False),
    ("rejected", "Rejected", False),
    ("rfc", "RFC", False),
    ("not-applicable", "Not Applicable", False),
    ("changes-requested", "Changes Requested", False),
    ("awaiting-upstream", "Awaiting Upstream", False),
    ("superseded", "Superseded", False),
    ("deferred", "Deferred", False),
]


def add_states(apps, schema_editor):
    State = apps.get_model("reviews", "State")
    for ordering, (slug, name, action_required) in enumerate(STATES):
        State.objects.update_or_create(
            slug=slug,
            defaults={"name": name, "ordering": ordering, "action_required": action_required},
        )


class Migration(migrations.Migration):
    dependencies = [("reviews", "0001_initial")]
    operations = [migrations.RunPython(add_states, migrations.RunPython.noop)]
