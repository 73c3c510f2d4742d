# SPDX-License-Identifier: AGPL-3.0-or-later
"""Page-number pagination with a GitHub-style ``Link`` header, as on Patchwork.

Bodies stay plain JSON lists (git-pw reads the list and never paginates);
the header lists ``rel="next"`` first, because pwclient looks no further.

Nothing in the response needs the number of rows, so a page does not count
them: it reads one id past its end to know whether a next page exists.
Counting every patch of a project was the part of a list page that grew
with the archive (``COUNT(*)`` of ``reviews_patch``: 5-10 ms of a page at
ten times linux-rtc, where the API list's p50 went 35.7 -> 45.2 -> 58.3 ms
from 17k to ten and thirty times). Only ``page=last`` counts.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from rest_framework.exceptions import NotFound
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

__all__ = ["LinkHeaderPagination"]

# PostgreSQL's OFFSET is a bigint: a page number past it would be an error.
_LARGEST_OFFSET = 2**63 - 1


def _rows_of(queryset: QuerySet, ids: list[Any]) -> list[Any]:
    """The rows of ``queryset`` with these ids, joins and all, in the ids' order."""
    rows = {row.pk: row for row in queryset.order_by().filter(pk__in=ids)}
    return [rows[pk] for pk in ids if pk in rows]


class IdsFirstPaginator(Paginator):
    """Pick the page's ids on the bare table, then load only those rows with their joins.

    Sorting and skipping thousands of fully joined rows to keep thirty is what
    made deep pages slow (22 ms at page 20 of linux-rtc); the id query walks
    one index instead, and the joins run for the thirty rows shown.
    """

    def _get_page(self, object_list: Any, number: int, paginator: Paginator) -> Page:
        # ``object_list`` is Paginator.page()'s slice of the whole list.
        if isinstance(object_list, QuerySet):
            object_list = _rows_of(self.object_list, list(object_list.values_list("pk", flat=True)))
        return super()._get_page(object_list, number, paginator)


class LinkHeaderPagination(PageNumberPagination):
    django_paginator_class = IdsFirstPaginator
    page_query_param = "page"
    page_size_query_param = "per_page"

    # Read per request so that a test (or an admin) can change them at run time.
    @property
    def page_size(self) -> int:  # type: ignore[override]
        return settings.THREADWORK_API_PAGE_SIZE

    @property
    def max_page_size(self) -> int:  # type: ignore[override]
        return settings.THREADWORK_API_MAX_PAGE_SIZE

    # The page read without a count: its number, and whether a row follows it.
    _number: int | None = None
    _has_next = False

    def get_page_size(self, request) -> int:
        size = super().get_page_size(request) or self.page_size
        return max(1, min(size, self.max_page_size))

    def paginate_queryset(self, queryset: Any, request: Any, view: Any = None) -> list | None:
        asked = request.query_params.get(self.page_query_param) or "1"
        if asked in self.last_page_strings or not isinstance(queryset, QuerySet):
            return super().paginate_queryset(queryset, request, view)  # counts
        self.request = request
        size = self.get_page_size(request)
        try:
            number = int(asked)
        except ValueError:
            number = 0
        if number * size > _LARGEST_OFFSET:  # no list is that long: past its end
            number = 0
        # The page's ids and the next one's first (one index walk), then the rows.
        ids = (
            list(queryset.values_list("pk", flat=True)[(number - 1) * size : number * size + 1])
            if number >= 1
            else []
        )
        if number < 1 or (not ids and number > 1):
            # As Django's paginator refuses them: not a number, under 1, past the end
            # (a number too large to be a row's place among them).
            raise NotFound(self.invalid_page_message.format(page_number=asked, message=""))
        self._number, self._has_next = number, len(ids) > size
        return _rows_of(queryset, ids[:size])

    def get_next_link(self) -> str | None:
        if self._number is None:
            return super().get_next_link()
        if not self._has_next:
            return None
        url = self.request.build_absolute_uri()
        return replace_query_param(url, self.page_query_param, self._number + 1)

    def get_previous_link(self) -> str | None:
        if self._number is None:
            return super().get_previous_link()
        if self._number == 1:
            return None
        url = self.request.build_absolute_uri()
        if self._number == 2:
            return remove_query_param(url, self.page_query_param)
        return replace_query_param(url, self.page_query_param, self._number - 1)

    def get_paginated_response(self, data: Any) -> Response:
        links = []
        if (next_url := self.get_next_link()) is not None:
            links.append(f'<{next_url}>; rel="next"')
        if (previous_url := self.get_previous_link()) is not None:
            links.append(f'<{previous_url}>; rel="prev"')
        headers = {"Link": ", ".join(links)} if links else {}
        return Response(data, headers=headers)

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        return schema
