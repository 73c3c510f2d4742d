"""tests/bench/growth.py: each copy of an mbox gets its own Message-IDs, nothing else changes.

Pure: parsing only, no database.
"""

from __future__ import annotations

import re
from pathlib import Path

from archive.parsing import ParsedMessage, parse_message
from tests.bench.growth import iter_copies, rewrite_message_ids, tag_id

COVER = b"""From someone Mon Sep 17 00:00:00 2001
From: Ann <ann@example.org>
Subject: [PATCH 0/1] rtc: cover
Message-ID: <cover@example.org>
Date: Mon, 1 Jan 2024 10:00:00 +0000

The series.
"""
PATCH = b"""From someone Mon Sep 17 00:00:00 2001
From: Ann <ann@example.org>
Subject: [PATCH 1/1] rtc: fix
Message-Id: <patch.1@example.org>
In-Reply-To: <cover@example.org>
References: <old@example.org>
\t<cover@example.org>
Date: Mon, 1 Jan 2024 10:01:00 +0000

A body that quotes headers, which must stay as they are:
Message-ID: <quoted@example.org>
References: <cover@example.org>
>From the start, <cover@example.org> is the cover.
"""
REPLY = b"""From someone Mon Sep 17 00:00:00 2001
From: Bob <bob@example.org>
Subject: Re: [PATCH 1/1] rtc: fix
Message-ID: <reply@example.org>
In-Reply-To: patch.1@example.org
Date: Mon, 1 Jan 2024 11:00:00 +0000

Reviewed-by: Bob <bob@example.org>
"""
NO_ID = b"""From someone Mon Sep 17 00:00:00 2001
From: Carol <carol@example.org>
Subject: no Message-ID at all
Date: Mon, 1 Jan 2024 12:00:00 +0000

Hello.
"""
MBOX = COVER + b"\n" + PATCH + b"\n" + REPLY + b"\n" + NO_ID


def untag(msgid: str | None, copy: int | None) -> str | None:
    if msgid is None or copy is None:
        return msgid
    return re.sub(rf"\.g{copy}(?=@[^@]*$|$)", "", msgid, count=1)


def links(parsed: ParsedMessage, copy: int | None = None) -> tuple:
    """What threading reads from a message, with ``copy``'s tag taken off."""
    # A synthetic id is a hash of the raw bytes: it differs per copy by design.
    msgid = "synthetic" if parsed.synthetic_msgid else untag(parsed.msgid, copy)
    if copy is None:
        return msgid, parsed.in_reply_to, parsed.references
    refs = tuple(untag(r, copy) for r in parsed.references)
    return msgid, untag(parsed.in_reply_to, copy), refs


def body(raw: bytes) -> bytes:
    return raw[raw.index(b"\n\n") :]


def test_a_message_without_message_id_differs_per_copy() -> None:
    raw = NO_ID.split(b"\n", 1)[1]
    ids = {parse_message(rewrite_message_ids(raw, copy)).msgid for copy in range(3)}
    assert len(ids) == 3


def test_tag_keeps_the_domain() -> None:
    assert tag_id(b"abc@host", 3) == b"abc.g3@host"
    assert tag_id(b"a@b@host", 3) == b"a@b.g3@host"
    assert tag_id(b"no-domain", 0) == b"no-domain.g0"


def test_copies_thread_like_the_original_with_disjoint_ids(tmp_path: Path) -> None:
    source = tmp_path / "tiny.mbox"
    source.write_bytes(MBOX)
    mails = list(iter_copies(str(source), 3))
    assert len(mails) == 12  # the mbox framing still splits into the same four messages
    originals = [COVER, PATCH, REPLY, NO_ID]
    # What iter_source makes of each: no From_ line, one level of >From unescaped.
    unframed = [m.split(b"\n", 1)[1].replace(b"\n>From ", b"\nFrom ") for m in originals]
    original = [parse_message(raw) for raw in unframed]
    ids_by_copy: list[set[str]] = []
    for copy in range(3):
        parsed = [parse_message(mail.data) for mail in mails[copy * 4 : copy * 4 + 4]]
        assert [links(p, copy) for p in parsed] == [links(p) for p in original]
        assert [p.body for p in parsed] == [p.body for p in original]
        assert [p.subject for p in parsed] == [p.subject for p in original]
        ids_by_copy.append({p.msgid for p in parsed} | {r for p in parsed for r in p.references})
    for a in range(3):
        for b in range(a + 1, 3):
            assert not ids_by_copy[a] & ids_by_copy[b]


def test_only_the_header_block_changes() -> None:
    raw = PATCH.split(b"\n", 1)[1]
    rewritten = rewrite_message_ids(raw, 7)
    assert body(rewritten) == body(raw)
    assert b"Message-Id: <patch.1.g7@example.org>\n" in rewritten
    assert b"References: <old.g7@example.org>\n\t<cover.g7@example.org>\n" in rewritten
    crlf = raw.replace(b"\n", b"\r\n")
    rewritten = rewrite_message_ids(crlf, 7)
    assert rewritten[rewritten.index(b"\r\n\r\n") :] == crlf[crlf.index(b"\r\n\r\n") :]
    assert b"In-Reply-To: <cover.g7@example.org>\r\n" in rewritten
