# SPDX-License-Identifier: AGPL-3.0-or-later
"""Revisions paired once, at ingest, for the pages that show them.

Pairing two revisions (``reviews.pairing``) is quick when patch-ids or titles
match, but a patch whose title changed is matched by diff similarity, and
``difflib`` on two large diffs costs milliseconds: a patch of a 13-revision
series paired every earlier revision on its first view, 15-35 ms of the
page. Ingest pairs each revision it touches with every other revision of its
lineage, both ways, and stores the pairs (``RevisionPairing``) under a key
made of what pairing reads of both sides (each patch's id, patch-id and
title, in order; a diff never changes under its id). A page computes the
same key from the rows it reads anyway and finds the answer, or pairs live
when the pair is not stored (revisions joined into a lineage by a later
link): the key changes exactly when the answer can, so nothing is stale.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from django.db import connection

from archive.dbrouting import read_connection
from archive.prepared import execute_prepared, jsonb
from reviews.models import Patch, RevisionPairing, Series
from reviews.pairing import Pair, PairKind, PatchKey, changed_lines, pair_patches

__all__ = [
    "PAIRS_VERSION",
    "PairedPatch",
    "load_diffs",
    "pair_fully",
    "pair_remembered",
    "pair_two",
    "pairing_key",
    "store_pairings",
    "stored_pairings",
    "unpaired",
]

# Bump when reviews.pairing pairs differently: every stored key changes with it.
PAIRS_VERSION = 1


class PairedPatch(Protocol):
    """What pairing reads of a patch."""

    @property
    def id(self) -> int: ...
    @property
    def title(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def patchid(self) -> str: ...


def pairing_key(old: Sequence[PairedPatch], new: Sequence[PairedPatch]) -> str:
    """The stored pairing's key: what pairing reads of both sides, digested."""
    what = repr([[(p.id, p.patchid, p.title) for p in side] for side in (old, new)])
    return f"{PAIRS_VERSION}:{hashlib.blake2b(what.encode(), digest_size=12).hexdigest()}"


def _keys(patches: Iterable[PairedPatch], changes: dict[int, tuple[str, ...]]) -> list[PatchKey]:
    return [PatchKey(p.id, p.title or p.name, p.patchid, changes.get(p.id, ())) for p in patches]


def pair_two(
    old: Sequence[PairedPatch], new: Sequence[PairedPatch], diffs: dict[int, str] | None = None
) -> tuple[Pair, ...]:
    """Pairs of two revisions' patches; with ``diffs`` (by patch id), similar diffs pair too."""
    changes = {i: changed_lines(diff) for i, diff in (diffs or {}).items()}
    return _pair_changed(old, new, changes)


def _pair_changed(
    old: Sequence[PairedPatch], new: Sequence[PairedPatch], changes: dict[int, tuple[str, ...]]
) -> tuple[Pair, ...]:
    """``pair_two`` with the diffs' changed lines (``changed_lines``) already read."""
    return pair_patches(_keys(old, changes), _keys(new, changes))


def unpaired(pairs: Sequence[Pair]) -> set[int]:
    """Patches left alone on either side, when both sides have some (else none can pair)."""
    if not any(p.old is None for p in pairs) or not any(p.new is None for p in pairs):
        return set()
    return {p.old or p.new or 0 for p in pairs if p.old is None or p.new is None}


def load_diffs(ids: Iterable[int]) -> dict[int, str]:
    """Diffs of the given patches, by id (one query; none when there are no ids)."""
    wanted = set(ids)
    return Patch.objects.filter(id__in=wanted).diffs() if wanted else {}


def pair_fully(old: Sequence[PairedPatch], new: Sequence[PairedPatch]) -> tuple[Pair, ...]:
    """Pairs of two revisions, computed; diffs read (one query) only when patches stay
    unpaired after the patch-id and title passes."""
    pairs = pair_two(old, new)
    lonely = unpaired(pairs)
    return pair_two(old, new, load_diffs(lonely)) if lonely else pairs


def pair_remembered(
    old: Sequence[PairedPatch],
    new: Sequence[PairedPatch],
    diffs: Callable[[set[int]], dict[int, str]] = load_diffs,
) -> tuple[Pair, ...]:
    """Pairs of two revisions: by patch-id and title; when patches stay unpaired, as
    ingest stored the pairing (one query), else by the diffs of those (``diffs`` of
    their ids: one query, or none where the caller has them)."""
    pairs = pair_two(old, new)
    lonely = unpaired(pairs)
    if not lonely:
        return pairs
    key = pairing_key(old, new)
    stored = stored_pairings([key]).get(key)
    return stored if stored is not None else pair_two(old, new, diffs(lonely))


