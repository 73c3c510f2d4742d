# SPDX-License-Identifier: AGPL-3.0-or-later
"""A Message-ID taken by other bytes does not keep a mail out of the archive.

Whoever posts first with a predictable Message-ID (``msgid-taken.squatter.eml``
names the one Ada's patch will have) used to make the real mail a
"duplicate", dropped. Now the later mail is stored under a Message-ID
derived from what its author wrote (as mail without one gets one from its
bytes), counted in the summary. The same mail again, byte for byte or as
another list delivered it, is still a duplicate: ingesting twice adds nothing.
"""

from __future__ import annotations

import pytest
from django.test import Client

from archive.models import Message
from archive.parsing import SYNTHETIC_DOMAIN, derived_msgid, parse_message
from reviews.models import Patch
from tests.conftest import DATA

INGEST = DATA / "ingest"
SQUATTER, REAL = INGEST / "msgid-taken.squatter.eml", INGEST / "msgid-taken.real.eml"
SAME_BATCH = INGEST / "msgid-taken-same-batch.mbox"
TAKEN = "20261102090000.3-ada@example.org"

pytestmark = pytest.mark.django_db


def counts(summary) -> tuple[int, int, int, int]:
    return summary.new, summary.renamed, summary.duplicate, summary.quarantined


def served(msgid: str) -> bytes:
    response = Client().get(f"/all/{msgid}/raw")
    assert response.status_code == 200, msgid
    return response.content


def test_the_later_mail_is_kept_under_a_derived_message_id(ingest_file) -> None:
    assert counts(ingest_file(SQUATTER)) == (1, 0, 0, 0)
    summary = ingest_file(REAL)
    assert counts(summary) == (1, 1, 0, 0)
    assert "1 new kept under a new Message-ID" in summary.line()
    real = REAL.read_bytes()
    kept = derived_msgid(parse_message(real).content_sha256)
    assert kept.endswith(f"@dup.{SYNTHETIC_DOMAIN}")
    assert served(TAKEN) == SQUATTER.read_bytes()
    assert served(kept) == real
    assert Message.objects.real().get(msgid=kept).synthetic_msgid
    # The real patch reaches review.
    assert Patch.objects.get(message__msgid=kept).submitter.email == "ada@example.org"


def test_ingesting_the_same_mail_again_adds_no_copy(ingest_file) -> None:
    ingest_file(SQUATTER)
    ingest_file(REAL)
    before = Message.objects.real().count()
    assert counts(ingest_file(SQUATTER)) == (0, 0, 1, 0)
    assert counts(ingest_file(REAL)) == (0, 0, 1, 0)
    assert Message.objects.real().count() == before == 2


def test_the_kept_mail_delivered_by_another_list_is_the_same_message(ingest_file, tmp_path):
    ingest_file(SQUATTER)
    ingest_file(REAL)
    other_list = REAL.read_bytes().replace(
        b"List-Id: Toy RTC drivers <toy-rtc.lists.example.org>",
        b"List-Id: <linux-kernel.vger.kernel.org>\nX-Mailing-List: linux-kernel",
    )
    (tmp_path / "via-lkml.eml").write_bytes(other_list)
    assert counts(ingest_file(tmp_path / "via-lkml.eml")) == (0, 0, 1, 0)
    kept = Message.objects.real().get(msgid=derived_msgid(parse_message(other_list).content_sha256))
    assert sorted(kept.lists.values_list("name", flat=True)) == ["linux-kernel", "toy-rtc"]


def test_within_one_batch_the_first_keeps_the_id(ingest_file) -> None:
    # The squatter, the real mail, the squatter's bytes again.
    assert counts(ingest_file(SAME_BATCH)) == (2, 1, 1, 0)
    assert counts(ingest_file(SAME_BATCH)) == (0, 0, 3, 0)
    assert Message.objects.real().count() == 2
    assert b"keep it out" in served(TAKEN)
    (kept,) = Message.objects.real().exclude(msgid=TAKEN).values_list("msgid", flat=True)
    assert b"Signed-off-by: Ada" in served(kept)


def test_content_digest_ignores_what_lists_add() -> None:
    via = [parse_message((INGEST / f"same-msgid-two-lists.via-{name}.eml").read_bytes())
           for name in ("lkml", "linux-mm")]  # fmt: skip
    assert via[0].sha256 != via[1].sha256
    assert via[0].content_sha256 == via[1].content_sha256
    squatter, real = (parse_message(p.read_bytes()) for p in (SQUATTER, REAL))
    assert squatter.msgid == real.msgid and squatter.content_sha256 != real.content_sha256


def test_a_message_id_in_our_own_domain_is_not_taken_from_the_mail() -> None:
    raw = REAL.read_bytes().replace(TAKEN.encode(), derived_msgid("0" * 64).encode())
    parsed = parse_message(raw)
    assert parsed.synthetic_msgid
    assert parsed.msgid == f"{parsed.sha256[:40]}@{SYNTHETIC_DOMAIN}"
