# SPDX-License-Identifier: AGPL-3.0-or-later
"""``manage.py quarantine``: list, show and retry mail that could not be archived."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from archive.models import Message, QuarantinedMail, RawMail
from tests.conftest import DATA

INGEST = DATA / "ingest"
PARENT = INGEST / "reply-before-parent.parent.eml"
REPLY = INGEST / "reply-before-parent.reply.eml"
GARBAGE = INGEST / "garbage.bin"


def quarantine(*args: str) -> str:
    out = io.StringIO()
    call_command("quarantine", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


@pytest.fixture
def too_large(ingest_file, settings):
    """Two messages quarantined as too large (one with a --list hint), then the limit raised."""
    settings.THREADWORK_MAX_MESSAGE_BYTES = 100
    ingest_file(PARENT, "hinted.example.org")
    ingest_file(REPLY)
    settings.THREADWORK_MAX_MESSAGE_BYTES = 10_000_000
    return {q.origin: q for q in QuarantinedMail.objects.all()}


def test_list_shows_one_line_each_and_a_count(too_large, ingest_file) -> None:
    ingest_file(GARBAGE)
    lines = quarantine().splitlines()
    assert lines[-1] == "3 quarantined"
    rows = [line.split("\t") for line in lines[:-1]]
    assert [row[0] for row in rows] == sorted((row[0] for row in rows), key=int)
    by_origin = {row[3]: row for row in rows}
    parent = by_origin[str(PARENT)]
    assert parent[0] == str(too_large[str(PARENT)].id)
    assert parent[1:3] == ["too-large", str(len(PARENT.read_bytes()))]
    assert "over the 100-byte limit" in parent[4]
    assert by_origin[str(GARBAGE)][1] == "unparseable"


@pytest.mark.django_db
def test_list_of_an_empty_quarantine() -> None:
    assert quarantine() == "0 quarantined\n"


def test_show_prints_the_exact_bytes(too_large) -> None:
    buffer = io.BytesIO()
    out = io.TextIOWrapper(buffer, encoding="utf-8")
    call_command("quarantine", "--show", str(too_large[str(PARENT)].id), stdout=out)
    out.flush()
    assert buffer.getvalue() == PARENT.read_bytes()


@pytest.mark.django_db
def test_show_unknown_id_is_an_error() -> None:
    with pytest.raises(CommandError, match="No quarantined message has id 999"):
        quarantine("--show", "999")


def test_retry_all_archives_them_and_empties_the_quarantine(too_large) -> None:
    out = quarantine("--retry").splitlines()
    assert out[0].startswith("2 read, 2 new, 0 duplicate, 0 quarantined in ")
    assert out[1] == "2 released from quarantine, 0 still quarantined"
    assert not QuarantinedMail.objects.exists()
    assert Message.objects.real().count() == 2
    assert RawMail.objects.get(message__msgid="parent@example.org").mail == PARENT.read_bytes()
    reply = Message.objects.get(msgid="reply@example.org")
    assert reply.parent.msgid == "parent@example.org"


def test_retry_files_mail_in_the_hinted_list(too_large) -> None:
    quarantine("--retry")
    lists = Message.objects.get(msgid="parent@example.org").lists.values_list("list_id", flat=True)
    assert list(lists) == ["hinted.example.org"]
    reply_lists = Message.objects.get(msgid="reply@example.org").lists.values_list(
        "name", flat=True
    )
    assert list(reply_lists) == ["test"]  # no hint: its own List-Id


def test_retry_by_id_leaves_the_others(too_large) -> None:
    chosen = too_large[str(REPLY)]
    quarantine("--retry", str(chosen.id))
    assert list(QuarantinedMail.objects.values_list("origin", flat=True)) == [str(PARENT)]
    assert Message.objects.filter(msgid="reply@example.org", is_ghost=False).exists()


def test_retry_still_failing_stays_quarantined(ingest_file) -> None:
    ingest_file(GARBAGE)
    out = quarantine("--retry").splitlines()
    assert out[0].startswith("1 read, 0 new, 0 duplicate, 1 quarantined in ")
    assert out[1] == "0 released from quarantine, 1 still quarantined"
    kept = QuarantinedMail.objects.get()
    assert kept.attempts == 2
    assert bytes(kept.data) == GARBAGE.read_bytes()


def test_retry_of_mail_archived_meanwhile_releases_it(too_large, ingest_file) -> None:
    ingest_file(PARENT)  # now under the raised limit: archived by a normal ingest
    out = quarantine("--retry").splitlines()
    assert out[0].startswith("2 read, 1 new, 1 duplicate, 0 quarantined in ")
    assert not QuarantinedMail.objects.exists()


@pytest.mark.django_db
def test_retry_unknown_id_is_an_error() -> None:
    with pytest.raises(CommandError, match="No quarantined message has id 41, 42"):
        quarantine("--retry", "42", "41")


@pytest.mark.django_db
def test_show_and_retry_are_exclusive() -> None:
    with pytest.raises(CommandError):
        quarantine("--show", "1", "--retry")
