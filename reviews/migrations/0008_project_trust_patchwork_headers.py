from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("reviews", "0007_one_write_path"),
    ]

    operations = [
        migrations.AddField(
            model_name="project",
            name="trust_patchwork_headers",
            field=models.BooleanField(
                default=False,
                help_text="Set a new patch's state and delegate from its X-Patchwork-State and "
                "X-Patchwork-Delegate headers. Anyone can write a header: turn this on only "
                "when the mail that reaches this list is trusted.",
            ),
        ),
    ]
