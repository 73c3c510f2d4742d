# SPDX-License-Identifier: AGPL-3.0-or-later
"""``manage.py mailmap [FILE] [--dry-run] [--force] [--prune] | --export``: who is who.

Reads a file in git's ``.mailmap`` format (a kernel tree's own ``.mailmap``
works as it is), or the one ``THREADWORK_MAILMAP`` names, and merges the
addresses it pairs whose names match (archive/people.py). Running it again
is harmless; ``--export`` prints the merges made so far in the same format.
"""

from __future__ import annotations

import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from archive.mailmap import MailmapError, parse_mailmap
from archive.models import Person
from archive.people import MailmapReport, apply_mailmap


class _DryRun(Exception):
    pass


class Command(BaseCommand):
    help = (
        "Merge the addresses a mailmap file (git's .mailmap format) says are one person, "
        "when their names match; FILE defaults to the THREADWORK_MAILMAP setting."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", nargs="?", help="The mailmap file ('-' for standard input).")
        parser.add_argument("--dry-run", action="store_true", help="Report, change nothing.")
        parser.add_argument(
            "--force", action="store_true", help="Merge even where the names differ."
        )
        parser.add_argument(
            "--prune",
            action="store_true",
            help="Unmerge addresses an earlier mailmap merged that this one leaves out.",
        )
        parser.add_argument(
            "--export", action="store_true", help="Print the current merges as a mailmap."
        )

    def handle(self, *args, file: str | None, export: bool, **options) -> None:
        if export:
            self._export()
            return
        text = self._read(file or str(getattr(settings, "THREADWORK_MAILMAP", "")))
        try:
            entries = parse_mailmap(text)
        except MailmapError as error:
            raise CommandError(f"Not a mailmap file: {error}") from error
        try:
            with transaction.atomic():
                report = apply_mailmap(entries, force=options["force"], prune=options["prune"])
                self._report(report, len(entries))
                if options["dry_run"]:
                    raise _DryRun
        except _DryRun:
            self.stdout.write("Dry run: nothing was changed.")

    def _read(self, name: str) -> str:
        if not name:
            raise CommandError("Name a mailmap file, or set THREADWORK_MAILMAP to one.")
        if name == "-":
            return sys.stdin.read()
        try:
            return Path(name).read_text(encoding="utf-8", errors="replace")
        except OSError as error:
            raise CommandError(f"Cannot read {name}: {error.strerror}") from error

    def _report(self, report: MailmapReport, lines: int) -> None:
        for line in report.merged:
            self.stdout.write(f"merged   {line}")
        for line in report.renamed:
            self.stdout.write(f"named    {line}")
        for line in report.unmerged:
            self.stdout.write(f"unmerged {line}")
        for line in report.refused:
            self.stderr.write(f"left apart: {line}")
        self.stdout.write(
            f"{lines} entries: {len(report.merged)} addresses merged, "
            f"{len(report.renamed)} renamed, {len(report.unmerged)} unmerged, "
            f"{len(report.refused)} left apart"
            + (" (names differ; --force merges them)" if report.refused else "")
        )

    def _export(self) -> None:
        aliases = Person.objects.filter(canonical__isnull=False).select_related("canonical")
        for alias in aliases.order_by("canonical__email", "email"):
            proper = alias.canonical
            assert proper is not None
            name = f"{proper.name} " if proper.name else ""
            self.stdout.write(f"{name}<{proper.email}> <{alias.email}>")
