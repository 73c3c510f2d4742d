"""Raw mail bytes -> :class:`ParsedMessage`. Pure: no Django, no database.

This is the one module that imports ``mail-parser``. We let it do what it is
good at (walking MIME parts, decoding bodies in broken charsets, finding
attachments) and read the few headers we index ourselves: its eager parsing
of every address and Received header costs more than the rest of ingestion,
and none of it is needed because the raw bytes are kept anyway.
"""

from __future__ import annotations

import base64
import binascii
import email
import email.header
import email.parser
import email.utils
import hashlib
import json
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from email.message import Message as EmailMessage
from typing import Any

import mailparser

from archive.authored import authored_digest
from archive.rawheaders import header_end, plain_header_pairs
from archive.searchterms import message_terms

# Three things below reach into mail-parser's internals: ``core.random_string``,
# ``MailParser._make_mail`` and the dicts of ``MailParser.attachments``. They
# are pinned to the versions tested in pyproject.toml, and
# tests/archive/test_mailparser_internals.py fails when they change.
#
# mail-parser logs a warning for every part type it does not manage
# (pgp-signature...): noise at our volume.
logging.getLogger("mailparser").setLevel(logging.CRITICAL)
# mail-parser names attachments that carry no filename with random letters
# ("kajbwxedrt.txt"), which would make parsing differ from run to run (and
# reparse disagree with ingest). Such names come back as this marker instead,
# and the attachment keeps no name, as in the mail.
_UNNAMED = "\x00unnamed"
mailparser.core.random_string = lambda string_length=10: _UNNAMED


class _MailParser(mailparser.MailParser):  # type: ignore[misc]  # mail-parser has no types
    """mail-parser without the summary dicts it builds last (``mail``, ``mail_partial``).

    We read only its parts, attachments and defects; the two dicts re-read
    every header and cost a seventh of a message's whole analysis.
    """

    def _make_mail(self, complete: bool = True) -> dict[str, Any]:
        return {}


SYNTHETIC_DOMAIN = "threadwork.invalid"
MAX_MSGID_LENGTH = 900  # stays well inside a btree index entry
# Real threads stay far below this; threading a reference chain costs time
# quadratic in its length (20,000 references: 17 s under the ingest lock).
MAX_REFERENCES = 1000
_MSGID_RE = re.compile(r"<([^<>\s]+)>")
_BLANK_RE = re.compile(r"\s")
_LOOSE_MSGID_RE = re.compile(r"<([^<>]+)>")
_COMMENT_RE = re.compile(r"\([^()]*\)")
# What a stored address may be (non-ASCII allowed, as in internationalised mail).
_ADDRESS_RE = re.compile(r'[^\s@<>()\[\]\\,;:"]+@[^\s@<>()\[\]\\,;:"]+')
MAX_ADDRESS_LENGTH = 254  # RFC 5321's limit, and Person.email's column
# mail-parser only needs the MIME headers to walk the body; every other
# top-level header (we read those ourselves) would just be parsed again.
_MIME_HEADERS = frozenset(
    {"content-type", "content-transfer-encoding", "content-disposition", "mime-version"}
)


@dataclass(frozen=True)
class Attachment:
    content_type: str
    filename: str
    size: int
    text: str | None  # decoded text for text/* parts, None for binary ones


@dataclass(frozen=True)
class ParsedMessage:
    msgid: str
    synthetic_msgid: bool
    subject: str
    from_name: str
    from_email: str
    date: datetime | None  # UTC
    utc_offset: int  # sender's offset from UTC, in minutes
    in_reply_to: str | None
    references: tuple[str, ...]  # oldest first, In-Reply-To last, no self, no repeats
    list_ids: tuple[tuple[str, str], ...]  # (list id, description)
    list_post: str
    to: str
    cc: str
    headers_json: str  # [[name, value], ...] as JSON, ready for the jsonb column
    body: str
    html_only: bool
    attachments: tuple[Attachment, ...]
    sha256: str
    size: int
    defects: tuple[str, ...] = field(default=())
    # What the author wrote, without what lists and relays add (authored_digest):
    # two deliveries of one mail share it, another mail under its Message-ID does not.
    content_sha256: str = ""
    search_terms: tuple[str, ...] = field(default=())  # exact-match lexemes (searchterms.py)

    @property
    def headers(self) -> tuple[tuple[str, str], ...]:
        return tuple((k, v) for k, v in json.loads(self.headers_json))

    def for_writer(self) -> ParsedMessage:
        """This parse without what only a parse worker reads: the headers (for the
        processors' analysis) and the search terms (for ``incoming.Prepared``).

        Ingest's workers send the writer this, once both were used: they were a
        quarter of the bytes pickled back and, as hundreds of small strings a
        mail, half the writer's time unpickling (#21). ``headers`` then fails.
        """
        return replace(self, headers_json="", search_terms=())


