"""Pure decisions about which series a patch or cover letter belongs to.

Given what the database already knows (series, and the Message-IDs each
series owns or references), :class:`SeriesPlanner` places a batch of new
submissions in arrival order. It mirrors how people send series:

1. by References: the nearest referenced message (or the submission's own
   Message-ID, when a later patch already referenced it) that belongs to a
   series of the same version (or any version, for an unlabelled patch
   replying into it), with this patch number still free;
2. with no References at all: a recent series from the same submitter with
   the same version and total that lacks this number;
3. otherwise a new series. An unnumbered patch is always a series of its own.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

MARKER_WINDOW = timedelta(hours=12)


@dataclass(frozen=True)
class Submission:
    project_id: int
    msgid: str
    refs: tuple[str, ...]  # oldest first; the last is the direct parent
    number: int | None
    total: int | None
    version: int
    submitter_id: int | None
    date: datetime | None
    is_cover: bool


@dataclass
class SeriesSlot:
    """A series as the planner sees it: existing (``id``) or planned (``id`` None)."""

    key: int
    project_id: int
    version: int
    total: int
    submitter_id: int | None
    date: datetime | None
    id: int | None = None
    numbers: set[int] = field(default_factory=set)
    has_cover: bool = False

    def fits(self, sub: Submission, *, threaded: bool = False) -> bool:
        """Whether ``sub`` can join; ``threaded``: it replies into this series.

        An unlabelled patch threaded under a ``v3`` cover letter is part of v3
        (``[PATCH net-next v3 0/4]`` followed by ``[PATCH 1/4]``).
        """
        if self.project_id != sub.project_id:
            return False
        loose = threaded and sub.version == 1 and not sub.is_cover
        if self.version != sub.version and not loose:
            return False
        if sub.is_cover:
            return not self.has_cover
        return sub.number is not None and sub.number not in self.numbers


class SeriesPlanner:
    def __init__(self, existing: Iterable[SeriesSlot], references: Iterable[tuple[int, str, int]]):
        """``references``: (project id, msgid, series id) rows already stored."""
        self.slots: dict[int, SeriesSlot] = {}
        self._by_id: dict[int, SeriesSlot] = {}
        self._refs: dict[tuple[int, str], list[SeriesSlot]] = {}
        self._next_key = 0
        self.new_refs: list[tuple[int, str, int]] = []  # (project, msgid, slot key)
        for slot in existing:
            self._add(slot)
        for project_id, msgid, series_id in references:
            known = self._by_id.get(series_id)
            if known is not None:
                self._refs.setdefault((project_id, msgid), []).append(known)

    def _add(self, slot: SeriesSlot) -> SeriesSlot:
        slot.key = self._next_key
        self._next_key += 1
        self.slots[slot.key] = slot
        if slot.id is not None:
            self._by_id[slot.id] = slot
        return slot

    def place(self, sub: Submission) -> SeriesSlot:
        slot = self._by_references(sub) or self._by_markers(sub) or self._new(sub)
        if sub.is_cover:
            slot.has_cover = True
        elif sub.number is not None:
            slot.numbers.add(sub.number)
        for msgid in (*sub.refs, sub.msgid):
            owners = self._refs.setdefault((sub.project_id, msgid), [])
            if slot not in owners:
                owners.append(slot)
                self.new_refs.append((sub.project_id, msgid, slot.key))
        return slot

    def _by_references(self, sub: Submission) -> SeriesSlot | None:
        if sub.number is None and not sub.is_cover:
            return None
        for msgid in (sub.msgid, *reversed(sub.refs)):
            for slot in self._refs.get((sub.project_id, msgid), ()):
                if slot.fits(sub, threaded=msgid != sub.msgid):
                    return slot
        return None

    def _by_markers(self, sub: Submission) -> SeriesSlot | None:
        if sub.refs or sub.number is None or sub.date is None:
            return None
        candidates = [
            s
            for s in self.slots.values()
            if s.submitter_id == sub.submitter_id
            and s.total == (sub.total or 1)
            and s.date is not None
            and abs(s.date - sub.date) <= MARKER_WINDOW
            and s.fits(sub)
        ]
        return max(candidates, key=lambda s: (s.date, s.key), default=None)

    def _new(self, sub: Submission) -> SeriesSlot:
        total = sub.total if sub.total and sub.number is not None else 1
        return self._add(
            SeriesSlot(
                key=-1, project_id=sub.project_id, version=sub.version, total=total,
                submitter_id=sub.submitter_id, date=sub.date,
            )
        )  # fmt: skip

    def planned(self) -> Sequence[SeriesSlot]:
        return [s for s in self.slots.values() if s.id is None]
