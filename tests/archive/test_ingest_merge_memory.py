# SPDX-License-Identifier: AGPL-3.0-or-later
"""What keeps a batch's cost from growing with the archive (#21), kept working.

PostgreSQL merges an overflowing GIN pending list work_mem at a time; an
import's batch raises work_mem for that one statement (archive.services
BULK_MERGE_MEM) and puts it back, so no other statement's plan changes. The
Message-IDs archived while a batch waited for the lock are looked up by index.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import EmailMessage

import pytest
from django.db import connection

from archive.incoming import IncomingMessage
from archive.ingest import analyse_raw, ingest
from archive.models import Message
from archive.services import BULK_BATCH, BULK_MERGE_MEM, store_batch
from archive.sources import RawMail


def _mail(number: int) -> RawMail:
    msg = EmailMessage()
    msg["From"] = f"Dev {number} <dev{number}@example.org>"
    msg["Subject"] = f"rtc: alarm {number} fires late"
    msg["Message-ID"] = f"<merge-memory-{number}@example.org>"
    msg["Date"] = "Sun, 06 Dec 2026 05:00:00 +0000"
    msg["List-Id"] = "<linux-rtc.vger.kernel.org>"
    msg.set_content(f"Board {number} wakes up a second late.\n")
    return RawMail(msg.as_bytes(), f"test {number}")


def _work_mem() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('work_mem')")
        return cursor.fetchone()[0]


def _work_mem_at_message_inserts(count: int, start: int) -> list[str]:
    """Ingest ``count`` mails and return work_mem as each message INSERT ran."""
    seen: list[str] = []

    def spy(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        result = execute(sql, params, many, context)
        if "INSERT INTO archive_message AS m" in sql:
            seen.append(_work_mem())
        return result

    with connection.execute_wrapper(spy):
        summary = ingest([_mail(n) for n in range(start, start + count)], workers=1)
    assert summary.new == count
    return seen


@pytest.mark.django_db
def test_only_a_bulk_batch_insert_gets_the_merge_memory_and_gives_it_back() -> None:
    before = _work_mem()
    assert before != BULK_MERGE_MEM
    assert _work_mem_at_message_inserts(BULK_BATCH, 0) == [BULK_MERGE_MEM]
    assert _work_mem() == before  # the rest of the batch and the session: as they were
    # A mail piped in by an MTA: nothing to merge for it, the session's setting.
    assert _work_mem_at_message_inserts(2, BULK_BATCH) == [before]
    assert _work_mem() == before


def _incoming(number: int, body: str) -> IncomingMessage:
    raw = _mail(number).data.replace(b"a second late", body.encode())
    outcome = analyse_raw(raw)
    assert outcome.parsed is not None
    return IncomingMessage(outcome.parsed, raw, outcome.analysis)


@pytest.mark.django_db(transaction=True)
def test_message_ids_archived_by_another_writer_while_a_batch_waited_are_found() -> None:
    # Between staging and the ingest lock another writer stores mail with two
    # of the batch's Message-IDs: the same mail (a duplicate) and other mail
    # (the batch's is kept under an id derived from its content). The lookup
    # under the lock (archive.incoming.rename_taken_since) must find both.
    batch = [_incoming(n, "a second late") for n in range(3)]
    rivals = [batch[0], _incoming(1, "an hour early")]

    @contextmanager
    def turn() -> Iterator[None]:
        other = threading.Thread(target=lambda: (store_batch(rivals), connection.close()))
        other.start()
        other.join()
        yield

    result = store_batch(batch, turn)
    assert (result.new, result.duplicate, result.renamed) == (2, 1, 1)
    boards = [
        synthetic
        for body, synthetic in Message.objects.values_list("body", "synthetic_msgid")
        if body.startswith("Board")
    ]
    assert (len(boards), sum(boards)) == (4, 1)
