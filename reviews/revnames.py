# SPDX-License-Identifier: AGPL-3.0-or-later
"""Names for the revisions of a series: by version and by posting.

Pure. A series sent once per version is named ``v3``. When a version is
posted again, the repost is told apart: ``v3 RESEND`` when its subject says
RESEND, and, when that name is taken already, with its place among the
version's postings and its date: ``v3 (2nd posting, 2025-06-04)``,
``v14 RESEND (3rd posting, 2025-09-04)``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

__all__ = ["Posting", "is_resend", "ordinal", "revision_names"]

_RESEND_RE = re.compile(r"^\s*\[[^\]]*\bRESEND\b", re.IGNORECASE)


@dataclass(frozen=True)
class Posting:
    id: int
    version: int
    resend: bool
    date: datetime | None


def is_resend(subject: str) -> bool:
    """Whether a patch or cover name's bracketed prefix says RESEND."""
    return bool(_RESEND_RE.match(subject))


def ordinal(n: int) -> str:
    if 10 <= n % 100 <= 20:
        return f"{n}th"
    return f"{n}{ {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th') }"


def revision_names(postings: Sequence[Posting]) -> dict[int, str]:
    """A name for each posting, by id; postings of one version are counted in date order."""
    ordered = sorted(postings, key=lambda p: (p.version, p.date is None, p.date or 0, p.id))
    names: dict[int, str] = {}
    taken: set[str] = set()
    count: dict[int, int] = {}
    for posting in ordered:
        count[posting.version] = count.get(posting.version, 0) + 1
        name = f"v{posting.version}" + (" RESEND" if posting.resend else "")
        if name in taken:
            when = f", {posting.date:%Y-%m-%d}" if posting.date else ""
            name = f"{name} ({ordinal(count[posting.version])} posting{when})"
        taken.add(name)
        names[posting.id] = name
    return names
