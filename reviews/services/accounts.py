# SPDX-License-Identifier: AGPL-3.0-or-later
"""A user's own account: the API token."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from rest_framework.authtoken.models import Token

from reviews.models import EventCategory
from reviews.services import events

__all__ = ["regenerate_api_token"]


@transaction.atomic
def regenerate_api_token(user: Any) -> tuple[Token, bool]:
    """Create ``user``'s API token, or replace it: the old one stops working at once.

    Returns the token and whether one was replaced. The Event has no project,
    so it appears in no list or feed; it is there for an audit of the account.
    """
    if user is None or not user.is_authenticated:
        raise PermissionDenied("Log in to get an API token.")
    replaced = Token.objects.filter(user=user).delete()[0] > 0
    token = Token.objects.create(user=user)
    events.record(
        [
            events.event_for(
                EventCategory.TOKEN_REGENERATED, project_id=None, actor=user, replaced=replaced
            )
        ]
    )
    return token, replaced
