# SPDX-License-Identifier: AGPL-3.0-or-later
"""URLs of review and archive pages, built from plain values.

Message-IDs may hold ``/`` and other reserved characters, so they are
quoted by ``archive.msgids.msgid_path``, as the archive's own pages do.
Building these by hand rather than with ``reverse()`` keeps a 50-row table
cheap and lets patch URLs end in ``/mbox/`` and ``/raw/`` unambiguously.
"""

from __future__ import annotations

from urllib.parse import quote, urlencode, urlsplit

from archive.msgids import msgid_path

__all__ = [
    "cover_url",
    "is_web_url",
    "message_url",
    "patch_list_url",
    "patch_mbox_url",
    "patch_raw_url",
    "patch_url",
    "person_url",
    "search_url",
    "series_mbox_url",
    "series_url",
]


def is_web_url(url: str) -> bool:
    """Whether ``url`` may become a link: http(s) only, never javascript: or data:."""
    return urlsplit(url.strip()).scheme.lower() in ("http", "https")


def message_url(list_name: str, msgid: str) -> str:
    return f"/{quote(list_name, safe='')}/{msgid_path(msgid)}/"


def patch_list_url(link_name: str) -> str:
    return f"/project/{link_name}/list/"


def patch_url(link_name: str, msgid: str) -> str:
    return f"/project/{link_name}/patch/{msgid_path(msgid)}/"


def patch_mbox_url(link_name: str, msgid: str) -> str:
    return f"{patch_url(link_name, msgid)}mbox/"


def patch_raw_url(link_name: str, msgid: str) -> str:
    return f"{patch_url(link_name, msgid)}raw/"


def cover_url(link_name: str, msgid: str) -> str:
    return f"/project/{link_name}/cover/{msgid_path(msgid)}/"


def series_url(link_name: str, series_id: int) -> str:
    return f"/project/{link_name}/series/{series_id}/"


def series_mbox_url(series_id: int) -> str:
    return f"/series/{series_id}/mbox/"


def person_url(person_id: int) -> str:
    return f"/person/{person_id}/"


def search_url(q: str) -> str:
    return f"/search/?{urlencode({'q': q})}"


def interdiff_url(link_name: str, msgid: str, other_msgid: str) -> str:
    """What changed from the patch ``other_msgid`` to the patch ``msgid`` (another revision)."""
    return f"{patch_url(link_name, msgid)}interdiff/{msgid_path(other_msgid)}/"


def compare_url(link_name: str, series_id: int, other_id: int) -> str:
    """The series ``series_id`` paired patch by patch with its revision ``other_id``."""
    return f"{series_url(link_name, series_id)}compare/{other_id}/"
