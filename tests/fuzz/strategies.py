# SPDX-License-Identifier: AGPL-3.0-or-later
"""Hypothesis strategies for hostile mail: bytes that an archive will be sent sooner or later.

Every strategy yields raw message bytes. They start from real mail where
possible (mutating real structure reaches deeper code than random bytes) and
otherwise build mail whose headers are valid enough to get past the parser's
first checks, with one hostile part: a charset, a Message-ID, a size, a depth.
"""

from __future__ import annotations

import base64
import encodings.aliases
import quopri
import zlib
from collections.abc import Sequence

from hypothesis import strategies as st

# Every codec name Python knows (aliases and canonical names), including the
# bytes-to-bytes ones (base64, zlib, rot13...) that are not text encodings.
KNOWN_CHARSETS = tuple(
    sorted(set(encodings.aliases.aliases) | set(encodings.aliases.aliases.values()))
)
BOGUS_CHARSETS = (
    "",
    "x-unknown",
    "utf-9",
    "unknown-8bit",
    "undefined",
    "us-ascii\x00",
    '"utf-8',
    "utf-8'en'",
    "utf-8*",
    "../../etc/passwd",
    "%s%s%n",
    "a" * 300,
    "\u00e9",
    "idna",
    "punycode",
    "mbcs",
    "oem",
    "charmap",
    "raw_unicode_escape",
    "unicode_escape",
    "utf-7",
)
CHARSETS = st.sampled_from(KNOWN_CHARSETS + BOGUS_CHARSETS)
TRANSFER_ENCODINGS = st.sampled_from(
    ["7bit", "8bit", "binary", "base64", "quoted-printable", "x-uuencode", "bogus", ""]
)

# Pieces that break naive quoting, URL routing and HTML escaping of Message-IDs.
MSGID_PIECES = (
    "/", "//", "%", "%2F", "%25", "%00", '"', "'", "<script>alert(1)</script>", " ", "\t",
    "..", "?", "#", "\\", "&amp;", "+", "@", "<", ">", "(comment)", "raw", "T/", "t.mbox.gz",
    "\u00e9", "\u202e", "\u200b", "\ufeff", "\x00", "\x7f", ":", ";", "=?utf-8?q?x?=",
)  # fmt: skip
SAMPLE_TEXT = "Grüße, Здравствуйте, こんにちは, ΑΒΓ, ĳ € ½ — plain ASCII too.\n"
DIFF = (
    "diff --git a/drivers/rtc/rtc-cmos.c b/drivers/rtc/rtc-cmos.c\n"
    "index 1111111..2222222 100644\n"
    "--- a/drivers/rtc/rtc-cmos.c\n"
    "+++ b/drivers/rtc/rtc-cmos.c\n"
    "@@ -1,3 +1,3 @@\n"
    " static int x;\n"
    "-static int y;\n"
    "+static int z;\n"
    " static int w;\n"
)


def _header_text() -> st.SearchStrategy[str]:
    return st.text(st.characters(codec="utf-8", exclude_characters="\r\n"), max_size=40)


@st.composite
def message_ids(draw: st.DrawFn) -> str:
    """Message-ID header values: hostile pieces, arbitrary text, or 1,000 characters."""
    kind = draw(st.sampled_from(["pieces", "text", "long"]))
    if kind == "long":
        fill = draw(st.sampled_from(["a", "/", "%", "é", "<script>", "x y"]))
        length = draw(st.sampled_from([899, 900, 901, 1000, 1001]))
        value = (fill * length)[:length] + "@example.org"
    elif kind == "text":
        value = draw(_header_text())
    else:
        pieces = st.one_of(st.sampled_from(MSGID_PIECES), _header_text())
        value = "".join(draw(st.lists(pieces, min_size=1, max_size=8)))
    return value if draw(st.booleans()) else f"<{value}>"


def _encode_body(text: str, charset: str, cte: str) -> bytes:
    try:
        data = text.encode(charset)
    except (LookupError, UnicodeError, TypeError, ValueError):
        data = text.encode("utf-8")
    if not isinstance(data, bytes):  # a codec that does not produce bytes
        data = text.encode("utf-8")
    if cte == "base64":
        return base64.encodebytes(data)
    if cte == "quoted-printable":
        return quopri.encodestring(data)
    return data


