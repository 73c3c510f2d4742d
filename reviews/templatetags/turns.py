# SPDX-License-Identifier: AGPL-3.0-or-later
"""Whose turn in pages: the stored turn of a patch or series, in words and as a badge."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import template
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from reviews.rendering.markup import escape
from reviews.turns import Whose, describe_turn

register = template.Library()


def waited_days(since: dt.datetime | None, now: dt.datetime | None = None) -> int | None:
    """Whole days since ``since`` (None when unknown)."""
    if since is None:
        return None
    return max(((now or timezone.now()) - since).days, 0)


@register.simple_tag
def turn_words(item: Any, viewer: str = "") -> str:
    """The reason in words, with the wait: "2 Reviewed-by, waiting for you 12 days".

    ``viewer``: whose side the reader is on ("maintainer", "submitter"), to say "you".
    """
    return describe_turn(item, waited_days(item.waiting_since), Whose(viewer) if viewer else None)


_SHORT = {"maintainer": "maintainer", "submitter": "submitter", "nobody": "–"}


@register.simple_tag
def turn_badge(item: Any) -> SafeString:
    """A short cell: whose turn and for how long, the reason in words on hover."""
    return mark_safe(badge_html(item, timezone.now()))  # escaped there


def badge_html(item: Any, now: dt.datetime) -> str:
    """``turn_badge``'s markup as of ``now``, escaped (the patch list draws fifty)."""
    days = waited_days(item.waiting_since, now)
    wait = f" · {days}d" if days is not None and item.turn != "nobody" else ""
    words = describe_turn(item, days)
    turn = escape(item.turn)
    return (
        f'<span class="turn turn-{turn}" title="{escape(words)}">'
        f"{escape(_SHORT.get(item.turn, item.turn))}{escape(wait)}</span>"
    )
