# SPDX-License-Identifier: AGPL-3.0-or-later
"""A user's named, ordered collections of patches.

Bundles are their owner's own notes, not review state: changing one records
no Event, and only the owner may change it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from reviews.models import Bundle, BundlePatch, Patch

__all__ = [
    "add_bundle_patches",
    "check_bundle_owner",
    "create_bundle",
    "delete_bundle",
    "remove_bundle_patch",
    "update_bundle",
]


def check_bundle_owner(actor: Any, bundle: Bundle) -> None:
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
def create_bundle(actor: Any, name: str, patches: Sequence[Patch], public: bool = False) -> Bundle:
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
    actor: Any, bundle: Bundle, *, name: str | None = None, public: bool | None = None,
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
def delete_bundle(actor: Any, bundle: Bundle) -> None:
    check_bundle_owner(actor, bundle)
    bundle.delete()


@transaction.atomic
def add_bundle_patches(actor: Any, bundle: Bundle, patches: Sequence[Patch]) -> int:
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
def remove_bundle_patch(actor: Any, bundle: Bundle, patch: Patch) -> None:
    """Take ``patch`` out of ``bundle`` (a bundle may end up empty; delete it then)."""
    check_bundle_owner(actor, bundle)
    BundlePatch.objects.filter(bundle=bundle, patch=patch).delete()
