# SPDX-License-Identifier: AGPL-3.0-or-later
"""public-inbox style pages: lists, messages, threads, raw mail, mboxes, feeds, search."""

from archive.views.help import search_help
from archive.views.lists import list_feed, list_index, search_alias
from archive.views.messages import message_page, message_raw, message_redirect
from archive.views.threads import thread_atom, thread_flat, thread_mbox, thread_nested

__all__ = [
    "list_feed",
    "list_index",
    "message_page",
    "message_raw",
    "message_redirect",
    "search_alias",
    "search_help",
    "thread_atom",
    "thread_flat",
    "thread_mbox",
    "thread_nested",
]
