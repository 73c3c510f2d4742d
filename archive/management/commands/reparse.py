"""``manage.py reparse [--list L]``: rebuild derived data from the raw mail."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from archive.models import MailingList
from archive.processors import message_processors


class Command(BaseCommand):
    help = "Recompute everything derived from the raw mail (patches, series, trailers...)."

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
        for processor in message_processors():
            processor.rebuild(list_ids)
            self.stdout.write(f"rebuilt {processor.name}")
