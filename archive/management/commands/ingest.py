"""``manage.py ingest SOURCE... [--list LIST]``: archive mail from files, Maildirs, git or stdin."""

from __future__ import annotations

import sys
from collections.abc import Iterator

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError

from archive.ingest import IngestSummary, ingest
from archive.lists import resolve_list
from archive.sources import RawMail, SourceError, estimate_count, iter_source


class Command(BaseCommand):
    help = (
        "Archive mail. SOURCE is an mbox/mboxrd file (gzip too), a single message file, "
        "a Maildir folder, a public-inbox v2 git epoch or inbox folder, or - for one "
        "message on standard input."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("sources", nargs="+", metavar="SOURCE")
        parser.add_argument(
            "--list",
            dest="list_name",
            help="File the mail in this list (short name or List-Id), overriding List-Id headers.",
        )
        parser.add_argument(
            "--workers", type=int, default=None, help="Parsing processes (default: one per core)."
        )

    def handle(self, *args, sources: list[str], list_name: str | None, workers, **options) -> None:
        list_override = resolve_list(list_name) if list_name else None
        total = 0
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
        except DatabaseError as exc:
            raise CommandError(
                f"The database stopped answering during ingest ({exc.__class__.__name__}: "
                f"{str(exc).strip()[:200]}). Batches already committed are saved; run the same "
                "command again to finish — nothing will be duplicated."
            ) from exc
        self._report(summary)

    def _mails(self, sources: list[str]) -> Iterator[RawMail]:
        for source in sources:
            yield from iter_source(source, stdin=sys.stdin.buffer if source == "-" else None)

    def _report(self, summary: IngestSummary) -> None:
        self.stdout.write(summary.line())
        for reason, count in sorted(summary.reasons.items()):
            self.stdout.write(f"  quarantined as {reason}: {count} (see `manage.py quarantine`)")
