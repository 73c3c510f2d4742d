"""``python -m tests.faults.runner BATCH CHUNK ARGS...``: ``manage.py ARGS``, small ingest batches.

A test archive of a few hundred messages would be one batch at the real
size; small batches make concurrent ingests interleave and let a kill land
between commits. Everything else is the real command, exit status included.
"""

from __future__ import annotations

import os
import sys


def main() -> None:
    batch, chunk, *args = sys.argv[1:]
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()
    from django.core.management import execute_from_command_line

    from archive import ingest

    ingest.BATCH, ingest.CHUNK = int(batch), int(chunk)
    ingest.READ_AHEAD_CHUNKS = 3 * ingest.BATCH // ingest.CHUNK + 4
    execute_from_command_line(["manage.py", *args])


if __name__ == "__main__":
    main()
