# SPDX-License-Identifier: AGPL-3.0-or-later
"""Mail of one part under a plain header block is read without the feed parser (#21).

``parse_message`` must give exactly what the email package's reading gives:
the same ``ParsedMessage`` for every scenario mail (and the shared corpus
when it is there), and the same message object for the cases the shortcut
takes, line ends and 8-bit bodies included.
"""

from __future__ import annotations

import email
from pathlib import Path

import pytest

from archive import parsing
from archive.parsing import UnparseableMessage, parse_message
from archive.sources import iter_source
from tests.conftest import DATA

SCENARIOS = sorted(p for p in DATA.rglob("*") if p.is_file())
SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"


def _parse(raw: bytes) -> object:
    try:
        return parse_message(raw)
    except UnparseableMessage as exc:
        return str(exc)


def _both(raw: bytes, monkeypatch) -> tuple[object, object]:
    """(the shortcut's parse, the package's parse) of ``raw``."""
    fast = _parse(raw)
    with monkeypatch.context() as patched:
        patched.setattr(parsing, "_plain_single_part", lambda raw: None)
        return fast, _parse(raw)


def test_scenario_mail_parses_the_same(monkeypatch) -> None:
    taken = 0
    for path in SCENARIOS:
        try:
            mails = list(iter_source(str(path)))
        except Exception:  # not mail: read by its own tests
            continue
        for mail in mails:
            taken += parsing._plain_single_part(mail.data) is not None
            fast, package = _both(mail.data, monkeypatch)
            assert fast == package, path
    assert taken > 100  # most scenario mail is plain and of one part


@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/corpus is absent")
def test_small_corpora_parse_the_same(monkeypatch) -> None:
    for name in ("b4", "git-mailinfo", "hyperkitty", "mailman", "patchwork"):
        for path in sorted(p for p in (SHARED / name).rglob("*") if p.is_file()):
            try:
                mails = list(iter_source(str(path)))
            except Exception:
                continue
            for mail in mails:
                fast, package = _both(mail.data, monkeypatch)
                assert fast == package, path


CASES = {
    "lf": b"From: a@example.org\nSubject: =?utf-8?q?caf=C3=A9?=\n\nbody\n",
    "crlf": b"From: a@example.org\r\nSubject: x\r\n\r\nline\r\nline\r\n",
    "crlf blank after lf": b"From: a@example.org\nSubject: x\n\r\nbody\n",
    "folded": b"From: a@example.org\nSubject: one\n two\n\tthree\n\nbody\n",
    "empty body": b"From: a@example.org\nSubject: x\n\n",
    "8-bit body": "From: a@example.org\nSubject: x\n\ncaf\u00e9 \xff\n".encode("latin-1"),
    "body of blank lines": b"From: a@example.org\n\n\n\n",
    "typed": b"Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: base64\n"
    b"From: a@example.org\n\nY2Fmw6k=\n",
}


@pytest.mark.parametrize("raw", list(CASES.values()), ids=list(CASES))
def test_the_shortcut_builds_the_packages_message(raw: bytes) -> None:
    read = parsing._plain_single_part(raw)
    assert read is not None
    msg, pairs = read
    package = email.message_from_bytes(raw)
    assert msg.items() == package.items()
    assert msg.get_payload() == package.get_payload()
    assert msg.get_payload(decode=True) == package.get_payload(decode=True)
    assert msg.defects == package.defects == []
    assert pairs == parsing.header_pairs(package)


DECLINED = {
    "multipart": b'Content-Type: multipart/mixed; boundary="b"\n\n--b\n\nx\n--b--\n',
    "message": b"Content-Type: message/rfc822\n\nSubject: inner\n\nx\n",
    "envelope line": b"From a@example.org Mon Jan 1 00:00:00 2024\nSubject: x\n\nbody\n",
    "no blank line": b"From: a@example.org\nSubject: x\n",
    "not a header": b"From: a@example.org\nnot a header\n\nbody\n",
    "8-bit header": "From: a@example.org\nSubject: caf\u00e9\n\nbody\n".encode(),
    "lone carriage return": b"From: a@example.org\rSubject: x\n\nbody\n",
}


@pytest.mark.parametrize("raw", list(DECLINED.values()), ids=list(DECLINED))
def test_other_mail_goes_to_the_package(raw: bytes, monkeypatch) -> None:
    assert parsing._plain_single_part(raw) is None
    fast, package = _both(raw, monkeypatch)
    assert fast == package
