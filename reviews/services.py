"""Every change to review state goes through here, in a transaction, with its Event."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from reviews.links import is_web_url
from reviews.models import (
    Bundle,
    BundlePatch,
    Check,
    CheckState,
    Event,
    EventCategory,
    Patch,
    Project,
    Series,
    State,
)
from reviews.states import state

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
    return _set_states(patches, state(SUPERSEDED), actor,
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


# --- Permissions -----------------------------------------------------------
# Maintainers of a patch's project (and superusers) may change anything about
# it; the submitter may change the state of their own patch, as on Patchwork.


def is_maintainer(user, project: Project) -> bool:
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return project.maintainers.filter(pk=user.pk).exists()


def is_submitter(user, patch: Patch) -> bool:
    if user is None or not user.is_authenticated or not user.email or patch.submitter is None:
        return False
    return user.email.lower() == patch.submitter.email.lower()


def can_change_patch(user, patch: Patch) -> bool:
    """Delegate, archive, commit reference: maintainers only."""
    return is_maintainer(user, patch.project)


def can_change_state(user, patch: Patch) -> bool:
    return can_change_patch(user, patch) or is_submitter(user, patch)


def check_change_patch(user, patch: Patch, *, state_only: bool = False) -> None:
    allowed = can_change_state(user, patch) if state_only else can_change_patch(user, patch)
    if not allowed:
        raise PermissionDenied("Only the project's maintainers may change this patch.")


def check_delegate(project: Project, delegate) -> None:
    """A patch is delegated to a maintainer of its project (or to no one)."""
    if delegate is not None and not is_maintainer(delegate, project):
        raise ValidationError(f"{delegate.username} is not a maintainer of {project.link_name}.")


# --- Patch changes -----------------------------------------------------------

_UNSET: Any = object()


@transaction.atomic
def update_patch(
    actor,
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
    # (field, new value, event category, before/after payload) for each real change
    changes: list[tuple[str, Any, str, dict[str, Any]]] = []
    if state is not None and state.pk != locked.state_id:
        changes.append(
            (
                "state",
                state,
                EventCategory.PATCH_STATE_CHANGED,
                {"previous_state": locked.state.slug, "current_state": state.slug},
            )
        )
    if delegate is not _UNSET and getattr(delegate, "pk", None) != locked.delegate_id:
        changes.append(
            (
                "delegate",
                delegate,
                EventCategory.PATCH_DELEGATED,
                {
                    "previous_delegate": locked.delegate_id,
                    "current_delegate": getattr(delegate, "pk", None),
                },
            )
        )
    if archived is not None and archived != locked.archived:
        changes.append(
            (
                "archived",
                archived,
                EventCategory.PATCH_ARCHIVED,
                {"previous_archived": locked.archived, "current_archived": archived},
            )
        )
    if commit_ref is not None and commit_ref != locked.commit_ref:
        changes.append(("commit_ref", commit_ref, EventCategory.PATCH_COMMIT_REF_CHANGED,
                        {"previous_commit_ref": locked.commit_ref,
                         "current_commit_ref": commit_ref}))  # fmt: skip
    events = [
        _patch_event(locked, actor, category, **payload) for _, _, category, payload in changes
    ]
    for field, value, _, _ in changes:
        setattr(locked, field, value)
    fields = [field for field, *_ in changes]
    if fields:
        locked.save(update_fields=fields)
        Event.objects.bulk_create(events)
    return locked


def set_patch_state(actor, patch: Patch, state: State) -> Patch:
    return update_patch(actor, patch, state=state)


def delegate_patch(actor, patch: Patch, delegate) -> Patch:
    return update_patch(actor, patch, delegate=delegate)


def set_patch_archived(actor, patch: Patch, archived: bool) -> Patch:
    return update_patch(actor, patch, archived=archived)


def set_commit_ref(actor, patch: Patch, commit_ref: str) -> Patch:
    return update_patch(actor, patch, commit_ref=commit_ref)


def _patch_event(patch: Patch, actor, category: str, **payload: Any) -> Event:
    return Event(
        project_id=patch.project_id,
        category=category,
        date=timezone.now(),
        actor=actor if actor is not None and actor.is_authenticated else None,
        patch_id=patch.id,
        series_id=patch.series_id,
        payload=payload,
    )


# --- Checks --------------------------------------------------------------------


@transaction.atomic
def create_check(
    actor, patch: Patch, *, state: str, context: str = "default",
    target_url: str = "", description: str = "",
) -> Check:  # fmt: skip
    """Any authenticated user (a CI bot) may report a result on any patch."""
    if actor is None or not actor.is_authenticated:
        raise PermissionDenied("Log in to report checks.")
    if state not in CheckState.values:
        raise ValidationError(f"Unknown check state {state!r}.")
    if target_url and not is_web_url(target_url):
        # It becomes a link on the patch page: no javascript: or data: URLs.
        raise ValidationError("A check's target URL must be an http or https URL.")
    check = Check.objects.create(
        patch=patch, user=actor, date=timezone.now(), state=state,
        context=context or "default", target_url=target_url, description=description,
    )  # fmt: skip
    event = _patch_event(patch, actor, EventCategory.CHECK_CREATED, check=check.id)
    event.save()
    return check


# --- Bundles ---------------------------------------------------------------------


def check_bundle_owner(actor, bundle: Bundle) -> None:
    if actor is None or not actor.is_authenticated or actor.pk != bundle.owner_id:
        raise PermissionDenied("Only the bundle's owner may change it.")


def check_bundle_name(name: str) -> None:
    # The name is a URL path segment (/bundle/<owner>/<name>/): a "/" makes it unreachable.
    if not name.strip() or "/" in name:
        raise ValidationError("A bundle name must not be empty or contain “/”.")


def _bundle_project(patches: Sequence[Patch]) -> int:
    if not patches:
        raise ValidationError("A bundle holds at least one patch.")
    projects = {p.project_id for p in patches}
    if len(projects) > 1:
        raise ValidationError("A bundle's patches belong to one project.")
    return projects.pop()


def _set_bundle_patches(bundle: Bundle, patches: Sequence[Patch]) -> None:
    BundlePatch.objects.filter(bundle=bundle).delete()
    unique = list({p.pk: p for p in patches}.values())
    BundlePatch.objects.bulk_create(
        BundlePatch(bundle=bundle, patch=p, order=i) for i, p in enumerate(unique, 1)
    )


@transaction.atomic
def create_bundle(actor, name: str, patches: Sequence[Patch], public: bool = False) -> Bundle:
    if actor is None or not actor.is_authenticated:
        raise PermissionDenied("Log in to make bundles.")
    check_bundle_name(name)
    project_id = _bundle_project(patches)
    if Bundle.objects.filter(owner=actor, name=name).exists():
        raise ValidationError(f"You already have a bundle named {name!r}.")
    bundle = Bundle.objects.create(owner=actor, project_id=project_id, name=name, public=public)
    _set_bundle_patches(bundle, patches)
    return bundle


@transaction.atomic
def update_bundle(
    actor, bundle: Bundle, *, name: str | None = None, public: bool | None = None,
    patches: Sequence[Patch] | None = None,
) -> Bundle:  # fmt: skip
    """Rename, publish or unpublish, and replace the patches (in the given order)."""
    bundle = Bundle.objects.select_for_update().get(pk=bundle.pk)
    check_bundle_owner(actor, bundle)
    fields = []
    if name is not None and name != bundle.name:
        check_bundle_name(name)
        if Bundle.objects.filter(owner=actor, name=name).exclude(pk=bundle.pk).exists():
            raise ValidationError(f"You already have a bundle named {name!r}.")
        bundle.name = name
        fields.append("name")
    if public is not None and public != bundle.public:
        bundle.public = public
        fields.append("public")
    if patches is not None:
        project_id = _bundle_project(patches)
        if project_id != bundle.project_id:
            bundle.project_id = project_id
            fields.append("project")
        _set_bundle_patches(bundle, patches)
    if fields:
        bundle.save(update_fields=fields)
    return bundle


@transaction.atomic
def delete_bundle(actor, bundle: Bundle) -> None:
    check_bundle_owner(actor, bundle)
    bundle.delete()


# --- Projects ----------------------------------------------------------------------


@transaction.atomic
def add_maintainer(project: Project, user, actor=None) -> None:
    """Make ``user`` a maintainer of ``project`` (actor None: an admin command)."""
    if actor is not None and not is_maintainer(actor, project):
        raise PermissionDenied("Only maintainers may add maintainers.")
    project.maintainers.add(user)


# --- Web UI: several patches at once, bundle entries ------------------------------


@transaction.atomic
def update_patches(actor, patches: Sequence[Patch], **changes: Any) -> int:
    """The same changes on every patch, all or nothing: one refusal changes none.

    Takes ``update_patch``'s keyword arguments; returns how many patches were given.
    """
    for patch in patches:
        update_patch(actor, patch, **changes)
    return len(patches)


def set_series_state(actor, series: Series, state: State) -> int:
    """Every patch of ``series`` to ``state`` (e.g. Superseded, Accepted), all or nothing."""
    patches = list(Patch.objects.filter(series=series).order_by("number", "date", "id"))
    if not patches:
        raise ValidationError("This series has no patches yet.")
    return update_patches(actor, patches, state=state)


@transaction.atomic
def add_bundle_patches(actor, bundle: Bundle, patches: Sequence[Patch]) -> int:
    """Append ``patches`` not yet in ``bundle``, in the given order; returns how many."""
    check_bundle_owner(actor, bundle)
    entries = BundlePatch.objects.filter(bundle=bundle).select_related("patch").order_by("order")
    current = [e.patch for e in entries]
    have = {p.pk for p in current}
    new = [p for p in patches if p.pk not in have]
    if new:
        update_bundle(actor, bundle, patches=current + new)
    return len(new)


@transaction.atomic
def remove_bundle_patch(actor, bundle: Bundle, patch: Patch) -> None:
    """Take ``patch`` out of ``bundle`` (a bundle may end up empty; delete it then)."""
    check_bundle_owner(actor, bundle)
    BundlePatch.objects.filter(bundle=bundle, patch=patch).delete()
