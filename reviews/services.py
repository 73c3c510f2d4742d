"""Every change to review state goes through here, in a transaction, with its Event."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from reviews.models import Event, EventCategory, Patch, Series, State

SUPERSEDED = "superseded"
# Open states a newer revision replaces; a decision (Accepted, Rejected...) stands.
SUPERSEDABLE = ("new", "under-review", "changes-requested", "rfc")


def revisions_of(series: Series) -> list[Series]:
    """Every revision of ``series``'s lineage, oldest version first."""
    root = series.lineage_id or series.id
    return list(
        Series.objects.filter(lineage_id=root)
        .union(Series.objects.filter(id=root))
        .order_by("version", "date")
    )


@transaction.atomic
def supersede_older_revisions(series_id: int, actor=None) -> int:
    """Mark open patches of older revisions Superseded (if the project allows it)."""
    series = Series.objects.select_related("project").get(id=series_id)
    if not series.project.auto_supersede:
        return 0
    older = [s.id for s in revisions_of(series) if s.version < series.version]
    patches = Patch.objects.filter(series_id__in=older, state__slug__in=SUPERSEDABLE)
    return _set_states(patches, State.objects.get(slug=SUPERSEDED), actor,
                       reason=f"superseded by v{series.version} (series {series.id})")  # fmt: skip


def _set_states(patches, state: State, actor, reason: str = "") -> int:
    changed = list(patches.select_related("state").select_for_update(of=("self",)))
    if not changed:
        return 0
    now = timezone.now()
    Event.objects.bulk_create(
        [
            Event(
                project_id=p.project_id,
                category=EventCategory.PATCH_STATE_CHANGED,
                date=now,
                actor=actor,
                patch_id=p.id,
                series_id=p.series_id,
                payload={
                    "previous_state": p.state.slug,
                    "current_state": state.slug,
                    "reason": reason,
                },
            )
            for p in changed
        ]
    )
    return Patch.objects.filter(id__in=[p.id for p in changed]).update(state=state)
