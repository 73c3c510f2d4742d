"""``manage.py reparse [--list L]``: rebuild derived data from the raw mail."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from archive.churned import rewrite_churned_tables
from archive.models import MailingList, Message
from archive.processors import message_processors
from archive.searchindex import rebuild_search
from archive.tablestats import refresh_after_import


class Command(BaseCommand):
    help = "Recompute what is derived from the raw mail: search index, patches, series, trailers."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--list", dest="list_name", help="Only this list (short name or List-Id)."
        )

    def handle(self, *args, list_name: str | None = None, **options) -> None:
        list_ids = None
        if list_name:
            found = MailingList.objects.filter(name=list_name).first() or (
                MailingList.objects.filter(list_id=list_name.strip("<>")).first()
            )
            if found is None:
                raise CommandError(f"There is no list called {list_name!r}.")
            list_ids = [found.id]
        messages = Message.objects.real()
        if list_ids is not None:
            messages = messages.filter(lists__in=list_ids)
        count = rebuild_search(messages.values_list("id", flat=True).distinct())
        self.stdout.write(f"rebuilt the search index of {count} messages")
        for processor in message_processors():
            for line in processor.rebuild(list_ids):
                self.stdout.write(line)
            self.stdout.write(f"rebuilt {processor.name}")
        if list_ids is None:
            # Every patch, series and thread row was rewritten row by row, as
            # by a first import: written out compact (archive.churned).
            rewritten = rewrite_churned_tables()
            self.stdout.write(f"rewrote {len(rewritten)} tables compact: {', '.join(rewritten)}")
        refresh = refresh_after_import(count)
        if refresh is not None:
            self.stdout.write(refresh.line())
