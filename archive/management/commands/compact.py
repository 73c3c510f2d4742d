"""``manage.py compact``: pack raw mail stored before it was compressed."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandParser

from archive.compaction import compact_raw


class Command(BaseCommand):
    help = (
        "Compress raw mail stored uncompressed (archived before compression), a batch "
        "per transaction; safe to interrupt and run again, and while the archive is in use."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch", type=int, default=500, help="Rows per transaction.")

    def handle(self, *args, batch: int = 500, **options) -> None:
        read = packed = before = after = 0
        for step in compact_raw(batch=max(1, batch)):
            read, packed = read + step.read, packed + step.packed
            before, after = before + step.bytes_before, after + step.bytes_after
            if options["verbosity"] > 1:
                self.stdout.write(
                    f"{read} read, {packed} compressed (up to message {step.last_id})"
                )
        saved = before - after
        self.stdout.write(
            f"{read} uncompressed raw mails read, {packed} compressed: "
            f"{before / 1e6:.1f} MB now take {after / 1e6:.1f} MB ({saved / 1e6:.1f} MB saved)"
        )
        if packed:
            # Plain VACUUM (autovacuum too) lets new mail reuse the space; only
            # a rewrite gives it back to the file system, and that locks the table.
            self.stdout.write(
                "The space is reused by new mail after VACUUM; to return it to the file "
                "system now, run VACUUM FULL archive_rawmail (it locks the table meanwhile)."
            )
