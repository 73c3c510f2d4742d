"""A patch's commit message and diff kept as spans of its stored body (#21 disk).

Every reader must get the same bytes as when both texts were stored whole;
a text that is no span of the body (a diff from an attachment) stays whole.
"""

from __future__ import annotations

import importlib
import io
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.db import connection

from archive.models import Message, RawMail
from archive.parsing import parse_message
from reviews.analysis import analyze_message
from reviews.models import Patch
from reviews.patchtext import DIFF_COLUMNS, MESSAGE_COLUMNS, diff_of, message_of, patch_texts
from tests.conftest import DATA, SAMPLE

SERIES = DATA / "series"
ATTACHED = DATA / "diffs" / "attached-x-patch.mbox"
FILES = [
    SAMPLE / "alloc_pages_vma-thread.mbox",
    SERIES / "cover-letter-acked.mbox",
    SERIES / "revision-new-thread.v1.mbox",
    DATA / "diffs" / "git-pull-request.mbox",
    DATA / "diffs" / "hg-export.mbox",
    ATTACHED,
]
MIGRATION = importlib.import_module("reviews.migrations.0026_patch_from_body")
# reviews 0026 ran on the body as text, before archive 0030 packed it.
PACKED = importlib.import_module("archive.migrations.0030_packed_body")


def test_texts_inside_the_body_are_spans() -> None:
    body = "Fix it.\n---\n a | 1 +\n\ndiff --git a/a b/a\n+x\n-- \n2.39\n"
    message, diff = "Fix it.\n---\n a | 1 +\n\n", "diff --git a/a b/a\n+x\n"
    texts = patch_texts(body, message, diff)
    assert (texts.commit_message_text, texts.message_len) == (None, len(message))
    assert (texts.diff_text, texts.diff_start, texts.diff_len) == (None, len(message), len(diff))


def test_texts_outside_the_body_are_kept_whole() -> None:
    texts = patch_texts("Attached.\n", "Attached.\n", "diff --git a/a b/a\n+x\n")
    assert texts.message_len == len("Attached.\n") and texts.commit_message_text is None
    assert texts.diff_text == "diff --git a/a b/a\n+x\n" and texts.diff_start is None
    # a message that is not the body's start, or no body at all: both whole
    assert patch_texts("other\n", "Fix.\n", "").commit_message_text == "Fix.\n"
    unknown = patch_texts(None, "Fix.\n", "d\n")
    assert (unknown.commit_message_text, unknown.diff_text) == ("Fix.\n", "d\n")


def test_texts_found_later_in_the_body_and_astral_characters() -> None:
    # Offsets count characters in Python and PostgreSQL alike, astral ones too.
    body = "Fix 🦀 é.\nnotes\ndiff -u a b\n+ü\n"
    texts = patch_texts(body, "Fix 🦀 é.\n", "diff -u a b\n+ü\n")
    assert texts.diff_start == body.index("diff") and texts.diff_text is None


def _ingest_all(ingest_file) -> None:
    for path in FILES:
        # The single-mail scenarios name no list of their own.
        ingest_file(path, None if "List-Id:" in path.read_text() else "linux-rtc")


def _expected() -> dict[int, tuple[str, str]]:
    """Each patch's texts as the parser makes them from its raw mail."""
    out = {}
    for p in Patch.objects.all():
        raw = RawMail.objects.filter(message_id=p.message_id).mail_by_message()[p.message_id]
        found = analyze_message(parse_message(raw)).patch
        assert found is not None
        out[p.id] = (
            found.message.replace("\x00", "\ufffd"),
            (found.diff or "").replace("\x00", "\ufffd"),
        )
    return out


def _read_everywhere() -> dict[int, tuple[str, str]]:
    """The texts through each way of reading them; they must all agree."""
    plain = {p.id: (p.commit_message, p.diff) for p in Patch.objects.all()}
    joined = {
        p.id: (p.commit_message, p.diff)
        for p in Patch.objects.select_related("message").with_texts()
    }
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT p.id, {MESSAGE_COLUMNS}, {DIFF_COLUMNS} FROM reviews_patch p "
            "JOIN archive_message m ON m.id = p.message_id"
        )
        sql = {row[0]: (message_of(*row[1:4]), diff_of(*row[4:8])) for row in cursor.fetchall()}
    diffs = Patch.objects.all().diffs()
    assert plain == joined == sql
    assert diffs == {pid: d for pid, (_, d) in plain.items()}
    return plain


