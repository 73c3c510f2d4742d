"""Naming mailing lists: ``<linux-mm.kvack.org>`` is known as ``linux-mm``.

A list's short name is the first segment of its URLs (``/linux-mm/``), so
it may not be one the site routes itself: ``<api.example.org>`` becomes
``api-2``, never ``api``, which would take no one to the list.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from django.conf import settings
from django.urls import URLResolver, get_resolver
from django.utils.text import slugify

from archive.browse import ALL
from archive.models import MailingList


def short_name(list_id: str) -> str:
    first_label = list_id.split(".", 1)[0]
    return (slugify(first_label) or slugify(list_id) or "list")[:90]


def unique_short_name(list_id: str, taken: set[str]) -> str:
    base = short_name(list_id)
    name, n = base, 2
    while name in taken:
        name, n = f"{base}-{n}", n + 1
    return name


def reserved_names() -> frozenset[str]:
    """Names no list may have: ``all``, the static files' prefix, and every first
    path segment the URLconf routes (``admin``, ``api``, ``project``, ``search``...)."""
    names = {ALL, settings.STATIC_URL.strip("/").split("/")[0]}
    names.update(_first_segments(get_resolver().url_patterns))
    return frozenset(name for name in names if name)


def _first_segments(patterns: Iterable) -> Iterator[str]:
    for pattern in patterns:
        head = str(pattern.pattern).removeprefix("^").split("/", 1)[0]
        if not head and isinstance(pattern, URLResolver):
            # include() at the root: its own routes start the path.
            yield from _first_segments(pattern.url_patterns)
        elif head and not re.search(r"[<(\\[?*+$]", head):  # a literal, not a parameter
            yield head


def ensure_lists(wanted: dict[str, tuple[str, str]]) -> dict[str, MailingList]:
    """Return lists by list id, creating the missing ones.

    ``wanted`` maps list id -> (description, posting address). Called inside
    the ingest batch transaction, which holds the ingest lock.
    """
    found = {m.list_id: m for m in MailingList.objects.filter(list_id__in=list(wanted))}
    missing = [lid for lid in wanted if lid not in found]
    if missing:
        # A reserved name counts as taken: the list gets the next free one.
        taken = set(MailingList.objects.values_list("name", flat=True)) | reserved_names()
        for list_id in missing:
            description, address = wanted[list_id]
            name = unique_short_name(list_id, taken)
            taken.add(name)
            found[list_id] = MailingList.objects.create(
                list_id=list_id,
                name=name,
                description=description,
                posting_address=address if _looks_like_address(address) else "",
            )
    return found


def resolve_list(value: str) -> str:
    """A ``--list`` argument names a list by short name or List-Id; return the List-Id."""
    value = value.strip().strip("<>").lower()
    existing = MailingList.objects.filter(name=value).values_list("list_id", flat=True).first()
    return existing or value


def _looks_like_address(value: str) -> bool:
    return bool(re.fullmatch(r"[^@\s]+@[^@\s]+", value or ""))
