# SPDX-License-Identifier: AGPL-3.0-or-later
"""Bulk and series-wide changes, set-wise, and undoing them.

A confirmed change of many patches (the patch list's bulk form, a series'
state) is one :class:`~reviews.models.ChangeSet`: the patches are locked and
read once, written by one ``UPDATE … FROM unnest(…)``, and each changed
field gets an Event (written by COPY) holding the value before and after,
the state's origin and ``state_before`` included. Undoing reads those
Events back and restores every field that still holds what the change set,
so a decision someone made since is never overwritten; the undo is itself
a ChangeSet, recorded the same way.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models.functions import Lower
from django.utils import timezone

from reviews import turnstore
from reviews.models import ChangeSet, Event, EventCategory, Patch, Project, State, StateOrigin
from reviews.services import events
from reviews.services.permissions import check_delegate, is_maintainer
from reviews.turns import CHANGES_REQUESTED, OPEN_BY_MAIL, Reason, Whose

__all__ = [
    "UNSET",
    "Changes",
    "Undone",
    "change_patches",
    "check_change_patches",
    "check_undo",
    "undo_change",
]

UNSET: Any = object()
_PERSON = str(StateOrigin.PERSON)  # "person"


@dataclass(frozen=True)
class Changes:
    """What a bulk change sets; ``None`` (``UNSET`` for the delegate) keeps a field."""

    state: State | None = None
    archived: bool | None = None
    delegate: Any = UNSET  # a user, or None for nobody

    def __bool__(self) -> bool:
        return self.state is not None or self.archived is not None or self.delegate is not UNSET

    @property
    def state_only(self) -> bool:
        return self.archived is None and self.delegate is UNSET

    def describe(self) -> str:
        """The change in a few words: "state → Rejected, archived, delegate → nobody"."""
        parts = []
        if self.state is not None:
            parts.append(f"state → {self.state.name}")
        if self.archived is not None:
            parts.append("archived" if self.archived else "unarchived")
        if self.delegate is not UNSET:
            parts.append(f"delegate → {self.delegate.username if self.delegate else 'nobody'}")
        return ", ".join(parts)


@dataclass(frozen=True)
class _Values:
    """The fields a change set writes, of one patch."""

    state: str  # slug
    origin: str
    state_before: str | None  # slug
    delegate: int | None
    archived: bool


@dataclass
class _Locked:
    series: dict[int, int | None] = field(default_factory=dict)
    values: dict[int, _Values] = field(default_factory=dict)
    submitters: set[str] = field(default_factory=set)


_LOCK_SQL = """
SELECT p.id, p.series_id, st.slug, p.state_origin, sb.slug, p.delegate_id, p.archived,
    lower(pe.email)
FROM reviews_patch p JOIN reviews_state st ON st.id = p.state_id
    LEFT JOIN reviews_state sb ON sb.id = p.state_before_id
    LEFT JOIN archive_person pe ON pe.id = p.submitter_id
