# SPDX-License-Identifier: AGPL-3.0-or-later
"""A web worker's database connection, opened before its first request.

A new PostgreSQL backend starts with empty catalog caches: its first queries
plan in ~10 ms instead of ~0.5, and the statements the archive prepares once
per connection (``archive.prepared``) are prepared then. Run when a gunicorn
worker starts (``settings.THREADWORK_WORKER_WARM_UP``, ``config/warmup.py``),
so a visitor right after a start or a restart does not wait for it; the
connection is kept (``CONN_MAX_AGE``) for the worker's requests.
"""

from __future__ import annotations

import contextlib

from django.http import Http404

from archive import browse, rawdicts, searchresults
from archive.models import MailingList
from archive.views.messages import MESSAGE_FRAMES
from archive.views.searchframe import warm_frames

__all__ = ["warm_connection"]

# Looked up and found nowhere: each statement is prepared and its tables'
# catalog entries read, and nothing else is done.
_NOWHERE = "warm-up.invalid"


def warm_connection() -> None:
    """Prepare the message page's, the thread routes' and the common searches'
    statements, load the search page's templates, read the archive's zstd
    dictionaries and cut each list's search page and message page frames
    (``archive.views.frame``)."""
    browse.message_page_key(browse.ALL, _NOWHERE)
    browse.message_page_key("-", _NOWHERE)
    with contextlib.suppress(Http404):
        browse.locate_message(None, _NOWHERE)
    # Without this a worker's first searches planned their statements and compiled
    # the page's templates: the slowest of make bench's cold search pages. Cutting
    # the frames renders (and so compiles) the search page's templates.
    searchresults.prepare_shapes()
    # Bodies, snippets and raw mail are packed with the archive's dictionaries.
    rawdicts.ready_to_unpack()
    names = list(MailingList.objects.values_list("name", flat=True))
    warm_frames([browse.ALL, *names])
    MESSAGE_FRAMES.warm(names)
