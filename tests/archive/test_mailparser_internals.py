# SPDX-License-Identifier: AGPL-3.0-or-later
"""What archive/parsing.py takes from mail-parser's and the stdlib's internals. No database.

parsing.py replaces ``mailparser.core.random_string``, overrides the private
``MailParser._make_mail`` and reads the attachment dicts; it also filters the
stdlib's ``Message._headers`` list in place. pyproject.toml pins mail-parser
to the versions tested; these tests fail first when a new version (or a new
Python) changes any of that, instead of parsing quietly changing its output.
"""

from __future__ import annotations

import base64
import email
import inspect

import mailparser
import mailparser.core

from archive import parsing
from archive.parsing import parse_message

UNNAMED_ATTACHMENT = (
    b"From: a@example.org\nSubject: s\nMessage-ID: <u@example.org>\nMIME-Version: 1.0\n"
    b'Content-Type: multipart/mixed; boundary="b"\n\n'
    b"--b\nContent-Type: text/plain\n\nbody\n"
    b"--b\nContent-Type: text/x-patch\nContent-Disposition: attachment\n\n"
    b"diff --git a/x b/x\n"
    b"--b\nContent-Type: application/octet-stream\nContent-Disposition: attachment\n"
    b"Content-Transfer-Encoding: base64\n\nAAEC\n"
    b"--b--\n"
)


def test_random_string_is_the_core_modules_and_names_unnamed_attachments() -> None:
    # parsing.py swaps the function out in mailparser.core's namespace, which
    # is where MailParser.parse looks it up for an attachment without a name.
    assert mailparser.core.random_string() == parsing._UNNAMED
    assert "random_string()" in inspect.getsource(mailparser.core.MailParser.parse)
    first, second = parse_message(UNNAMED_ATTACHMENT), parse_message(UNNAMED_ATTACHMENT)
    assert first == second  # no random names
    assert [(a.content_type, a.filename) for a in first.attachments] == [
        ("text/x-patch", ""),
        ("application/octet-stream", ""),
    ]


def test_make_mail_keeps_its_signature_and_our_override_is_called() -> None:
    params = list(inspect.signature(mailparser.MailParser._make_mail).parameters)
    assert params == ["self", "complete"]
    assert "_make_mail(complete=False)" in inspect.getsource(mailparser.core.MailParser.parse)
    msg = email.message_from_bytes(UNNAMED_ATTACHMENT)
    assert mailparser.MailParser(msg).mail  # the real one builds the summary...
    assert parsing._MailParser(msg).mail == {}  # ...which ours skips


def test_attachment_dicts_carry_the_keys_parsing_reads() -> None:
    parser = parsing._MailParser(email.message_from_bytes(UNNAMED_ATTACHMENT))
    assert list(parser.text_plain) == ["body"]
    assert list(parser.text_html) == []
    assert isinstance(parser.defects_categories, set)
    text, binary = parser.attachments
    for item in (text, binary):
        assert {"mail_content_type", "payload", "filename", "binary", "charset"} <= item.keys()
    # Every attachment comes base64-encoded, text ones too: parsing._attachment decodes.
    assert (text["binary"], binary["binary"]) == (True, True)
    assert base64.b64decode(text["payload"]) == b"diff --git a/x b/x"
    assert binary["payload"] == "AAEC"


def test_stdlib_messages_keep_headers_in_a_list_of_pairs() -> None:
    msg = email.message_from_bytes(b"Subject: s\nContent-Type: text/plain\nX-A: 1\n\nbody\n")
    headers = msg._headers  # type: ignore[attr-defined]
    assert headers == [("Subject", "s"), ("Content-Type", "text/plain"), ("X-A", "1")]
    msg._headers = [h for h in headers if h[0] == "Content-Type"]  # type: ignore[attr-defined]
    assert msg.keys() == ["Content-Type"]
    assert msg.get_content_type() == "text/plain"
