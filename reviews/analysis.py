"""Pure per-message analysis: what a mail is to a reviewer. Runs in ingest workers."""

from __future__ import annotations

import dataclasses
import email.utils
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from archive.parsing import ParsedMessage
from reviews.diffs import FileStat, PatchContent, diffstat, find_patch
from reviews.hashing import git_patch_id, patchwork_hash
from reviews.subjects import ParsedSubject, parse_subject
from reviews.trailers import Trailer, extract_trailers

if TYPE_CHECKING:
    from reviews.replyreading import ReplyReading

_IN_BODY_FROM = re.compile(r"\A\s*From:[ \t]*(.+)$", re.M)
_TEXT_TYPES = ("text/", "application/x-patch", "application/x-diff")
# Header names as they appear in ParsedMessage.headers_json: a cheap test first.
_PATCHWORK_HEADER = re.compile(r'"x-patchwork-', re.I)


@dataclass(frozen=True)
class PatchworkHeaders:
    """What the sender asks of patch trackers in ``X-Patchwork-*`` headers.

    Anyone can write these: ``ignore`` is always honoured (it only asks for
    less), ``state`` and ``delegate`` only for projects that trust them.
    """

    ignore: bool = False  # X-Patchwork-Hint: ignore
    state: str = ""  # X-Patchwork-State as written: a state's name or slug
    delegate: str = ""  # X-Patchwork-Delegate's address, lower-cased


NO_HEADERS = PatchworkHeaders()


@dataclass(frozen=True)
class MailAnalysis:
    subject: ParsedSubject
    patch: PatchContent | None
    author: tuple[str, str] | None  # in-body From: (name, email), overriding the sender
    trailers: tuple[Trailer, ...]
    hash: str
    patchid: str
    diffstat: tuple[FileStat, ...]
    patchwork: PatchworkHeaders = NO_HEADERS
    # Read by ingest's parse workers (``reviews.processor``), for the writer.
    reply: ReplyReading | None = None
    # A costly diff coloured there too (``reviews.diffcolours.precolour``; no
    # hunks: a long diff measured cheap to colour).
    colours: tuple[str, list[list[str]] | None] | None = None
    # A long reply's body rendered there too (``reviews.renderedmail.prerender``).
    rendered: tuple[str, bytes] | None = None

    @property
    def is_patch(self) -> bool:
        return self.patch is not None

    @property
    def is_cover(self) -> bool:
        """A ``0/N`` mail without a diff that is not a reply, whatever its other tags.

        ``[PATCH 0/3]``, ``[v2,0/1]``, ``[RESEND 0/3]``, ``[RFC,v2 0/6]``: the
        marker says it opens a series, as Patchwork reads it. A ``[PATCH]``
        without a marker and without a diff is not one (see ``lacks_diff``).
        """
        s = self.subject
        return self.patch is None and not s.is_reply and s.number == 0

    @property
    def lacks_diff(self) -> bool:
        """It says it is a patch, but no diff or pull request was found in it."""
        return self.patch is None and claims_patch(self.subject)

    @property
    def is_tracked(self) -> bool:
        """Whether it becomes a patch or cover letter (unless its sender asked not)."""
        return (self.is_patch or self.is_cover) and not self.patchwork.ignore


def claims_patch(subject: ParsedSubject) -> bool:
    """A new mail tagged PATCH (or PULL) that is not a ``0/N`` cover letter."""
    return not subject.is_reply and subject.has_patch_tag and subject.number != 0


def read_subject(subject: str | None) -> ParsedSubject:
    """A subject as analysis reads it: Patchwork's parsing plus Mercurial's markers."""
    return mercurial_marker(parse_subject(subject))


def analyze_message(parsed: ParsedMessage) -> MailAnalysis:
    subject = read_subject(parsed.subject)
    headers = patchwork_headers(parsed)
    attachments = [
        (a.content_type, a.filename, a.text)
        for a in parsed.attachments
        if a.text is not None and a.content_type.startswith(_TEXT_TYPES)
    ]
    # A reply is discussion even when it carries a diff (a suggested fix-up): as on Patchwork.
    patch = None if subject.is_reply else find_patch(parsed.body, attachments)
    if patch is not None:
        diff = patch.diff or ""
        trailers = extract_trailers(patch.message)
        return MailAnalysis(
            subject=subject,
            patch=patch,
            author=in_body_author(patch.message),
            trailers=trailers,
            hash=patchwork_hash(diff) if diff else "",
            patchid=(git_patch_id(diff) or "") if diff else "",
            diffstat=diffstat(diff) if diff else (),
            patchwork=headers,
        )
    return MailAnalysis(
        subject=subject,
        patch=None,
        author=None,
        trailers=extract_trailers(parsed.body, from_reply=True),
        hash="",
        patchid="",
        diffstat=(),
        patchwork=headers,
    )


def patchwork_headers(parsed: ParsedMessage) -> PatchworkHeaders:
    """The first ``X-Patchwork-Hint``, ``-State`` and ``-Delegate``, as Patchwork reads them."""
    if _PATCHWORK_HEADER.search(parsed.headers_json) is None:
        return NO_HEADERS  # nearly all mail: no need to decode the headers
    found: dict[str, str] = {}
    for name, value in parsed.headers:
        found.setdefault(name.strip().lower(), " ".join(value.split()))
    _, delegate = email.utils.parseaddr(found.get("x-patchwork-delegate", ""))
    return PatchworkHeaders(
        ignore=found.get("x-patchwork-hint", "").lower() == "ignore",
        state=found.get("x-patchwork-state", "")[:100],
        delegate=delegate.strip().lower()[:254] if "@" in delegate else "",
    )


def mercurial_marker(subject: ParsedSubject) -> ParsedSubject:
    """Read Mercurial's ``[PATCH 1 of 2]`` as ``1/2`` (the tokens arrive split)."""
    tokens = subject.prefixes
    if subject.number is not None or "of" not in tokens:
        return subject
    for i in range(1, len(tokens) - 1):
        before, word, after = tokens[i - 1 : i + 2]
        if word == "of" and before.isdecimal() and after.isdecimal():
            prefixes = (*tokens[: i - 1], f"{before}/{after}", *tokens[i + 2 :])
            return dataclasses.replace(
                subject,
                prefixes=prefixes,
                name=f"[{','.join(prefixes)}] {subject.title}".rstrip(),
                number=int(before),
                total=int(after),
            )
    return subject


def in_body_author(message: str) -> tuple[str, str] | None:
    """git send-email on behalf of someone else starts the body with ``From: Author``."""
    match = _IN_BODY_FROM.match(message)
    if not match:
        return None
    name, addr = email.utils.parseaddr(match.group(1).strip())
    if "@" not in addr:
        return None
    return " ".join(name.split())[:255], addr.strip().lower()[:254]
