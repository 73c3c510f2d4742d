# SPDX-License-Identifier: AGPL-3.0-or-later
"""Raw mail packed with a zstd dictionary trained on the archive's own mail (archive/rawdicts.py).

Not a byte may change: every reader (the model, ``/raw``, another process
that has to load the dictionary from the database) gets the mail exactly as
received, and a row whose dictionary is gone is an error, never garbage.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from email.message import EmailMessage

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client

from archive import rawcodec, rawdicts
from archive.ingest import ingest
from archive.models import RawDictionary, RawMail
from archive.rawcodec import Codec, pack, unpack
from archive.sources import RawMail as Incoming

HEAD = 40  # the import size that trains a dictionary, made small for the test


def _mail(number: int) -> bytes:
    msg = EmailMessage()
    msg["From"] = f"Dev {number} <dev{number}@example.org>"
    msg["To"] = "linux-rtc@vger.kernel.org"
    msg["Cc"] = "Alexandre Belloni <alexandre.belloni@bootlin.com>"
    msg["Subject"] = f"[PATCH v{number % 4 + 1} {number % 7 + 1}/7] rtc: fix alarm {number}"
    msg["Message-ID"] = f"<dict-{number}@example.org>"
    msg["Date"] = "Sun, 06 Dec 2026 05:00:00 +0000"
    msg["List-Id"] = "<linux-rtc.vger.kernel.org>"
    msg.set_content(
        f"The alarm of board {number} fires late when clock {number * 7919 % 1000} drifts.\n\n"
        f"Signed-off-by: Dev {number} <dev{number}@example.org>\n---\n"
        f" drivers/rtc/rtc-cmos.c | {number % 9 + 1} +-\n"
    )
    return msg.as_bytes()


def _forget_dictionaries() -> None:
    """As a process that never saw them: they must come from the database."""
    rawcodec._dictionaries.clear()
    rawdicts._known.clear()
    for name in ("compressors", "decompressors"):
        getattr(rawcodec._local, name, {}).clear()


@pytest.fixture(autouse=True)
def small_dictionaries(monkeypatch) -> Iterator[None]:
    monkeypatch.setattr(rawdicts, "SAMPLE_HEAD", HEAD)
    monkeypatch.setattr(rawcodec, "DICTIONARY_BYTES", 2048)
    yield
    rawcodec.use_dictionary(None)  # other tests pack plain zstd
    _forget_dictionaries()


def test_a_dictionary_packs_smaller_and_reads_back_byte_for_byte() -> None:
    data = rawcodec.train([_mail(n) for n in range(0, 60, 2)], 40_000)
    assert data is not None
    plain_codec, plain = pack(_mail(99))
    rawcodec.use_dictionary(data)
    codec, packed = pack(_mail(99))
    assert (plain_codec, codec) == (Codec.ZSTD, Codec.ZSTD_DICT)
    assert len(packed) < len(plain) / 2
    assert unpack(codec, memoryview(packed)) == _mail(99)


def test_too_few_samples_train_nothing() -> None:
    assert rawcodec.train([b"x"], 40_000) is None


# Forked parse workers need the connection closed: no enclosing test transaction.
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("workers", [1, 2])
def test_an_import_trains_the_archive_dictionary_and_every_reader_gets_the_mail(
    workers: int,
) -> None:
    mails = {f"dict-{n}@example.org": _mail(n) for n in range(HEAD + 10)}
    summary = ingest([Incoming(m, "test") for m in mails.values()], workers=workers)
    assert summary.new == len(mails)
    (dictionary,) = RawDictionary.objects.all()
    assert dictionary.samples == HEAD // rawdicts.SAMPLE_STEP
    rows = RawMail.objects.select_related("message")
    assert {r.codec for r in rows} == {Codec.ZSTD_DICT}  # the head too: trained before packing
    _forget_dictionaries()
    client = Client(HTTP_HOST="127.0.0.1")
    for row in rows:
        assert row.mail == mails[row.message.msgid]
        assert client.get(f"/all/{row.message.msgid}/raw").content == mails[row.message.msgid]

    # A later ingest, however small, packs with the archive's dictionary.
    _forget_dictionaries()
    ingest([Incoming(_mail(1000), "test")], workers=1)
    assert RawDictionary.objects.count() == 1
    late = RawMail.objects.get(message__msgid="dict-1000@example.org")
    assert late.codec == Codec.ZSTD_DICT and late.mail == _mail(1000)


@pytest.mark.django_db
def test_a_small_import_into_an_archive_without_one_stays_plain_zstd() -> None:
    ingest([Incoming(_mail(n), "test") for n in range(HEAD - 1)], workers=1)
    assert not RawDictionary.objects.exists()
    assert {r.codec for r in RawMail.objects.all()} == {Codec.ZSTD}


@pytest.mark.django_db
def test_mail_whose_dictionary_is_missing_is_an_error_not_garbage() -> None:
    ingest([Incoming(_mail(n), "test") for n in range(HEAD)], workers=1)
    row = RawMail.objects.first()
    assert row is not None
    RawDictionary.objects.all().delete()
    _forget_dictionaries()
    with pytest.raises(ValueError, match="which is missing"):
        _ = row.mail


@pytest.mark.django_db
def test_compact_with_a_dictionary_repacks_an_archive_from_before_byte_for_byte() -> None:
    mails = {f"dict-{n}@example.org": _mail(n) for n in range(HEAD - 1)}
    ingest([Incoming(m, "test") for m in mails.values()], workers=1)  # too few to train
    with connection.cursor() as cursor:  # and one row as stored before compression
        cursor.execute(
            "UPDATE archive_rawmail SET data = %s, codec = 0, body_at = NULL WHERE message_id = "
            "(SELECT id FROM archive_message WHERE msgid = 'dict-3@example.org')",
            [mails["dict-3@example.org"]],
        )
    before = _stored_bytes()
    out = io.StringIO()
    call_command("compact", dictionary=True, batch=7, stdout=out)
    assert out.getvalue().startswith(f"{len(mails)} uncompressed or plain zstd raw mails read")
    (dictionary,) = RawDictionary.objects.all()
    assert dictionary.samples == len(mails)  # spread over the archive: all of so few
    assert {r.codec for r in RawMail.objects.all()} == {Codec.ZSTD_DICT}
    assert _stored_bytes() < before / 2
    _forget_dictionaries()
    client = Client(HTTP_HOST="127.0.0.1")
    for row in RawMail.objects.select_related("message"):
        assert row.mail == mails[row.message.msgid]
        assert client.get(f"/all/{row.message.msgid}/raw").content == mails[row.message.msgid]
    out = io.StringIO()
    call_command("compact", dictionary=True, stdout=out)  # nothing left to do
    assert out.getvalue().startswith("0 uncompressed or plain zstd raw mails read, 0 compressed")


def _stored_bytes() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT sum(octet_length(data)) FROM archive_rawmail")
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_a_worker_warm_up_readies_the_archive_dictionaries_for_its_first_page() -> None:
    """After ``ready_to_unpack`` a mail packed with the archive's dictionary unpacks
    without a query for the dictionary, the decompressor already made."""
    from django.test.utils import CaptureQueriesContext

    mails = [_mail(n) for n in range(HEAD + 2)]
    ingest([Incoming(m, "test") for m in mails], workers=1)
    (dictionary,) = RawDictionary.objects.all()
    row = (
        RawMail.objects.order_by("message_id")
        .values_list("codec", "stored", "body_at", "message__body")
        .last()
    )
    _forget_dictionaries()

    rawdicts.ready_to_unpack()
    assert set(rawcodec._local.decompressors) == {dictionary.id}
    with CaptureQueriesContext(connection) as queries:
        rest = unpack(row[0], row[1])
        assert rawcodec.splice_body(rest, row[2], row[3].encode()) == mails[-1]
    assert not queries.captured_queries
