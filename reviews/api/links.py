# SPDX-License-Identifier: AGPL-3.0-or-later
"""Absolute URLs of API resources, web pages and downloads, built from plain values."""

from __future__ import annotations

from functools import cached_property
from urllib.parse import quote

from rest_framework.request import Request

from reviews import links

__all__ = ["Links", "parse_bool"]

_TRUE = frozenset({"true", "yes", "1", "on", "y", "t"})
_FALSE = frozenset({"false", "no", "0", "off", "n", "f"})


def parse_bool(value: object) -> bool | None:
    """true/false/True/False/yes/no/1/0 (any case); None when it is none of them."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    return None


class Links:
    """URLs for one request, keeping the API version prefix the client used."""

    def __init__(self, request: Request, version: str | None) -> None:
        self._request = request
        self._version = version
        self._projects: dict[int, tuple[str, str]] | None = None

    @cached_property
    def site(self) -> str:
        return self._request.build_absolute_uri("/").rstrip("/")

    @cached_property
    def api(self) -> str:
        return f"{self.site}/api/{self._version}" if self._version else f"{self.site}/api"

    def _names(self, project_id: int) -> tuple[str, str]:
        # Projects are few (one per list): one query per request serves every row.
        if self._projects is None or project_id not in self._projects:
            from reviews.models import Project

            rows = Project.objects.values_list("id", "link_name", "mailing_list__name")
            self._projects = {pk: (link, lst) for pk, link, lst in rows}
        return self._projects.get(project_id, ("", ""))

    def remember(self, project_id: int, link_name: str, list_name: str) -> None:
        """A project the view has already read: its names need no query of their own."""
        if self._projects is None:
            self._projects = {}
        self._projects[project_id] = (link_name, list_name)

    def link_name(self, project_id: int) -> str:
        return self._names(project_id)[0]

    def list_name(self, project_id: int) -> str:
        return self._names(project_id)[1]

    def resource(self, kind: str, pk: int, sub: str = "", sub_pk: int | None = None) -> str:
        url = f"{self.api}/{kind}/{pk}/"
        if sub:
            url += f"{sub}/"
            if sub_pk is not None:
                url += f"{sub_pk}/"
        return url

    def patch_web(self, link_name: str, msgid: str) -> str:
        return self.site + links.patch_url(link_name, msgid)

    def patch_mbox(self, link_name: str, msgid: str) -> str:
        return self.site + links.patch_mbox_url(link_name, msgid)

    def cover_web(self, link_name: str, msgid: str) -> str:
        return self.site + links.cover_url(link_name, msgid)

    def cover_mbox(self, link_name: str, msgid: str) -> str:
        return self.site + links.cover_url(link_name, msgid) + "mbox/"

    def series_web(self, link_name: str, series_id: int) -> str:
        return self.site + links.series_url(link_name, series_id)

    def series_mbox(self, series_id: int) -> str:
        return self.site + links.series_mbox_url(series_id)

    def message(self, list_name: str, msgid: str) -> str:
        return self.site + links.message_url(list_name, msgid)

    def bundle_web(self, owner: str, name: str) -> str:
        return f"{self.site}/bundle/{quote(owner, safe='')}/{quote(name, safe='')}/"

    def bundle_mbox(self, owner: str, name: str) -> str:
        return self.bundle_web(owner, name) + "mbox/"
