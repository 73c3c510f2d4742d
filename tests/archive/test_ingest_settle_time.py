# SPDX-License-Identifier: AGPL-3.0-or-later
"""An import says how long its one-off end took (the growth bench reports it apart, #21)."""

from __future__ import annotations

from email.message import EmailMessage

import pytest

from archive.ingest import ingest
from archive.services import BULK_BATCH
from archive.sources import RawMail


def _mail(number: int) -> RawMail:
    msg = EmailMessage()
    msg["From"] = f"Dev {number} <dev{number}@example.org>"
    msg["Subject"] = f"rtc: alarm {number} fires late"
    msg["Message-ID"] = f"<settle-{number}@example.org>"
    msg["Date"] = "Sun, 06 Dec 2026 08:00:00 +0000"
    msg["List-Id"] = "<linux-rtc.vger.kernel.org>"
    msg.set_content(f"Board {number} wakes a second late.\n")
    return RawMail(msg.as_bytes(), f"test {number}")


@pytest.mark.django_db
def test_an_import_times_its_end_within_its_own_time() -> None:
    summary = ingest([_mail(n) for n in range(BULK_BATCH)], workers=1)
    assert summary.new == BULK_BATCH
    assert 0 < summary.settle_seconds < summary.seconds


@pytest.mark.django_db
def test_a_few_mails_have_no_end_to_time() -> None:
    summary = ingest([_mail(n) for n in range(3)], workers=1)
    assert summary.new == 3
    assert summary.settle_seconds == 0.0
