"""``manage.py ingest SOURCE... [--list LIST]``: archive mail from files, Maildirs, git or stdin.

``manage.py ingest --watch MAILDIR``: keep archiving what an MTA delivers (archive/watch.py).
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from os import EX_TEMPFAIL
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError, connection

from archive.dberrors import CONNECTION_ERRORS, brief
from archive.ingest import DatabaseUnavailable, IngestSummary, ingest
from archive.lists import resolve_list
from archive.sources import RawMail, SourceError, estimate_count, iter_source
from archive.tablestats import refresh_after_import
from archive.watch import watch


class Command(BaseCommand):
    help = (
        "Archive mail. SOURCE is an mbox/mboxrd file (gzip too), a single message file, "
        "a Maildir folder, a public-inbox v2 git epoch or inbox folder, or - for one "
        "message on standard input. With --watch MAILDIR, keep archiving the mail "
        "delivered into MAILDIR/new/ (moved to cur/ once stored)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("sources", nargs="*", metavar="SOURCE")
        parser.add_argument(
            "--list",
            dest="list_name",
            help="File the mail in this list (short name or List-Id), overriding List-Id headers.",
        )
        parser.add_argument(
            "--workers", type=int, default=None, help="Parsing processes (default: one per core)."
        )
        parser.add_argument(
            "--watch",
            metavar="MAILDIR",
            help="Poll MAILDIR/new/ and archive each delivered message, moving it to cur/.",
        )
        parser.add_argument(
            "--interval", type=float, default=5.0, help="Seconds between --watch polls (5)."
        )
        parser.add_argument(
            "--once", action="store_true", help="With --watch: one poll, then exit (for cron)."
        )

    def handle(self, *args, sources: list[str], list_name: str | None, workers, **options) -> None:
        if bool(sources) == bool(options.get("watch")):
            raise CommandError("Give either SOURCE... or --watch MAILDIR.")
        try:
            list_override = resolve_list(list_name) if list_name else None
        except CONNECTION_ERRORS as exc:
            raise CommandError(unreachable_message(exc), returncode=EX_TEMPFAIL) from exc
        if options.get("watch"):
            self._watch(Path(options["watch"]), options["interval"], options["once"], list_override)
            return
        total: int | None = 0
        for source in sources:
            count = estimate_count(source) if source != "-" else 1
            total = total + count if count is not None and total is not None else None
        if workers is None and total is not None and total < 500:
            workers = 1  # forking workers costs more than it saves for a few mails
        try:
            summary = ingest(
                self._mails(sources),
                list_override=list_override,
                workers=workers,
                total=total,
                progress_stream=self.stderr._out if options.get("verbosity", 1) else None,
            )
        except SourceError as exc:
            raise CommandError(str(exc)) from exc
        except DatabaseUnavailable as exc:
            # 75 (EX_TEMPFAIL): an MTA piping mail in keeps it queued and retries.
            raise CommandError(unavailable_message(exc), returncode=EX_TEMPFAIL) from exc
        except DatabaseError as exc:
            raise CommandError(
                f"The database stopped answering during ingest ({brief(exc)}). "
                "Batches already committed are saved; run the same "
                "command again to finish — nothing will be duplicated."
            ) from exc
        self._report(summary)
        refresh = refresh_after_import(summary.new)
        if refresh is not None:
            self.stdout.write(refresh.line())

    def _watch(self, maildir: Path, interval: float, once: bool, list_override) -> None:
        if not (maildir / "new").is_dir():
            raise CommandError(f"{maildir} is not a Maildir (it has no new/ folder).")
        # Ctrl-C or the service manager stops us quietly: mail left in new/ waits.
        with contextlib.suppress(KeyboardInterrupt):
            watch(
                maildir,
                interval=interval,
                list_override=list_override,
                report=self._report,
                warn=lambda text: self.stderr.write(text),
                keep_going=lambda: not once,
            )

    def _mails(self, sources: list[str]) -> Iterator[RawMail]:
        for source in sources:
            yield from iter_source(
                source,
                stdin=sys.stdin.buffer if source == "-" else None,
                message_limit=settings.THREADWORK_MAX_MESSAGE_BYTES,
            )

    def _report(self, summary: IngestSummary) -> None:
        self.stdout.write(summary.line())
        for reason, count in sorted(summary.reasons.items()):
            self.stdout.write(f"  quarantined as {reason}: {count} (see `manage.py quarantine`)")


def _where() -> str:
    db = connection.settings_dict
    where = db.get("HOST") or "localhost"
    if db.get("PORT"):
        where += f" port {db['PORT']}"
    return f'the database "{db["NAME"]}" on {where}'


def unreachable_message(exc: BaseException) -> str:
    reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:300]
    return f"Ingest did not start: {_where()} is unavailable ({reason}); nothing was stored."


def unavailable_message(exc: DatabaseUnavailable) -> str:
    """One sentence: which database went away, what was saved, how to finish."""
    saved = exc.summary
    return (
        f"Ingest stopped: {_where()} is unavailable "
        f"({exc.reason}); {saved.new} new messages of the {saved.read} read were saved, and "
        "running the same command again stores the rest without duplicating any."
    )
