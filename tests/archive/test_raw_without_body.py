"""Raw mail stored without the bytes its message's body already holds (#21 disk).

``rawcodec.cut_body`` leaves the body out of what is stored and
``archive_rawmail.body_at`` says where it goes back; every reader gets the mail
byte for byte, and the body such a row needs cannot change (migration 0036's
trigger).
"""

from __future__ import annotations

import gzip
import importlib
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.db import connection, transaction
from django.db.utils import DatabaseError

from archive import browse, rawmail
from archive.incoming import _archived_content
from archive.mbox import mboxrd
from archive.models import Message, RawMail
from archive.parsing import mail_headers, parse_message
from archive.rawcodec import CUT_AT_LEAST, cut_body, pack, splice_body, unpack

DATA = Path(__file__).resolve().parent.parent / "data"
BODY = b"Fix the alarm when the RTC wraps at midnight.\n\nSigned-off-by: A <a@example.org>\n"
MAIL = (
    b"From: A <a@example.org>\nSubject: [PATCH] rtc: fix\nMessage-ID: <cut@example.org>\n"
    b"Content-Type: text/plain; charset=utf-8\n\n" + BODY
)
# Each stored whole for its own reason: quoted-printable (the text is not its
# bytes), a multipart whose body is no one run of bytes, bodies of a few bytes.
WHOLE = [
    DATA / "display" / "invisible-chars-in-diff.mbox",
    DATA / "parsing" / "multipart-text-attachment.eml",
    DATA / "parsing" / "raw-utf8-headers.eml",
    DATA / "parsing" / "raw-latin1-headers.eml",
]
PLAIN = [
    DATA / "search" / "patch-rtc-cmos.eml",
    DATA / "search" / "reply-reviewed.eml",
    DATA / "search" / "hostile-names.eml",
]


# --- the cut (no database) ------------------------------------------------------


def test_the_body_is_cut_out_after_the_header_and_goes_back_byte_for_byte() -> None:
    rest, at = cut_body(MAIL, BODY)
    assert at == MAIL.index(b"\n\n") + 2 and rest == MAIL[:at]
    assert splice_body(rest, at, BODY) == MAIL
    signed = MAIL + b"\n-- \nA list footer\n"  # text after the body stays where it was
    rest, at = cut_body(signed, BODY)
    assert rest.endswith(b"-- \nA list footer\n") and splice_body(rest, at, BODY) == signed


@pytest.mark.parametrize(
    ("mail", "body"),
    [
        (MAIL, BODY[: CUT_AT_LEAST - 1]),  # too short to be worth an offset
        (MAIL, BODY.replace(b"midnight", b"noon")),  # not in the mail
        (MAIL.replace(b"\n\n", b"\r\n\r\n", 1), BODY),  # no LF empty line: never cut
        (b"Subject: " + BODY.replace(b"\n", b" ") + b"\n\nshort", BODY.replace(b"\n", b" ")),
    ],
    ids=["short", "absent", "crlf-header", "only-in-header"],
)
def test_a_body_not_verbatim_after_the_header_is_not_cut(mail: bytes, body: bytes) -> None:
    assert cut_body(mail, body) == (mail, None)
    assert splice_body(mail, None, body) == mail


# --- ingest and every reader ----------------------------------------------------


def _mails(path: Path) -> list[bytes]:
    from archive.sources import iter_source

    return [m.data for m in iter_source(str(path))]


@pytest.fixture
def archived(ingest_file) -> dict[str, bytes]:
    """The fixtures ingested: their mail by Message-ID."""
    mails: dict[str, bytes] = {}
    for path in [*PLAIN, *WHOLE]:
        ingest_file(path)
        for mail in _mails(path):
            mails[parse_message(mail).msgid] = mail
    return mails


def _rows() -> dict[str, tuple[int | None, int]]:
    return {
        msgid: (body_at, len(stored))
        for msgid, body_at, stored in RawMail.objects.values_list(
            "message__msgid", "body_at", "stored"
        )
    }


@pytest.mark.django_db
def test_plain_mail_is_stored_without_its_body_and_other_mail_whole(archived) -> None:
    rows = _rows()
    cut = {msgid for msgid, (at, _) in rows.items() if at is not None}
    whole = {parse_message(m).msgid for p in WHOLE for m in _mails(p)}
    assert cut == set(archived) - whole
    for msgid in cut:  # smaller than the whole mail packed alone
        message = Message.objects.get(msgid=msgid)
        assert rows[msgid][1] < len(pack(archived[msgid])[1])
        at = rows[msgid][0]
        assert archived[msgid][at : at + len(message.body.encode())] == message.body.encode()


