# SPDX-License-Identifier: AGPL-3.0-or-later
"""The zstd dictionaries raw mail is packed with, kept in the database.

An archive gets its dictionary from the first import large enough to learn
from: trained on every second of its first 2,000 mails (0.5-0.6 s on this
machine), stored before any mail is packed with it, and used by every later
ingest. On linux-rtc it keeps raw mail in 54.6 MB instead of plain zstd's
67.3 (docs/performance.md, "third cut"). Mail from before, and imports
before the archive has one, stay plain zstd (both read alike) until
``manage.py compact --dictionary`` repacks them.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Iterator
from itertools import chain, islice

from django.db import connection, transaction

from archive import rawcodec
from archive.models import RawDictionary
from archive.sources import RawMail

SAMPLE_HEAD = 2000  # an import of fewer mails trains nothing
SAMPLE_STEP = 2
SAMPLE_MAX_BYTES = 1 << 20  # a huge mail teaches little and costs the trainer much
# zstd keeps dictionary ids below 32768 for registered dictionaries.
FIRST_ID = 32768
TRAIN_LOCK_KEY = 0x7A64696374  # "zdict": one import trains, a concurrent one waits and uses it

_known: dict[int, bytes] = {}


def load(dict_id: int) -> bytes | None:
    """The dictionary with this id, or None (rawcodec's loader)."""
    if dict_id not in _known:
        row = RawDictionary.objects.filter(id=dict_id).values_list("data", flat=True).first()
        if row is None:
            return None
        _known[dict_id] = bytes(row)
    return _known[dict_id]


def newest() -> bytes | None:
    """The archive's newest dictionary, or None when it has none yet."""
    found = _newest()
    return load(found) if found is not None else None


def ready_to_unpack() -> None:
    """Every dictionary of the archive read, in one query, and made ready for reading (a
    web worker's warm-up): the first body or raw mail a worker unpacked waited for
    its dictionary's 110 KB to be read from the database (2.8 ms)."""
    for dict_id, data in RawDictionary.objects.values_list("id", "data"):
        _known[dict_id] = bytes(data)
        rawcodec.ready_to_unpack(_known[dict_id])


def ready_to_pack(mails: Iterable[RawMail]) -> Iterator[RawMail]:
    """Set the dictionary this ingest packs raw mail with; returns the same mails to ingest.

    The archive's newest dictionary if it has one; otherwise, for an import
    of at least SAMPLE_HEAD mails, one trained on its first mails.
    """
    mails = iter(mails)
    found = newest()
    if found is not None:
        rawcodec.use_dictionary(found)
        return mails
    head = list(islice(mails, SAMPLE_HEAD))
    trained = _train([m.data for m in head[::SAMPLE_STEP]]) if len(head) == SAMPLE_HEAD else None
    rawcodec.use_dictionary(trained)
    return chain(head, mails)


def from_archive(samples: int = SAMPLE_HEAD // SAMPLE_STEP) -> bytes | None:
    """The archive's newest dictionary; if it has none, one trained on mail spread over it.

    For archives filled before dictionaries (``manage.py compact --dictionary``):
    a sample of the whole archive teaches more than an import's first mails
    (linux-rtc, zstd 3: 48.8 MB against 53.1).
    """
    found = newest()
    if found is not None:
        return found
    with connection.cursor() as cursor:
        cursor.execute("SELECT message_id FROM archive_rawmail ORDER BY message_id")
        ids = [row[0] for row in cursor.fetchall()]
        picked = ids[:: max(1, len(ids) // samples)]
        cursor.execute(
            "SELECT codec, data FROM archive_rawmail WHERE message_id = ANY(%s)", [picked]
        )
        mails = [rawcodec.unpack(codec, data) for codec, data in cursor.fetchall()]
    return _train(mails)


def _newest() -> int | None:
    return RawDictionary.objects.order_by("-id").values_list("id", flat=True).first()


def _train(mails: list[bytes]) -> bytes | None:
    samples = [m for m in mails if len(m) <= SAMPLE_MAX_BYTES]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [TRAIN_LOCK_KEY])
        newest = _newest()  # another import may have trained one while this waited
        if newest is not None:
            return load(newest)
        # Random rather than counted: an id names one dictionary in every
        # process's cache, even across databases (a test run's, a restore's).
        dict_id = FIRST_ID + secrets.randbelow(2**31 - FIRST_ID)
        data = rawcodec.train(samples, dict_id)
        if data is not None:
            RawDictionary.objects.create(id=dict_id, data=data, samples=len(samples))
            _known[dict_id] = data
    return data
