# SPDX-License-Identifier: AGPL-3.0-or-later
"""The API's ``lineage`` field (ours, not Patchwork's): where a patch is in followed git trees.

A list response reads the lineage of its whole page in one query, and none
when no patch of the page has a commit (landing always records one).
"""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from reviews.lineage import lineages_of
from reviews.models import LandingMatch, LandingMeaning

__all__ = ["LineageSerializer", "lineage_field"]

_CACHE = "_lineages"


class LineageSerializer(serializers.Serializer):
    branch = serializers.CharField()
    means = serializers.ChoiceField(choices=LandingMeaning.choices)
    commit = serializers.CharField()
    match = serializers.ChoiceField(choices=LandingMatch.choices)


def lineage_field(serializer: serializers.Serializer, patch: Any) -> list[dict[str, Any]]:
    if not patch.commit_ref:
        return []
    found = serializer.context.get(_CACHE)
    if found is None or patch.id not in found:
        page = getattr(serializer.parent, "instance", None)
        patches = list(page) if isinstance(page, list | tuple) else [patch]
        found = lineages_of(p.id for p in patches if p.commit_ref)
        found.setdefault(patch.id, [])
        serializer.context[_CACHE] = found
    return [row.as_api() for row in found[patch.id]]
