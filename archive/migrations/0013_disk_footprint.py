# A smaller archive on disk (issue 21): what was stored twice is read from
# where it already is. Measured on linux-rtc in docs/performance.md ("Disk").
from django.db import migrations, models

# Message.headers was a jsonb copy of the raw mail's header block: 92 MB on
# linux-rtc, more than the packed raw mail itself (67 MB), stored uncompressed
# (archive 0004). Pages and the API now read headers from the raw mail
# (archive.parsing.mail_headers), which gives the same list.
#
# The one query that filtered on the stored headers (reviews.missed: mail its
# sender asked trackers to ignore) asks the body vector for the exact lexeme
# ingest now adds for such mail (reviews.missed.IGNORED_TERM); mail already
# archived gets it here, from the headers, before they go.
ADD_IGNORED_TERM = r"""
UPDATE archive_message SET search = coalesce(search, ''::tsvector) || $$'hint:ignore'$$::tsvector
WHERE (headers #>> '{}') ~* 'x-patchwork-hint'
    AND jsonb_path_exists(headers, 'strict $[*] ? (@[0] like_regex "^x-patchwork-hint$" flag "i"
        && @[1] like_regex "^\\s*ignore\\s*$" flag "i")', '{}', true)
"""
DROP_IGNORED_TERM = """
UPDATE archive_message SET search = ts_delete(search, 'hint:ignore'::text)
WHERE search @@ $$'hint:ignore'$$::tsquery
"""

# A patch row is updated several times while its thread comes in (counts,
# replies, turn). Its diff and commit message (EXTERNAL: never compressed)
# stayed inside the row whenever the row fitted in 2 kB, so every update
# copied them: after the linux-rtc ingest reviews_patch held 47 MB of heap
# for 9 MB of live rows. Pushed out of line from 128 bytes, an update copies
# an 18-byte pointer instead. Cheap: only rows written from now on move.
PATCH_TOAST = "ALTER TABLE reviews_patch SET (toast_tuple_target = 128)"
PATCH_TOAST_BACK = "ALTER TABLE reviews_patch RESET (toast_tuple_target)"

# Bodies and diffs compressed again where the server has no lz4 (archive
# 0004 had left them uncompressed to spare ingest pglz's time): with the
# headers copy gone and raw mail packed in the application, pglz on these
# costs about a second of linux-rtc's ingest and halves them (body 63 -> 35
# MB, diff 27 -> 12). Only rows written from now on are compressed.
COMPRESSED = [
    ("archive_message", "body"),
    ("reviews_patch", "diff"),
    ("reviews_patch", "commit_message"),
]


def _storage(kind: str) -> str:
    return "\n".join(f"ALTER TABLE {t} ALTER COLUMN {c} SET STORAGE {kind};" for t, c in COMPRESSED)


def _refill_headers(apps, schema_editor) -> None:
    """Going back: the column again, filled from the raw mail in batches."""
    import json

    from archive.parsing import mail_headers
    from archive.rawcodec import unpack

    last = 0
    with schema_editor.connection.cursor() as cursor:
        while True:
            cursor.execute(
                "SELECT message_id, codec, data FROM archive_rawmail WHERE message_id > %s"
                " ORDER BY message_id LIMIT 500",
                [last],
            )
            rows = cursor.fetchall()
            if not rows:
                return
            last = rows[-1][0]
            cursor.execute(
                "UPDATE archive_message m SET headers = v.headers::jsonb "
                "FROM unnest(%s::bigint[], %s::text[]) AS v(id, headers) WHERE m.id = v.id",
                [
                    [r[0] for r in rows],
                    [json.dumps(mail_headers(unpack(r[1], r[2]))) for r in rows],
                ],
            )


class Migration(migrations.Migration):
    dependencies = [
        ("archive", "0012_search_speed"),
        # reviews_patch must exist; no reviews migration up to this one needs archive 0013.
        ("reviews", "0015_patch_list_order"),
    ]

    operations: list[migrations.operations.base.Operation] = [
        migrations.RunSQL(ADD_IGNORED_TERM, DROP_IGNORED_TERM),
        migrations.RunPython(migrations.RunPython.noop, _refill_headers),
        migrations.RemoveField(model_name="message", name="headers"),
        migrations.RunSQL(PATCH_TOAST, PATCH_TOAST_BACK),
        migrations.RunSQL(_storage("EXTENDED"), _storage("EXTERNAL")),
        # Its btree and LIKE indexes served no query: 0 scans over an ingest and the tests.
        migrations.AlterField(
            model_name="rawmail", name="sha256", field=models.CharField(max_length=64)
        ),
    ]
