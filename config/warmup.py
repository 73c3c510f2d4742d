"""What a gunicorn worker does before its first request (``post_worker_init``).

Each app names its hooks in ``settings.THREADWORK_WORKER_WARM_UP`` (the archive
opens its database connection and prepares its statements there): ``config``
imports no app.
"""

from __future__ import annotations

import logging

__all__ = ["warm_worker"]

logger = logging.getLogger(__name__)


def warm_worker() -> None:
    from django.conf import settings
    from django.utils.module_loading import import_string

    for hook in getattr(settings, "THREADWORK_WORKER_WARM_UP", ()):
        try:
            import_string(hook)()
        except Exception:  # a warm-up is an optimisation: the worker serves regardless
            logger.exception("worker warm-up %s failed", hook)