class UnparseableMessage(ValueError):
    """Raised when bytes cannot be read as mail at all; the caller quarantines them."""


def parse_message(raw: bytes) -> ParsedMessage:
    """Parse one message. Deterministic; raises only :class:`UnparseableMessage`."""
    if not raw.strip():
        raise UnparseableMessage("the message is empty")
    read = _plain_single_part(raw)
    if read is not None:
        msg, pairs = read
    else:
        try:
            msg = email.message_from_bytes(raw)
        except Exception as exc:  # the stdlib parser is tolerant; this is truly broken input
            raise UnparseableMessage(f"not readable as mail: {exc}") from exc
        # Every header is decoded once, here; the ones we index are read from these pairs.
        pairs = header_pairs(msg)
    if not msg.keys():
        raise UnparseableMessage("no mail headers found")
    sha = hashlib.sha256(raw).hexdigest()
    heads = _Headers(pairs)
    msgid, synthetic = _message_id(heads, sha)
    date, offset = parse_date(heads.text("Date"))
    in_reply_to = _first_msgid(heads.text("In-Reply-To"))
    references = _references(heads, msgid, in_reply_to)
    from_name, from_email = _sender(heads)
    # Serialised here, in the worker: the parent only passes the string on.
    headers = json.dumps(pairs)
    to, cc = _collapse(heads.text("To")), _collapse(heads.text("Cc"))
    subject = _collapse(heads.text("Subject"))
    list_ids, list_post = _list_ids(heads), _list_post(heads)
    body, html_only, attachments, defects = _content(msg)
    parts = [(a.content_type, a.filename, a.size, a.text) for a in attachments]
    authored = (from_email, subject, date, to, cc, references, body, parts)
    return ParsedMessage(
        msgid=msgid,
        synthetic_msgid=synthetic,
        subject=subject,
        from_name=from_name,
        from_email=from_email,
        date=date,
        utc_offset=offset,
        in_reply_to=in_reply_to,
        references=references,
        list_ids=list_ids,
        list_post=list_post,
        to=to,
        cc=cc,
        headers_json=headers,
        body=body,
        html_only=html_only,
        attachments=attachments,
        sha256=sha,
        size=len(raw),
        defects=defects,
        content_sha256=authored_digest(*authored),
        search_terms=message_terms(
            (from_name, from_email), to, cc, body, (a.text for a in attachments if a.text)
        ),
    )


def _plain_single_part(raw: bytes) -> tuple[EmailMessage, list[list[str]]] | None:
    """``email.message_from_bytes(raw)`` and its decoded header pairs, made without
    the feed parser, for mail of one part under a plain header block; else None.

    The feed parser walks a mail line by line even where the whole rest of it
    becomes one payload: about a fifth of a linux-rtc mail's parse (#21,
    docs/performance.md). A plain block (archive.rawheaders: ASCII, ``Name: value``
    lines and folded ones) followed by a blank line, whose type is neither
    multipart nor message, is what the feed parser reads as these headers with
    the rest of the mail, byte for byte, as the payload; mail-parser then
    walks the same message. Anything else goes to the email package.
    """
    after = header_end(raw)
    if after < 0:
        return None  # no body, or no line end before a blank line: the package's case
    # the header block ends with its last line's line end, before the blank line
    end = after - (2 if raw.startswith(b"\r\n", after - 2) else 1)
    plain = plain_header_pairs(raw[:end])
    if not plain:
        return None
    msg = EmailMessage()  # compat32, as message_from_bytes makes it
    for name, value in plain:
        msg.set_raw(name, value)
    if msg.get_content_maintype() in ("multipart", "message"):
        return None
    # As BytesParser reads the bytes: one character per byte, the blank line dropped.
    msg.set_payload(raw[after:].decode("ascii", "surrogateescape"))
    # Plain values are ASCII without NUL: only encoded words need decoding.
    pairs = [[k, decode_header_value(v) if "=?" in v else v] for k, v in plain]
    return msg, pairs


