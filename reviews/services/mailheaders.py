# SPDX-License-Identifier: AGPL-3.0-or-later
"""States and delegates that new mail asks for in ``X-Patchwork-*`` headers.

Only for projects that trust these headers (``Project.trust_patchwork_headers``,
off by default: anyone who can post can write a header); ingest filters the
patches before calling. A state set this way is what the mail says, so it
keeps ``StateOrigin.MAIL``, like the default state it replaces: superseding
may replace it as it would replace New, and undoing that brings it back.
A delegate must be a maintainer of the patch's project, as for a person's
delegation; an unknown state or address is ignored, as Patchwork does.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Q
from django.db.models.functions import Lower

from reviews.analysis import PatchworkHeaders
from reviews.models import EventCategory, Patch, Project, State, StateOrigin
from reviews.services import events

__all__ = ["DELEGATE_REASON", "STATE_REASON", "apply_patchwork_headers"]

STATE_REASON = "set by the X-Patchwork-State header"
DELEGATE_REASON = "set by the X-Patchwork-Delegate header"

_UPDATE_SQL = """
UPDATE reviews_patch p SET state_id = coalesce(v.state_id, p.state_id),
    delegate_id = coalesce(v.delegate_id, p.delegate_id), state_origin = %s
FROM unnest(%s::bigint[], %s::bigint[], %s::bigint[]) AS v(id, state_id, delegate_id)
WHERE p.id = v.id
"""


def apply_patchwork_headers(requests: Sequence[tuple[Patch, PatchworkHeaders]]) -> None:
    """Set the state and delegate of freshly created patches from their mail's headers.

    In the ingest batch's transaction; one lookup per kind and one UPDATE for
    the whole batch, with an Event (no actor, the header as reason) per change.
    """
    asked = [(p, h) for p, h in requests if h.state or h.delegate]
    if not asked:
        return
    states = _states(h.state for _, h in asked if h.state)
    delegates = _delegates({(p.project_id, h.delegate) for p, h in asked if h.delegate})
    rows: list[tuple[Patch, State | None, int | None]] = []
    for patch, headers in asked:
        new_state = states.get(headers.state.lower())
        if new_state is not None and new_state.pk == patch.state_id:
            new_state = None
        delegate = delegates.get((patch.project_id, headers.delegate))
        if new_state is not None or delegate is not None:
            rows.append((patch, new_state, delegate))
    if not rows:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            _UPDATE_SQL,
            [
                StateOrigin.MAIL,
                [p.pk for p, _, _ in rows],
                [s.pk if s is not None else None for _, s, _ in rows],
                [d for _, _, d in rows],
            ],
        )
    _record(rows)


def _states(names: Iterable[str]) -> dict[str, State]:
    """States by lower-cased name and by slug: ``Accepted``, ``under-review``."""
    wanted = {name.lower() for name in names}
    found = State.objects.annotate(lower_name=Lower("name")).filter(
        Q(lower_name__in=wanted) | Q(slug__in=wanted)
    )
    by_key: dict[str, State] = {}
    for found_state in found:
        by_key.setdefault(found_state.slug, found_state)
        by_key.setdefault(found_state.name.lower(), found_state)
    return by_key


def _delegates(wanted: set[tuple[int, str]]) -> dict[tuple[int, str], int]:
    """(project, address) -> the first active user with that address who maintains it."""
    if not wanted:
        return {}
    users = list(
        get_user_model()
        .objects.annotate(address=Lower("email"))
        .filter(address__in={a for _, a in wanted}, is_active=True)
        .order_by("id")
        .values_list("id", "address", "is_superuser")
    )
    maintains = set(
        Project.maintainers.through.objects.filter(
            project_id__in={p for p, _ in wanted}, user_id__in=[u[0] for u in users]
        ).values_list("project_id", "user_id")
    )
    found: dict[tuple[int, str], int] = {}
    for project_id, address in wanted:
        for user_id, user_address, is_superuser in users:
            if user_address == address and (is_superuser or (project_id, user_id) in maintains):
                found[(project_id, address)] = user_id
                break
    return found


def _record(rows: Sequence[tuple[Patch, State | None, int | None]]) -> None:
    events.record_state_changes(
        [
            events.StateChange(
                patch_id=patch.pk,
                project_id=patch.project_id,
                series_id=patch.series_id,
                previous=patch.state.slug,
                current=state.slug,
                reason=STATE_REASON,
                date=patch.date,  # the mail that carried the header
            )
            for patch, state, _ in rows
            if state is not None
        ]
    )
    events.record(
        events.event_for(
            EventCategory.PATCH_DELEGATED,
            project_id=patch.project_id,
            patch_id=patch.pk,
            series_id=patch.series_id,
            date=patch.date,
            previous_delegate=None,
            current_delegate=delegate,
            reason=DELEGATE_REASON,
        )
        for patch, _, delegate in rows
        if delegate is not None
    )
