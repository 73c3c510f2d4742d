"""``manage.py searchtier``: rebuild the search tier (archive.searchtier) when due."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandParser

from archive import searchtier


class Command(BaseCommand):
    help = (
        "Rebuild the search indexes of the newest messages (the search tier) once they hold "
        f"{searchtier.ROLL_AT} messages, over the newest {searchtier.TARGET}; an archive "
        f"gets its first tier at {searchtier.SMALLEST} messages. Ingest does this itself; "
        "run it from cron where mail arrives some other way. Concurrent: searches and "
        "ingest go on meanwhile."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--force", action="store_true", help="Rebuild it now, even if it is not due."
        )

    def handle(self, *args, force: bool = False, **options) -> None:
        rolled = searchtier.roll(force=force)
        if rolled is None:
            tier = searchtier.current()
            since = f"dated from {tier.since.isoformat()}" if tier else "none yet"
            self.stdout.write(f"The search tier is not due for a rebuild ({since}).")
        else:
            self.stdout.write(rolled.line())
