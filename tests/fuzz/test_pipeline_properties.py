# SPDX-License-Identifier: AGPL-3.0-or-later
"""Properties of the whole pipeline on hostile mail: source -> ingest -> PostgreSQL -> /raw.

1. ``ingest`` never raises, and its summary accounts for every mail read.
2. Every mail a source yields is either served byte for byte by its ``/raw``
   route, or kept in QuarantinedMail with its bytes and a reason.
3. Ingesting the same input again changes nothing and finds only duplicates.

Each example runs in a savepoint that is rolled back, so examples start from
an empty archive without the cost of a fresh test database.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from itertools import chain
from pathlib import Path

import pytest
from django.conf import settings
from django.db import transaction
from django.test import Client, override_settings
from hypothesis import given
from hypothesis import strategies as st

from archive.ingest import IngestSummary, ingest
from archive.mbox import mboxrd
from archive.models import Message, QuarantinedMail, QuarantineReason, RawMail, Thread
from archive.msgids import msgid_path
from archive.parsing import UnparseableMessage, derived_msgid, parse_message
from archive.sources import OVERSIZE_KEPT_BYTES, iter_source
from archive.sources import RawMail as SourceMail
from reviews.models import Comment, Cover, Patch, Series, Trailer
from tests.fuzz.seeds import project_seeds, shared_seeds
from tests.fuzz.strategies import any_mail, mutated

CONTAINERS = ("message", "mbox", "mbox.gz", "maildir", "stdin")

pytestmark = pytest.mark.django_db


@contextmanager
def rolled_back() -> Iterator[None]:
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def read_through(container: str, mails: Sequence[bytes], folder: Path) -> list[SourceMail]:
    """Write `mails` in a container format and read them back with archive.sources."""
    if container == "stdin":
        # stdin carries one message; the others follow as single-message files.
        first = list(iter_source("-", stdin=io.BytesIO(mails[0])))
        return first + read_through("message", mails[1:], folder)
    if container == "message":
        paths = []
        for number, data in enumerate(mails):
            paths.append(folder / f"{number}.eml")
            paths[-1].write_bytes(data)
        return list(chain.from_iterable(iter_source(str(p)) for p in paths))
    if container == "maildir":
        (folder / "cur").mkdir()
        for number, data in enumerate(mails):
            (folder / "new" if number % 2 else folder / "cur").mkdir(exist_ok=True)
            sub = "new" if number % 2 else "cur"
            (folder / sub / f"{number:04d}.fuzz:2,S").write_bytes(data)
        return list(iter_source(str(folder)))
    path = folder / f"fuzz.{container}"
    blob = mboxrd(mails)
    path.write_bytes(gzip.compress(blob) if container.endswith(".gz") else blob)
    return list(iter_source(str(path)))


def archive_counts() -> dict[str, int]:
    models = (Message, RawMail, Thread, QuarantinedMail, Patch, Cover, Series, Comment, Trailer)
    return {model.__name__: model.objects.count() for model in models}


def ingest_mails(mails: Sequence[SourceMail]) -> IngestSummary:
    summary = ingest(iter(mails), workers=1)
    assert summary.read == len(mails)
    assert summary.new + summary.duplicate + summary.quarantined == summary.read
    return summary


def quarantined_copy(data: bytes) -> QuarantinedMail | None:
    return QuarantinedMail.objects.filter(sha256=hashlib.sha256(data).hexdigest()).first()


def kept_bytes(data: bytes, limit: int) -> bytes:
    """What the quarantine keeps of ``data``: all of it, or the first MiB of mail over the limit."""
    return data[:OVERSIZE_KEPT_BYTES] if len(data) > limit else data


def msgid_of(data: bytes) -> str | None:
    try:
        return parse_message(data).msgid
    except UnparseableMessage:
        return None


def assert_archived_or_quarantined(mails: Sequence[SourceMail]) -> None:
    client = Client(HTTP_HOST="127.0.0.1")
    limit = settings.THREADWORK_MAX_MESSAGE_BYTES
    # The first copy of each Message-ID keeps it; other mail (other content) naming
    # it is kept under a Message-ID derived from its content (archive.incoming).
    stored: dict[str, tuple[str, bytes]] = {}
    for mail in mails:
        msgid = msgid_of(mail.data)
        kept = quarantined_copy(kept_bytes(mail.data, limit))
        if kept is not None:
            assert bytes(kept.data) == kept_bytes(mail.data, limit)
            assert kept.size == len(mail.data)
            # Mail that parses and fits must be stored: "store-failed" means a bug.
            expected = (
                QuarantineReason.TOO_LARGE if len(mail.data) > limit
                else QuarantineReason.UNPARSEABLE if msgid is None
                else None
            )  # fmt: skip
            assert kept.reason == expected, kept.detail
            assert kept.detail
            continue
        assert msgid is not None, "unparseable mail was neither stored nor quarantined"
        content = parse_message(mail.data).content_sha256
        if stored.setdefault(msgid, (content, mail.data))[0] != content:
            stored.setdefault(derived_msgid(content), (content, mail.data))
    for msgid, (_, data) in stored.items():
        response = client.get(f"/all/{msgid_path(msgid)}/raw")
        assert response.status_code == 200, msgid
        assert response.content == data, msgid


def check_pipeline(mails: Sequence[bytes], container: str) -> None:
    with tempfile.TemporaryDirectory() as tmp, rolled_back():
        read = read_through(container, mails, Path(tmp))
        first = ingest_mails(read)
        assert_archived_or_quarantined(read)
        before = archive_counts()
        again = ingest_mails(read)
        assert archive_counts() == before
        assert (again.new, again.duplicate, again.quarantined) == (
            0,
            first.new + first.duplicate,
            first.quarantined,
        )


@given(st.lists(any_mail(project_seeds()), min_size=1, max_size=4), st.sampled_from(CONTAINERS))
def test_project_mail_is_archived_exactly_once_or_quarantined(
    mails: list[bytes], container: str
) -> None:
    check_pipeline(mails, container)


@given(st.data())
def test_shared_corpus_mail_is_archived_exactly_once_or_quarantined(data) -> None:
    seeds = shared_seeds()  # skips when ../shared is absent
    mails = data.draw(st.lists(mutated(seeds), min_size=1, max_size=4), label="mails")
    check_pipeline(mails, data.draw(st.sampled_from(CONTAINERS), label="container"))


@given(any_mail(project_seeds()), st.integers(1, 4096))
def test_mail_over_the_size_limit_is_quarantined_with_its_bytes(raw: bytes, limit: int) -> None:
    with override_settings(THREADWORK_MAX_MESSAGE_BYTES=limit), rolled_back():
        read = [SourceMail(raw, "fuzz")]
        summary = ingest_mails(read)
        if len(raw) > limit:
            assert summary.quarantined == 1
            kept = quarantined_copy(kept_bytes(raw, limit))
            assert kept is not None and kept.reason == QuarantineReason.TOO_LARGE
        assert_archived_or_quarantined(read)
