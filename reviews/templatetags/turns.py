# SPDX-License-Identifier: AGPL-3.0-or-later
"""Whose turn in pages: the stored turn of a patch or series, in words and as a badge."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import template
from django.utils import timezone
from django.utils.html import format_html

from reviews.turns import Whose, describe

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
    return describe(
        item.turn_reason,
        acked=item.acked,
        reviewed=item.reviewed,
        days=waited_days(item.waiting_since),
        viewer_is=Whose(viewer) if viewer else None,
    )


_SHORT = {"maintainer": "maintainer", "submitter": "submitter", "nobody": "–"}


@register.simple_tag
def turn_badge(item: Any) -> str:
    """A short cell: whose turn and for how long, the reason in words on hover."""
    days = waited_days(item.waiting_since)
    wait = f" · {days}d" if days is not None and item.turn != "nobody" else ""
    return format_html(
        '<span class="turn turn-{}" title="{}">{}{}</span>',
        item.turn,
        turn_words(item),
        _SHORT.get(item.turn, item.turn),
        wait,
    )
