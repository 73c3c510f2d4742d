# SPDX-License-Identifier: AGPL-3.0-or-later
"""Page-number pagination with a GitHub-style ``Link`` header, as on Patchwork.

Bodies stay plain JSON lists (git-pw reads the list and never paginates);
the header lists ``rel="next"`` first, because pwclient looks no further.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response

__all__ = ["LinkHeaderPagination"]


class IdsFirstPaginator(Paginator):
    """Pick the page's ids on the bare table, then load only those rows with their joins.

    Sorting and skipping thousands of fully joined rows to keep thirty is what
    made deep pages slow (22 ms at page 20 of linux-rtc); the id query walks
    one index instead, and the joins run for the thirty rows shown.
    """

    def _get_page(self, object_list: Any, number: int, paginator: Paginator) -> Page:
        # ``object_list`` is Paginator.page()'s slice of the whole list.
        if isinstance(object_list, QuerySet):
            ids = list(object_list.values_list("pk", flat=True))
            rows = {row.pk: row for row in self.object_list.order_by().filter(pk__in=ids)}
            object_list = [rows[pk] for pk in ids if pk in rows]
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

    def get_page_size(self, request) -> int:
        size = super().get_page_size(request) or self.page_size
        return max(1, min(size, self.max_page_size))

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
