# SPDX-License-Identifier: AGPL-3.0-or-later
"""The series compare page: two revisions of a series paired patch by patch."""

from __future__ import annotations

from dataclasses import dataclass, replace

from django.http import Http404
from django.utils.safestring import SafeString

from reviews import links
from reviews.models import Patch, Project, Series
from reviews.pages.interdiff import interdiff_html
from reviews.pages.revisions import Lineage, RevisionPatch, lineage
from reviews.pairing import PairKind
from reviews.pairmemo import pair_remembered
from reviews.patchtext import TEXT_FIELDS

__all__ = ["ComparePage", "ComparedPair", "compare_page"]


@dataclass(frozen=True)
class ComparedPair:
    kind: PairKind
    old: RevisionPatch | None
    new: RevisionPatch | None
    interdiff_url: str = ""
    html: SafeString | None = None  # the interdiff of a changed pair
    changed: bool = True  # False: only moved context, or nothing, differs
    old_url: str = ""
    new_url: str = ""

    @property
    def title(self) -> str:
        patch = self.new or self.old
        return patch.title or patch.name if patch else ""


@dataclass(frozen=True)
class ComparePage:
    project: Project
    old: Series
    new: Series
    old_name: str
    new_name: str
    pairs: tuple[ComparedPair, ...]

    def count(self, kind: str) -> int:
        return sum(1 for p in self.pairs if p.kind == kind)

    @property
    def counts(self) -> dict[str, int]:
        return {kind.value: self.count(kind) for kind in PairKind}


def _series(link_name: str, ids: list[int]) -> tuple[Series, Series]:
    found = {
        s.id: s
        for s in Series.objects.select_related("project__mailing_list").filter(
            project__link_name=link_name, id__in=ids
        )
    }
    if len(found) != 2:
        raise Http404("No such pair of series")
    a, b = found[ids[0]], found[ids[1]]
    rank = lambda s: (s.version, s.date.timestamp() if s.date else 0.0, s.id)  # noqa: E731
    return (a, b) if rank(a) <= rank(b) else (b, a)


def compare_page(link_name: str, series_id: int, other_id: int) -> ComparePage:
    """Series (one query), revisions and their patches (two), diffs (one), their stored
    pairing (one); interdiffs cached."""
    old, new = _series(link_name, [other_id, series_id])
    revisions = new.revisions()
    if old.id not in {s.id for s in revisions}:
        revisions = [*revisions, old]
    line = lineage(revisions)
    full = {
        p.id: p
        for p in Patch.objects.filter(series_id__in=[old.id, new.id])
        .only("id", *TEXT_FIELDS, "date", "series_id")
        .with_texts()
    }
    pairs = _pairs(line, old, new, full, link_name)
    names = line.names
    return ComparePage(new.project, old, new, names[old.id], names[new.id], pairs)


def _pairs(
    line: Lineage, old: Series, new: Series, full: dict[int, Patch], link_name: str
) -> tuple[ComparedPair, ...]:
    old_side, new_side = line.patches[old.id], line.patches[new.id]
    by_id = {p.id: p for p in (*old_side, *new_side)}
    out = []
    # Diffs for pairing from those read for the interdiffs: no query of their own.
    for pair in pair_remembered(old_side, new_side, lambda ids: {i: full[i].diff for i in ids}):
        a = by_id.get(pair.old) if pair.old else None
        b = by_id.get(pair.new) if pair.new else None
        old_url = links.patch_url(link_name, a.msgid) if a else ""
        new_url = links.patch_url(link_name, b.msgid) if b else ""
        base = ComparedPair(pair.kind, a, b, old_url=old_url, new_url=new_url)
        if a is None or b is None:
            out.append(base)
            continue
        url = links.interdiff_url(link_name, b.msgid, a.msgid)
        if pair.kind is PairKind.UNCHANGED:
            out.append(replace(base, interdiff_url=url, changed=False))
            continue
        html, changed = interdiff_html(full[a.id], full[b.id])
        out.append(replace(base, interdiff_url=url, html=html, changed=changed))
    return tuple(out)
