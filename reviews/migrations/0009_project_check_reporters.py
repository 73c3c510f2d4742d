from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("reviews", "0008_project_trust_patchwork_headers"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="project",
            name="check_reporters",
            field=models.ManyToManyField(
                blank=True,
                help_text="Accounts (CI bots) that may report checks on this project's patches.",
                related_name="check_projects",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
    ]
