from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies: list = []

    operations = [
        migrations.CreateModel(
            name="Counter",
            fields=[
                ("key", models.CharField(max_length=200, primary_key=True, serialize=False)),
                ("count", models.IntegerField()),
                ("expires", models.DateTimeField()),
            ],
        ),
        # Counts change on every login failure and throttled request: not worth
        # the write-ahead log, and after a crash an empty table is fine.
        migrations.RunSQL(
            "ALTER TABLE throttle_counter SET UNLOGGED",
            "ALTER TABLE throttle_counter SET LOGGED",
        ),
    ]
