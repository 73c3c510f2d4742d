"""Message bodies packed by the application (archive.bodycodec, archive migration 0030).

A body reads back as the text column held it, character for character, through
the ORM and through written-out SQL; a database migrated either way keeps them.
"""

from __future__ import annotations

import importlib
from types import SimpleNamespace

import psycopg
import pytest
from django.db import connection, transaction

from archive import bodycodec, rawcodec
from archive.bodycodec import HEADER, pack_body, unpack_body
from archive.models import Message
from archive.rawcodec import Codec

PACKED = importlib.import_module("archive.migrations.0030_packed_body")

TEXTS = {
    "empty": "",
    "ascii": "Fix the alarm.\n\nSigned-off-by: A <a@example.org>\n" * 20,
    "short": "ok",
    "non-ascii": "Grüße, café, 日本語, Ελληνικά\n" * 10,
    "astral": "emoji \U0001f600 and \U00010348 gothic, \U0001d11e clef\n" * 10,
    "replaced NUL": "before\ufffdafter\n",
}

MAIL = (
    "From: Zoë <zoe@example.org>\nTo: list@example.org\nSubject: packed\n"
    "Message-ID: <{n}@example.org>\nDate: Mon, 1 Jan 2024 00:00:00 +0000\n"
    "MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n"
    "Content-Transfer-Encoding: 8bit\n\n{body}"
)


@pytest.mark.parametrize("name", TEXTS)
def test_a_body_round_trips_character_for_character(name: str) -> None:
    text = TEXTS[name]
    stored = pack_body(text)
    assert unpack_body(stored) == text
    assert unpack_body(memoryview(stored)) == text
    if text:
        # The header: codec, then the length in UTF-8 bytes (threadwork_body_octets).
        assert stored[0] in tuple(Codec)
        assert int.from_bytes(stored[1:HEADER], "big") == len(text.encode())


def test_long_bodies_are_packed_and_tiny_ones_kept_as_they_are() -> None:
    assert pack_body(TEXTS["ascii"])[0] == Codec.ZSTD
    assert len(pack_body(TEXTS["ascii"])) < len(TEXTS["ascii"]) // 5
    assert pack_body("ok") == bytes((Codec.NONE,)) + (2).to_bytes(4, "big") + b"ok"


def _packed_with_a_dictionary(dict_id: int) -> bytes:
    """The non-ASCII body packed with a dictionary trained here under ``dict_id``."""
    trained = rawcodec.train([t.encode() * 40 for t in TEXTS.values() if t] * 200, dict_id)
    assert trained is not None
    rawcodec.use_dictionary(trained)
    try:
        return pack_body(TEXTS["non-ascii"])
    finally:
        rawcodec.use_dictionary(None)


def test_a_body_packed_with_the_dictionary_reads_back() -> None:
    stored = _packed_with_a_dictionary(40001)
    assert stored[0] == Codec.ZSTD_DICT
    assert unpack_body(stored) == TEXTS["non-ascii"]


@pytest.mark.django_db
def test_a_body_whose_dictionary_is_missing_is_an_error_that_says_so() -> None:
    """A fresh process looks the dictionary up (archive.rawdicts); none here."""
    stored = _packed_with_a_dictionary(40002)
    rawcodec._dictionaries.pop(40002)  # as a process that never packed with it
    with pytest.raises(ValueError, match=r"^message body packed with zstd dictionary 40002, which"):
        unpack_body(stored)


def test_text_utf8_cannot_hold_is_refused_as_the_column_refused_it() -> None:
    with pytest.raises(UnicodeEncodeError):
        pack_body("lone \ud800 surrogate")


def _ingest_texts(ingest_file, tmp_path) -> dict[str, str]:
    path = tmp_path / "packed.mbox"
    with path.open("w", encoding="utf-8") as out:
        for n, name in enumerate(TEXTS):
            body = TEXTS[name].replace("\ufffd", "\x00")  # NUL in the mail, replaced as stored
            out.write("From x@y Mon Jan  1 00:00:00 2024\n" + MAIL.format(n=n, body=body) + "\n")
    ingest_file(path)
    return dict(Message.objects.real().values_list("msgid", "body"))


