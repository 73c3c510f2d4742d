# Disk (#21): raw mail stored without the bytes of its message's body where it
# holds them verbatim (archive.rawcodec.cut_body): RawMail.body_at says where
# they go back. The column is added empty (no row is rewritten: mail archived
# before stays whole); ingest fills it from now on.
#
# A body such a row needs may not change, or the mail could not be read back:
# the trigger refuses it. Going back, every such row is stored whole again
# first (in Python: the bodies are packed), then the column goes. The trigger
# depends on the body column: a later migration changing its type drops the
# trigger first and creates it again after (PostgreSQL refuses otherwise).
from django.db import migrations, models

FORWARD = [
    "ALTER TABLE archive_rawmail ADD COLUMN IF NOT EXISTS body_at integer NULL",
    "ALTER TABLE archive_rawmail DROP CONSTRAINT IF EXISTS rawmail_body_at_positive",
    "ALTER TABLE archive_rawmail ADD CONSTRAINT rawmail_body_at_positive CHECK (body_at >= 0)",
    """
    CREATE OR REPLACE FUNCTION threadwork_body_kept() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        IF NEW.body IS DISTINCT FROM OLD.body AND EXISTS (
            SELECT 1 FROM archive_rawmail WHERE message_id = OLD.id AND body_at IS NOT NULL
        ) THEN
            RAISE EXCEPTION 'the body of message % is part of its stored raw mail', OLD.id
                USING HINT = 'Store its raw mail whole (archive_rawmail.body_at NULL) first.';
        END IF;
        RETURN NEW;
    END $$
    """,
    "DROP TRIGGER IF EXISTS message_body_kept ON archive_message",
    """
    CREATE TRIGGER message_body_kept BEFORE UPDATE OF body ON archive_message
    FOR EACH ROW EXECUTE FUNCTION threadwork_body_kept()
    """,
]
BACKWARD = [
    "DROP TRIGGER IF EXISTS message_body_kept ON archive_message",
    "DROP FUNCTION IF EXISTS threadwork_body_kept()",
    "ALTER TABLE archive_rawmail DROP COLUMN IF EXISTS body_at",
]


def store_whole(apps, schema_editor) -> None:
    """Every raw mail stored without its body, stored whole again (packed as
    rawcodec packs: plain zstd in a migration, which sets no dictionary)."""
    from archive import rawmail
    from archive.rawcodec import pack, unpack

    connection = schema_editor.connection
    with connection.cursor() as cursor:
        while True:
            cursor.execute(
                f"SELECT r.message_id, {rawmail.COLUMNS} FROM archive_rawmail r"
                " JOIN archive_message m ON m.id = r.message_id"
                " WHERE r.body_at IS NOT NULL ORDER BY r.message_id LIMIT 500"
            )
            rows = cursor.fetchall()
            if not rows:
                return
            ids, blobs, codecs = [], [], []
            for message_id, *stored in rows:
                mail = rawmail.whole(*stored)
                codec, packed = pack(mail)
                if unpack(codec, packed) != mail:
                    raise RuntimeError(f"raw mail of message {message_id} did not read back")
                ids.append(message_id)
                blobs.append(packed)
                codecs.append(int(codec))
            cursor.execute(
                "UPDATE archive_rawmail r SET data = v.data, codec = v.codec, body_at = NULL"
                " FROM unnest(%s::bigint[], %s::bytea[], %s::smallint[]) AS v(id, data, codec)"
                " WHERE r.message_id = v.id",
                [ids, blobs, codecs],
            )


class Migration(migrations.Migration):
    dependencies = [
        ("archive", "0035_message_list_ids"),
    ]

    # Unapplied in reverse order: the rows are stored whole before the column goes.
    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunSQL(FORWARD, BACKWARD)],
            state_operations=[
                migrations.AddField(
                    model_name="rawmail",
                    name="body_at",
                    field=models.PositiveIntegerField(blank=True, null=True),
                ),
            ],
        ),
        migrations.RunPython(migrations.RunPython.noop, store_whole),
    ]
