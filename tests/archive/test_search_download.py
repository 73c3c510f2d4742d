# SPDX-License-Identifier: AGPL-3.0-or-later
"""``POST /<list>/?x=m&q=``: one download is capped in messages and bytes, and says so."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client

from archive.ingest import ingest
from archive.mbox import FROM_LINE
from archive.sources import RawMail

THREADS, REPLIES = 3, 3  # three threads of a root and three replies: twelve messages
START = datetime(2024, 1, 1, tzinfo=UTC)


def mail(thread: int, number: int) -> bytes:
    """Message ``number`` of ``thread``; every message is a day newer than the one before."""
    date = START + timedelta(days=thread * (REPLIES + 1) + number)
    reply = f"In-Reply-To: <t{thread}-0@example.org>\n" if number else ""
    return (
        f"From: Ann <ann@example.org>\nMessage-ID: <t{thread}-{number}@example.org>\n{reply}"
        f"Date: {date:%a, %d %b %Y %H:%M:%S +0000}\nSubject: kumquat {thread}.{number}\n\n"
        f"kumquat body {thread}.{number}\n"
    ).encode()


@pytest.fixture
def archive(db) -> list[bytes]:
    mails = [mail(t, n) for t in range(THREADS) for n in range(REPLIES + 1)]
    ingest((RawMail(data, f"mail {i}") for i, data in enumerate(mails)), workers=1)
    return mails


def download(url: str, body: str = "x=0"):
    response = Client(HTTP_HOST="127.0.0.1").post(
        url, data=body, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 200, response.content
    assert response.streaming
    messages = gzip.decompress(b"".join(response.streaming_content)).split(FROM_LINE)
    subjects = [m.split(b"Subject: ")[1].split(b"\n")[0].decode() for m in messages if m]
    return response, subjects


def test_the_message_limit_keeps_the_newest_matches_and_says_so(archive, settings) -> None:
    settings.THREADWORK_SEARCH_MBOX_MESSAGES = 5
    response, subjects = download("/all/?x=m&q=kumquat")
    assert subjects == ["kumquat 2.3", "kumquat 2.2", "kumquat 2.1", "kumquat 2.0", "kumquat 1.3"]
    assert response["X-Threadwork-Messages"] == "5"
    assert response["X-Threadwork-Truncated"] == "yes"
    note = response["X-Threadwork-Download"]
    assert note.startswith("5 messages, ")
    limit = settings.THREADWORK_SEARCH_MBOX_BYTES
    assert f"cut at the limit of 5 messages or {limit} bytes per download" in note
    assert "narrow the query" in note


def test_the_byte_limit_cuts_before_the_message_that_would_pass_it(archive, settings) -> None:
    newest = [mail(2, 3), mail(2, 2)]
    settings.THREADWORK_SEARCH_MBOX_BYTES = sum(map(len, newest)) + 10
    response, subjects = download("/all/?x=m&q=kumquat")
    assert subjects == ["kumquat 2.3", "kumquat 2.2"]
    assert response["X-Threadwork-Truncated"] == "yes"
    assert response["X-Threadwork-Download"].startswith(
        f"2 messages, {sum(map(len, newest))} bytes of mail: cut at the limit"
    )
    # A single message larger than the limit is still sent: a download is never empty.
    settings.THREADWORK_SEARCH_MBOX_BYTES = 1
    assert download("/all/?x=m&q=kumquat")[1] == ["kumquat 2.3"]


def test_whole_threads_are_capped_too_newest_thread_first(archive, settings) -> None:
    settings.THREADWORK_SEARCH_MBOX_MESSAGES = 6
    for url, body in (("/all/?x=m&t=1&q=kumquat", ""), ("/all/?x=m&q=kumquat", "x=m")):
        response, subjects = download(url, body)
        # All of the newest thread, then the oldest two of the next, each in date order.
        assert subjects == ["kumquat 1.0", "kumquat 1.1", "kumquat 2.0", "kumquat 2.1",
                            "kumquat 2.2", "kumquat 2.3"]  # fmt: skip
        assert response["X-Threadwork-Truncated"] == "yes"


def test_a_download_within_the_limits_says_it_holds_everything(archive, settings) -> None:
    response, subjects = download("/all/?x=m&t=1&q=kumquat", "")
    assert len(subjects) == THREADS * (REPLIES + 1)
    assert response["X-Threadwork-Truncated"] == "no"
    assert response["X-Threadwork-Download"].startswith(
        f"12 messages, {sum(map(len, archive))} bytes of mail: everything that matched (the "
        f"limit is {settings.THREADWORK_SEARCH_MBOX_MESSAGES} messages"
    )
