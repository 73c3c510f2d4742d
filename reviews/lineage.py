# SPDX-License-Identifier: AGPL-3.0-or-later
"""Where a patch is now: the followed git branches whose commits carry it (reads only).

``track-git`` keeps the ``Landing`` rows current; these read them for the
patch page, the series page and the API, each in one query.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count

from archive.dbrouting import read_connection
from archive.prepared import execute_prepared
from reviews.models import GitBranch, GitTree, Landing, LandingMatch, LandingMeaning, Series

__all__ = ["BranchCount", "LineageRow", "lineage_of", "lineages_of", "series_landed"]

_ORDER = {meaning: i for i, meaning in enumerate(LandingMeaning.values)}


@dataclass(frozen=True)
class LineageRow:
    branch: str
    means: str  # a LandingMeaning value
    tree: str
    commit: str
    how: str  # a LandingMatch value
    similarity: float

    @property
    def means_label(self) -> str:
        return str(LandingMeaning(self.means).label)

    @property
    def how_label(self) -> str:
        return str(LandingMatch(self.how).label)

    def as_api(self) -> dict[str, object]:
        # The tree's path on this server is left out: it is the deployer's business.
        return {"branch": self.branch, "means": self.means, "commit": self.commit,
                "match": self.how}  # fmt: skip


def lineages_of(patch_ids: Iterable[int]) -> dict[int, list[LineageRow]]:
    """Each patch's lineage, upstream last (accepted, in next, in mainline).

    Written out and prepared: the ORM took longer to compile it than PostgreSQL
    to run it, on the patch page's first view (``lineage_of``) as in the API."""
    with read_connection(Landing).cursor() as cursor:
        execute_prepared(cursor, "threadwork_patch_lineage", _LINEAGE_SQL, [list(patch_ids)])
        rows = cursor.fetchall()
    found: dict[int, list[LineageRow]] = {}
    for patch_id, *fields in rows:
        found.setdefault(patch_id, []).append(LineageRow(*fields))
    for lineage in found.values():
        lineage.sort(key=lambda r: (_ORDER.get(r.means, 99), r.branch, r.commit))
    return found


def lineage_of(patch_id: int) -> list[LineageRow]:
    return lineages_of([patch_id]).get(patch_id, [])


_LINEAGE_SQL = f"""
SELECT l.patch_id, b.name, b.means, t.path, l.commit, l.how, l.similarity
FROM {Landing._meta.db_table} l
JOIN {GitBranch._meta.db_table} b ON b.id = l.branch_id
JOIN {GitTree._meta.db_table} t ON t.id = b.tree_id
WHERE l.patch_id = ANY(%s::bigint[])
"""


@dataclass(frozen=True)
class BranchCount:
    branch: str
    means: str
    landed: int
    total: int


def series_landed(series: Series) -> list[BranchCount]:
    """The "landed: 5 of 7 patches in <branch>" counts, per followed branch with any."""
    rows = (
        Landing.objects.filter(patch__series_id=series.id)
        .values_list("branch__name", "branch__means")
        .annotate(n=Count("patch_id", distinct=True))
        .order_by("branch__name")
    )
    total = max(series.total, series.received_total)
    counts = [BranchCount(name, means, n, total) for name, means, n in rows]
    return sorted(counts, key=lambda c: (_ORDER.get(c.means, 99), c.branch))
