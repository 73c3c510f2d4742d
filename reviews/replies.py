# SPDX-License-Identifier: AGPL-3.0-or-later
"""What a reply says, read from its body by simple, documented heuristics.

Pure: a body in, a :class:`Cue` set out. The cues feed whose turn it is
(``reviews.turns``); who wrote the reply is not known here, so every cue a
body shows is reported and the rules decide what it means for the patch.
The heuristics are written down in ``docs/review-turns.md``; each is a guess
a person would make at a glance, not an understanding of the text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from enum import IntFlag

from reviews.quotes import is_quoted, reply_answers
from reviews.trailers import extract_trailers, is_signature

__all__ = ["Cue", "applied_numbers", "read_reply"]


class Cue(IntFlag):
    """What a reply shows; stored as an integer on its Comment row."""

    NONE = 0
    APPROVAL = 1  # a Reviewed-by, Acked-by or Tested-by trailer
    NAK = 2  # "NAK", "Nacked-by"
    APPLIED = 4  # "Applied, thanks", "Queued for 6.9"
    PROMISE = 8  # "I'll send a v2", "will fix"
    QUESTION = 16  # a question mark in what the sender wrote
    REQUEST = 32  # "please", "should", "could you", "instead", ...
    # The sender wrote something under a quote of the mail; read only when
    # none of the cues above is there (they decide without it).
    ANSWER = 64


class _CaseBlind:
    """A cue's expression (lower-case letters only), matched in any case.

    Python's engine runs an expression compiled case-sensitively over lowered
    text about twice as fast as the case-blind one over the text as written;
    for ASCII text (nearly every reply) the two find the same. Other text is
    read as written: case-blind matching of ``ſ`` or the Kelvin sign is not
    what ``str.lower`` gives. Five cues over each reply's own lines were the
    costliest part of reading it at ingest (#21).
    """

    def __init__(self, pattern: str, flags: int = 0, needs: tuple[str, ...] = ()) -> None:
        self.as_written = re.compile(pattern, flags | re.IGNORECASE)
        self.lowered = re.compile(pattern, flags)
        # Words every match holds one of: lowered text without any has none.
        self.needs = needs

    def search(self, text: str, lowered: str | None) -> bool:
        """``lowered``: ``text.lower()`` when ``text`` is ASCII, else None."""
        if lowered is not None:
            if self.needs and not any(word in lowered for word in self.needs):
                return False
            return self.lowered.search(lowered) is not None
        return self.as_written.search(text) is not None


_APPROVING = frozenset({"Reviewed-by", "Acked-by", "Tested-by", "Reviewed-and-tested-by",
                        "Acked-and-tested-by", "Tested-and-acked-by"})  # fmt: skip
# Cues that settle what a reviewer's reply means, ANSWER or not.
_DECISIVE = Cue.APPROVAL | Cue.NAK | Cue.APPLIED | Cue.QUESTION | Cue.REQUEST
_ATTRIBUTION_RE = re.compile(r"(?:wrote|writes|said)\s*:\s*$", re.IGNORECASE)
_TRAILER_LINE_RE = re.compile(r"^\s*[A-Za-z][A-Za-z-]*-by:\s", re.IGNORECASE)
_URL_RE = re.compile(r"\bhttps?://\S+|<[^<>\s]+@[^<>\s]+>")
# A Nacked-by line of the sender's own (trailer lines are left out of ``own``).
_NACKED_BY_RE = re.compile(r"^[ \t]*nack(?:ed)?-by:", re.IGNORECASE | re.MULTILINE)
_NAK_RE = _CaseBlind(r"^\s*(?:nack(?:ed)?|nak)(?:-by)?\b", re.MULTILINE, needs=("nak", "nack"))
# A line that starts by saying the patch went in, with nothing after but a
# branch or a thanks: "Applied, thanks!", "Applied to rtc-next.", "Queued."
_APPLIED_RE = _CaseBlind(
    # at the start of a line or of a sentence: "Seems they were lost... Applied, thanks!"
    r"(?:^|(?<=[.!])[ \t]+)\s*(?:thanks[,!.]?\s+)?(?:i(?:'ve| have)?\s+)?"
    # "Series applied", "All applied", "Patches 1-3 applied", "Both now queued"
    r"(?:(?:the )?(?:whole )?(?:series|all|both|patch(?:es)?(?: [\d, &and-]+)?)\s+)?"
    # "Squashed and applied", "Fixed up and applied"
    r"(?:(?:squashed|quashed|folded|fixed(?: it)? up|tweaked|reworded|rebased)(?: it)? and )?"
    r"(?:now\s+)?(?:applied|queued(?: up)?|pushed|picked(?: it)? up)"
    # "Applied all patches in this series except ...", "Applied the series to ..."
    r"(?:[ \t]+(?:it|them|both|all(?: patches)?|the (?:whole )?series|this series|"
    r"(?:patch(?:es)? )?\d[\d, &and-]*)"
    r"(?: in this series)?)?"
    r"(?:[ \t]+(?:to|for|into|in|except)\b[^?\n]*|[ \t.,!]*(?:thanks?[^?\n]*|thank you[^?\n]*)?)$",
    re.MULTILINE,
    needs=("applied", "queued", "pushed", "picked"),
)
# What bots and maintainers' scripts say: "This series was applied to
# netdev/net-next.git", "The pull request ... has been merged into torvalds/linux.git".
_MERGED_RE = _CaseBlind(
    r"\b(?:has been|have been|was|were) (?:applied|merged|pulled|queued) (?:to|into|in)\b",
    needs=("applied", "merged", "pulled", "queued"),
)
# An answer that only agrees or thanks asks for nothing: "That's fine with me."
_AGREES_RE = re.compile(
    r"^(?:(?:yes|yep|ok|okay|sure|agreed|right|indeed|definitely|great|good|nice|fine|lgtm|thanks?|"
    r"thank you|sounds (?:good|fine|right)|works for me|fine (?:with|by) me|makes sense|"
    r"that'?s (?:fine|ok|okay|good|great|right)(?: (?:with|by|to) me)?|"
    r"looks (?:good|fine|right|ok)(?: to me)?|good (?:idea|point|catch)|"
    r"(?:that|this) (?:works|makes sense))[\s!.,:)-]*)+$",
    re.IGNORECASE,
)
_GREETING_RE = re.compile(r"^(?:hi|hello|hey|dear)\b[^\n]*\n?", re.IGNORECASE | re.MULTILINE)
_PROMISE_RE = _CaseBlind(
    r"\b(?:i'?ll|i will|will|we'?ll|going to)\s+(?:\w+\s+)?"
    r"(?:send|post|submit|re-?spin|resend|prepare|fix|address|update|rework|do|drop|change|"
    r"remove|add|split|rebase|rename|move|use|make)\b"
    r"|\b(?:in|for) (?:the )?(?:v\d+|next (?:version|revision|iteration|spin))\b"
    r"|\b(?:is|are) on (?:its|it's|their) way\b"
)
_REQUEST_RE = _CaseBlind(
    r"\b(?:please|pls|should(?:n't| not)?|could you|can you|would you|"
    r"needs?|must|instead|don't|do not|why|drop|wrong|broken|breaks)\b"
)


def _own_lines(body: str) -> list[str]:
    """The lines the sender wrote: not quoted, not attributions, trailers or signature."""
    own = []
    for line in body.replace("\r\n", "\n").split("\n"):
        if is_signature(line):
            break
        if is_quoted(line) or (line.rstrip().endswith(":") and _ATTRIBUTION_RE.search(line)):
            continue
        # the cheap test first: a trailer line has a "-" and a ":"
        if "-" in line and ":" in line and _TRAILER_LINE_RE.match(line):
            continue
        own.append(line)
    return own


def read_reply(body: str, trailer_kinds: Iterable[str] | None = None) -> Cue:
    """The cues of one reply's body (see ``docs/review-turns.md`` for each rule).

    ``trailer_kinds``: the kinds of the trailers found in it, when they are
    already known (ingest stores them); else they are read from ``body``.
    """
    cues = Cue.NONE
    if trailer_kinds is None:
        trailer_kinds = (t.kind for t in extract_trailers(body, from_reply=True))
    kinds = set(trailer_kinds)
    if kinds & _APPROVING:
        cues |= Cue.APPROVAL
    own = "\n".join(_own_lines(body))
    # every address and URL has one of these
    text = _URL_RE.sub(" ", own) if "@" in own or "://" in own else own
    low = text.lower() if text.isascii() else None
    if _NAK_RE.search(text, low) or "Nacked-by" in kinds or _NACKED_BY_RE.search(body):
        cues |= Cue.NAK
    if _APPLIED_RE.search(text, low) or _MERGED_RE.search(text, low):
        cues |= Cue.APPLIED
    if _PROMISE_RE.search(text, low):
        cues |= Cue.PROMISE
    if "?" in text:
        cues |= Cue.QUESTION
    if _REQUEST_RE.search(text, low):
        cues |= Cue.REQUEST
    # Costlier to read, and only needed when nothing above decides (see the rules).
    if not cues & _DECISIVE and len(own) < len(body) and _answers_a_quote(body):
        cues |= Cue.ANSWER
    return cues


def _answers_a_quote(body: str) -> bool:
    """Whether the sender wrote something under a quote, beyond a greeting and a yes."""
    for answers in reply_answers(body):
        for answer in answers:
            text = _GREETING_RE.sub("", answer).strip()
            if text and not _AGREES_RE.match(text):
                return True
    return False


# b4's thank-you lists what it applied, one "[3/7] subject" line each.
_LISTED_RE = re.compile(r"^\s*\[(\d+)/\d+\]\s", re.MULTILINE)


def applied_numbers(body: str) -> frozenset[int]:
    """The patch numbers a thank-you lists as applied ("[5/7] rtc: ..."); empty: none listed.

    A reply to a cover letter that says it applied "[5/7]" applied that patch,
    not the six others.
    """
    own = "\n".join(_own_lines(body))
    return frozenset(int(n) for n in _LISTED_RE.findall(own))
