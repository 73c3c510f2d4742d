"""A batch's review statements read its threads' messages once (#21).

``reviews.ingest.record_batch`` reads the messages of the batch's threads
(``archive.threads.thread_messages``) and hands them to every statement that
starts from them: health reply counts, comments, rendered replies, series in
the threads, A/R/T counts, whose turn. Each of those read them again before.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from archive.models import Message
from archive.threads import thread_messages
from reviews import derived
from reviews.models import Comment, Patch
from tests.conftest import DATA, SAMPLE

pytestmark = pytest.mark.django_db

SEED = SAMPLE / "alloc_pages_vma-thread.mbox"
# How each reader of a thread's messages by thread id is written.
THREAD_READS = ("FROM archive_message WHERE thread_id = ANY", "WHERE m.thread_id = ANY")


def test_thread_messages_are_every_row_of_the_threads_ghosts_too(ingest_file) -> None:
    ingest_file(SEED)
    thread_ids = sorted(set(Message.objects.values_list("thread_id", flat=True)))
    with connection.cursor() as cursor:
        read = thread_messages(cursor, [*thread_ids, *thread_ids])
    rows = Message.objects.filter(thread_id__in=thread_ids).order_by("id")
    assert read.threads == tuple(thread_ids)
    assert read.ids == [m.id for m in rows]
    assert read.parents == {m.id: m.parent_id for m in rows}
    assert read.ghosts == {m.id for m in rows if m.is_ghost}
    assert read.ghosts  # the seed thread refers to mail it does not hold


def test_a_batch_reads_its_threads_messages_once(ingest_file) -> None:
    with CaptureQueriesContext(connection) as queries:
        ingest_file(DATA / "turns" / "reviewed.mbox")
    assert Patch.objects.exists() and Comment.objects.exists()
    reads = [q["sql"] for q in queries if any(r in q["sql"] for r in THREAD_READS)]
    # archive.threads.refresh_threads (a thread's counts, then its lists), then
    # the review side's one read for all its statements.
    assert len(reads) == 3, reads
    assert reads[-1].startswith("SELECT id, parent_id, is_ghost FROM archive_message")


def test_given_and_read_messages_make_the_same_comments(ingest_file) -> None:
    ingest_file(SEED)
    thread_ids = sorted(set(Message.objects.values_list("thread_id", flat=True)))
    before = sorted(Comment.objects.values_list("message_id", "patch_id", "cover_id"))
    Comment.objects.all().delete()
    derived.refresh_comments(thread_ids)  # reads the threads' messages itself
    by_itself = sorted(Comment.objects.values_list("message_id", "patch_id", "cover_id"))
    Comment.objects.all().delete()
    with connection.cursor() as cursor:
        derived.refresh_comments(thread_ids, messages=thread_messages(cursor, thread_ids))
    given = sorted(Comment.objects.values_list("message_id", "patch_id", "cover_id"))
    assert before == by_itself == given
    assert before
