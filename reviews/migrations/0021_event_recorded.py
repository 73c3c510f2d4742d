# When Threadwork wrote each event, for the API's dates and ?since= (the
# page keeps the mail's date). Existing events get their date: when they were
# written is not known, and it is what the API answered until now.
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("reviews", "0020_list_speed"),
    ]

    operations = [
        migrations.AddField(
            model_name="event",
            name="recorded",
            field=models.DateTimeField(default=django.utils.timezone.now),
        ),
        migrations.RunSQL("UPDATE reviews_event SET recorded = date", migrations.RunSQL.noop),
        migrations.AlterField(
            model_name="event",
            name="recorded",
            field=models.DateTimeField(db_index=True, default=django.utils.timezone.now),
        ),
    ]
