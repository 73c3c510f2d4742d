# SPDX-License-Identifier: AGPL-3.0-or-later
"""Which patch of one revision of a series is which patch of another.

Pure: patch summaries in, pairs out. Paired in three passes, as
``git range-diff`` pairs commits, each pass only among the patches still
unpaired: the same git patch-id (the change is the same, line numbers and
whitespace aside), then the same title, then the most similar diff (the
share of added and removed lines the two have in common, at least
``MIN_SIMILARITY``, best pairs first). What is left is added (only in the
newer revision) or dropped (only in the older one).
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from reviews.interdiff import EXACT_WORK, MAX_WORK

__all__ = [
    "MIN_SIMILARITY",
    "Pair",
    "PairKind",
    "PatchKey",
    "changed_lines",
    "pair_patches",
    "partner",
]

MIN_SIMILARITY = 0.5


class PairKind(StrEnum):
    UNCHANGED = "unchanged"  # same patch-id
    CHANGED = "changed"
    ADDED = "added"
    DROPPED = "dropped"


@dataclass(frozen=True)
class PatchKey:
    id: int
    title: str
    patchid: str
    changes: tuple[str, ...] = ()  # the diff's added and removed lines; () when not loaded


@dataclass(frozen=True)
class Pair:
    old: int | None
    new: int | None
    kind: PairKind


def changed_lines(diff: str) -> tuple[str, ...]:
    """The added and removed lines of a diff (file headers aside), for similarity."""
    return tuple(
        line
        for line in diff.split("\n")
        if line[:1] in ("+", "-") and not line.startswith(("+++ ", "--- "))
    )


def _title(key: PatchKey) -> str:
    return " ".join(key.title.lower().split())


def _match_exact(
    old: list[PatchKey],
    new: list[PatchKey],
    found: dict[int, int],
    value: Callable[[PatchKey], str],
) -> None:
    """Pair unpaired patches with the same non-empty ``value``, in order."""
    taken = set(found.values())
    waiting: dict[str, list[int]] = {}
    for key in new:
        if key.id not in taken and value(key):
            waiting.setdefault(value(key), []).append(key.id)
    for key in old:
        ids = waiting.get(value(key)) if key.id not in found and value(key) else None
        if ids:
            found[key.id] = ids.pop(0)


def _similarity(
    a: tuple[str, ...], b: tuple[str, ...], against_b: dict[bool, difflib.SequenceMatcher[str]]
) -> float:
    """``against_b``: matchers already holding ``b``, by autojunk (filled here): difflib
    indexes its second sequence once for every first one it is compared with."""
    # Bounded as in reviews.interdiff: autojunk past EXACT_WORK, no full match past MAX_WORK.
    autojunk = len(a) * len(b) > EXACT_WORK
    matcher = against_b.get(autojunk)
    if matcher is None:
        matcher = against_b[autojunk] = difflib.SequenceMatcher(None, (), b, autojunk=autojunk)
    matcher.set_seq1(a)
    # The quick bounds first: most pairs are far apart and cost no full match.
    if matcher.real_quick_ratio() < MIN_SIMILARITY:
        return 0.0
    bound = matcher.quick_ratio()
    # Past MAX_WORK the bound (lines in common, in any order) is the score.
    if bound < MIN_SIMILARITY or len(a) * len(b) > MAX_WORK:
        return bound
    return matcher.ratio()


def _match_similar(old: list[PatchKey], new: list[PatchKey], found: dict[int, int]) -> None:
    taken = set(found.values())
    lonely_old = [k for k in old if k.id not in found and k.changes]
    lonely_new = [k for k in new if k.id not in taken and k.changes]
    scores = []
    matchers: list[dict[bool, difflib.SequenceMatcher[str]]] = [{} for _ in lonely_new]
    for a in lonely_old:
        for b, against_b in zip(lonely_new, matchers, strict=True):
            score = _similarity(a.changes, b.changes, against_b)
            if score >= MIN_SIMILARITY:
                scores.append((-score, a.id, b.id))
    for _, a_id, b_id in sorted(scores):
        if a_id not in found and b_id not in taken:
            found[a_id] = b_id
            taken.add(b_id)


def pair_patches(old: Sequence[PatchKey], new: Sequence[PatchKey]) -> tuple[Pair, ...]:
    """Pairs in the newer revision's order, a dropped patch after the one it followed."""
    old_list, new_list = list(old), list(new)
    found: dict[int, int] = {}  # old id -> new id
    _match_exact(old_list, new_list, found, lambda k: k.patchid)
    _match_exact(old_list, new_list, found, _title)
    _match_similar(old_list, new_list, found)
    patchids = {k.id: k.patchid for k in (*old_list, *new_list)}
    by_new = {new_id: old_id for old_id, new_id in found.items()}
    placed: list[tuple[tuple[int, int], Pair]] = []
    new_at = {k.id: i for i, k in enumerate(new_list)}
    for i, key in enumerate(new_list):
        old_id = by_new.get(key.id)
        same = old_id is not None and bool(patchids[old_id]) and patchids[old_id] == key.patchid
        kind = (
            PairKind.ADDED if old_id is None else (PairKind.UNCHANGED if same else PairKind.CHANGED)
        )
        placed.append(((i, 0), Pair(old_id, key.id, kind)))
    after = -1
    for j, key in enumerate(old_list):
        if key.id in found:
            after = new_at[found[key.id]]
            continue
        placed.append(((after, 1 + j), Pair(key.id, None, PairKind.DROPPED)))
    return tuple(pair for _, pair in sorted(placed, key=lambda item: item[0]))


def partner(pairs: Sequence[Pair], new_id: int) -> int | None:
    """The older revision's patch paired with ``new_id``, if any."""
    return next((p.old for p in pairs if p.new == new_id), None)