def stored_pairings(keys: Collection[str]) -> dict[str, tuple[Pair, ...]]:
    """The stored pairings among ``keys`` (one query; none without keys)."""
    if not keys:
        return {}
    with read_connection(RevisionPairing).cursor() as cursor:
        # By key: one generic plan serves every page (planned afresh on each before).
        execute_prepared(cursor, "threadwork_pairings", _STORED_SQL, [list(keys)], generic=True)
        rows = cursor.fetchall()
    return {key: _pairs(found) for key, found in rows}


_STORED_SQL = f"SELECT key, pairs FROM {RevisionPairing._meta.db_table} WHERE key = ANY(%s::text[])"


def _pairs(found: object) -> tuple[Pair, ...]:
    rows = jsonb(found, ())
    return tuple(Pair(old, new, PairKind(kind)) for old, new, kind in rows)  # type: ignore[union-attr]


@dataclass(frozen=True)
class _Row:
    id: int
    title: str
    name: str
    patchid: str


# Every revision of the given series' lineages with its patches, in the order
# the pages read them (reviews.pages.revisions: number, date, id).
_LINEAGES_SQL = f"""
WITH roots AS (
    SELECT DISTINCT coalesce(lineage_id, id) AS root FROM {Series._meta.db_table}
    WHERE id = ANY(%(ids)s::bigint[])
), members AS (
    SELECT root, root AS id FROM roots
    UNION
    SELECT r.root, s.id FROM roots r JOIN {Series._meta.db_table} s ON s.lineage_id = r.root
)
SELECT m.root, m.id, p.id, p.title, p.name, p.patchid
FROM members m LEFT JOIN {Patch._meta.db_table} p ON p.series_id = m.id
ORDER BY p.number, p.date, p.id
"""


def _lineages(series_ids: Sequence[int]) -> tuple[dict[int, list[int]], dict[int, list[_Row]]]:
    """Each lineage's revisions by root, and each revision's patches (one query)."""
    with connection.cursor() as cursor:
        cursor.execute(_LINEAGES_SQL, {"ids": list(series_ids)})
        rows = cursor.fetchall()
    members: dict[int, list[int]] = {}
    patches: dict[int, list[_Row]] = {}
    for root, series_id, patch_id, title, name, patchid in rows:
        if series_id not in patches:
            patches[series_id] = []
            members.setdefault(root, []).append(series_id)
        if patch_id is not None:
            patches[series_id].append(_Row(patch_id, title, name, patchid))
    return members, patches


def _pair_all(
    todo: dict[str, tuple[Sequence[_Row], Sequence[_Row]]],
) -> dict[str, tuple[Pair, ...]]:
    """``pair_fully`` of each pair of sides, the diffs of all of them read in one query.

    Ingest stores a batch's pairings under its lock, where a query per pairing
    (15,694 over ten copies of linux-rtc, 25 s) held up the other writer. Each
    pairing still sees only its own unpaired patches' diffs, as ``pair_fully``.
    """
    first = {key: pair_two(*sides) for key, sides in todo.items()}
    lonely = {key: unpaired(pairs) for key, pairs in first.items()}
    # Each diff's changed lines read once, however many pairings it is in.
    changes = {
        i: changed_lines(diff) for i, diff in load_diffs(set().union(*lonely.values())).items()
    }
    return {
        key: _pair_changed(*todo[key], {i: changes[i] for i in lonely[key] if i in changes})
        if lonely[key]
        else pairs
        for key, pairs in first.items()
    }


def store_pairings(series_ids: Sequence[int]) -> int:
    """Pair each given series with every other revision of its lineage, both ways, and
    store the pairings not stored yet; how many were new (at most four queries: the
    diffs of every new pairing's patches left unpaired by patch-id and title in one)."""
    if not series_ids:
        return 0
    members, patches = _lineages(series_ids)
    lineage_of = {s: root for root, ids in members.items() for s in ids}
    wanted: dict[str, tuple[int, int]] = {}
    for series_id in series_ids:
        for other in members.get(lineage_of.get(series_id, -1), []):
            if other != series_id:
                for old, new in ((other, series_id), (series_id, other)):
                    wanted[pairing_key(patches[old], patches[new])] = (old, new)
    if not wanted:
        return 0
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT key FROM {RevisionPairing._meta.db_table} WHERE key = ANY(%s::text[])",
            [list(wanted)],
        )
        have = {row[0] for row in cursor.fetchall()}
        todo = {key: (patches[old], patches[new]) for key, (old, new) in wanted.items()}
        paired = _pair_all({key: sides for key, sides in todo.items() if key not in have})
        # In key order: two writers storing overlapping keys take their locks alike.
        new_rows = [
            (key, json.dumps([[p.old, p.new, p.kind.value] for p in pairs]))
            for key, pairs in sorted(paired.items())
        ]
        if new_rows:
            cursor.execute(
                f"INSERT INTO {RevisionPairing._meta.db_table} (key, pairs) "
                "SELECT * FROM unnest(%s::text[], %s::jsonb[]) ON CONFLICT (key) DO NOTHING",
                [[k for k, _ in new_rows], [v for _, v in new_rows]],
            )
    return len(new_rows)
