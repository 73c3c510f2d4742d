# Message.headers held, for mail stored by ingest's COPY, a JSON string whose
# text was the [[name, value], ...] list (the COPY dumped the already-encoded
# JSON once more). Readers decoded it twice; this turns those rows into the list.
#
# One set-based UPDATE does the work, so it stays a single pass on a large
# archive. jsonb refuses two escapes that the string's text may hold (``\u0000``
# and a lone surrogate, both possible in old header names), and one such row
# would fail the whole UPDATE: the few rows whose text has either escape at all
# (emoji are written as surrogate pairs, so most of them are fine) are mended
# in Python first, each bad character becoming U+FFFD as ingest does now.
from __future__ import annotations

import json
from typing import Any

from django.db import migrations

_SUSPECT = r"""
    SELECT id, headers #>> '{}' FROM archive_message
    WHERE jsonb_typeof(headers) = 'string' AND (headers #>> '{}') ~* '\\u(0000|d[89a-f])'
"""

_UNWRAP = """
    UPDATE archive_message SET headers = (headers #>> '{}')::jsonb
    WHERE jsonb_typeof(headers) = 'string'
"""


def _mended(text: str) -> str:
    """``text`` with NUL and lone surrogates replaced, as jsonb can hold it."""
    return (
        text.encode("utf-16", "surrogatepass").decode("utf-16", "replace").replace("\x00", "\ufffd")
    )


def _mend_pairs(encoded: str) -> str:
    pairs: Any = json.loads(encoded)
    if not isinstance(pairs, list):
        return "[]"
    return json.dumps(
        [[_mended(str(v)) for v in pair] if isinstance(pair, list) else [] for pair in pairs]
    )


def mend_suspect_rows(apps: Any, schema_editor: Any) -> None:
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(_SUSPECT)
        rows = cursor.fetchall()
        if rows:
            cursor.execute(
                "UPDATE archive_message m SET headers = u.h::jsonb "
                "FROM unnest(%s::bigint[], %s::text[]) AS u(id, h) WHERE m.id = u.id",
                [[r[0] for r in rows], [_mend_pairs(r[1]) for r in rows]],
            )


class Migration(migrations.Migration):
    dependencies = [
        ("archive", "0007_person_aliases"),
    ]

    operations: list[migrations.operations.base.Operation] = [
        migrations.RunPython(mend_suspect_rows, migrations.RunPython.noop, elidable=True),
        migrations.RunSQL(_UNWRAP, migrations.RunSQL.noop, elidable=True),
    ]
