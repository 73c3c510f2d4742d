# SPDX-License-Identifier: AGPL-3.0-or-later
"""``manage.py missed_patches [--list L] [--ignored]``: mail that looks like a patch but made none.

One line per message tagged as a patch in which no diff was found (tab-separated
Message-ID and subject, oldest first), then the counts. ``--ignored`` lists the
mail left out at its sender's request (``X-Patchwork-Hint: ignore``) too.
Read-only; see ``reviews.missed``.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from archive.lists import resolve_list
from archive.models import MailingList
from reviews.missed import hint_ignored, without_diff


class Command(BaseCommand):
    help = (
        "List mail tagged as a patch from which no patch was made: no diff found "
        "(and, with --ignored, X-Patchwork-Hint: ignore)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--list", dest="list_name", help="Only this list (name or List-Id).")
        parser.add_argument(
            "--ignored", action="store_true", help="Also list the hint-ignored mail."
        )

    def handle(self, *args, list_name: str | None = None, ignored: bool = False, **options) -> None:
        list_ids = None
        if list_name:
            found = MailingList.objects.filter(list_id=resolve_list(list_name)).first()
            if found is None:
                raise CommandError(f"There is no list called {list_name!r}.")
            list_ids = [found.id]
        missing = without_diff(list_ids)
        for mail in missing:
            self.stdout.write(f"no diff\t<{mail.msgid}>\t{mail.subject}")
        skipped = hint_ignored(list_ids).order_by("date", "id")
        if ignored:
            for msgid, subject in skipped.values_list("msgid", "subject"):
                self.stdout.write(f"ignored\t<{msgid}>\t{subject}")
        self.stdout.write(
            f"{len(missing)} tagged as a patch without a diff, "
            f"{skipped.count()} ignored by X-Patchwork-Hint"
        )