def header_pairs(msg: EmailMessage) -> list[list[str]]:
    """Every header of ``msg`` in order, as ``[name, decoded value]`` pairs."""
    return [[str(k), decode_header_value(v)] for k, v in msg.items()]


class _Headers:
    """Decoded header values by name, read as ``header_text`` reads a message.

    Decoding each header again for the few we index cost a twentieth of a
    parse (docs/performance.md, #21): they come from the pairs decoded once.
    """

    def __init__(self, pairs: list[list[str]]) -> None:
        self.pairs = pairs
        self.first: dict[str, str] = {}
        for name, value in pairs:
            self.first.setdefault(name.lower(), value)

    def text(self, name: str) -> str:
        """The first ``name`` header, decoded; "" when there is none."""
        return self.first.get(name.lower(), "")

    def every(self, name: str) -> list[str]:
        key = name.lower()
        return [value for header, value in self.pairs if header.lower() == key]


def mail_headers(raw: bytes) -> list[list[str]]:
    """The headers of raw mail as :func:`parse_message` reads them, without its body.

    Pages and the API read headers from the raw mail at view time rather than
    from a stored copy (archive migration 0013): parsing only the header
    block is cheap, and the copy took more room than the packed mail itself.
    """
    # The parser reads the body even when asked for headers only: cut it off
    # first, at the empty line where parse_message cuts it too.
    end = header_end(raw)
    head = raw[:end] if end >= 0 else raw
    plain = plain_header_pairs(head)
    if plain is not None:  # most mail: several times faster, the same pairs
        # Plain values are ASCII without NUL: only encoded words need decoding.
        return [[k, decode_header_value(v) if "=?" in v else v] for k, v in plain]
    return header_pairs(email.parser.BytesHeaderParser().parsebytes(head))


def decode_header_value(value: object) -> str:
    """Decode RFC 2047 words and raw 8-bit bytes (UTF-8, else Latin-1) to text.

    NUL (raw or encoded) becomes U+FFFD: every indexed header ends up in
    PostgreSQL text, which cannot hold it; the raw bytes keep the original.
    """
    return _decode_header(value).replace("\x00", "\ufffd")


def _decode_header(value: object) -> str:
    if isinstance(value, email.header.Header):
        # Raw 8-bit header bytes come back as "unknown-8bit" chunks; str() would
        # replace each byte, so rebuild the surrogate-escaped text and decode it below.
        value = "".join(
            chunk.decode("ascii", "surrogateescape") if isinstance(chunk, bytes) else chunk
            for chunk, _ in email.header.decode_header(value)
        )
    text = _undo_surrogates(str(value))
    if "=?" not in text:
        return text
    try:
        return str(email.header.make_header(email.header.decode_header(text)))
    except Exception:
        return text  # malformed encoded words: show them as they came


def header_text(msg: EmailMessage, name: str) -> str:
    value = msg.get(name)
    return "" if value is None else decode_header_value(value)


def normalize_msgid(value: str) -> str:
    """``<x@y> (comment)`` -> ``x@y``; bare ids are stripped of blanks."""
    match = _MSGID_RE.search(value) or _LOOSE_MSGID_RE.search(value)
    if match:
        return match.group(1).strip()
    return _COMMENT_RE.sub("", value).strip().strip("<>").strip()


def parse_date(value: str) -> tuple[datetime | None, int]:
    """Return the UTC instant and the sender's offset in minutes; (None, 0) if unusable."""
    if not value:
        return None, 0
    try:
        parts = email.utils.parsedate_tz(value)
    except Exception:
        return None, 0
    if not parts:
        return None, 0
    offset_seconds = parts[9] or 0
    if abs(offset_seconds) > 24 * 3600:
        offset_seconds = 0
    try:
        local = datetime(*parts[:6])
    except (ValueError, OverflowError, TypeError):
        return None, 0
    if not 1970 <= local.year <= 9000:
        return None, 0
    return (local - timedelta(seconds=offset_seconds)).replace(tzinfo=UTC), offset_seconds // 60


