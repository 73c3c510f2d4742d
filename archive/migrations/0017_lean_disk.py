# Raw mail packed with a zstd dictionary trained on the archive's own mail
# (archive/rawdicts.py, codec ZSTD_DICT): the dictionaries' table, and the
# codec's new choice. No row is rewritten; mail from before reads as it is.
from django.db import migrations, models

import archive.rawcodec


class Migration(migrations.Migration):
    dependencies = [
        ("archive", "0016_search_cold"),
    ]

    operations = [
        migrations.CreateModel(
            name="RawDictionary",
            fields=[
                ("id", models.IntegerField(primary_key=True, serialize=False)),
                ("data", models.BinaryField()),
                ("samples", models.PositiveIntegerField()),
                ("created", models.DateTimeField(auto_now_add=True)),
            ],
        ),
        migrations.AlterField(
            model_name="rawmail",
            name="codec",
            field=models.PositiveSmallIntegerField(
                choices=[(0, "none"), (1, "zstd"), (2, "zstd_dict")],
                db_default=archive.rawcodec.Codec["NONE"],
                default=archive.rawcodec.Codec["NONE"],
            ),
        ),
    ]
