# SPDX-License-Identifier: AGPL-3.0-or-later
"""Whose turn (issue 17): stored on patches and series, with the cues of each reply.

Existing rows are filled here by the same code ingest and reparse run.
"""

from django.db import connection, migrations, models


def fill_turns(apps, schema_editor):
    # The pure rules and plain SQL: what ingest and reparse run too.
    from reviews.turnstore import refresh_threads

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT m.thread_id FROM reviews_patch p "
            "JOIN archive_message m ON m.id = p.message_id "
            "WHERE m.thread_id IS NOT NULL ORDER BY 1"
        )
        threads = [row[0] for row in cursor.fetchall()]
    for start in range(0, len(threads), 2000):
        refresh_threads(threads[start : start + 2000], again=True)


class Migration(migrations.Migration):
    dependencies = [
        ("reviews", "0010_git_tracking"),
    ]

    operations = [
        migrations.AddField(
            model_name="comment",
            name="cues",
            field=models.PositiveSmallIntegerField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="patch",
            name="first_reply",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="patch",
            name="last_activity",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="patch",
            name="replies",
            field=models.PositiveIntegerField(default=0, help_text="Replies in its threads."),
        ),
        migrations.AddField(
            model_name="patch",
            name="series_date",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="patch",
            name="turn",
            field=models.CharField(
                choices=[
                    ("maintainer", "the maintainer's"),
                    ("submitter", "the submitter's"),
                    ("nobody", "nobody's"),
                ],
                default="maintainer",
                max_length=10,
            ),
        ),
        migrations.AddField(
            model_name="patch",
            name="turn_reason",
            field=models.CharField(
                choices=[
                    ("no-reply", "No Reply"),
                    ("reviewed", "Reviewed"),
                    ("answered", "Answered"),
                    ("discussed", "Discussed"),
                    ("changes-asked", "Changes Asked"),
                    ("question", "Question"),
                    ("changes-requested", "Changes Requested"),
                    ("revision-expected", "Revision Expected"),
                    ("closed", "Closed"),
                    ("archived", "Archived"),
                    ("applied", "Applied"),
                    ("replaced", "Replaced"),
                ],
                default="no-reply",
                max_length=20,
            ),
        ),
        migrations.AddField(
            model_name="patch",
            name="waiting_since",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="series",
            name="acked",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="series",
            name="last_activity",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="series",
            name="replies",
            field=models.PositiveIntegerField(default=0, help_text="Replies in its threads."),
        ),
        migrations.AddField(
            model_name="series",
            name="reviewed",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="series",
            name="tested",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="series",
            name="turn",
            field=models.CharField(
                choices=[
                    ("maintainer", "the maintainer's"),
                    ("submitter", "the submitter's"),
                    ("nobody", "nobody's"),
                ],
                default="maintainer",
                max_length=10,
            ),
        ),
        migrations.AddField(
            model_name="series",
            name="turn_reason",
            field=models.CharField(
                choices=[
                    ("no-reply", "No Reply"),
                    ("reviewed", "Reviewed"),
                    ("answered", "Answered"),
                    ("discussed", "Discussed"),
                    ("changes-asked", "Changes Asked"),
                    ("question", "Question"),
                    ("changes-requested", "Changes Requested"),
                    ("revision-expected", "Revision Expected"),
                    ("closed", "Closed"),
                    ("archived", "Archived"),
                    ("applied", "Applied"),
                    ("replaced", "Replaced"),
                ],
                default="no-reply",
                max_length=20,
            ),
        ),
        migrations.AddField(
            model_name="series",
            name="waiting_since",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddIndex(
            model_name="patch",
            index=models.Index(fields=["project", "turn", "waiting_since"], name="patch_turn"),
        ),
        migrations.AddIndex(
            model_name="patch",
            index=models.Index(
                fields=["project", "archived", "state", "-series_date", "-series", "number"],
                name="patch_list_series",
            ),
        ),
        migrations.AddIndex(
            model_name="series",
            index=models.Index(fields=["project", "turn", "waiting_since"], name="series_turn"),
        ),
        migrations.RunPython(fill_turns, migrations.RunPython.noop),
    ]
