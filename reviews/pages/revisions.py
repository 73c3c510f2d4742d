# SPDX-License-Identifier: AGPL-3.0-or-later
"""The revisions of a series, named and paired: what the patch and series pages link.

Reads every patch of every revision of a lineage in one query (names, titles,
patch-ids; no diffs), names the revisions (``reviews.revnames``) and pairs
patches across them (``reviews.pairing``). Diffs are read, in one more query,
only for the patches the first two pairing passes leave unpaired.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TypeVar, cast

from django.core.cache import cache

from archive.dbrouting import read_connection
from archive.models import Message
from archive.prepared import execute_prepared
from reviews import links
from reviews.models import Patch, Series
from reviews.pairing import Pair, partner
from reviews.pairmemo import (
    PAIRS_VERSION,
    load_diffs,
    pair_remembered,
    pair_two,
    pairing_key,
    stored_pairings,
    unpaired,
)
from reviews.revnames import Posting, is_resend, revision_names

__all__ = [
    "Lineage",
    "RevisionLink",
    "RevisionPatch",
    "lineage",
    "pair_fully",
    "patch_links",
    "series_links",
]


T = TypeVar("T")

PAIRS_TIMEOUT = 7 * 24 * 3600


@dataclass(frozen=True)
class RevisionPatch:
    id: int
    series_id: int
    number: int | None
    name: str
    title: str
    patchid: str
    msgid: str


@dataclass(frozen=True)
class RevisionLink:
    """One revision in a revisions bar: its name, where it links, and to what."""

    series_id: int
    name: str
    url: str
    current: bool = False
    patch_msgid: str = ""  # the matching patch in that revision; "" when none
    interdiff_url: str = ""


@dataclass(frozen=True)
class Lineage:
    revisions: tuple[Series, ...]  # oldest first
    names: dict[int, str]  # by series id
    patches: dict[int, tuple[RevisionPatch, ...]]  # by series id, in order

    def previous(self, series_id: int) -> Series | None:
        """The revision posted before ``series_id``, if any."""
        ids = [s.id for s in self.revisions]
        at = ids.index(series_id) if series_id in ids else 0
        return self.revisions[at - 1] if at > 0 else None


def lineage(revisions: Sequence[Series]) -> Lineage:
    """Names and patches of every revision (one query)."""
    # Written out: the ORM took longer to compile this than PostgreSQL to run it.
    with read_connection(Patch).cursor() as cursor:
        execute_prepared(cursor, "threadwork_lineage", _LINEAGE_SQL, [[s.id for s in revisions]])
        rows = cursor.fetchall()
    patches: dict[int, list[RevisionPatch]] = {s.id: [] for s in revisions}
    for row in rows:
        patches[row[1]].append(RevisionPatch(*row))
    postings = [
        Posting(s.id, s.version, any(is_resend(p.name) for p in patches[s.id][:1]), s.date)
        for s in revisions
    ]
    return Lineage(
        tuple(revisions), revision_names(postings), {k: tuple(v) for k, v in patches.items()}
    )


_LINEAGE_SQL = f"""
SELECT p.id, p.series_id, p.number, p.name, p.title, p.patchid, m.msgid
FROM {Patch._meta.db_table} p
JOIN {Message._meta.db_table} m ON m.id = p.message_id
WHERE p.series_id = ANY(%s::bigint[])
ORDER BY p.number, p.date, p.id
"""


def pair_revisions(
    old: Sequence[RevisionPatch], new: Sequence[RevisionPatch], diffs: dict[int, str] | None = None
) -> tuple[Pair, ...]:
    """Pairs of two revisions' patches; with ``diffs`` (by patch id), similar diffs pair too."""
    return pair_two(old, new, diffs)


def pair_fully(old: Sequence[RevisionPatch], new: Sequence[RevisionPatch]) -> tuple[Pair, ...]:
    """Pairs of two revisions: as stored at ingest (``reviews.pairmemo``), else computed,
    diffs read (one query) only when patches stay unpaired.

    Cached under what pairing reads of both sides (each patch's id, patch-id
    and title; a diff never changes under its id), so the key changes exactly
    when the answer can: a patch arriving late, or a rebuild that reads a
    patch differently. Nothing else, no change stamp, can make it stale.
    """

    return _cached(_read_by_pairing([old, new]), lambda: pair_remembered(old, new))


def _read_by_pairing(sides: Iterable[Sequence[RevisionPatch]]) -> str:
    """What pairing reads of each side, as text for a cache key."""
    return repr([[(p.id, p.patchid, p.title) for p in side] for side in sides])


def _cached(what: str, compute: Callable[[], T]) -> T:
    key = f"tw:pairs:{PAIRS_VERSION}:{hashlib.blake2b(what.encode(), digest_size=12).hexdigest()}"
    found = cache.get(key)
    if found is None:
        found = compute()
        cache.set(key, found, PAIRS_TIMEOUT)
    return cast(T, found)


def _pairs_with(line: Lineage, patch_id: int, series_id: int) -> dict[int, tuple[Pair, ...]]:
    """Each other revision paired with ``series_id``: as stored at ingest (one query),
    else paired here, diffs read only where ``patch_id`` is alone.

    A stored pairing is the whole pairing of the two revisions, similar diffs
    included, so ``patch_id``'s partner in it is the one found here. Cached
    like ``pair_fully``, under what pairing reads of the whole lineage.
    """
    own = line.patches.get(series_id, ())

    def pair() -> dict[int, tuple[Pair, ...]]:
        keys = {s.id: pairing_key(line.patches[s.id], own) for s in line.revisions}
        del keys[series_id]
        stored = stored_pairings(list(keys.values()))
        pairs = {s: stored[key] for s, key in keys.items() if key in stored}
        missing = [s for s in keys if s not in pairs]
        pairs.update({s: pair_revisions(line.patches[s], own) for s in missing})
        lonely = [s for s in missing if partner(pairs[s], patch_id) is None]
        if lonely:
            diffs = load_diffs(set().union(*(unpaired(pairs[s]) for s in lonely)) | {patch_id})
            for s in lonely:
                pairs[s] = pair_revisions(line.patches[s], own, diffs)
        return pairs

    sides = [line.patches.get(s.id, ()) for s in line.revisions]
    return _cached(f"{patch_id}:{series_id}:{_read_by_pairing(sides)}", pair)


def patch_links(line: Lineage, patch_id: int, series_id: int, link_name: str) -> list[RevisionLink]:
    """From one patch: the matching patch in every revision, with its interdiff (≤ 1 query)."""
    msgid = next((p.msgid for p in line.patches.get(series_id, ()) if p.id == patch_id), "")
    pairs = _pairs_with(line, patch_id, series_id)
    out = []
    for series in line.revisions:
        name = line.names[series.id]
        if series.id == series_id:
            out.append(RevisionLink(series.id, name, links.patch_url(link_name, msgid), True))
            continue
        other = partner(pairs[series.id], patch_id)
        match = next((p for p in line.patches[series.id] if p.id == other), None)
        if match is None:
            out.append(RevisionLink(series.id, name, links.series_url(link_name, series.id)))
            continue
        url = links.patch_url(link_name, match.msgid)
        diff_url = links.interdiff_url(link_name, msgid, match.msgid)
        out.append(RevisionLink(series.id, name, url, False, match.msgid, diff_url))
    return out


def series_links(line: Lineage, series_id: int, link_name: str) -> list[RevisionLink]:
    """Each revision, linking its series page."""
    return [
        RevisionLink(s.id, line.names[s.id], links.series_url(link_name, s.id), s.id == series_id)
        for s in line.revisions
    ]