def _encoded_word(text: str, charset: str, q: bool) -> str:
    data = _encode_body(text, charset, "8bit")
    payload = (
        quopri.encodestring(data, header=True).decode("ascii")
        if q
        else base64.b64encode(data).decode("ascii")
    )
    return f"=?{charset}?{'Q' if q else 'B'}?{payload}?="


def _mail(headers: Sequence[tuple[str, str]], body: bytes) -> bytes:
    head = "".join(f"{name}: {value}\n" for name, value in headers)
    return head.encode("utf-8", "surrogateescape") + b"\n" + body


@st.composite
def charset_mail(draw: st.DrawFn) -> bytes:
    """A mail with any charset in the body, encoded words and an attachment."""
    charset, cte = draw(CHARSETS), draw(TRANSFER_ENCODINGS)
    word = _encoded_word(SAMPLE_TEXT.strip(), draw(CHARSETS), draw(st.booleans()))
    text = draw(st.sampled_from([SAMPLE_TEXT, SAMPLE_TEXT + DIFF, DIFF]))
    headers = [
        ("From", f"{word} <dev@example.org>"),
        ("Subject", f"[PATCH] {word}"),
        ("Message-ID", f"<charset-{zlib.crc32(f'{charset}{cte}{text}'.encode())}@example.org>"),
        ("Date", "Thu, 11 Jan 2024 10:00:00 +0100"),
        ("MIME-Version", "1.0"),
    ]
    if not draw(st.booleans()):
        headers += [
            ("Content-Type", f'text/plain; charset="{charset}"'),
            ("Content-Transfer-Encoding", cte),
        ]
        return _mail(headers, _encode_body(text, charset, cte))
    boundary = "=-=-=fuzz=-=-="
    attachment_cte = draw(TRANSFER_ENCODINGS)
    body = (
        f"--{boundary}\nContent-Type: text/plain; charset={charset}\n"
        f"Content-Transfer-Encoding: {cte}\n\n"
    ).encode() + _encode_body(text, charset, cte)
    body += (
        f"\n--{boundary}\nContent-Type: text/x-patch; charset={draw(CHARSETS)}\n"
        f"Content-Disposition: attachment; filename*=utf-8''{word}\n"
        f"Content-Transfer-Encoding: {attachment_cte}\n\n"
    ).encode() + _encode_body(DIFF, charset, attachment_cte)
    body += f"\n--{boundary}--\n".encode()
    headers.append(("Content-Type", f'multipart/mixed; boundary="{boundary}"'))
    return _mail(headers, body)


@st.composite
def hostile_headers_mail(draw: st.DrawFn) -> bytes:
    """A small valid mail whose indexed headers (ids, sender, lists...) are hostile."""
    hostile = st.one_of(
        _header_text(), st.lists(st.sampled_from(MSGID_PIECES), max_size=6).map("".join)
    )
    headers = [
        ("From", draw(st.sampled_from(["Eve <{}@example.org>", "{} <eve@example.org>", "{}"]))
         .format(draw(hostile))),
        ("Subject", draw(st.sampled_from(["[PATCH 1/2] ", "Re: [PATCH] ", ""])) + draw(hostile)),
        ("Message-ID", draw(message_ids())),
    ]  # fmt: skip
    optional = {
        "In-Reply-To": message_ids(),
        "References": st.lists(message_ids(), max_size=4).map(" ".join),
        "List-Id": hostile.map(lambda text: f"Fuzz <{text}>"),
        "List-Post": hostile.map(lambda text: f"<mailto:{text}>"),
        "To": hostile,
        "Cc": hostile,
        "Date": hostile,
    }
    for name, values in optional.items():
        if draw(st.booleans()):
            headers.append((name, draw(values)))
    return _mail(headers, (SAMPLE_TEXT + DIFF).encode())


