# SPDX-License-Identifier: AGPL-3.0-or-later
"""The ingest pipeline end to end: sources -> parsing -> threading -> PostgreSQL.

Scenario mails live in ``tests/data/ingest/``; the seed thread ships in ``sample/``.
"""

from __future__ import annotations

import email
import email.utils
import hashlib
import io
import random
import re
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from archive import ingest as ingest_module
from archive.ingest import IngestSummary, ingest
from archive.models import MailingList, Message, QuarantinedMail, RawMail, Thread
from archive.parsing import normalize_msgid
from archive.sources import iter_source
from tests.conftest import DATA, SAMPLE

INGEST = DATA / "ingest"
PARSING = DATA / "parsing"
SEED = SAMPLE / "alloc_pages_vma-thread.mbox"
SEED_COVER = "20190613094326.24093-1-hch@lst.de"
SEED_PATCH = "20190613094326.24093-6-hch@lst.de"
SUMMARY_LINE = re.compile(
    r"^\d+ read, \d+ new, \d+ duplicate, \d+ quarantined in \d+\.\d s \(\d+ msg/s\)$"
)


def message(msgid: str) -> Message:
    return Message.objects.select_related("parent", "thread").get(msgid=msgid)


def parent_msgid(msgid: str) -> str | None:
    parent = message(msgid).parent
    return parent.msgid if parent else None


def list_names(msgid: str) -> list[str]:
    """The message's lists, once its row's ``list_ids`` (which searches read) is checked
    against its ``MessageList`` rows."""
    found = message(msgid)
    assert found.list_ids == sorted(found.lists.values_list("id", flat=True))
    return sorted(found.lists.values_list("name", flat=True))


def counts(summary: IngestSummary) -> tuple[int, int, int, int]:
    return summary.read, summary.new, summary.duplicate, summary.quarantined