@pytest.mark.django_db
def test_every_reader_gets_the_mail_byte_for_byte(client, archived) -> None:
    by_id = dict(Message.objects.filter(msgid__in=archived).values_list("id", "msgid"))
    assert {by_id[i]: m for i, m in RawMail.objects.mail_by_message().items()} == archived
    for message_id, msgid in by_id.items():
        mail = archived[msgid]
        assert RawMail.objects.get(message_id=message_id).mail == mail
        assert RawMail.objects.mail_of(message_id) == mail
        assert client.get(f"/all/{msgid}/raw").content == mail
        # Headers come from the stored bytes alone, whole or cut.
        assert Message.objects.get(id=message_id).headers == mail_headers(mail)
        thread_id = Message.objects.get(id=message_id).thread_id
        in_thread = browse.thread_mbox_raws(thread_id)
        assert mail in in_thread
        got = gzip.decompress(client.get(f"/all/{msgid}/t.mbox.gz").content)
        assert got == mboxrd(in_thread)
    assert RawMail.objects.mail_of(max(by_id) + 1) is None
    with connection.cursor() as cursor:  # the renaming check parses archived mail again
        content = _archived_content(cursor, list(archived))
    assert content == {m: parse_message(mail).content_sha256 for m, mail in archived.items()}


@pytest.mark.django_db
def test_sql_readers_read_the_body_only_where_the_mail_needs_it(archived) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT m.msgid, {rawmail.COLUMNS} FROM archive_rawmail r"
            " JOIN archive_message m ON m.id = r.message_id"
        )
        rows = cursor.fetchall()
    assert {msgid: rawmail.whole(*stored) for msgid, *stored in rows} == archived
    assert all((at is None) == (body is None) for _, _, _, at, body in rows)
    _, codec, stored, at, _ = next(r for r in rows if r[3] is not None)
    with pytest.raises(ValueError, match="without its body"):
        rawmail.whole(codec, stored, at, None)


@pytest.mark.django_db
def test_the_body_a_stored_mail_needs_cannot_change(archived) -> None:
    cut = Message.objects.filter(rawmail__body_at__isnull=False).first()
    refused = pytest.raises(DatabaseError, match="is part of its stored raw mail")
    with refused, transaction.atomic():
        Message.objects.filter(id=cut.id).update(body="rewritten")
    whole = Message.objects.filter(rawmail__body_at__isnull=True).first()
    Message.objects.filter(id=whole.id).update(body="rewritten")  # its mail is all stored
    assert Message.objects.get(id=whole.id).body == "rewritten"


@pytest.mark.django_db
def test_migrating_back_stores_every_mail_whole_first(archived) -> None:
    migration = importlib.import_module("archive.migrations.0036_raw_without_body")
    migration.store_whole(None, SimpleNamespace(connection=connection))
    rows = RawMail.objects.values_list("message__msgid", "codec", "stored", "body_at")
    assert {msgid: unpack(codec, stored) for msgid, codec, stored, _ in rows} == archived
    assert {at for *_, at in rows} == {None}


@pytest.mark.django_db
def test_compact_cuts_mail_archived_whole_as_ingest_would(archived) -> None:
    from io import StringIO

    from django.core.management import call_command

    cut_by_ingest = {m for m, (at, _) in _rows().items() if at is not None}
    migration = importlib.import_module("archive.migrations.0036_raw_without_body")
    migration.store_whole(None, SimpleNamespace(connection=connection))  # as archived before
    out = StringIO()
    call_command("compact", bodies=True, batch=2, stdout=out)
    assert f", {len(cut_by_ingest)} compressed" in out.getvalue()
    assert {m for m, (at, _) in _rows().items() if at is not None} == cut_by_ingest
    assert {
        Message.objects.get(id=i).msgid: mail
        for i, mail in RawMail.objects.mail_by_message().items()
    } == archived
    again = StringIO()
    call_command("compact", bodies=True, stdout=again)  # resumable: nothing left to cut
    assert ", 0 compressed" in again.getvalue()


@pytest.mark.django_db(transaction=True)
def test_a_body_change_and_a_batch_cutting_its_mail_wait_for_each_other(archived) -> None:
    """The trigger locks a body's raw mail row, which a ``compact --bodies`` batch locks
    first (archive.compaction): neither reads what the other is changing."""
    import psycopg

    from archive.compaction import _LOCK_WHOLE_SQL

    migration = importlib.import_module("archive.migrations.0036_raw_without_body")
    migration.store_whole(None, SimpleNamespace(connection=connection))  # as archived before
    target = RawMail.objects.order_by("message_id").values_list("message_id", flat=True)[0]
    params = connection.get_connection_params()
    with psycopg.connect(**params) as batch:  # a batch holding its rows' locks
        batch.execute(_LOCK_WHOLE_SQL, [target - 1, 1])
        with psycopg.connect(**params, autocommit=True) as writer:
            writer.execute("SET lock_timeout = '300ms'")
            with pytest.raises(psycopg.errors.LockNotAvailable):
                writer.execute(
                    "UPDATE archive_message SET body = ''::bytea WHERE id = %s", [target]
                )
        batch.rollback()
    with psycopg.connect(**params) as writer:  # a body change in progress ...
        writer.execute("UPDATE archive_message SET body = ''::bytea WHERE id = %s", [target])
        with psycopg.connect(**params) as batch:  # ... holds the batch back
            batch.execute("SET lock_timeout = '300ms'")
            with pytest.raises(psycopg.errors.LockNotAvailable):
                batch.execute(_LOCK_WHOLE_SQL, [target - 1, 1])
        writer.rollback()
