# SPDX-License-Identifier: AGPL-3.0-or-later
"""The REST API's limit on anonymous clients, counted where every worker sees it."""

from __future__ import annotations

from typing import Any

from rest_framework.throttling import AnonRateThrottle

from throttle import counters
from throttle.limits import client_address


class SharedAnonRateThrottle(AnonRateThrottle):
    """DRF's ``anon`` rate with its count in throttle.counters instead of the local cache.

    DRF keeps a history of request times per client in ``django.core.cache``,
    which is per process here; this counts in fixed windows that start at a
    client's first request, shared by every worker. The client is its
    REMOTE_ADDR: DRF would otherwise trust a client-sent X-Forwarded-For.
    """

    def get_ident(self, request: Any) -> str:
        return client_address(request)

    def allow_request(self, request: Any, view: Any) -> bool:
        if self.rate is None:
            return True
        key = self.get_cache_key(request, view)
        if key is None:  # a logged-in user
            return True
        self.tally = counters.hit(key, self.duration)
        return self.tally.count <= self.num_requests

    def wait(self) -> float:
        return max(self.tally.seconds_left, 1)
