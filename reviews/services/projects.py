# SPDX-License-Identifier: AGPL-3.0-or-later
"""Projects and states: configuration a maintainer or an admin edits."""

from __future__ import annotations

from typing import Any

from django.db import models, transaction

from reviews.models import Project
from reviews.services import events
from reviews.services.permissions import check_maintainer

__all__ = ["add_maintainer", "delete_configuration", "save_configuration"]


@transaction.atomic
def add_maintainer(project: Project, user: Any, actor: Any = None) -> None:
    """Make ``user`` a maintainer of ``project`` (actor None: an admin command)."""
    if actor is not None:
        check_maintainer(actor, project)
    project.maintainers.add(user)
    events.touch()


@transaction.atomic
def save_configuration(obj: models.Model) -> None:
    """Save an edited project or state (the admin): pages that show it refresh at once."""
    obj.save()
    events.touch()


@transaction.atomic
def delete_configuration(obj: models.Model) -> None:
    """Delete a project or an unused state (the admin); pages refresh at once."""
    obj.delete()
    events.touch()