def run_command(*args: str) -> str:
    out = io.StringIO()
    call_command("ingest", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


# --- the seed thread -----------------------------------------------------------------------


def test_seed_thread_is_one_thread_of_thirteen(ingest_file) -> None:
    summary = ingest_file(SEED)
    assert counts(summary) == (13, 13, 0, 0)
    assert Message.objects.real().count() == 13
    assert list(Message.objects.filter(is_ghost=True).values_list("msgid", flat=True)) == [
        SEED_COVER
    ]
    assert Thread.objects.count() == 1
    thread = Thread.objects.get()
    assert set(Message.objects.values_list("thread_id", flat=True)) == {thread.id}
    assert thread.message_count == 13
    assert thread.subject == "[PATCH 05/22] mm: export alloc_pages_vma"
    assert thread.first_date == datetime(2019, 6, 13, 9, 43, tzinfo=UTC)
    assert thread.last_activity == datetime(2019, 6, 27, 6, 41, tzinfo=UTC)
    assert list(thread.lists.values_list("name", flat=True)) == ["linux-mm"]


@pytest.mark.parametrize(
    ("child", "parent"),
    [
        (SEED_PATCH, SEED_COVER),
        ("201906140147.r1.jhubbard@seed.example", SEED_PATCH),
        ("201906140623.r2.hch@seed.example", "201906140147.r1.jhubbard@seed.example"),
        ("201906201917.r3.mhocko@seed.example", SEED_PATCH),
        ("201906241824.r4.dan.j.williams@seed.example", "201906201917.r3.mhocko@seed.example"),
        ("201906270641.r12.mhocko@seed.example", "201906261614.r11.dan.j.williams@seed.example"),
    ],
)
def test_seed_thread_replies_hang_under_their_in_reply_to(ingest_file, child, parent) -> None:
    ingest_file(SEED)
    assert parent_msgid(child) == parent


def test_seed_thread_every_parent_is_the_in_reply_to(ingest_file) -> None:
    ingest_file(SEED)
    for mail in iter_source(str(SEED)):
        parsed = email.message_from_bytes(mail.data)
        msgid = normalize_msgid(parsed["Message-ID"])
        assert parent_msgid(msgid) == normalize_msgid(parsed["In-Reply-To"]), msgid
    assert message(SEED_COVER).parent is None


def test_seed_thread_reingest_adds_nothing(ingest_file) -> None:
    ingest_file(SEED)
    before = list(Message.objects.order_by("id").values_list("id", "parent_id", "thread_id"))
    assert counts(ingest_file(SEED)) == (13, 0, 13, 0)
    after = list(Message.objects.order_by("id").values_list("id", "parent_id", "thread_id"))
    assert after == before
    assert Thread.objects.get().message_count == 13


def test_raw_mail_is_kept_byte_for_byte(ingest_file) -> None:
    ingest_file(SEED)
    for mail in iter_source(str(SEED)):
        msgid = normalize_msgid(email.message_from_bytes(mail.data)["Message-ID"])
        raw = RawMail.objects.get(message__msgid=msgid)
        assert raw.mail == mail.data
        assert raw.sha256 == hashlib.sha256(mail.data).hexdigest()
        assert raw.size == len(mail.data)
    assert not RawMail.objects.filter(message__is_ghost=True).exists()


def test_single_message_file_is_stored_exactly(ingest_file) -> None:
    path = INGEST / "reply-before-parent.parent.eml"
    ingest_file(path)
    raw = RawMail.objects.get(message__msgid="parent@example.org")
    assert raw.mail == path.read_bytes()
    assert raw.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


# --- the summary and the command ----------------------------------------------------------------


def test_summary_line_format() -> None:
    summary = IngestSummary(read=12, new=9, duplicate=2, quarantined=1, seconds=2.0)
    assert summary.line() == "12 read, 9 new, 2 duplicate, 1 quarantined in 2.0 s (6 msg/s)"
    assert SUMMARY_LINE.match(IngestSummary().line())


@pytest.mark.django_db
def test_command_prints_the_summary_and_is_idempotent() -> None:
    first = run_command(str(SEED)).splitlines()
    assert SUMMARY_LINE.match(first[0])
    assert first[0].startswith("13 read, 13 new, 0 duplicate, 0 quarantined in ")
    second = run_command(str(SEED)).splitlines()
    assert second[0].startswith("13 read, 0 new, 13 duplicate, 0 quarantined in ")


@pytest.mark.django_db
def test_command_reports_quarantine_reasons() -> None:
    lines = run_command(str(INGEST / "garbage.bin")).splitlines()
    assert lines[0].startswith("1 read, 0 new, 0 duplicate, 1 quarantined in ")
    assert lines[1].strip().startswith("quarantined as unparseable: 1")


@pytest.mark.django_db
def test_command_takes_several_sources() -> None:
    out = run_command(str(INGEST / "join-via-ghost.x.eml"), str(INGEST / "join-via-ghost.r.eml"))
    assert out.startswith("2 read, 2 new, 0 duplicate, 0 quarantined in ")


@pytest.mark.django_db
def test_command_reads_one_message_from_stdin(monkeypatch) -> None:
    data = (INGEST / "no-list-id.eml").read_bytes()
    envelope = b"From alice@example.org Mon Jul  1 10:00:00 2024\n"
    monkeypatch.setattr(sys, "stdin", SimpleNamespace(buffer=io.BytesIO(envelope + data)))
    out = run_command("-", "--list", "test.example.org")
    assert out.startswith("1 read, 1 new, 0 duplicate, 0 quarantined in ")
    assert RawMail.objects.get(message__msgid="unlisted@example.org").mail == data
    assert list_names("unlisted@example.org") == ["test"]


@pytest.mark.django_db
def test_command_missing_source_is_an_error() -> None:
    with pytest.raises(CommandError, match="does not exist"):
        run_command(str(INGEST / "no-such-file.mbox"))


# --- mailing lists ------------------------------------------------------------------------


def test_list_is_created_from_list_id(ingest_file) -> None:
    ingest_file(SEED)
    mailing_list = MailingList.objects.get()
    assert (mailing_list.list_id, mailing_list.name) == ("linux-mm.kvack.org", "linux-mm")
    assert Message.objects.real().in_list(mailing_list).count() == 13


def test_second_list_with_the_same_first_label_gets_a_suffix(ingest_file) -> None:
    ingest_file(SEED)
    ingest_file(INGEST / "list-linux-mm-elsewhere.eml")
    other = MailingList.objects.get(list_id="linux-mm.example.net")
    assert other.name == "linux-mm-2"
    assert other.description == "Another MM"
    assert other.posting_address == "linux-mm@example.net"
    assert MailingList.objects.get(list_id="linux-mm.kvack.org").name == "linux-mm"


@pytest.mark.django_db
def test_list_option_files_mail_without_list_id() -> None:
    run_command(str(INGEST / "no-list-id.eml"), "--list", "archive.example.org")
    assert list_names("unlisted@example.org") == ["archive"]


@pytest.mark.django_db
def test_list_option_overrides_list_id() -> None:
    run_command(str(INGEST / "cross-posted-two-list-ids.eml"), "--list", "<Other.Example.ORG>")
    assert list_names("cross@example.org") == ["other"]
    assert MailingList.objects.get().list_id == "other.example.org"


@pytest.mark.django_db
def test_list_option_accepts_an_existing_short_name() -> None:
    run_command(str(SEED))
    run_command(str(INGEST / "no-list-id.eml"), "--list", "linux-mm")
    assert MailingList.objects.count() == 1
    assert list_names("unlisted@example.org") == ["linux-mm"]


def test_mail_without_list_id_belongs_to_no_list(ingest_file) -> None:
    ingest_file(INGEST / "no-list-id.eml")
    assert list_names("unlisted@example.org") == []


# --- cross-posting and duplicates -------------------------------------------------------------


def test_cross_posted_message_is_stored_once_in_both_lists(ingest_file) -> None:
    assert counts(ingest_file(INGEST / "cross-posted-two-list-ids.eml")) == (1, 1, 0, 0)
    assert list_names("cross@example.org") == ["linux-kernel", "linux-mm"]
    thread = message("cross@example.org").thread
    assert sorted(thread.lists.values_list("name", flat=True)) == ["linux-kernel", "linux-mm"]


def test_same_message_id_via_two_lists_in_two_ingests(ingest_file) -> None:
    first = INGEST / "same-msgid-two-lists.via-linux-mm.eml"
    assert counts(ingest_file(first)) == (1, 1, 0, 0)
    assert counts(ingest_file(INGEST / "same-msgid-two-lists.via-lkml.eml")) == (1, 0, 1, 0)
    assert Message.objects.filter(msgid="twice@example.org").count() == 1
    assert list_names("twice@example.org") == ["linux-kernel", "linux-mm"]
    assert RawMail.objects.get().mail == first.read_bytes()


def test_thread_of_a_message_redelivered_via_another_list_is_in_both_lists(ingest_file) -> None:
    ingest_file(INGEST / "same-msgid-two-lists.via-linux-mm.eml")
    ingest_file(INGEST / "same-msgid-two-lists.via-lkml.eml")
    thread = message("twice@example.org").thread
    assert sorted(thread.lists.values_list("name", flat=True)) == ["linux-kernel", "linux-mm"]


def test_same_message_id_via_two_lists_in_one_mbox(ingest_file) -> None:
    assert counts(ingest_file(INGEST / "same-msgid-two-lists.mbox")) == (2, 1, 1, 0)
    assert Message.objects.filter(msgid="twice@example.org").count() == 1
    assert list_names("twice@example.org") == ["linux-kernel", "linux-mm"]


def test_message_without_message_id_ingested_twice_is_one_message(ingest_file) -> None:
    path = PARSING / "no-message-id.eml"
    assert counts(ingest_file(path)) == (1, 1, 0, 0)
    assert counts(ingest_file(path)) == (1, 0, 1, 0)
    stored = Message.objects.get()
    assert stored.synthetic_msgid is True
    assert stored.msgid.endswith("@threadwork.invalid")


def test_nul_bytes_are_stored(ingest_file) -> None:
    path = PARSING / "nul-bytes.eml"
    assert counts(ingest_file(path)) == (1, 1, 0, 0)
    stored = message("nul@example.org")
    assert "\x00" not in stored.subject + stored.body
    assert RawMail.objects.get().mail == path.read_bytes()


def test_text_utf8_cannot_hold_is_quarantined_with_a_sentence_saying_why(ingest_file) -> None:
    """A UTF-7 attachment decodes to a lone surrogate ("+2AA-"), which no UTF-8 text
    column holds: the mail is kept in quarantine, its reason readable."""
    path = INGEST / "utf7-attachment-lone-surrogate.eml"
    assert counts(ingest_file(path)) == (1, 0, 0, 1)
    kept = QuarantinedMail.objects.get()
    assert (kept.reason, bytes(kept.data)) == ("store-failed", path.read_bytes())
    assert kept.detail == (
        "storing failed: its text holds U+D800, a lone surrogate,"
        " which UTF-8 (and so the database) cannot hold"
    )


def test_nul_in_a_diff_file_name_is_archived_not_quarantined(ingest_file) -> None:
    """Found by ``make fuzz``: the NUL reached the search terms and failed the COPY."""
    from reviews.models import Patch

    path = PARSING / "nul-in-diff-path.eml"
    assert counts(ingest_file(path)) == (1, 1, 0, 0)
    assert Patch.objects.filter(message__msgid="nul-in-diff-path@example.org").exists()
    assert RawMail.objects.get().mail == path.read_bytes()


def test_nul_in_a_trailer_is_archived_and_the_trailer_counted(ingest_file) -> None:
    """Also found by ``make fuzz``: the NUL reached the Trailer row."""
    from reviews.models import Patch, Trailer

    ingest_file(PARSING / "nul-in-diff-path.eml")
    assert counts(ingest_file(PARSING / "nul-in-trailer.eml")) == (1, 1, 0, 0)
    trailer = Trailer.objects.get(message__msgid="nul-in-trailer@example.org")
    assert trailer.value == "\ufffdita Reviewer <rita@example.org>"
    assert Patch.objects.get(message__msgid="nul-in-diff-path@example.org").reviewed == 1


# --- quarantine -------------------------------------------------------------------------------


def test_message_over_the_size_limit_is_quarantined_not_lost(ingest_file, settings) -> None:
    path = INGEST / "reply-before-parent.parent.eml"
    settings.THREADWORK_MAX_MESSAGE_BYTES = 100
    assert counts(ingest_file(path, "test.example.org")) == (1, 0, 0, 1)
    assert not Message.objects.exists()
    kept = QuarantinedMail.objects.get()
    assert kept.reason == "too-large"
    assert bytes(kept.data) == path.read_bytes()
    assert kept.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert kept.size == len(path.read_bytes())
    assert kept.origin == str(path)
    assert kept.list_hint == "test.example.org"


def test_garbage_is_quarantined_as_unparseable(ingest_file) -> None:
    path = INGEST / "garbage.bin"
    summary = ingest_file(path)
    assert counts(summary) == (1, 0, 0, 1)
    assert summary.reasons == {"unparseable": 1}
    kept = QuarantinedMail.objects.get()
    assert kept.reason == "unparseable"
    assert kept.detail
    assert bytes(kept.data) == path.read_bytes()


def test_quarantining_the_same_bytes_again_counts_attempts(ingest_file) -> None:
    ingest_file(INGEST / "garbage.bin")
    ingest_file(INGEST / "garbage.bin")
    assert QuarantinedMail.objects.get().attempts == 2


def test_one_bad_message_does_not_stop_the_rest(ingest_file, tmp_path) -> None:
    mixed = tmp_path / "mixed.mbox"
    separator = b"From mboxrd@z Thu Jan  1 00:00:00 1970\n"
    mixed.write_bytes(
        separator
        + (INGEST / "join-via-ghost.x.eml").read_bytes()
        + b"\n"
        + separator
        + b"\x01\x02 not mail at all\n\n"
        + separator
        + (INGEST / "join-via-ghost.r.eml").read_bytes()
    )
    assert counts(ingest_file(mixed)) == (3, 2, 0, 1)


# --- threading through the database ---------------------------------------------------------------


def test_reply_before_parent_is_joined_when_the_parent_arrives(ingest_file) -> None:
    ingest_file(INGEST / "reply-before-parent.reply.eml")
    placeholder = message("parent@example.org")
    assert placeholder.is_ghost
    assert parent_msgid("reply@example.org") == "parent@example.org"
    assert not RawMail.objects.filter(message=placeholder).exists()

    assert counts(ingest_file(INGEST / "reply-before-parent.parent.eml")) == (1, 1, 0, 0)
    parent = message("parent@example.org")
    assert parent.id == placeholder.id
    assert parent.is_ghost is False
    assert parent.subject == "the parent"
    assert placeholder.list_ids == []
    assert list_names("parent@example.org") != []  # its row's list_ids filled in too
    assert RawMail.objects.filter(message=parent).exists()
    reply = message("reply@example.org")
    assert reply.parent_id == parent.id
    assert reply.thread_id == parent.thread_id
    assert Thread.objects.count() == 1
    thread = Thread.objects.get()
    assert thread.message_count == 2
    assert thread.subject == "the parent"
    assert thread.root_id == parent.id
    assert thread.last_activity == datetime(2024, 7, 2, 10, 0, tzinfo=UTC)
    assert list(thread.lists.values_list("name", flat=True)) == ["test"]


def assert_no_cycles() -> None:
    parents = dict(Message.objects.values_list("id", "parent_id"))
    for start in parents:
        seen: set[int] = set()
        current: int | None = start
        while current is not None:
            assert current not in seen, f"cycle through message {current}"
            seen.add(current)
            current = parents[current]


def test_reference_loop_in_one_batch_is_broken(ingest_file) -> None:
    assert counts(ingest_file(INGEST / "reference-loop.mbox")) == (2, 2, 0, 0)
    assert_no_cycles()
    linked = {parent_msgid("loop-a@example.org"), parent_msgid("loop-b@example.org")}
    assert None in linked
    assert Thread.objects.count() == 1
    assert Thread.objects.get().message_count == 2


def test_reference_loop_across_ingests_is_broken(ingest_file, tmp_path) -> None:
    for number, mail in enumerate(iter_source(str(INGEST / "reference-loop.mbox"))):
        path = tmp_path / f"{number}.eml"
        path.write_bytes(mail.data)
        ingest_file(path)
    assert_no_cycles()
    assert parent_msgid("loop-a@example.org") == "loop-b@example.org"
    assert parent_msgid("loop-b@example.org") is None
    assert not Message.objects.filter(is_ghost=True).exists()
    assert Thread.objects.count() == 1
    assert Thread.objects.get().message_count == 2


def test_self_reference_is_ignored(ingest_file) -> None:
    assert counts(ingest_file(INGEST / "self-reference.eml")) == (1, 1, 0, 0)
    stored = message("self@example.org")
    assert stored.parent is None
    assert stored.thread is not None
    assert stored.thread.message_count == 1


def test_threads_joined_through_a_ghost_are_merged(ingest_file) -> None:
    ingest_file(INGEST / "join-via-ghost.x.eml")
    ingest_file(INGEST / "join-via-ghost.r.eml")
    assert Thread.objects.count() == 2
    assert message("x@example.org").thread_id != message("r@example.org").thread_id

    ingest_file(INGEST / "join-via-ghost.m.eml")
    assert Thread.objects.count() == 1
    thread = Thread.objects.get()
    assert set(Message.objects.values_list("thread_id", flat=True)) == {thread.id}
    assert parent_msgid("m@example.org") == "g@example.org"
    assert parent_msgid("g@example.org") == "x@example.org"
    assert thread.message_count == 3
    assert thread.subject == "thread X"
    assert thread.root_id == message("x@example.org").id
    assert thread.last_activity == datetime(2024, 7, 3, 10, 0, tzinfo=UTC)


def test_threads_of_two_seen_roots_are_merged_by_a_message_referencing_both(ingest_file) -> None:
    for name in ("join-two-roots.x.eml", "join-two-roots.y.eml", "join-two-roots.m.eml"):
        ingest_file(INGEST / name)
    assert parent_msgid("joiner@example.org") == "root-y@example.org"
    assert Thread.objects.count() == 1


# --- the parallel path --------------------------------------------------------------------------


def synthetic_mbox(path: Path, threads: int = 100) -> int:
    """Write a shuffled mbox of threaded mail with the awkward cases; return its size in mails."""
    rng = random.Random(20240701)
    start = datetime(2024, 1, 1, tzinfo=UTC)
    mails: list[bytes] = []
    for t in range(threads):
        ids = [f"t{t}.m{i}@gen.example" for i in range(6)]
        chains: list[list[str]] = [[]]
        for i in range(1, 6):
            parent = rng.randrange(i)
            chains.append([*chains[parent], ids[parent]])
        for i in range(6):
            if t % 10 == 3 and i == 0:
                continue  # the root never arrives: a ghost holds the thread
            refs = chains[i]
            if t % 10 == 5 and i:
                refs = [f"t{t - 1}.m0@gen.example", *refs]  # names the previous thread too
            head = [
                f"From: Sender {i} <s{(t * 6 + i) % 37}@gen.example>",
                f"Subject: {'Re: ' if i else ''}[PATCH {t}] topic {t}",
                f"Date: {email.utils.format_datetime(start + timedelta(hours=t, minutes=i))}",
                f"Message-ID: <{ids[i]}>",
                f"List-Id: <list{t % 3}.gen.example>",
            ]
            if refs:
                head += [
                    f"In-Reply-To: <{refs[-1]}>",
                    f"References: {' '.join(f'<{r}>' for r in refs)}",
                ]
            mails.append(("\n".join(head) + f"\n\nMessage {i} of thread {t}.\n").encode())
    for n in range(10):  # re-deliveries through another list, different bytes
        mails.append(mails[n * 7].replace(b"List-Id: <", b"X-Resent: yes\nList-Id: <other-"))
    for n in range(5):  # no Message-ID at all
        mails.append(f"From: anon{n}@gen.example\nSubject: anonymous {n}\n\nHi {n}.\n".encode())
    for n in range(3):
        mails.append(f"\x01\x02 not mail {n}\n".encode())
    rng.shuffle(mails)
    separator = b"From gen@example Thu Jan  1 00:00:00 1970\n"
    path.write_bytes(b"".join(separator + m + b"\n" for m in mails))
    return len(mails)


def archive_snapshot() -> dict:
    """Everything ingest decides, without database ids."""
    msgids = dict(Message.objects.values_list("id", "msgid"))
    rows = Message.objects.values_list("msgid", "is_ghost", "parent_id", "thread_id")
    members: dict[int, set[str]] = {}
    for msgid, _, _, thread_id in rows:
        members.setdefault(thread_id, set()).add(msgid)
    threads = {
        frozenset(members[t.id]): (t.message_count, t.subject, t.last_activity, msgids[t.root_id])
        for t in Thread.objects.all()
    }
    lists = {}
    for msgid, name in Message.objects.values_list("msgid", "lists__name"):
        lists.setdefault(msgid, set()).add(name)
    return {
        "messages": {m: (ghost, msgids.get(p)) for m, ghost, p, _ in rows},
        "threads": threads,
        "lists": lists,
        "raw": set(RawMail.objects.values_list("message__msgid", "sha256")),
        "quarantine": set(QuarantinedMail.objects.values_list("sha256", "reason")),
    }


def differences(actual: dict | set, expected: dict | set) -> dict:
    """What differs between two snapshot parts, small enough to read in a failure."""
    if isinstance(expected, set):
        if actual == expected:
            return {}
        return {"missing": expected - actual, "extra": actual - expected}
    keys = set(actual) | set(expected)
    return {k: (actual.get(k), expected.get(k)) for k in keys if actual.get(k) != expected.get(k)}


def wipe_archive() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE archive_message, archive_thread, archive_mailinglist, archive_person,"
            " archive_quarantinedmail RESTART IDENTITY CASCADE"
        )


# Forked workers need the connection closed, so no enclosing test transaction.
@pytest.mark.django_db(transaction=True)
def test_parallel_workers_give_the_same_archive_as_serial(tmp_path, monkeypatch) -> None:
    path = tmp_path / "synthetic.mbox"
    total = synthetic_mbox(path)
    assert total >= 600
    monkeypatch.setattr(ingest_module, "BATCH", 97)  # many batches: ghosts cross them
    monkeypatch.setattr(ingest_module, "CHUNK", 16)

    serial = ingest(iter_source(str(path)), workers=1)
    expected = archive_snapshot()
    wipe_archive()
    parallel = ingest(iter_source(str(path)), workers=2)

    assert counts(parallel) == counts(serial)
    assert serial.read == total
    assert serial.new + serial.duplicate + serial.quarantined == total
    assert serial.duplicate == 10 and serial.quarantined == 3
    actual = archive_snapshot()
    for part, value in expected.items():
        assert differences(actual[part], value) == {}, part
    assert Message.objects.filter(is_ghost=True).count() == 10
