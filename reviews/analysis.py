"""Pure per-message analysis: what a mail is to a reviewer. Runs in ingest workers."""

from __future__ import annotations

import dataclasses
import email.utils
import re
from dataclasses import dataclass

from archive.parsing import ParsedMessage
from reviews.diffs import FileStat, PatchContent, diffstat, find_patch
from reviews.hashing import git_patch_id, patchwork_hash
from reviews.subjects import ParsedSubject, parse_subject
from reviews.trailers import Trailer, extract_trailers

_IN_BODY_FROM = re.compile(r"\A\s*From:[ \t]*(.+)$", re.M)
_TEXT_TYPES = ("text/", "application/x-patch", "application/x-diff")


@dataclass(frozen=True)
class MailAnalysis:
    subject: ParsedSubject
    patch: PatchContent | None
    author: tuple[str, str] | None  # in-body From: (name, email), overriding the sender
    trailers: tuple[Trailer, ...]
    hash: str
    patchid: str
    diffstat: tuple[FileStat, ...]

    @property
    def is_patch(self) -> bool:
        return self.patch is not None

    @property
    def is_cover(self) -> bool:
        """A tagged, non-reply mail without a diff: ``[PATCH 0/N]`` or a series' opener."""
        s = self.subject
        return self.patch is None and not s.is_reply and s.has_patch_tag and (s.number in (0, None))


def analyze_message(parsed: ParsedMessage) -> MailAnalysis:
    subject = mercurial_marker(parse_subject(parsed.subject))
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
        )
    return MailAnalysis(
        subject=subject,
        patch=None,
        author=None,
        trailers=extract_trailers(parsed.body, from_reply=True),
        hash="",
        patchid="",
        diffstat=(),
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
