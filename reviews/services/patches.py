# SPDX-License-Identifier: AGPL-3.0-or-later
"""A person's changes to patches and series: state, delegate, archived, commit, name.

Changes of many patches at once, and undoing them, are ``reviews.services.changes``.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from reviews import turnstore
from reviews.models import ChangeSet, EventCategory, Patch, Series, State, StateOrigin
from reviews.services import events
from reviews.services.changes import Changes, change_patches, undo_change
from reviews.services.permissions import check_change_patch, check_delegate, check_maintainer

__all__ = [
    "Changes",
    "change_patches",
    "delegate_patch",
    "rename_series",
    "set_commit_ref",
    "set_patch_archived",
    "set_patch_state",
    "set_series_state",
    "undo_change",
    "update_patch",
]

_UNSET: Any = object()


@transaction.atomic
def update_patch(
    actor: Any,
    patch: Patch,
    *,
    state: State | None = None,
    delegate: Any = _UNSET,
    archived: bool | None = None,
    commit_ref: str | None = None,
) -> Patch:
    """Apply several changes at once, all or nothing, each with its own Event.

    ``delegate=None`` removes the delegate; leaving it out keeps it.
    """
    locked = (
        Patch.objects.select_for_update(of=("self",))
        .select_related("project", "submitter", "state", "delegate")
        .get(pk=patch.pk)
    )
    only_state = delegate is _UNSET and archived is None and commit_ref is None
    check_change_patch(actor, locked, state_only=only_state)
    if delegate is not _UNSET:
        check_delegate(locked.project, delegate)
    changes = _changes(locked, state, delegate, archived, commit_ref)
    history = [
        events.event_for(
            category,
            project_id=locked.project_id,
            actor=actor,
            patch_id=locked.id,
            series_id=locked.series_id,
            **payload,
        )
        for _, _, category, payload in changes
    ]
    fields = []
    for field, value, _, _ in changes:
        setattr(locked, field, value)
        fields.append(field)
    if "state" in fields:
        # A person decided: nothing automatic undoes it.
        locked.state_origin, locked.state_before = StateOrigin.PERSON, None
        fields += ["state_origin", "state_before"]
    if fields:
        locked.save(update_fields=fields)
        events.record(history)
        if {"state", "archived"} & set(fields):
            turnstore.refresh_patches([locked.id])
    return locked


def _changes(
    patch: Patch, state: State | None, delegate: Any, archived: bool | None, commit_ref: str | None
) -> list[tuple[str, Any, str, dict[str, Any]]]:
    """(field, new value, event category, before/after payload) for each real change."""
    wanted = [
        ("state", state, EventCategory.PATCH_STATE_CHANGED, "state", state is not None),
        ("delegate", delegate, EventCategory.PATCH_DELEGATED, "delegate", delegate is not _UNSET),
        ("archived", archived, EventCategory.PATCH_ARCHIVED, "archived", archived is not None),
        ("commit_ref", commit_ref, EventCategory.PATCH_COMMIT_REF_CHANGED, "commit_ref",
         commit_ref is not None),
    ]  # fmt: skip
    changes = []
    for field, value, category, key, given in wanted:
        before, after = _shown(field, getattr(patch, field)), _shown(field, value)
        if given and before != after:
            payload = {f"previous_{key}": before, f"current_{key}": after}
            changes.append((field, value, category, payload))
    return changes


def _shown(field: str, value: Any) -> Any:
    """A value as the Event payload records it: states by slug, users by id."""
    if field == "state":
        return value.slug if value is not None else None
    if field == "delegate":
        return getattr(value, "pk", None)
    return value


def set_patch_state(actor: Any, patch: Patch, state: State) -> Patch:
    return update_patch(actor, patch, state=state)


def delegate_patch(actor: Any, patch: Patch, delegate: Any) -> Patch:
    return update_patch(actor, patch, delegate=delegate)


def set_patch_archived(actor: Any, patch: Patch, archived: bool) -> Patch:
    return update_patch(actor, patch, archived=archived)


def set_commit_ref(actor: Any, patch: Patch, commit_ref: str) -> Patch:
    return update_patch(actor, patch, commit_ref=commit_ref)


def set_series_state(actor: Any, series: Series, state: State) -> ChangeSet | None:
    """Every patch of ``series`` to ``state`` (e.g. Superseded, Accepted), all or nothing.

    One change set, undone as a whole (``undo_change``); None when every
    patch already has that state.
    """
    ids = list(Patch.objects.filter(series=series).values_list("id", flat=True))
    if not ids:
        raise ValidationError("This series has no patches yet.")
    what = f"series {series.name or series.pk} v{series.version}"
    return change_patches(actor, series.project, ids, Changes(state=state), what=what)


@transaction.atomic
def rename_series(actor: Any, series: Series, name: str) -> Series:
    """A maintainer's name for a series; later mail (and ``reparse``) keeps it.

    An empty name gives the series back to the mail: the next refresh names it
    after its cover letter or first patch again.
    """
    locked = Series.objects.select_for_update().select_related("project").get(pk=series.pk)
    check_maintainer(actor, locked.project)
    name = name.strip()
    if (name, bool(name)) == (locked.name, locked.name_locked):
        return locked
    previous = locked.name
    locked.name, locked.name_locked = (name, True) if name else (locked.title, False)
    locked.save(update_fields=["name", "name_locked"])
    events.record(
        [
            events.event_for(
                EventCategory.SERIES_RENAMED,
                project_id=locked.project_id,
                actor=actor,
                series_id=locked.id,
                previous_name=previous,
                current_name=locked.name,
            )
        ]
    )
    return locked
