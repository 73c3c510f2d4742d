# Disk footprint, fifth cut (#21): indexes that another index already covers,
# and the pattern (``_like``) indexes of columns only ever compared whole.
#
# Every index dropped here is a prefix of another (``series_ref_lookup`` of
# ``series_ref_unique``; the project and message keys' own indexes of
# ``patch_list``, ``patch_unique``, the comment and trailer unique constraints,
# ``series_match`` and ``event_project_date``). ``hash``, ``patchid``, a
# series' ``change_id`` and an event's ``category`` keep their plain btree,
# renamed, without its pattern twin. Fewer indexes on ``reviews_patch`` also
# means fewer index entries written by each update a patch row gets while its
# thread comes in. Only indexes are dropped or renamed (Django's AlterField would also
# drop and re-check the foreign keys): no table is read, a lock held for
# milliseconds.
import django.db.models.deletion
from django.db import migrations, models

_DROP = """
DROP INDEX IF EXISTS series_ref_lookup;
DROP INDEX IF EXISTS reviews_comment_message_id_ba8442f3;
DROP INDEX IF EXISTS reviews_event_project_id_161e09bb;
DROP INDEX IF EXISTS reviews_patch_message_id_70f652a2;
DROP INDEX IF EXISTS reviews_patch_project_id_c039b4ae;
DROP INDEX IF EXISTS reviews_series_project_id_aeab3e4b;
DROP INDEX IF EXISTS reviews_seriesreference_project_id_447536fe;
DROP INDEX IF EXISTS reviews_trailer_message_id_46549cba;
DROP INDEX IF EXISTS reviews_patch_hash_04a120db_like;
DROP INDEX IF EXISTS reviews_patch_patchid_60da956b_like;
DROP INDEX IF EXISTS reviews_series_change_id_cba24c4d_like;
DROP INDEX IF EXISTS reviews_event_category_399ad7bc_like;
ALTER INDEX IF EXISTS reviews_patch_hash_04a120db RENAME TO patch_hash;
ALTER INDEX IF EXISTS reviews_patch_patchid_60da956b RENAME TO patch_patchid;
ALTER INDEX IF EXISTS reviews_series_change_id_cba24c4d RENAME TO series_change_id;
ALTER INDEX IF EXISTS reviews_event_category_399ad7bc RENAME TO event_category;
"""

# As the model has them at this migration (AlterField records the field whole).
_EVENT_CATEGORIES = [
    ("patch-created", "Patch Created"),
    ("patch-completed", "Patch Completed"),
    ("patch-state-changed", "Patch State Changed"),
    ("patch-delegated", "Patch Delegated"),
    ("patch-archived", "Patch Archived"),
    ("patch-commit-ref-changed", "Patch Commit Ref Changed"),
    ("patch-relation-changed", "Patch Relation Changed"),
    ("check-created", "Check Created"),
    ("series-created", "Series Created"),
    ("series-completed", "Series Completed"),
    ("cover-created", "Cover Created"),
    ("series-renamed", "Series Renamed"),
    ("token-regenerated", "Token Regenerated"),
]


def _key(to: str, related_name: str, *, null: bool = False) -> models.ForeignKey:
    return models.ForeignKey(
        db_index=False,
        null=null,
        on_delete=django.db.models.deletion.CASCADE,
        related_name=related_name,
        to=to,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("archive", "0022_lean_store"),
        ("reviews", "0024_patch_cold"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunSQL(_DROP, migrations.RunSQL.noop)],
            state_operations=[
                migrations.RemoveIndex(model_name="seriesreference", name="series_ref_lookup"),
                migrations.AlterField(
                    model_name="comment",
                    name="message",
                    field=_key("archive.message", "review_comments"),
                ),
                migrations.AlterField(
                    model_name="event",
                    name="project",
                    field=_key("reviews.project", "events", null=True),
                ),
                migrations.AlterField(
                    model_name="patch",
                    name="message",
                    field=_key("archive.message", "patches"),
                ),
                migrations.AlterField(
                    model_name="patch",
                    name="project",
                    field=_key("reviews.project", "patches"),
                ),
                migrations.AlterField(
                    model_name="series",
                    name="project",
                    field=_key("reviews.project", "series"),
                ),
                migrations.AlterField(
                    model_name="seriesreference",
                    name="project",
                    field=_key("reviews.project", "+"),
                ),
                migrations.AlterField(
                    model_name="trailer",
                    name="message",
                    field=_key("archive.message", "trailers"),
                ),
                migrations.AlterField(
                    model_name="patch",
                    name="hash",
                    field=models.CharField(blank=True, max_length=40),
                ),
                migrations.AlterField(
                    model_name="patch",
                    name="patchid",
                    field=models.CharField(blank=True, max_length=40),
                ),
                migrations.AddIndex(
                    model_name="patch",
                    index=models.Index(fields=["hash"], name="patch_hash"),
                ),
                migrations.AddIndex(
                    model_name="patch",
                    index=models.Index(fields=["patchid"], name="patch_patchid"),
                ),
                migrations.AlterField(
                    model_name="series",
                    name="change_id",
                    field=models.CharField(blank=True, max_length=255),
                ),
                migrations.AddIndex(
                    model_name="series",
                    index=models.Index(fields=["change_id"], name="series_change_id"),
                ),
                migrations.AlterField(
                    model_name="event",
                    name="category",
                    field=models.CharField(choices=_EVENT_CATEGORIES, max_length=32),
                ),
                migrations.AddIndex(
                    model_name="event",
                    index=models.Index(fields=["category"], name="event_category"),
                ),
            ],
        ),
    ]