def _undo_surrogates(text: str) -> str:
    """compat32 keeps raw 8-bit header bytes as surrogates; decode them properly."""
    try:
        raw = text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return text.encode("utf-8", "replace").decode("utf-8")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def _collapse(text: str) -> str:
    return " ".join(text.split())


def derived_msgid(content_sha256: str) -> str:
    """The Message-ID of mail whose own is taken by other mail: made from what its
    author wrote (``authored_digest``), as the id of mail without one is made
    from its bytes, so the same mail always gets the same one."""
    return f"{content_sha256[:40]}@dup.{SYNTHETIC_DOMAIN}"


def _message_id(heads: _Headers, sha: str) -> tuple[str, bool]:
    msgid = normalize_msgid(heads.text("Message-ID"))
    msgid = _clean_msgid(msgid)
    # Ids in our own domain are ours to give: mail claiming one could take the
    # id a later mail would be given, and keep that mail out.
    if not msgid or _in_synthetic_domain(msgid):
        return f"{sha[:40]}@{SYNTHETIC_DOMAIN}", True
    if len(msgid) > MAX_MSGID_LENGTH:
        digest = hashlib.sha256(msgid.encode("utf-8", "replace")).hexdigest()[:40]
        return f"{digest}@long.{SYNTHETIC_DOMAIN}", True
    return msgid, False


def _in_synthetic_domain(msgid: str) -> bool:
    domain = msgid.rpartition("@")[2].lower()
    return domain == SYNTHETIC_DOMAIN or domain.endswith("." + SYNTHETIC_DOMAIN)


def _clean_msgid(value: str) -> str:
    """One spelling for a Message-ID wherever it appears: printable, no blanks, no brackets.

    The same cleanup for a message's own id and for references to it keeps
    threading intact. It also drops brackets left at an end once an invisible
    character after them is gone: URLs cannot name them (message views strip them).
    """
    if not value.isprintable() or _BLANK_RE.search(value):  # rare: a character at a time
        value = "".join(ch for ch in value if ch.isprintable() and not ch.isspace())
    return value.strip("<>")


def _first_msgid(value: str) -> str | None:
    ids = _all_msgids(value)
    return ids[0] if ids else None


def _all_msgids(value: str) -> list[str]:
    ids = [_clean_msgid(m) for m in _MSGID_RE.findall(value)]
    if not ids and value.strip() and "<" not in value and " " not in value.strip():
        ids = [_clean_msgid(value)]
    return [m for m in ids if m and len(m) <= MAX_MSGID_LENGTH]


def _references(heads: _Headers, msgid: str, in_reply_to: str | None) -> tuple[str, ...]:
    refs = _all_msgids(heads.text("References"))
    if in_reply_to:
        # In-Reply-To names the direct parent, so it goes last.
        refs = [r for r in refs if r != in_reply_to] + [in_reply_to]
    seen: set[str] = {msgid}
    ordered: list[str] = []
    for ref in refs:
        if ref not in seen:
            seen.add(ref)
            ordered.append(ref)
    if len(ordered) > MAX_REFERENCES:
        # Keep the thread's root (first) and the nearest ancestors (last).
        ordered = ordered[:1] + ordered[1 - MAX_REFERENCES :]
    return tuple(ordered)


def _sender(heads: _Headers) -> tuple[str, str]:
    """(name, address) of From; the address is "" unless the header parses to one.

    A malformed header once became an address whole, and so a Person. Now it
    makes no Person and is only the name, which search still finds; the raw
    header stays in ``headers`` and in the raw mail.
    """
    value = heads.text("From")
    try:
        name, addr = email.utils.parseaddr(value)
    except Exception:
        name, addr = "", ""
    addr = addr.strip().lower()
    if not is_address(addr):
        return _collapse(name or value), ""
    return _collapse(name), addr


def is_address(value: str) -> bool:
    """One ``@`` between two non-empty parts, without blanks, controls or header punctuation."""
    return (
        len(value) <= MAX_ADDRESS_LENGTH
        and value.isprintable()
        and bool(_ADDRESS_RE.fullmatch(value))
    )


