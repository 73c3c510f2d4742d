# SPDX-License-Identifier: AGPL-3.0-or-later
"""CI results on patches (Patchwork's checks)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from reviews.links import is_web_url
from reviews.models import Check, CheckState, EventCategory, Patch
from reviews.services import events
from reviews.services.permissions import is_maintainer

__all__ = ["create_check"]


@transaction.atomic
def create_check(
    actor: Any, patch: Patch, *, state: str, context: str = "default",
    target_url: str = "", description: str = "",
) -> Check:  # fmt: skip
    """Maintainers of the patch's project, and the accounts it lets report checks (CI bots)."""
    if actor is None or not actor.is_authenticated:
        raise PermissionDenied("Log in to report checks.")
    project = patch.project
    if not is_maintainer(actor, project) and not (
        actor.is_active and project.check_reporters.filter(pk=actor.pk).exists()
    ):
        raise PermissionDenied(
            f"Only maintainers of {project.link_name}, and the accounts it names as check "
            "reporters, may report checks on its patches."
        )
    if state not in CheckState.values:
        raise ValidationError(f"Unknown check state {state!r}.")
    if target_url and not is_web_url(target_url):
        # It becomes a link on the patch page: no javascript: or data: URLs.
        raise ValidationError("A check's target URL must be an http or https URL.")
    check = Check.objects.create(
        patch=patch, user=actor, date=timezone.now(), state=state,
        context=context or "default", target_url=target_url, description=description,
    )  # fmt: skip
    events.record(
        [
            events.event_for(
                EventCategory.CHECK_CREATED,
                project_id=patch.project_id,
                actor=actor,
                patch_id=patch.id,
                series_id=patch.series_id,
                check=check.id,
            )
        ]
    )
    return check
