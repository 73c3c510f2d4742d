"""``manage.py compact``: pack raw mail stored before it was compressed (or before a
dictionary, or whole before bodies were left out of it)."""

from __future__ import annotations

from itertools import chain

from django.core.management.base import BaseCommand, CommandParser

from archive import rawcodec, rawdicts
from archive.compaction import compact_raw, cut_bodies


class Command(BaseCommand):
    help = (
        "Compress raw mail stored uncompressed (archived before compression), a batch "
        "per transaction; safe to interrupt and run again, and while the archive is in use."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch", type=int, default=500, help="Rows per transaction.")
        parser.add_argument(
            "--dictionary",
            action="store_true",
            help="Also pack plain zstd rows again with the archive's zstd dictionary "
            "(trained on mail spread over the archive if it has none yet).",
        )
        parser.add_argument(
            "--bodies",
            action="store_true",
            help="Also store raw mail archived whole without the bytes its message's body "
            "already holds, as ingest does since then.",
        )

    def handle(
        self, *args, batch: int = 500, dictionary: bool = False, bodies: bool = False, **options
    ) -> None:
        read = packed = before = after = 0
        if dictionary:
            rawcodec.use_dictionary(rawdicts.from_archive())
        elif bodies:
            rawcodec.use_dictionary(rawdicts.newest())
        steps = compact_raw(batch=max(1, batch), repack=dictionary)
        if bodies:
            steps = chain(steps, cut_bodies(batch=max(1, batch)))
        for step in steps:
            read, packed = read + step.read, packed + step.packed
            before, after = before + step.bytes_before, after + step.bytes_after
            if options["verbosity"] > 1:
                self.stdout.write(
                    f"{read} read, {packed} compressed (up to message {step.last_id})"
                )
        saved = before - after
        kind = "uncompressed or plain zstd" if dictionary else "uncompressed"
        kind += " or whole" if bodies else ""
        self.stdout.write(
            f"{read} {kind} raw mails read, {packed} compressed: "
            f"{before / 1e6:.1f} MB now take {after / 1e6:.1f} MB ({saved / 1e6:.1f} MB saved)"
        )
        if packed:
            # Plain VACUUM (autovacuum too) lets new mail reuse the space; only
            # a rewrite gives it back to the file system, and that locks the table.
            self.stdout.write(
                "The space is reused by new mail after VACUUM; to return it to the file "
                "system now, run VACUUM FULL archive_rawmail (it locks the table meanwhile)."
            )