@pytest.mark.django_db
def test_ingested_bodies_read_the_same_through_the_orm_and_sql(ingest_file, tmp_path) -> None:
    bodies = _ingest_texts(ingest_file, tmp_path)
    assert {msgid: body.rstrip("\n") for msgid, body in bodies.items()} == {
        f"{n}@example.org": text.rstrip("\n") for n, text in enumerate(TEXTS.values())
    }
    assert bodies["5@example.org"] == "before\ufffdafter\n"  # NUL replaced, as before
    assert "\U0001f600" in bodies["4@example.org"]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT msgid, body, threadwork_body_octets(body), octet_length(body)"
            " FROM archive_message WHERE NOT is_ghost"
        )
        rows = cursor.fetchall()
        cursor.execute(
            "SELECT attstorage FROM pg_attribute"
            " WHERE attrelid = 'archive_message'::regclass AND attname = 'body'"
        )
        assert cursor.fetchone()[0] == "e"  # EXTERNAL: no pglz on packed bytes
    for msgid, stored, octets, _ in rows:
        assert isinstance(stored, bytes)  # SQL reads the packed bytes ...
        assert unpack_body(stored) == bodies[msgid]  # ... which unpack to the ORM's text
        assert octets == len(bodies[msgid].encode())
    long = next(r for r in rows if r[0] == "1@example.org")
    assert long[3] < long[2]  # stored packed


@pytest.mark.django_db
def test_a_migrated_database_reads_the_same_bodies(
    ingest_file, tmp_path, without_body_trigger
) -> None:
    bodies = _ingest_texts(ingest_file, tmp_path)
    editor = SimpleNamespace(connection=connection)
    with connection.cursor() as cursor:  # the ingest's deferred checks, before ALTER TABLE
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    PACKED.unpack(None, editor)
    with connection.cursor() as cursor:
        cursor.execute("SELECT msgid, body FROM archive_message WHERE NOT is_ghost")
        assert dict(cursor.fetchall()) == bodies  # the text column, as before 0030
        cursor.execute(
            "SELECT format_type(atttypid, atttypmod), attstorage FROM pg_attribute"
            " WHERE attrelid = 'archive_message'::regclass AND attname = 'body'"
        )
        assert cursor.fetchone() == ("text", "x")
    PACKED.pack(None, editor)
    assert dict(Message.objects.real().values_list("msgid", "body")) == bodies
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT format_type(atttypid, atttypmod), attstorage FROM pg_attribute"
            " WHERE attrelid = 'archive_message'::regclass AND attname = 'body'"
        )
        assert cursor.fetchone() == ("bytea", "e")
        cursor.execute("SELECT count(*) FROM archive_message WHERE body = ''::bytea")
        empty = sum(1 for b in bodies.values() if not b)
        assert cursor.fetchone()[0] == empty + Message.objects.filter(is_ghost=True).count()


@pytest.mark.django_db(transaction=True)
def test_a_body_written_while_the_migration_packs_is_not_overwritten(
    ingest_file, tmp_path, monkeypatch, without_body_trigger
) -> None:
    """A writer waits for the rewrite (here: gives up), or its body is the one kept."""
    bodies = _ingest_texts(ingest_file, tmp_path)
    target = Message.objects.get(msgid="1@example.org").id
    editor = SimpleNamespace(connection=connection)
    with transaction.atomic():  # as the migration runs
        PACKED.unpack(None, editor)
    written: list[bool] = []
    pack = bodycodec.pack_body

    def pack_while_another_writes(text: str) -> bytes:
        if not written:  # once the first batch was read
            with psycopg.connect(**connection.get_connection_params()) as other:
                other.execute("SET lock_timeout = '300ms'")
                try:
                    other.execute(
                        "UPDATE archive_message SET body = 'written meanwhile' WHERE id = %s",
                        [target],
                    )
                    other.commit()
                    written.append(True)
                except psycopg.errors.LockNotAvailable:
                    written.append(False)
        return pack(text)

    monkeypatch.setattr(bodycodec, "pack_body", pack_while_another_writes)
    with transaction.atomic():
        PACKED.pack(None, editor)
    body = Message.objects.get(id=target).body
    assert written == [False], f"the writer was let in, and its body became {body[:20]!r}"
    assert body == bodies["1@example.org"]
