# SPDX-License-Identifier: AGPL-3.0-or-later
"""Message bodies packed by the application (#21 disk, #18 cold search).

``archive_message.body`` becomes bytea, ``STORAGE EXTERNAL``, holding each
body as archive.bodycodec packs it (zstd with the archive's newest raw-mail
dictionary, if it has one). Bodies are packed in Python in batches into a
temporary table, then the column is rewritten from it in one ``ALTER TABLE``
(one table rewrite with its indexes rebuilt, instead of an UPDATE of every
row leaving a dead version of each and an entry in every index): 17 s for
linux-rtc's 17k messages on this machine, under load. Reversible the same way.
"""

from collections.abc import Callable

from django.db import migrations

import archive.bodyfield
from archive import bodycodec, rawcodec

_BATCH = 2000

# A body's length in UTF-8 bytes (the text column's octet_length), read from
# its header: ``substring`` of an EXTERNAL value fetches only its first chunk.
_OCTETS = """
CREATE OR REPLACE FUNCTION threadwork_body_octets(body bytea) RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN octet_length(body) = 0 THEN 0
        ELSE ('x' || encode(substring(body FROM 2 FOR 4), 'hex'))::bit(32)::integer END
$$
"""


def _convert(cursor, kind: str, change: Callable) -> None:
    """Rewrite ``body`` as ``kind`` from ``change`` of each stored value, in batches."""
    # Writers wait (readers do not) until the rewrite commits: a body written
    # after its batch was read would be overwritten by the value read, and a
    # message inserted meanwhile would have none (NOT NULL refuses the rewrite).
    cursor.execute("LOCK TABLE archive_message IN SHARE MODE")
    cursor.execute(f"CREATE TEMP TABLE packer_body (id bigint PRIMARY KEY, body {kind})")
    last = 0
    while True:
        cursor.execute(
            "SELECT id, body FROM archive_message WHERE id > %s ORDER BY id LIMIT %s",
            [last, _BATCH],
        )
        rows = cursor.fetchall()
        if not rows:
            break
        last = rows[-1][0]
        cursor.execute(
            f"INSERT INTO packer_body SELECT * FROM unnest(%s::bigint[], %s::{kind}[])",
            [[r[0] for r in rows], [change(r[1]) for r in rows]],
        )
    # USING takes no subquery; a function hiding one is allowed.
    cursor.execute(
        f"CREATE FUNCTION pg_temp.packer_body(bigint) RETURNS {kind} LANGUAGE sql STABLE"
        " AS 'SELECT body FROM packer_body WHERE id = $1'"
    )
    storage = "EXTERNAL" if kind == "bytea" else "EXTENDED"
    # The rewrite rebuilds the table's indexes: the GIN ones as packed as an
    # import's rebuild leaves them (archive.services.REBUILD_MEM).
    cursor.execute("SET LOCAL maintenance_work_mem = '4MB'")
    cursor.execute(
        f"ALTER TABLE archive_message ALTER COLUMN body TYPE {kind}"
        f" USING pg_temp.packer_body(id), ALTER COLUMN body SET STORAGE {storage}"
    )
    cursor.execute("DROP FUNCTION pg_temp.packer_body(bigint)")
    cursor.execute("DROP TABLE packer_body")


def pack(apps, schema_editor) -> None:
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT data FROM archive_rawdictionary ORDER BY id DESC LIMIT 1")
        row = cursor.fetchone()
        rawcodec.use_dictionary(bytes(row[0]) if row else None)
        try:
            _convert(cursor, "bytea", bodycodec.pack_body)
        finally:
            rawcodec.use_dictionary(None)  # ingest sets its own (archive.rawdicts)
        cursor.execute(_OCTETS)


def unpack(apps, schema_editor) -> None:
    with schema_editor.connection.cursor() as cursor:
        # Bodies packed with a dictionary find it through rawcodec's loader, or here.
        cursor.execute("SELECT data FROM archive_rawdictionary")
        for (data,) in cursor.fetchall():
            rawcodec.use_dictionary(bytes(data))
        rawcodec.use_dictionary(None)
        _convert(cursor, "text", bodycodec.unpack_body)
        cursor.execute("DROP FUNCTION IF EXISTS threadwork_body_octets(bytea)")


class Migration(migrations.Migration):
    dependencies = [
        ("archive", "0029_lean_search"),
        # Its SQL reads the body as text (patch texts moved to spans of it): on a
        # fresh database it must run before the body is packed.
        ("reviews", "0026_patch_from_body"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(pack, unpack)],
            state_operations=[
                migrations.AlterField(
                    model_name="message",
                    name="body",
                    field=archive.bodyfield.PackedTextField(blank=True, default=""),
                ),
            ],
        ),
    ]
