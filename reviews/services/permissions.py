# SPDX-License-Identifier: AGPL-3.0-or-later
"""Who may change what: the checks every service runs before it writes.

Maintainers of a patch's project (and superusers) may change anything about
it; the submitter may change the state of their own patch, as on Patchwork.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError

from reviews.models import Patch, Project

__all__ = [
    "can_change_patch",
    "can_change_state",
    "check_change_patch",
    "check_delegate",
    "check_maintainer",
    "is_maintainer",
    "is_submitter",
]


def is_maintainer(user: Any, project: Project) -> bool:
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return bool(project.maintainers.filter(pk=user.pk).exists())


def is_submitter(user: Any, patch: Patch) -> bool:
    if user is None or not user.is_authenticated or not user.email or patch.submitter is None:
        return False
    return bool(user.email.lower() == patch.submitter.email.lower())


def can_change_patch(user: Any, patch: Patch) -> bool:
    """Delegate, archive, commit reference: maintainers only."""
    return is_maintainer(user, patch.project)


def can_change_state(user: Any, patch: Patch) -> bool:
    return can_change_patch(user, patch) or is_submitter(user, patch)


def check_change_patch(user: Any, patch: Patch, *, state_only: bool = False) -> None:
    allowed = can_change_state(user, patch) if state_only else can_change_patch(user, patch)
    if not allowed:
        raise PermissionDenied("Only the project's maintainers may change this patch.")


def check_maintainer(user: Any, project: Project) -> None:
    if not is_maintainer(user, project):
        raise PermissionDenied(f"Only maintainers of {project.link_name} may do that.")


def check_delegate(project: Project, delegate: Any) -> None:
    """A patch is delegated to a maintainer of its project (or to no one)."""
    if delegate is not None and not is_maintainer(delegate, project):
        raise ValidationError(f"{delegate.username} is not a maintainer of {project.link_name}.")
