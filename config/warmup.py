"""What a gunicorn worker does before its first request (``post_worker_init``).

Each app names its hooks in ``settings.THREADWORK_WORKER_WARM_UP`` (the archive
opens its database connection and prepares its statements there): ``config``
imports no app. A hook may raise; this runner logs it and the worker serves.
"""

from __future__ import annotations

import logging

__all__ = ["warm_worker"]

logger = logging.getLogger(__name__)


def warm_worker() -> None:
    from django.conf import settings
    from django.db import DatabaseError, connections
    from django.utils.module_loading import import_string

    for hook in getattr(settings, "THREADWORK_WORKER_WARM_UP", ()):
        try:
            import_string(hook)()
        except DatabaseError as error:
            # The database is away: the first request will say so, on a fresh
            # connection rather than the one this left broken.
            logger.warning("worker warm-up %s skipped: %s", hook, error)
            for connection in connections.all(initialized_only=True):
                connection.close()
        except Exception:  # a warm-up is an optimisation: the worker serves regardless
            logger.exception("worker warm-up %s failed", hook)