WHERE p.project_id = %s AND p.id = ANY(%s)
ORDER BY p.id
FOR UPDATE OF p
"""

# One statement writes the fields and, where the new state alone decides it
# (reviews.turns: archived, Changes Requested, a closed state, a later
# revision), whose turn it is, since when, and the last activity: the turn
# rules' first step, in SQL. A patch whose turn still depends on its replies
# comes back flagged, for ``turnstore`` to read. The last state change is
# the latest Event's, or this change's for a patch whose state it changes.
_WRITE_SQL = f"""
WITH u AS (
    SELECT * FROM unnest(%(ids)s::bigint[], %(states)s::text[], %(origins)s::text[],
        %(befores)s::text[], %(delegates)s::int[], %(archived)s::bool[], %(moved)s::bool[])
        AS u(id, state, origin, state_before, delegate, archived, moved)
), new AS (
    SELECT u.*, st.id AS state_id, sb.id AS state_before_id,
        CASE WHEN u.archived THEN '{Reason.ARCHIVED}'
            WHEN u.state = '{CHANGES_REQUESTED}' THEN '{Reason.CHANGES_REQUESTED}'
            WHEN u.state <> ALL(%(open_by_mail)s) AND NOT st.action_required
                THEN '{Reason.CLOSED}'
            WHEN EXISTS (SELECT 1 FROM reviews_series n WHERE n.previous_id = p.series_id)
                THEN '{Reason.REPLACED}' END AS reason,
        CASE WHEN u.moved THEN greatest(%(now)s, ev.at) ELSE ev.at END AS state_changed
    FROM u JOIN reviews_patch p ON p.id = u.id
        JOIN reviews_state st ON st.slug = u.state
        LEFT JOIN reviews_state sb ON sb.slug = u.state_before
        LEFT JOIN LATERAL (
            SELECT max(e.date) AS at FROM reviews_event e
            WHERE e.patch_id = u.id AND e.category = '{EventCategory.PATCH_STATE_CHANGED}'
        ) ev ON true
)
UPDATE reviews_patch p SET state_id = new.state_id, state_origin = new.origin,
    state_before_id = new.state_before_id, delegate_id = new.delegate, archived = new.archived,
    turn = CASE WHEN new.reason IS NULL THEN p.turn
        WHEN new.reason = '{Reason.CHANGES_REQUESTED}' THEN '{Whose.SUBMITTER}'
        ELSE '{Whose.NOBODY}' END,
    turn_reason = coalesce(new.reason, p.turn_reason),
    waiting_since = CASE WHEN new.reason IS NULL THEN p.waiting_since
        ELSE coalesce(new.state_changed, p.date) END,
    last_activity = greatest(p.last_activity, new.state_changed)