def _list_ids(heads: _Headers) -> tuple[tuple[str, str], ...]:
    found: list[tuple[str, str]] = []
    for text in heads.every("List-Id"):
        match = _LOOSE_MSGID_RE.search(text)
        list_id = (match.group(1) if match else text).strip().lower()
        description = _collapse(text[: match.start()] if match else "").strip('"')
        if list_id and len(list_id) <= 255 and list_id not in (f[0] for f in found):
            found.append((list_id, description[:255]))
    return tuple(found)


def _list_post(heads: _Headers) -> str:
    text = heads.text("List-Post")
    match = re.search(r"mailto:([^>,\s]+)", text)
    return match.group(1)[:254] if match else ""


def _content(msg: EmailMessage) -> tuple[str, bool, tuple[Attachment, ...], tuple[str, ...]]:
    """Body text and attachments through mail-parser.

    Consumes ``msg``: every non-MIME top-level header is deleted first.
    """
    # One pass over the header list; ``del msg[name]`` rescans it per name.
    # ``_headers`` is the stdlib's own (name, value) list, which its public
    # methods read; typeshed leaves it out (tested in test_mailparser_internals).
    kept = [(k, v) for k, v in msg._headers if k.lower() in _MIME_HEADERS]  # type: ignore[attr-defined]
    msg._headers = kept  # type: ignore[attr-defined]
    try:
        parser = _MailParser(msg)  # parses on construction
        plain = list(parser.text_plain)
        html = list(parser.text_html)
        raw_attachments = list(parser.attachments)
        defects = tuple(sorted(parser.defects_categories))
    except Exception as exc:  # mail-parser failing must not lose the message
        plain, html, raw_attachments, defects = _fallback_body(msg), [], [], (repr(exc)[:200],)
    body = "\n".join(plain)
    html_only = not body.strip() and bool(html)
    if html_only:
        body = html_to_text("\n".join(html))
    attachments = tuple(_attachment(a) for a in raw_attachments)
    return _text(body), html_only, attachments, defects


def _text(value: str) -> str:
    """Newlines made plain, and NUL (which PostgreSQL text refuses) made visible.

    Every text derived from the body (patches, trailers, search terms) starts
    here, so none of them can carry a NUL into the database; the raw bytes
    keep the original.
    """
    value = value.replace("\r\n", "\n")
    return value.replace("\x00", "\ufffd") if "\x00" in value else value


def _fallback_body(msg: EmailMessage) -> list[str]:
    payload = msg.get_payload(decode=True) if not msg.is_multipart() else None
    if isinstance(payload, bytes):
        return [payload.decode("utf-8", "replace")]
    return []


def _attachment(item: Mapping[str, Any]) -> Attachment:
    content_type = str(item.get("mail_content_type") or "application/octet-stream").lower()
    payload = item.get("payload") or ""
    filename = str(item.get("filename") or "")
    filename = "" if filename.startswith(_UNNAMED) else _text(filename[:255])
    if not item.get("binary"):
        text = _text(str(payload))
        return Attachment(content_type, filename, len(text.encode("utf-8", "replace")), text)
    # mail-parser hands every attachment over base64-encoded, text ones included.
    try:
        data = base64.b64decode(payload)
    except (binascii.Error, ValueError):
        data = str(payload).encode("utf-8", "replace")
    if not content_type.startswith("text/"):
        return Attachment(content_type, filename, len(data), None)
    charset = str(item.get("charset") or "utf-8")
    try:
        text = data.decode(charset, "replace")
    except (LookupError, ValueError):
        # Unknown charsets, and codecs that fail even with "replace" (undefined,
        # idna, a name with a NUL in it) raise ValueError/UnicodeError instead.
        text = data.decode("utf-8", "replace")
    return Attachment(content_type, filename, len(data), _text(text))


_TAG_RE = re.compile(r"<(script|style)\b.*?</\1\s*>|<[^>]*>", re.I | re.S)


def html_to_text(html: str) -> str:
    """A crude text view of HTML-only mail; it is shown escaped, never rendered."""
    import html as html_lib

    text = re.sub(r"<\s*(br|/p|/div|/li|/tr)\b[^>]*>", "\n", html, flags=re.I)
    return html_lib.unescape(_TAG_RE.sub("", text)).strip()
