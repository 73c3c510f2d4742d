# SPDX-License-Identifier: AGPL-3.0-or-later
"""What every archive view shares: finding the list and message a URL names."""

from __future__ import annotations

import hashlib

from django.core.cache import cache
from django.http import HttpRequest, HttpResponseRedirect
from django.utils.encoding import escape_uri_path

from archive.browse import ALL, locate_message
from archive.models import MailingList, Message
from archive.msgids import msgid_path


class Elsewhere(Exception):
    """The first path segment is not a list: the URL names a message (``/<msgid>/...``)."""

    def __init__(self, response: HttpResponseRedirect) -> None:
        self.response = response


# Lists are a handful of rows that almost never change: each is read once a
# minute per worker rather than once a request (a round trip of every archive
# route). Only lists that exist are kept, so a new list is served at once; a
# renamed one answers under its old name for up to a minute.
_LIST_SECONDS = 60


def find_list(request: HttpRequest, list_name: str) -> MailingList | None:
    if list_name == ALL:
        return None
    key = f"archive:list:{hashlib.sha256(list_name.encode()).hexdigest()}"
    found = cache.get(key)
    if found is None:
        found = MailingList.objects.filter(name=list_name).first()
        if found is None:
            # /<msgid>/... is served as /all/<msgid>/...
            raise Elsewhere(HttpResponseRedirect("/all" + escape_uri_path(request.path)))
        cache.set(key, found, _LIST_SECONDS)
    return found


def find_message(request: HttpRequest, list_name: str, msgid: str) -> tuple[str, Message]:
    """The message a URL names, with its thread (see ``browse.locate_message``)."""
    mlist = find_list(request, list_name)
    return list_name, locate_message(mlist, msgid)


def message_base(list_name: str, msgid: str) -> str:
    return f"/{list_name}/{msgid_path(msgid)}/"


def safe_filename(msgid: str, suffix: str = "") -> str:
    # ASCII only: header values are latin-1 on the wire and clients guess the rest.
    cleaned = "".join(c if (c.isascii() and c.isalnum()) or c in "-._@" else "_" for c in msgid)
    cleaned = cleaned[:100]
    return (cleaned or "message") + suffix
