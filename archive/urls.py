"""public-inbox's URL layout. Included last by config/urls.py: these are catch-alls.

Message-IDs arrive URL-quoted and may contain ``/``, so they are ``path``
segments, and each suffix (``raw``, ``T/``, ``t.mbox.gz``...) is its own route
listed before the message page. ``<list>`` is a list's short name or ``all``.
"""

from django.urls import path

from archive import (
    converters,  # noqa: F401  (registers segment and rest)
    views,
)

app_name = "archive"

# segment and rest are str and path that never match a NUL (archive/converters.py).
_M = "<segment:list_name>/<rest:msgid>"

urlpatterns = [
    path("search/", views.search_alias, name="search"),
    path("<segment:list_name>/", views.list_index, name="list"),
    path("<segment:list_name>/new.atom", views.list_feed, name="list-feed"),
    # Where lore keeps its search help; before the Message-ID routes it would match.
    path("<segment:list_name>/_/text/help/", views.search_help, name="search-help"),
    path(f"{_M}/raw", views.message_raw, name="raw"),
    path(f"{_M}/t.mbox.gz", views.thread_mbox, {"compress": True}, name="thread-mbox-gz"),
    path(f"{_M}/t.mbox", views.thread_mbox, {"compress": False}, name="thread-mbox"),
    path(f"{_M}/T/", views.thread_flat, name="thread-flat"),
    path(f"{_M}/t/", views.thread_nested, name="thread-nested"),
    path(f"{_M}/t.atom", views.thread_atom, name="thread-atom"),
    path(f"{_M}/", views.message_page, name="message"),
    path(_M, views.message_redirect, name="message-redirect"),
]
