# SPDX-License-Identifier: AGPL-3.0-or-later
"""archive.parsing: raw bytes -> ParsedMessage. Pure: no database.

Each case is a small message in ``tests/data/parsing/``, named by scenario.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path

import pytest

from archive.parsing import (
    MAX_MSGID_LENGTH,
    SYNTHETIC_DOMAIN,
    ParsedMessage,
    UnparseableMessage,
    normalize_msgid,
    parse_date,
    parse_message,
)

DATA = Path(__file__).resolve().parents[1] / "data" / "parsing"


def raw(name: str) -> bytes:
    return (DATA / name).read_bytes()


def parsed(name: str) -> ParsedMessage:
    return parse_message(raw(name))


# --- Message-ID -----------------------------------------------------------------


def test_message_id_loses_brackets_and_trailing_comment() -> None:
    message = parsed("msgid-with-comment.eml")
    assert message.msgid == "x@y"
    assert message.synthetic_msgid is False


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("<x@y> (comment)", "x@y"),
        ("  <abc@example.org>  ", "abc@example.org"),
        ("bare@example.org", "bare@example.org"),
        ("(comment) bare@example.org", "bare@example.org"),
        ("<with space@example.org>", "with space@example.org"),
    ],
)
def test_normalize_msgid(value: str, expected: str) -> None:
    assert normalize_msgid(value) == expected


def test_missing_message_id_gets_a_stable_synthetic_id() -> None:
    data = raw("no-message-id.eml")
    first, second = parse_message(data), parse_message(data)
    assert first.synthetic_msgid is True
    assert first.msgid == second.msgid
    assert first.msgid.endswith(f"@{SYNTHETIC_DOMAIN}")
    assert first.msgid.startswith(hashlib.sha256(data).hexdigest()[:40])


def test_synthetic_id_differs_for_different_bytes() -> None:
    data = raw("no-message-id.eml")
    assert parse_message(data).msgid != parse_message(data + b"one more line\n").msgid


def test_over_long_message_id_is_replaced_by_a_stable_digest() -> None:
    first, second = parsed("long-message-id.eml"), parsed("long-message-id.eml")
    assert first.synthetic_msgid is True
    assert first.msgid == second.msgid
    assert first.msgid.endswith(f"@long.{SYNTHETIC_DOMAIN}")
    assert len(first.msgid) <= MAX_MSGID_LENGTH


def test_over_long_in_reply_to_is_ignored() -> None:
    message = parsed("long-message-id.eml")
    assert message.in_reply_to is None
    assert message.references == ()


# --- References and In-Reply-To ---------------------------------------------------


def test_references_are_ordered_with_in_reply_to_last_without_self_or_repeats() -> None:
    message = parsed("references-and-in-reply-to.eml")
    assert message.msgid == "self@example.org"
    assert message.in_reply_to == "parent@example.org"
    assert message.references == ("root@example.org", "other@example.org", "parent@example.org")


def test_in_reply_to_is_found_inside_junk_text() -> None:
    message = parsed("in-reply-to-junk.eml")
    assert message.in_reply_to == "parent@example.org"
    assert message.references == ("parent@example.org",)


def test_in_reply_to_without_any_id_is_none() -> None:
    message = parsed("in-reply-to-prose-only.eml")
    assert message.in_reply_to is None
    assert message.references == ()


# --- dates -----------------------------------------------------------------------


def test_date_is_converted_to_utc_and_offset_kept_in_minutes() -> None:
    message = parsed("date-with-offset.eml")
    assert message.date == datetime(2019, 6, 13, 9, 43, tzinfo=UTC)
    assert message.utc_offset == 330


@pytest.mark.parametrize(
    "name", ["date-invalid.eml", "date-absent.eml", "date-year-out-of-range.eml"]
)
def test_unusable_dates_are_none(name: str) -> None:
    message = parsed(name)
    assert message.date is None
    assert message.utc_offset == 0


@pytest.mark.parametrize(
    ("value", "expected", "offset"),
    [
        ("Thu, 13 Jun 2019 09:43:00 +0000", datetime(2019, 6, 13, 9, 43, tzinfo=UTC), 0),
        ("Wed, 26 Jun 2019 01:46:00 -0400", datetime(2019, 6, 26, 5, 46, tzinfo=UTC), -240),
        ("Wed, 26 Jun 2019 05:46:00 -0030", datetime(2019, 6, 26, 6, 16, tzinfo=UTC), -30),
        ("Sat, 1 Jan 2000 00:30:00 +0100", datetime(1999, 12, 31, 23, 30, tzinfo=UTC), 60),
        ("13 Jun 2019 09:43 GMT", datetime(2019, 6, 13, 9, 43, tzinfo=UTC), 0),
        ("Thu, 13 Jun 2019 09:43:00 +9999", datetime(2019, 6, 13, 9, 43, tzinfo=UTC), 0),
        ("Thu, 13 Jun 1900 09:43:00 +0000", None, 0),
        ("Thu, 13 Jun 9999 09:43:00 +0000", None, 0),
        ("Thu, 31 Feb 2019 09:43:00 +0000", None, 0),
        ("Thu, 13 Jun 2019 25:61:00 +0000", None, 0),
        ("yesterday", None, 0),
        ("", None, 0),
    ],
)
def test_parse_date(value: str, expected: datetime | None, offset: int) -> None:
    assert parse_date(value) == (expected, offset)


# --- header decoding -----------------------------------------------------------------


def test_rfc2047_headers_are_decoded() -> None:
    message = parsed("rfc2047-headers.eml")
    assert message.subject == "[PATCH] café: fix naïve"
    assert message.from_name == "Jörg Müller"
    assert message.from_email == "joerg@example.org"
    assert message.to == "Jérôme Glisse <jglisse@example.org>"
    assert dict(message.headers)["Subject"] == "[PATCH] café: fix naïve"


def test_raw_utf8_headers_are_decoded() -> None:
    message = parsed("raw-utf8-headers.eml")
    assert message.subject == "Grüße aus Köln"
    assert message.from_name == "Zoë Ünal"


def test_raw_latin1_headers_are_decoded() -> None:
    message = parsed("raw-latin1-headers.eml")
    assert message.subject == "Café olé"
    assert message.from_name == "José Núñez"


@pytest.mark.parametrize("name", ["raw-utf8-headers.eml", "raw-latin1-headers.eml"])
def test_raw_8bit_headers_still_parse(name: str) -> None:
    message = parsed(name)
    assert message.from_email.endswith("@example.org")
    assert message.subject  # never empty, whatever the decoding


# --- lists ----------------------------------------------------------------------------


def test_list_id_gives_id_description_and_posting_address() -> None:
    message = parsed("list-id-with-description.eml")
    assert message.list_ids == (("linux-mm.kvack.org", "Linux MM"),)
    assert message.list_post == "linux-mm@kvack.org"


def test_several_list_ids_are_kept_once_each_in_order() -> None:
    message = parsed("list-id-cross-posted.eml")
    assert message.list_ids == (
        ("linux-mm.kvack.org", "Linux MM list"),
        ("linux-kernel.vger.kernel.org", ""),
    )
    assert message.list_post == ""


# --- bodies ------------------------------------------------------------------------------


def test_html_only_mail_becomes_text() -> None:
    message = parsed("html-only.eml")
    assert message.html_only is True
    assert "Hello & welcome" in message.body
    assert "second line" in message.body
    assert "<" not in message.body
    assert "alert" not in message.body
    assert "color: red" not in message.body


def test_plain_mail_is_not_html_only() -> None:
    assert parsed("msgid-with-comment.eml").html_only is False


def test_attachments_are_listed_apart_from_the_body() -> None:
    message = parsed("multipart-text-attachment.eml")
    assert message.body.strip() == "See the attached patch."
    assert [(a.content_type, a.filename) for a in message.attachments] == [
        ("text/plain", "build.log"),
        ("text/plain", "notes.txt"),
        ("text/x-patch", "fix.patch"),
        ("application/octet-stream", "blob.bin"),
    ]
    blob = message.attachments[-1]
    assert blob.text is None


def test_text_attachments_carry_decoded_text() -> None:
    log, notes, patch, blob = parsed("multipart-text-attachment.eml").attachments
    assert log.text == "make: *** [all] Error 1"  # the newline before a boundary is its own
    assert notes.text == "Notes from Jörg."
    assert patch.text == (
        "diff --git a/file b/file\n--- a/file\n+++ b/file\n@@ -1 +1 @@\n-old\n+new\n"
    )
    assert blob.text is None
    assert blob.size == 8


def test_nul_bytes_do_not_stop_parsing() -> None:
    message = parsed("nul-bytes.eml")
    assert message.msgid == "nul@example.org"
    assert message.subject.startswith("NUL")
    assert "byte in it." in message.body


# --- identity of the bytes ------------------------------------------------------------------


def test_sha256_and_size_describe_the_exact_input() -> None:
    data = raw("rfc2047-headers.eml")
    message = parse_message(data)
    assert message.sha256 == hashlib.sha256(data).hexdigest()
    assert message.size == len(data)


def test_parsing_is_deterministic() -> None:
    assert parsed("multipart-text-attachment.eml") == parsed("multipart-text-attachment.eml")


# --- unparseable input ----------------------------------------------------------------------


@pytest.mark.parametrize("name", ["empty.eml", "whitespace-only.eml", "no-headers.eml"])
def test_input_without_mail_raises_unparseable(name: str) -> None:
    with pytest.raises(UnparseableMessage):
        parsed(name)


def test_empty_bytes_raise_unparseable() -> None:
    with pytest.raises(UnparseableMessage):
        parse_message(b"")
