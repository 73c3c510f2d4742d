# SPDX-License-Identifier: AGPL-3.0-or-later
"""Database errors as ingest tells them: which mean the server went away, and how
one is put in a log line or a message to the operator (a sentence, no traceback).
"""

from __future__ import annotations

import psycopg
from django.db import InterfaceError, OperationalError

__all__ = ["CONNECTION_ERRORS", "brief"]

# The database is unreachable: Django's errors, and psycopg's own from the
# binary COPY, which runs on the raw cursor outside Django's error wrapping.
CONNECTION_ERRORS = (
    OperationalError,
    InterfaceError,
    psycopg.OperationalError,
    psycopg.InterfaceError,
)


def brief(exc: BaseException) -> str:
    """``Class: message``, the message cut to 200 characters: what a log line or a
    message to the operator quotes of an error."""
    text = str(exc).strip()
    return f"{exc.__class__.__name__}: {text[:200]}" if text else exc.__class__.__name__
