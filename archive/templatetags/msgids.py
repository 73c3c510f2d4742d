# SPDX-License-Identifier: AGPL-3.0-or-later
"""``{{ msgid|msgid_path }}``: templates quote a Message-ID as the views do."""

from __future__ import annotations

from django import template

from archive.msgids import msgid_path as _msgid_path

register = template.Library()


@register.filter
def msgid_path(msgid: str) -> str:
    return _msgid_path(msgid)
