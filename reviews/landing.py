# SPDX-License-Identifier: AGPL-3.0-or-later
"""Which posted patch a commit carries: exactly by patch-id, or despite a maintainer's edits.

Pure: commits (``reviews.gittrees.Commit``) and candidate patches in, matches
out. The rules, in order:

1. **exact**: the commit's ``git patch-id --stable`` is a patch's stored one
   (it ignores whitespace, line numbers, the message and trailers);
2. **edited**: same author (address, after the tree's ``.mailmap``), same
   normalised subject, changed lines similar enough (:func:`similarity` at
   least :data:`THRESHOLD`, or the patch's lines nearly all in the commit),
   the patch sent within :data:`WINDOW` before the commit; the most similar,
   then the latest, wins;
3. **squashed**: once a commit carries a patch, the other patches of that
   series by the same author whose changed lines are nearly all in the commit
   (:data:`SQUASH_CONTAINMENT`) were folded into it.

The threshold was measured on edited scenarios and on linux-rtc series
edited at random (``tests/bench/landing.py``, docs/performance.md).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cached_property

from reviews.gittrees import Commit

__all__ = [
    "SQUASH_CONTAINMENT",
    "THRESHOLD",
    "WINDOW",
    "Candidate",
    "Match",
    "changed_lines",
    "match_commit",
    "normalise_subject",
    "similarity",
]

THRESHOLD = 0.5
SQUASH_CONTAINMENT = 0.9
WINDOW = timedelta(days=365)
# A patch dated after its commit by more than this was posted after it landed
# (a resend, a backport to another list), not applied from the list.
LATE = timedelta(days=2)


@dataclass(frozen=True)
class Candidate:
    """A posted patch as the matcher sees it."""

    patch_id: int
    series_id: int | None
    author: str  # the submitter's address, through the mailmap, lower case
    title: str
    date: datetime
    patchid: str
    diff: str = ""

    @cached_property
    def lines(self) -> Counter[str]:
        return changed_lines(self.diff)


@dataclass(frozen=True)
class Match:
    commit: str
    patch_id: int
    how: str  # a LandingMatch value
    similarity: float


_SPACE_RE = re.compile(r"\s+")


def normalise_subject(subject: str) -> str:
    """A subject compared loosely: case, runs of spaces and a final full stop don't count."""
    return _SPACE_RE.sub(" ", subject).strip().rstrip(".").strip().lower()


def changed_lines(diff: str) -> Counter[str]:
    """The added and removed lines of a diff, each with its sign, spaces collapsed."""
    found: Counter[str] = Counter()
    for line in diff.splitlines():
        sign = line[:1]
        if (sign != "+" and sign != "-") or line.startswith(("+++ ", "--- ")):
            continue
        text = " ".join(line[1:].split())
        if text:
            found[sign + text] += 1
    return found


def similarity(a: Counter[str], b: Counter[str]) -> float:
    """Dice coefficient of two multisets of changed lines: 1.0 same, 0.0 nothing shared."""
    total = sum(a.values()) + sum(b.values())
    return 2 * sum((a & b).values()) / total if total else 0.0


def _containment(part: Counter[str], whole: Counter[str]) -> float:
    size = sum(part.values())
    return sum((part & whole).values()) / size if size else 0.0


def _in_window(commit: Commit, candidate: Candidate) -> bool:
    return commit.committed - WINDOW <= candidate.date <= commit.committed + LATE


def _latest(candidates: Iterable[Candidate]) -> Candidate | None:
    return max(candidates, key=lambda c: (c.date, c.patch_id), default=None)


def match_commit(
    commit: Commit,
    by_patchid: Mapping[str, Sequence[Candidate]],
    by_author: Mapping[str, Sequence[Candidate]],
    author: str,
) -> list[Match]:
    """The patches ``commit`` carries (none, one, or several when squashed).

    ``author`` is the commit's author address through the mailmap;
    ``by_author`` lists candidates (with diffs) under their mapped address.
    """
    primary = _exact(commit, by_patchid) or _edited(commit, by_author.get(author, ()))
    if primary is None:
        return []
    if primary.how == "exact":
        return [primary]  # the commit is that patch and nothing more
    return [primary, *_squashed(commit, primary, by_author.get(author, ()))]


def _exact(commit: Commit, by_patchid: Mapping[str, Sequence[Candidate]]) -> Match | None:
    if not commit.patchid:
        return None
    found = _latest(c for c in by_patchid.get(commit.patchid, ()) if _in_window(commit, c))
    return Match(commit.sha, found.patch_id, "exact", 1.0) if found else None


def _edited(commit: Commit, candidates: Sequence[Candidate]) -> Match | None:
    subject = normalise_subject(commit.subject)
    lines: Counter[str] | None = None  # read only when some candidate has the subject
    best: tuple[float, datetime, int] | None = None
    for candidate in candidates:
        if normalise_subject(candidate.title) != subject or not _in_window(commit, candidate):
            continue
        lines = changed_lines(commit.diff) if lines is None else lines
        score = similarity(candidate.lines, lines)
        # A commit holding all of the patch and more (another folded in) is it too.
        carried = _containment(candidate.lines, lines) >= SQUASH_CONTAINMENT
        if (score >= THRESHOLD or carried) and (best is None or (score, candidate.date) > best[:2]):
            best = (score, candidate.date, candidate.patch_id)
    return Match(commit.sha, best[2], "edited", round(best[0], 3)) if best else None


def _squashed(commit: Commit, primary: Match, candidates: Sequence[Candidate]) -> list[Match]:
    series = next((c.series_id for c in candidates if c.patch_id == primary.patch_id), None)
    if series is None:
        return []
    lines = changed_lines(commit.diff)
    found = []
    for candidate in candidates:
        if candidate.series_id != series or candidate.patch_id == primary.patch_id:
            continue
        share = _containment(candidate.lines, lines)
        if share >= SQUASH_CONTAINMENT and _in_window(commit, candidate):
            found.append(Match(commit.sha, candidate.patch_id, "squashed", round(share, 3)))
    return found
