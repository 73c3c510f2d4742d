"""Short garbage-collector pauses in long-running web processes.

Python's full (oldest-generation) collection walks every object the
collector tracks. Once Django, DRF, our URL patterns and views are loaded,
that is hundreds of thousands of objects, and each full pass stopped a
request for 50-75 ms, about once every forty API requests: most of the p99
latency `make bench` saw. Those start-up objects live as long as the process,
so they are moved out of the collector's sight once (``gc.freeze``); later
passes only walk what requests create. And since those passes are then cheap,
one runs after every middle-generation pass instead of every tenth: the
cycles each request leaves (model instances and their relation caches) are
freed a few at a time rather than forty requests' worth in one long pause.
"""

from __future__ import annotations

import gc

__all__ = ["settle"]


def settle() -> None:
    """Load what every request needs, then freeze the heap as it stands."""
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 (imports every view module now)
    gc.collect()
    gc.freeze()
    first, second, _ = gc.get_threshold()
    gc.set_threshold(first, second, 1)
