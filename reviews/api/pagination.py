# SPDX-License-Identifier: AGPL-3.0-or-later
"""Page-number pagination with a GitHub-style ``Link`` header, as on Patchwork.

Bodies stay plain JSON lists (git-pw reads the list and never paginates);
the header lists ``rel="next"`` first, because pwclient looks no further.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response

__all__ = ["LinkHeaderPagination"]


class LinkHeaderPagination(PageNumberPagination):
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