@st.composite
def huge_mail(draw: st.DrawFn) -> bytes:
    """Huge headers (long lines, many headers, long folds) or huge bodies."""
    size = draw(st.sampled_from([1_000, 20_000, 100_000, 1_000_000]))
    kind = draw(st.sampled_from(["header-line", "many-headers", "folded", "body", "one-line"]))
    headers = [("From", "a@example.org"), ("Message-ID", f"<huge-{kind}-{size}@example.org>")]
    body = (SAMPLE_TEXT + DIFF).encode()
    if kind == "header-line":
        headers.append(("Subject", "[PATCH] " + "x" * size))
    elif kind == "many-headers":
        headers += [(f"X-H{i}", "v") for i in range(size // 10)]
        headers += [("References", f"<r{i}@x>") for i in range(size // 100)]
    elif kind == "folded":
        headers.append(("References", "\n ".join(f"<r{i}@x>" for i in range(size // 8))))
    elif kind == "body":
        body = (SAMPLE_TEXT * (size // len(SAMPLE_TEXT) + 1)).encode() + DIFF.encode()
    else:
        body = b"y" * size  # no newline at all
    return _mail(headers, body)


@st.composite
def nested_mime_mail(draw: st.DrawFn) -> bytes:
    """Multipart inside multipart, down to a depth that breaks recursive walkers."""
    depth = draw(st.sampled_from([1, 2, 10, 50, 200, 600, 1500]))
    inner = draw(st.sampled_from(["multipart/mixed", "multipart/alternative", "message/rfc822"]))
    closed = draw(st.booleans())  # unterminated boundaries are common in broken mail
    leaf = b"Content-Type: text/plain\n\n" + (SAMPLE_TEXT + DIFF).encode()
    part = leaf
    for level in range(depth, 0, -1):
        if inner == "message/rfc822":
            part = b"Content-Type: message/rfc822\n\nSubject: level %d\n" % level + part
            continue
        boundary = b"b%d" % level
        part = (
            b'Content-Type: %s; boundary="%s"\n\n--%s\n' % (inner.encode(), boundary, boundary)
            + part
            + (b"\n--%s--\n" % boundary if closed else b"\n")
        )
    head = f"From: n@example.org\nMessage-ID: <nested-{depth}-{inner}@example.org>\n"
    return head.encode() + b"MIME-Version: 1.0\n" + part


@st.composite
def mutated(draw: st.DrawFn, seeds: Sequence[bytes]) -> bytes:
    """A real mail, then a few mutations: truncation, flips, splices, hostile headers."""
    data = draw(st.sampled_from(seeds))
    for _ in range(draw(st.integers(0, 4))):
        data = draw(_mutation(data, seeds))
    return data


@st.composite
def _mutation(draw: st.DrawFn, data: bytes, seeds: Sequence[bytes]) -> bytes:
    kind = draw(
        st.sampled_from(
            ["truncate", "flip", "insert", "delete", "repeat", "splice", "header", "newlines"]
        )
    )
    at = draw(st.integers(0, len(data)))
    if kind == "truncate":
        return data[:at]
    if kind == "flip":
        return data[:at] + bytes([draw(st.integers(0, 255))]) + data[at + 1 :]
    if kind == "insert":
        return data[:at] + draw(st.binary(max_size=64)) + data[at:]
    if kind == "delete":
        return data[:at] + data[at + draw(st.integers(1, 256)) :]
    if kind == "repeat":
        return data[:at] + data[at : at + 200] * draw(st.integers(2, 50)) + data[at:]
    if kind == "splice":
        other = draw(st.sampled_from(seeds))
        return data[:at] + other[draw(st.integers(0, len(other))) :]
    if kind == "header":
        name = draw(
            st.sampled_from(
                ["Message-ID", "In-Reply-To", "References", "Content-Type", "Subject", "From"]
            )
        )
        value = draw(
            st.one_of(
                message_ids(),
                CHARSETS.map(lambda c: f"text/plain; charset={c}"),
                _header_text(),
            )
        )
        return f"{name}: {value}\n".encode("utf-8", "surrogateescape") + data
    # Line endings: mbox files arrive with CRLF, bare CR, or mixed.
    old, new = draw(st.sampled_from([(b"\n", b"\r\n"), (b"\n", b"\r"), (b"\r\n", b"\n")]))
    return data.replace(old, new)


def any_mail(seeds: Sequence[bytes]) -> st.SearchStrategy[bytes]:
    """One message of any of the kinds above, mutated real mail most often."""
    return st.one_of(
        mutated(seeds),
        st.binary(max_size=2048),
        charset_mail(),
        hostile_headers_mail(),
        huge_mail(),
        nested_mime_mail(),
    )