@pytest.mark.django_db
def test_ingested_texts_are_the_parsed_ones_byte_for_byte(ingest_file) -> None:
    _ingest_all(ingest_file)
    assert _read_everywhere() == _expected()
    rows = {
        m: (c, d)
        for m, c, d in Patch.objects.values_list(
            "message__msgid", "commit_message_text", "diff_text"
        )
    }
    # Stored once: every text but the attached diff is a span of the body.
    assert rows.pop("attached-patch-1@example.org")[1].startswith("diff --git a/drivers")
    assert len(rows) >= 5 and all(c is None and d is None for c, d in rows.values())
    pull = Patch.objects.exclude(pull_url="").get()
    assert pull.diff == "" and pull.diff_len == 0


@pytest.mark.django_db
def test_a_redelivered_patch_is_located_in_the_body_stored_first(ingest_file) -> None:
    ingest_file(SERIES / "cross-posted-patch.mbox", "linux-mm")
    ingest_file(SERIES / "cross-posted-patch.redelivered.mbox", "linux-kernel")
    assert Patch.objects.filter(diff_text=None).count() >= 2
    assert _read_everywhere() == _expected()


@pytest.mark.django_db
def test_a_rebuild_locates_texts_in_the_body_as_stored(ingest_file) -> None:
    _ingest_all(ingest_file)
    expected = _expected()
    # A body stored by an older parser: the texts are no longer its prefix. Such
    # mail was archived before raw mail left out its body's bytes: stored whole.
    importlib.import_module("archive.migrations.0036_raw_without_body").store_whole(
        None, SimpleNamespace(connection=connection)
    )
    target = Patch.objects.get(message__msgid="rnt-v1-1@example.org")
    Message.objects.filter(id=target.message_id).update(
        body="(older parse)\n" + target.message.body
    )
    call_command("reparse", stdout=io.StringIO())
    assert _read_everywhere() == expected
    moved = Patch.objects.get(message__msgid="rnt-v1-1@example.org")
    assert moved.commit_message_text == expected[moved.id][0]
    assert moved.diff_text is None and moved.diff_start == len("(older parse)\n") + len(
        expected[moved.id][0]
    )


@pytest.mark.django_db
def test_the_migration_moves_texts_to_spans_and_back_losing_nothing(
    ingest_file, without_body_trigger
) -> None:
    _ingest_all(ingest_file)
    expected = _read_everywhere()
    editor = SimpleNamespace(connection=connection)
    with connection.cursor() as cursor:
        # As before both migrations: the body text, every patch text whole, no spans.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the ingest's, before ALTER TABLE
        PACKED.unpack(None, editor)
        cursor.execute(MIGRATION._TO_TEXTS)
        cursor.execute("SELECT count(*) FROM reviews_patch WHERE diff IS NULL")
        assert cursor.fetchone()[0] == 0
        cursor.execute(MIGRATION._TO_SPANS)
        cursor.execute("SELECT count(*) FROM reviews_patch WHERE diff IS NOT NULL")
        assert cursor.fetchone()[0] == 1  # the attached diff only
        cursor.execute("SELECT count(*) FROM reviews_patch WHERE commit_message IS NOT NULL")
        assert cursor.fetchone()[0] == 0
        PACKED.pack(None, editor)
        assert _read_everywhere() == expected
        PACKED.unpack(None, editor)
        cursor.execute(MIGRATION._TO_TEXTS)
        cursor.execute(
            "SELECT count(*) FROM reviews_patch WHERE diff IS NULL OR commit_message IS NULL"
        )
        assert cursor.fetchone()[0] == 0
        PACKED.pack(None, editor)
    assert _read_everywhere() == expected


@pytest.mark.django_db
def test_no_row_can_lose_a_text(ingest_file) -> None:
    from django.db import IntegrityError, transaction

    ingest_file(SERIES / "cover-letter-acked.mbox")
    with pytest.raises(IntegrityError), transaction.atomic():
        Patch.objects.update(diff_start=None)
    # a text set in Python is stored whole (and read back as set)
    p = Patch.objects.first()
    p.diff = "replaced\n"
    p.save(update_fields=["diff_text", "diff_start", "diff_len"])
    assert Patch.objects.get(id=p.id).diff == "replaced\n"


@pytest.mark.django_db
def test_the_admin_shows_the_texts_not_their_spans(ingest_file, admin_client) -> None:
    ingest_file(SERIES / "cover-letter-acked.mbox")
    patch = Patch.objects.filter(diff_text=None).first()
    page = admin_client.get(f"/admin/reviews/patch/{patch.id}/change/").content.decode()
    first_line = patch.diff.split("\n")[0]
    assert first_line.startswith("diff --git") and first_line in page
    assert patch.commit_message.split("\n")[0] in page
    assert "Diff start" not in page and "Message len" not in page
