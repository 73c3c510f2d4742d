# SPDX-License-Identifier: AGPL-3.0-or-later
"""A bulk batch's message INSERT merges the search pending lists with room to do it in one round.

PostgreSQL merges an overflowing GIN pending list work_mem at a time; an
import's batch raises work_mem for that one statement (archive.services
BULK_MERGE_MEM, #21) and puts it back, so no other statement's plan changes.
"""

from __future__ import annotations

from email.message import EmailMessage

import pytest
from django.db import connection

from archive.ingest import ingest
from archive.services import BULK_BATCH, BULK_MERGE_MEM
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
