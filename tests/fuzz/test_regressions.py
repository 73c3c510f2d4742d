# SPDX-License-Identifier: AGPL-3.0-or-later
"""Mail the fuzz tests found breaking the pipeline, kept as named scenarios in data/parsing/."""

from __future__ import annotations

import pytest
from django.test import Client

from archive.models import Message, QuarantinedMail
from archive.msgids import msgid_path
from archive.parsing import MAX_REFERENCES, parse_message
from tests.conftest import DATA

PARSING = DATA / "parsing"
FOUND = (
    "attachment-charset-undefined.eml",
    "attachment-without-filename.eml",
    "msgid-bracket-before-invisible.eml",
    "nul-in-indexed-headers.eml",
)


def test_attachment_in_a_codec_that_always_fails_is_read_as_utf8() -> None:
    # "undefined" (and idna, or a name with a NUL) raise UnicodeError, not LookupError.
    (attachment,) = parse_message((PARSING / FOUND[0]).read_bytes()).attachments
    assert attachment.text is not None and attachment.text.startswith("diff --git a/x b/x\n")


def test_attachment_without_filename_gets_no_invented_one() -> None:
    # mail-parser names it with random letters: parsing twice disagreed.
    raw = (PARSING / FOUND[1]).read_bytes()
    (attachment,) = parse_message(raw).attachments
    assert (attachment.filename, attachment.text) == ("", "rtc0: alarm irq 8 lost")
    assert parse_message(raw) == parse_message(raw)


def test_message_id_loses_a_bracket_left_by_an_invisible_character() -> None:
    parsed = parse_message((PARSING / FOUND[2]).read_bytes())
    assert parsed.msgid == "zwsp@example.org"
    # References get the same cleanup, so replies still find their parent.
    assert parsed.in_reply_to == "parent@example.org"


def test_nul_in_indexed_headers_becomes_a_replacement_character() -> None:
    parsed = parse_message((PARSING / FOUND[3]).read_bytes())
    assert parsed.from_email == "e\ufffdve@example.org"
    assert parsed.references == ("root@example.org", "par\ufffdent@example.org")
    assert parsed.list_ids == (("nul\ufffdlist.example.org", ""),)


@pytest.mark.parametrize("name", FOUND)
def test_found_mail_is_stored_and_served_raw(ingest_file, name: str) -> None:
    raw = (PARSING / name).read_bytes()
    summary = ingest_file(PARSING / name)
    assert (summary.new, summary.quarantined) == (1, 0), list(
        QuarantinedMail.objects.values_list("detail", flat=True)
    )
    msgid = Message.objects.real().get().msgid
    response = Client(HTTP_HOST="127.0.0.1").get(f"/all/{msgid_path(msgid)}/raw")
    assert response.status_code == 200
    assert response.content == raw


def test_references_are_capped_keeping_the_root_and_the_parent() -> None:
    # 125,000 references in a 1.5 MB mail kept ingest busy for minutes.
    refs = " ".join(f"<r{i}@example.org>" for i in range(20_000))
    raw = f"From: a@example.org\nMessage-ID: <m@example.org>\nReferences: {refs}\n\nx\n"
    references = parse_message(raw.encode()).references
    assert len(references) == MAX_REFERENCES
    assert references[0] == "r0@example.org" and references[-1] == "r19999@example.org"
