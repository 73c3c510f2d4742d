# SPDX-License-Identifier: AGPL-3.0-or-later
"""Message.headers holds the [[name, value], ...] list itself, as a jsonb array.

Ingest's COPY used to dump the already-encoded JSON once more, so the column
held a JSON string whose text was the list; migration 0008 turns such rows
back into the list.
"""

from __future__ import annotations

import importlib
import json
from types import SimpleNamespace

from django.db import connection

from archive.models import Message
from reviews.missed import hint_ignored
from tests.conftest import DATA

unwrap = importlib.import_module("archive.migrations.0008_headers_json")


def _types() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT jsonb_typeof(headers) FROM archive_message WHERE NOT is_ghost"
        )
        return {row[0] for row in cursor.fetchall()}


def test_ingest_stores_the_header_list_itself(ingest_file) -> None:
    ingest_file(DATA / "parsing" / "rfc2047-headers.eml")
    ingest_file(DATA / "parsing" / "nul-in-indexed-headers.eml")
    assert _types() == {"array"}
    message = Message.objects.real().get(subject__contains="naïve")
    assert ["Subject", "[PATCH] café: fix naïve"] in message.headers
    # The database reads it as a list too: one element per header.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT jsonb_array_length(headers) FROM archive_message WHERE id = %s", [message.id]
        )
        assert cursor.fetchone()[0] == len(message.headers) > 3


def test_hint_ignored_reads_the_stored_list(ingest_file) -> None:
    ingest_file(DATA / "series" / "hint-ignore-autosel.mbox")
    ignored = sorted(hint_ignored().values_list("subject", flat=True))
    assert ignored == [  # not the reply, which has no hint
        "[PATCH AUTOSEL 6.6 2/6] lib: foo: return one",
        "[PATCH AUTOSEL 6.6 3/6] lib: bar: return two",
    ]


def _store_double_encoded(msgid: str, pairs: list[list[str]], text: str | None = None) -> int:
    """A row as the old COPY wrote it: a jsonb string holding the list's JSON."""
    encoded = text if text is not None else json.dumps(pairs)
    message = Message.objects.create(msgid=msgid, subject=msgid)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE archive_message SET headers = to_jsonb(%s::text) WHERE id = %s",
            [encoded, message.id],
        )
    return message.id


def _migrate() -> None:
    unwrap.mend_suspect_rows(None, SimpleNamespace(connection=connection))
    with connection.cursor() as cursor:
        cursor.execute(unwrap._UNWRAP)


def test_migration_unwraps_double_encoded_rows(db) -> None:
    plain = [["Subject", "café 😀"], ["X-Patchwork-Hint", "ignore"], ["To", "a@example.org"]]
    old = _store_double_encoded("old@example.org", plain)
    # Escapes jsonb refuses, which only the mending step can carry over.
    bad_text = '[["X-Nul\\u0000", "lone \\ud800 surrogate"], ["Subject", "ok"]]'
    bad = _store_double_encoded("bad@example.org", [], text=bad_text)
    already = Message.objects.create(msgid="new@example.org", headers=[["Subject", "new"]])
    assert _types() == {"string", "array"}
    _migrate()
    assert _types() == {"array"}
    assert Message.objects.get(id=old).headers == plain
    assert Message.objects.get(id=bad).headers == [
        ["X-Nul\ufffd", "lone \ufffd surrogate"],
        ["Subject", "ok"],
    ]
    assert Message.objects.get(id=already.id).headers == [["Subject", "new"]]
    assert list(hint_ignored().values_list("id", flat=True)) == [old]
    _migrate()  # a second run finds nothing to do
    assert Message.objects.get(id=old).headers == plain
