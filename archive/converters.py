# SPDX-License-Identifier: AGPL-3.0-or-later
"""Path converters that never hand a view a NUL character.

PostgreSQL text cannot hold NUL, so a value carrying one (``/all/a%00b/``)
made every lookup raise and the request end in a 500. No stored name or
Message-ID contains NUL (parsing turns it into U+FFFD), so a URL with one
names nothing: these converters do not match it and the URL is a 404.
``config.inputguard`` answers 400 before routing; this is the second line.

Importing the module registers ``segment`` (one path segment, like ``str``)
and ``rest`` (the rest of the path, like ``path``); ``MSGID_GROUP`` is the
same rule for ``re_path`` patterns.
"""

from __future__ import annotations

from django.urls import register_converter
from django.urls.converters import PathConverter, StringConverter

__all__ = ["MSGID_GROUP", "RestConverter", "SegmentConverter"]

# A non-greedy Message-ID group: the routes add their own suffixes after it.
MSGID_GROUP = r"(?P<msgid>[^\x00]+?)"


class SegmentConverter(StringConverter):
    regex = r"[^/\x00]+"


class RestConverter(PathConverter):
    regex = r"[^\x00]+"


register_converter(SegmentConverter, "segment")
register_converter(RestConverter, "rest")
