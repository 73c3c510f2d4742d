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
from pathlib import Path

__all__ = ["settle"]

_TEMPLATE_SUFFIXES = (".html", ".txt", ".xml")


def settle() -> None:
    """Load what requests need (views, templates, lexers), then freeze the heap as it stands.

    Loading it here also spares the first visitor of each kind of page the
    wait: parsing a page's templates or building a lexer takes 10-50 ms.
    The apps' own warm-up hooks (syntax colouring's lexers, built lazily by
    Pygments) are named in ``settings.THREADWORK_WARM_UP``.
    """
    from django.conf import settings
    from django.urls import get_resolver
    from django.utils.module_loading import import_string

    get_resolver().url_patterns  # noqa: B018 (imports every view module now)
    _compile_templates()
    for hook in getattr(settings, "THREADWORK_WARM_UP", ()):
        import_string(hook)()
    gc.collect()
    gc.freeze()
    first, second, _ = gc.get_threshold()
    gc.set_threshold(first, second, 1)


def _compile_templates() -> None:
    """Our templates, parsed into the cached loader before the first request needs them."""
    from django.conf import settings
    from django.template.loader import get_template

    for directory in (Path(d) for t in settings.TEMPLATES for d in t.get("DIRS", [])):
        for path in sorted(directory.rglob("*")):
            if path.suffix in _TEMPLATE_SUFFIXES:
                get_template(path.relative_to(directory).as_posix())
