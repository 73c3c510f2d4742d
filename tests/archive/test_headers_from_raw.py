# SPDX-License-Identifier: AGPL-3.0-or-later
"""Message.headers is read from the raw mail, not stored a second time (issue 21).

The header list pages and the API show must be the one ingest reads
(``ParsedMessage.headers``), for every kind of mail we keep as a scenario.
"""

from __future__ import annotations

import json

import pytest
from django.db import connection

from archive.models import Message
from archive.parsing import UnparseableMessage, mail_headers, parse_message
from archive.sources import iter_source
from reviews.missed import hint_ignored
from tests.conftest import DATA

SCENARIOS = sorted(p for p in DATA.rglob("*") if p.suffix in (".eml", ".mbox"))


def test_scenarios_are_found() -> None:
    assert len(SCENARIOS) > 50


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: str(p.relative_to(DATA)))
def test_headers_from_raw_are_the_parsed_ones(path) -> None:
    for mail in iter_source(str(path)):
        try:
            parsed = parse_message(mail.data)
        except UnparseableMessage:
            continue
        assert mail_headers(mail.data) == json.loads(parsed.headers_json)


def test_header_block_cut_at_the_first_empty_line() -> None:
    crlf = b"Subject: a\r\nX-A: 1\r\n\r\nX-Not: a header\r\n\r\nbody\n"
    assert mail_headers(crlf) == [["Subject", "a"], ["X-A", "1"]]
    # A bare-LF empty line before any CRLF one ends the headers there.
    mixed = b"Subject: b\r\n\nX-Not: a header\r\n\r\n"
    assert mail_headers(mixed) == [["Subject", "b"]]
    assert mail_headers(b"Subject: no body") == [["Subject", "no body"]]


def test_ingest_keeps_no_copy_of_the_headers(ingest_file) -> None:
    ingest_file(DATA / "parsing" / "rfc2047-headers.eml")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM information_schema.columns"
            " WHERE table_name = 'archive_message' AND column_name = 'headers'"
        )
        assert cursor.fetchone()[0] == 0
    message = Message.objects.select_related("rawmail").get(subject__contains="naïve")
    assert ["Subject", "[PATCH] café: fix naïve"] in message.headers
    ghost = Message.objects.create(msgid="ghost@example.org", is_ghost=True)
    assert ghost.headers == []


def test_hint_ignored_is_found_by_its_lexeme(ingest_file) -> None:
    ingest_file(DATA / "series" / "hint-ignore-autosel.mbox")
    ignored = sorted(hint_ignored().values_list("subject", flat=True))
    assert ignored == [  # not the reply, which has no hint
        "[PATCH AUTOSEL 6.6 2/6] lib: foo: return one",
        "[PATCH AUTOSEL 6.6 3/6] lib: bar: return two",
    ]
