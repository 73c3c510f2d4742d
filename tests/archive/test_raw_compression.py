"""Raw mail stored compressed (archive/rawcodec.py), old rows readable, ``manage.py compact``."""

from __future__ import annotations

import gzip
import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client

from archive.compaction import compact_raw
from archive.mbox import mboxrd
from archive.models import Message, RawMail
from archive.rawcodec import Codec, pack, unpack
from tests.conftest import DATA

SEARCH = DATA / "search"
PATCH = "20240110-alarm-1@example.org"
REPLY = "reply-1@example.org"


@pytest.fixture
def client() -> Client:
    return Client(HTTP_HOST="127.0.0.1")


@pytest.fixture
def archive(ingest_file) -> dict[str, bytes]:
    """The fixture mails ingested; their bytes by Message-ID."""
    for path in sorted(SEARCH.glob("*.eml")):
        ingest_file(path)
    return {
        PATCH: (SEARCH / "patch-rtc-cmos.eml").read_bytes(),
        REPLY: (SEARCH / "reply-reviewed.eml").read_bytes(),
    }


def _stored() -> dict[str, tuple[int, bytes]]:
    return {
        msgid: (codec, bytes(data))
        for msgid, codec, data in RawMail.objects.values_list("message__msgid", "codec", "stored")
    }


def _unpack_all_in_sql() -> None:
    """Rows as an archive from before compression holds them: the mail itself, codec 0."""
    for message_id, mail in RawMail.objects.mail_by_message().items():
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE archive_rawmail SET data = %s, codec = 0, body_at = NULL"
                " WHERE message_id = %s",
                [mail, message_id],
            )


# --- the codec (no database) ---------------------------------------------------


@pytest.mark.parametrize("path", sorted(SEARCH.glob("*.eml")), ids=lambda p: p.name)
def test_pack_reads_back_byte_for_byte_and_is_smaller(path) -> None:
    raw = path.read_bytes()
    codec, stored = pack(raw)
    assert codec == Codec.ZSTD and len(stored) < len(raw)
    assert unpack(codec, stored) == raw


def test_mail_zstd_does_not_shrink_is_kept_as_it_is() -> None:
    for raw in (b"", b"X: y\n\nz", bytes(range(256))):
        assert pack(raw) == (Codec.NONE, raw)
        assert unpack(Codec.NONE, memoryview(raw)) == raw


def test_an_unknown_codec_is_an_error_not_garbage() -> None:
    with pytest.raises(ValueError, match="unknown raw mail codec 7"):
        unpack(7, b"x")


# --- ingest and every reader -----------------------------------------------------


def test_ingest_stores_mail_compressed_and_raw_serves_it_exactly(client, archive) -> None:
    stored = _stored()
    for msgid, mail in archive.items():
        codec, data = stored[msgid]
        assert codec == Codec.ZSTD and len(data) < len(mail)
        raw = RawMail.objects.get(message__msgid=msgid)
        assert raw.size == len(mail) and raw.mail == mail
        assert client.get(f"/all/{msgid}/raw").content == mail


def test_rows_from_before_compression_read_the_same(client, archive) -> None:
    _unpack_all_in_sql()
    assert {codec for codec, _ in _stored().values()} == {Codec.NONE}
    assert client.get(f"/all/{PATCH}/raw").content == archive[PATCH]
    thread = gzip.decompress(client.get(f"/all/{REPLY}/t.mbox.gz").content)
    assert thread == mboxrd([archive[PATCH], archive[REPLY]])
    message = Message.objects.get(msgid=PATCH)
    assert RawMail.objects.mail_of(message.pk) == archive[PATCH]


def test_compact_packs_old_rows_and_every_reader_sees_the_same_bytes(client, archive) -> None:
    _unpack_all_in_sql()
    out = io.StringIO()
    call_command("compact", batch=1, stdout=out)
    assert out.getvalue().startswith("3 uncompressed raw mails read, 3 compressed: ")
    assert "VACUUM FULL archive_rawmail" in out.getvalue()
    assert {codec for codec, _ in _stored().values()} == {Codec.ZSTD}
    assert client.get(f"/all/{PATCH}/raw").content == archive[PATCH]
    thread = gzip.decompress(client.get(f"/all/{REPLY}/t.mbox.gz").content)
    assert thread == mboxrd([archive[PATCH], archive[REPLY]])
    # reparse reads the raw mail again: the same messages come out of it
    subjects = dict(Message.objects.real().values_list("msgid", "subject"))
    call_command("reparse", stdout=io.StringIO())
    assert dict(Message.objects.real().values_list("msgid", "subject")) == subjects


def test_compact_interrupted_resumes_and_then_has_nothing_to_do(archive) -> None:
    _unpack_all_in_sql()
    first = next(compact_raw(batch=1))  # stopped after one committed batch
    assert (first.read, first.packed) == (1, 1)
    assert first.bytes_after < first.bytes_before
    codecs = sorted(codec for codec, _ in _stored().values())
    assert codecs == [Codec.NONE, Codec.NONE, Codec.ZSTD]
    rest = list(compact_raw(batch=1))
    assert [(s.read, s.packed) for s in rest] == [(1, 1), (1, 1)]
    assert list(compact_raw()) == []
    assert RawMail.objects.get(message__msgid=PATCH).mail == archive[PATCH]
