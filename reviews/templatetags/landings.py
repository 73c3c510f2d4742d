# SPDX-License-Identifier: AGPL-3.0-or-later
"""A patch's git lineage and a series' landed counts, for the review pages."""

from __future__ import annotations

from typing import Any

from django import template

from reviews.lineage import lineage_of, series_landed
from reviews.models import Patch, Series

register = template.Library()


@register.inclusion_tag("reviews/_lineage.html")
def patch_lineage(patch: Patch) -> dict[str, Any]:
    """Followed branches carrying the patch.

    No query for a patch without a commit: landing always records one.
    """
    return {"rows": lineage_of(patch.id) if patch.commit_ref else []}


@register.inclusion_tag("reviews/_landed.html")
def series_landing(series: Series | None, patches: list[Patch]) -> dict[str, Any]:
    """The "landed: n of m patches in <branch>" line, for a series with an Accepted patch.

    A landing makes a patch Accepted unless a person chose its state: a series
    none of whose patches is Accepted costs no query (the page's budget).
    """
    accepted = any(p.state.slug == "accepted" for p in patches)
    return {"counts": series_landed(series) if series is not None and accepted else []}
