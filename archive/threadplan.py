"""Pure threading decisions: who is whose parent, which messages share a thread.

Threads are built from Message-ID references only, never from subjects.
Every function here is given plain ids and returns plain ids, so the
database layer can apply the result in a few set-based statements.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Node:
    id: int
    parent_id: int | None
    thread_id: int | None
    is_ghost: bool


def would_loop(child: int, parent: int, parents: Mapping[int, int | None]) -> bool:
    """True if making ``parent`` the parent of ``child`` closes a cycle."""
    seen: set[int] = set()
    current: int | None = parent
    while current is not None and current not in seen:
        if current == child:
            return True
        seen.add(current)
        current = parents.get(current)
    return False


def plan_parents(
    new_messages: Sequence[tuple[int, Sequence[int]]],
    nodes: Mapping[int, Node],
    ancestors: Mapping[int, int | None],
) -> dict[int, int]:
    """Decide parent links for newly stored messages and the references they reveal.

    ``new_messages`` pairs each new message id with the ids of its references,
    oldest first (the last is its direct parent). A referenced message that has
    no parent yet gets the reference before it, so a thread whose start is
    missing still hangs together. ``ancestors`` is the current parent map of every node that
    could be reached; links that would create a cycle are skipped.
    """
    parents: dict[int, int | None] = dict(ancestors)
    decided: dict[int, int] = {}

    def link(child: int, parent: int) -> None:
        if child == parent or would_loop(child, parent, parents):
            return
        parents[child] = parent
        decided[child] = parent

    for message_id, refs in new_messages:
        if refs:
            link(message_id, refs[-1])
        for older, newer in itertools.pairwise(refs):
            # As in JWZ threading: a message without a parent of its own takes the
            # reference before it, so one reply can join two halves of a thread.
            if newer in nodes and parents.get(newer) is None:
                link(newer, older)
    return decided


class _UnionFind:
    def __init__(self) -> None:
        self.up: dict[int, int] = {}

    def find(self, item: int) -> int:
        self.up.setdefault(item, item)
        root = item
        while self.up[root] != root:
            root = self.up[root]
        while self.up[item] != root:  # path compression
            self.up[item], item = root, self.up[item]
        return root

    def union(self, a: int, b: int) -> None:
        self.up[self.find(a)] = self.find(b)


@dataclass(frozen=True)
class ThreadPlan:
    assign: dict[int, int | None]  # message id -> thread id (None: a new thread per group key)
    groups: dict[int, list[int]]  # group key -> message ids that need a new thread
    merges: dict[int, int]  # absorbed thread id -> surviving thread id


def plan_threads(edges: Iterable[tuple[int, int]], threads: Mapping[int, int | None]) -> ThreadPlan:
    """Group messages connected by ``edges``; each group keeps its oldest thread id.

    ``threads`` maps every message id in ``edges`` to its current thread id.
    """
    uf = _UnionFind()
    for message_id in threads:
        uf.find(message_id)
    for a, b in edges:
        uf.union(a, b)
    components: dict[int, list[int]] = {}
    for message_id in threads:
        components.setdefault(uf.find(message_id), []).append(message_id)

    assign: dict[int, int | None] = {}
    groups: dict[int, list[int]] = {}
    merges: dict[int, int] = {}
    for key, members in components.items():
        existing = sorted({t for m in members if (t := threads[m]) is not None})
        if not existing:
            groups[key] = members
            continue
        keep = existing[0]
        merges.update({other: keep for other in existing[1:]})
        assign.update({m: keep for m in members if threads[m] != keep})
    return ThreadPlan(assign=assign, groups=groups, merges=merges)
