"""``manage.py ingest --watch MAILDIR``: archive mail as the MTA delivers it.

A delivery agent writes each message into ``tmp/`` and renames it into
``new/`` once complete, so everything in ``new/`` is whole. Each poll ingests
the files in ``new/`` and only then moves them to ``cur/`` (with the ``:2,``
info suffix, as any mail reader does): if the database is down the mail stays
in ``new/`` for the next poll, and since ingest is idempotent a crash between
storing and moving costs nothing but a duplicate count. One watcher per
Maildir; several machines may each watch their own (the ingest advisory lock
serialises their writes).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

from django.conf import settings
from django.db import DatabaseError, connection

from archive.dberrors import brief
from archive.ingest import IngestSummary, ingest
from archive.sources import RawMail, iter_source

# Forking parsing workers only pays off for a large backlog.
_PARALLEL_ABOVE = 500


def pending(maildir: Path) -> list[Path]:
    """Delivered, not yet archived messages: ``new/``, oldest first (names start with the time)."""
    new = maildir / "new"
    if not new.is_dir():
        return []
    return sorted(p for p in new.iterdir() if p.is_file() and not p.name.startswith("."))


def archived_name(name: str) -> str:
    """The Maildir ``cur/`` name of a message: an info part (``:2,`` and flags) is added once."""
    return name if ":2," in name else f"{name}:2,"


def ingest_pending(maildir: Path, list_override: str | None = None) -> IngestSummary | None:
    """Ingest everything in ``new/`` and move it to ``cur/``; None when there was nothing."""
    files = pending(maildir)
    if not files:
        return None
    summary = ingest(
        _mails(files),
        list_override=list_override,
        workers=None if len(files) > _PARALLEL_ABOVE else 1,
    )
    cur = maildir / "cur"
    cur.mkdir(exist_ok=True)
    for path in files:
        path.rename(cur / archived_name(path.name))
    return summary


def watch(
    maildir: Path,
    *,
    interval: float,
    list_override: str | None = None,
    report: Callable[[IngestSummary], None] = lambda summary: None,
    warn: Callable[[str], None] = lambda text: None,
    keep_going: Callable[[], bool] = lambda: True,
) -> None:
    """Poll ``maildir`` every ``interval`` seconds until ``keep_going()`` is false.

    A database outage is reported through ``warn`` and retried at the next poll
    (the mail waits in ``new/``); on the last poll it is raised instead.
    """
    while True:
        try:
            summary = ingest_pending(maildir, list_override)
        except DatabaseError as exc:
            if not keep_going():
                raise
            warn(f"database unavailable, will retry: {brief(exc)}")
            connection.close()  # reconnect on the next poll
            summary = None
        if summary is not None:
            report(summary)
        if not keep_going():
            return
        time.sleep(interval)


def _mails(files: list[Path]) -> Iterator[RawMail]:
    for path in files:
        # A file may hold one message or (from some delivery agents) an mbox.
        yield from iter_source(str(path), message_limit=settings.THREADWORK_MAX_MESSAGE_BYTES)
