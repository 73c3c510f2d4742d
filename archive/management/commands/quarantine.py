# SPDX-License-Identifier: AGPL-3.0-or-later
"""``manage.py quarantine [--retry [ID ...] | --show ID]``: mail that could not be archived.

Listing is read-only; ``--retry`` feeds the kept bytes through the same
ingest pipeline as any other source and releases what is now archived. Of
mail that was too large only the first bytes are kept: it is never retried.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from django.core.management.base import BaseCommand, CommandError, CommandParser

from archive import services
from archive.ingest import IngestSummary, ingest
from archive.models import Message, QuarantinedMail, RawMail
from archive.parsing import UnparseableMessage, parse_message
from archive.sources import RawMail as SourceMail


class Command(BaseCommand):
    help = (
        "List quarantined mail (one line each), print one with --show ID, or run the "
        "ingest again on them with --retry [ID ...] (all when no ID is given)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        action = parser.add_mutually_exclusive_group()
        action.add_argument(
            "--retry",
            nargs="*",
            type=int,
            metavar="ID",
            help="Ingest these quarantined messages again (all when no ID is given).",
        )
        action.add_argument(
            "--show", type=int, metavar="ID", help="Print the raw bytes of one message."
        )

    def handle(self, *args, retry: list[int] | None, show: int | None, **options) -> None:
        if show is not None:
            self._show(show)
        elif retry is not None:
            self._retry(retry)
        else:
            self._list()

    def _list(self) -> None:
        rows = QuarantinedMail.objects.order_by("id").values_list(
            "id", "reason", "size", "origin", "detail"
        )
        count = 0
        for pk, reason, size, origin, detail in rows.iterator():
            count += 1
            self.stdout.write(f"{pk}\t{reason}\t{size}\t{origin}\t{_one_line(detail)}")
        self.stdout.write(f"{count} quarantined")

    def _show(self, pk: int) -> None:
        data = QuarantinedMail.objects.filter(id=pk).values_list("data", flat=True).first()
        if data is None:
            raise CommandError(f"No quarantined message has id {pk}.")
        out = self.stdout._out
        buffer = getattr(out, "buffer", None)
        if buffer is None:  # a text-only stream (e.g. StringIO): the closest text we can give
            out.write(bytes(data).decode("utf-8", "surrogateescape"))
            return
        out.flush()
        buffer.write(bytes(data))
        buffer.flush()

    def _retry(self, ids: Sequence[int]) -> None:
        items = QuarantinedMail.objects.order_by("id")
        if ids:
            items = items.filter(id__in=ids)
            missing = sorted(set(ids) - set(items.values_list("id", flat=True)))
            if missing:
                raise CommandError(f"No quarantined message has id {_ids(missing)}.")
        by_hint: dict[str, list[QuarantinedMail]] = {}
        partial = 0
        for item in items:
            if item.size > len(item.data):  # only a prefix: retrying would store a cut mail
                partial += 1
                continue
            by_hint.setdefault(item.list_hint, []).append(item)
        total = IngestSummary()
        for hint, group in by_hint.items():
            summary = ingest(
                (SourceMail(bytes(q.data), q.origin) for q in group),
                list_override=hint or None,
                workers=1,
            )
            _add(total, summary)
        archived = [q.id for group in by_hint.values() for q in group if _is_archived(q)]
        services.release_quarantined(archived)
        self.stdout.write(total.line())
        still = total.read - len(archived)
        self.stdout.write(f"{len(archived)} released from quarantine, {still} still quarantined")
        if partial:
            self.stdout.write(
                f"{partial} kept only in part (too large when read) cannot be retried: "
                "ingest them again from their source after raising THREADWORK_MAX_MESSAGE_BYTES"
            )


def _is_archived(item: QuarantinedMail) -> bool:
    """The same bytes are archived, or another delivery of the same Message-ID is."""
    data = bytes(item.data)
    if RawMail.objects.filter(sha256=hashlib.sha256(data).hexdigest()).exists():
        return True
    try:
        msgid = parse_message(data).msgid
    except UnparseableMessage:
        return False
    return Message.objects.real().filter(msgid=msgid).exists()


def _add(total: IngestSummary, part: IngestSummary) -> None:
    total.read += part.read
    total.new += part.new
    total.duplicate += part.duplicate
    total.renamed += part.renamed
    total.quarantined += part.quarantined
    total.seconds += part.seconds
    for reason, count in part.reasons.items():
        total.reasons[reason] = total.reasons.get(reason, 0) + count


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _ids(ids: Sequence[int]) -> str:
    return ", ".join(str(i) for i in ids)
