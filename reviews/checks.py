# SPDX-License-Identifier: AGPL-3.0-or-later
"""A patch's combined check state as a SQL expression, for tables and headers.

Patchwork's ``check`` is the worst of each context's latest result. Computed
in the database as a correlated subquery, it costs no extra query per page;
``None`` means the patch has no checks at all.
"""

from __future__ import annotations

from django.db.models import Case, Exists, IntegerField, OuterRef, Q, Subquery, Value, When

from reviews.models import CHECK_SEVERITY, Check

__all__ = ["check_state_expression", "latest_checks"]


def check_state_expression() -> Subquery:
    """Annotate a Patch queryset with it: ``.annotate(check_state=check_state_expression())``."""
    newer = Check.objects.filter(patch_id=OuterRef("patch_id"), context=OuterRef("context")).filter(
        Q(date__gt=OuterRef("date")) | Q(date=OuterRef("date"), id__gt=OuterRef("id"))
    )
    severity = Case(
        *(When(state=state, then=Value(rank)) for state, rank in CHECK_SEVERITY.items()),
        output_field=IntegerField(),
    )
    latest = (
        Check.objects.filter(patch_id=OuterRef("pk"))
        .exclude(Exists(newer))
        .annotate(severity=severity)
        .order_by("-severity")
        .values("state")[:1]
    )
    return Subquery(latest)


def latest_checks(patch_id: int) -> list[Check]:
    """Each context's latest result on a patch, by context (one query)."""
    rows = (
        Check.objects.filter(patch_id=patch_id)
        .select_related("user")
        .only("context", "state", "target_url", "description", "date", "user__username")
        .order_by("context", "-date", "-id")
        .distinct("context")
    )
    return list(rows)