FROM new WHERE p.id = new.id
RETURNING p.id, new.reason IS NULL
"""


def _lock(project: Project, ids: Iterable[int]) -> _Locked:
    """Lock the patches (in id order, so two bulk changes cannot deadlock) and read them."""
    locked = _Locked()
    with connection.cursor() as cursor:
        cursor.execute(_LOCK_SQL, [project.pk, sorted(set(ids))])
        for pid, series, slug, origin, before, delegate, archived, email in cursor.fetchall():
            locked.series[pid] = series
            locked.values[pid] = _Values(slug, origin, before, delegate, archived)
            locked.submitters.add(email or "")
    return locked


def _check_allowed(actor: Any, project: Project, submitters: set[str], state_only: bool) -> None:
    """Maintainers change anything; a submitter only the state of their own patches."""
    if is_maintainer(actor, project):
        return
    email = (getattr(actor, "email", "") or "").lower()
    if state_only and email and submitters == {email}:
        return
    raise PermissionDenied("Only the project's maintainers may change these patches.")


def check_change_patches(
    actor: Any, project: Project, patch_ids: Sequence[int], changes: Changes
) -> None:
    """Refuse now what :func:`change_patches` would refuse (before a confirmation)."""
    if changes.delegate is not UNSET:
        check_delegate(project, changes.delegate)
    if is_maintainer(actor, project):
        return
    submitters = set(
        Patch.objects.filter(project=project, id__in=patch_ids)
        .annotate(address=Lower("submitter__email"))
        .values_list("address", flat=True)
        .distinct()
    )
    _check_allowed(actor, project, {s or "" for s in submitters}, changes.state_only)


def _after(before: _Values, changes: Changes) -> _Values:
    after = before
    if changes.state is not None and changes.state.slug != before.state:
        # A person decided: nothing automatic undoes it (as reviews.services.patches).
        after = replace(after, state=changes.state.slug, origin=_PERSON,
                        state_before=None)  # fmt: skip
    if changes.archived is not None:
        after = replace(after, archived=changes.archived)
    if changes.delegate is not UNSET:
        after = replace(after, delegate=getattr(changes.delegate, "pk", None))
    return after


@transaction.atomic
def change_patches(
    actor: Any, project: Project, patch_ids: Sequence[int], changes: Changes, *, what: str = ""
) -> ChangeSet | None:
    """Apply ``changes`` to every patch of ``patch_ids``, all or nothing, as one ChangeSet.

    ``what`` names the patches in the change set's description ("series foo
    v2"). Returns None when every patch already looks like that.
    """
    if not changes:
        raise ValidationError("Choose a state, archiving or a delegate.")
    if not patch_ids:
        raise ValidationError("Select at least one patch first.")
    if changes.delegate is not UNSET:
        check_delegate(project, changes.delegate)
    locked = _lock(project, patch_ids)
    if len(locked.values) != len(set(patch_ids)):
        raise ValidationError("Some selected patches are not in this project.")
    _check_allowed(actor, project, locked.submitters, changes.state_only)
    afters = {pid: _after(before, changes) for pid, before in locked.values.items()}
    description = changes.describe() + (f" ({what})" if what else "")
    return _write(actor, project, locked, afters, description)


def _write(
    actor: Any, project: Project, locked: _Locked, afters: dict[int, _Values], description: str,
    undoes: ChangeSet | None = None,
) -> ChangeSet | None:  # fmt: skip
    changed = {pid: v for pid, v in afters.items() if v != locked.values[pid]}
    if not changed:
        return None
    change = ChangeSet.objects.create(
        project=project, actor=actor if getattr(actor, "is_authenticated", False) else None,
        date=timezone.now(), description=description, patches=len(changed),
    )  # fmt: skip
    ids = sorted(changed)
    with connection.cursor() as cursor:
        cursor.execute(_WRITE_SQL, {
            "ids": ids, "states": [changed[i].state for i in ids],
            "origins": [changed[i].origin for i in ids],
            "befores": [changed[i].state_before for i in ids],
            "delegates": [changed[i].delegate for i in ids],
            "archived": [changed[i].archived for i in ids],
            "moved": [_state_moved(locked.values[i], changed[i]) for i in ids],
            "open_by_mail": sorted(OPEN_BY_MAIL), "now": change.date,
        })  # fmt: skip
        written = cursor.fetchall()
    if len(written) != len(ids):  # a state deleted meanwhile: refuse rather than half-write
        raise ValidationError("A state this change needs no longer exists; nothing was changed.")
    reason = f"undo of change {undoes.pk}" if undoes is not None else ""
    events.record(
        event for pid in ids for event in _events(change, actor, pid, locked, changed[pid], reason)
    )
    # Patches back in an open state read their replies for whose turn it is;
    # then the series and the health counts (which date a decision by the
    # events just recorded) follow.
    turnstore.refresh_after_change(
        [pid for pid, to_read in written if to_read], ids,
        {series for pid in ids if (series := locked.series[pid]) is not None},
    )  # fmt: skip
    return change


def _state_moved(before: _Values, after: _Values) -> bool:
    """Whether the change records a state change (an Event) for this patch."""
    return (before.state, before.origin, before.state_before) != (
        after.state, after.origin, after.state_before,
    )  # fmt: skip


def _events(
    change: ChangeSet, actor: Any, pid: int, locked: _Locked, after: _Values, reason: str
) -> list[Event]:
    """One Event per changed field, with what it was and what it is now."""
    before = locked.values[pid]
    common: dict[str, Any] = {
        "project_id": change.project_id, "actor": actor, "patch_id": pid,
        "series_id": locked.series[pid], "date": change.date, "change_set_id": change.pk,
    }  # fmt: skip
    if reason:
        common["reason"] = reason
    out = []
    if _state_moved(before, after):
        out.append(events.event_for(
            EventCategory.PATCH_STATE_CHANGED, **common,
            previous_state=before.state, current_state=after.state,
            previous_origin=before.origin, current_origin=after.origin,
            previous_state_before=before.state_before, current_state_before=after.state_before,
        ))  # fmt: skip
    if before.delegate != after.delegate:
        out.append(events.event_for(
            EventCategory.PATCH_DELEGATED, **common,
            previous_delegate=before.delegate, current_delegate=after.delegate,
        ))  # fmt: skip
    if before.archived != after.archived:
        out.append(events.event_for(
            EventCategory.PATCH_ARCHIVED, **common,
            previous_archived=before.archived, current_archived=after.archived,
        ))  # fmt: skip
    return out


@dataclass(frozen=True)
class Undone:
    """What undoing did: the new change set (None if nothing could be put back)."""

    change_set: ChangeSet | None
    restored: int
    kept: int  # patches someone changed since, left as they are


def check_undo(actor: Any, change: ChangeSet) -> None:
    """Maintainers of the project may undo a change set; so may the person who made it."""
    own = change.actor_id is not None and change.actor_id == getattr(actor, "pk", None)
    if not (own and getattr(actor, "is_active", False)) and not is_maintainer(
        actor, change.project
    ):
        raise PermissionDenied(f"Only maintainers of {change.project.link_name} may undo that.")


@transaction.atomic
def undo_change(actor: Any, change: ChangeSet) -> Undone:
    """Put every patch of ``change`` back as it was, field by field.

    A field someone changed since (it no longer holds what ``change`` set)
    stays as it is, so undoing never overwrites a later decision. Refused
    once the change set is undone.
    """
    locked_change = (
        ChangeSet.objects.select_for_update().select_related("project").get(pk=change.pk)
    )
    check_undo(actor, locked_change)
    if locked_change.undone_by_id is not None:
        raise ValidationError("This change was already undone.")
    recorded = list(
        Event.objects.filter(change_set=locked_change).order_by("id").values_list(
            "patch_id", "category", "payload")
    )  # fmt: skip
    project = locked_change.project
    locked = _lock(project, {pid for pid, _, _ in recorded if pid is not None})
    afters = dict(locked.values)
    kept = set()
    users = _existing_users(recorded)
    for pid, category, payload in recorded:
        if pid not in afters:
            continue  # the patch is gone
        restored = _restore(afters[pid], category, payload, users)
        if restored is None:
            kept.add(pid)
        else:
            afters[pid] = restored
    description = f"undo of change {locked_change.pk}: {locked_change.description}"
    new = _write(actor, project, locked, afters, description[:300], undoes=locked_change)
    if new is not None:
        locked_change.undone_by = new
        locked_change.save(update_fields=["undone_by"])
    return Undone(new, new.patches if new else 0, len(kept))


def _restore(
    now: _Values, category: str, payload: dict[str, Any], users: set[int]
) -> _Values | None:
    """``now`` with one recorded field put back; None if it changed since."""
    if category == EventCategory.PATCH_STATE_CHANGED:
        after = (payload.get("current_state"), payload.get("current_origin"),
                 payload.get("current_state_before"))  # fmt: skip
        if (now.state, now.origin, now.state_before) != after:
            return None
        return replace(now, state=payload["previous_state"],
                       origin=payload.get("previous_origin") or _PERSON,
                       state_before=payload.get("previous_state_before"))  # fmt: skip
    if category == EventCategory.PATCH_DELEGATED:
        if now.delegate != payload.get("current_delegate"):
            return None
        previous = payload.get("previous_delegate")
        return replace(now, delegate=previous if previous in users else None)
    if category == EventCategory.PATCH_ARCHIVED:
        if now.archived != payload.get("current_archived"):
            return None
        return replace(now, archived=bool(payload.get("previous_archived")))
    return now


def _existing_users(recorded: list[tuple[Any, str, dict[str, Any]]]) -> set[int]:
    """Previous delegates whose accounts still exist (a deleted one becomes nobody)."""
    wanted = {p.get("previous_delegate") for _, _, p in recorded} - {None}
    if not wanted:
        return set()
    return set(get_user_model().objects.filter(pk__in=wanted).values_list("pk", flat=True))
