"""Replies read in ingest's parse workers store what the writer would have read itself."""

from __future__ import annotations

import mailbox

import pytest

from archive.parsing import parse_message
from reviews.analysis import analyze_message
from reviews.comment_anchors import find_anchors
from reviews.models import Comment
from reviews.processor import ReviewProcessor
from reviews.replies import Cue, read_reply
from tests.conftest import DATA

RENAMED = DATA / "reply-reading" / "sender-known-by-another-name.mbox"


def _reply_bytes() -> bytes:
    return mailbox.mbox(str(RENAMED))[2].as_bytes()


def test_a_worker_reads_the_reply_with_the_name_in_its_mail() -> None:
    parsed = parse_message(_reply_bytes())
    reading = ReviewProcessor().analyze(parsed).reply
    assert reading is not None and reading.author == "Al"
    assert reading.quotes is not None and reading.quotes.answers == (
        ("Should this not be const?", "Alice"),
    )
    assert Cue(reading.cues) == read_reply(parsed.body, [])
    assert Cue.QUESTION in Cue(reading.cues)


def test_a_patch_is_not_read_as_a_reply() -> None:
    raw = mailbox.mbox(str(RENAMED))[1].as_bytes()
    parsed = parse_message(raw)
    assert analyze_message(parsed).is_patch
    assert ReviewProcessor().analyze(parsed).reply is None


@pytest.mark.django_db
def test_the_writer_reads_again_a_reply_whose_sender_the_archive_names_otherwise(
    ingest_file,
) -> None:
    ingest_file(RENAMED, "foo")
    comment = Comment.objects.get(message__msgid="reply@example.org")
    # The archive knows alice@example.org as "Alice Smith": "Alice" signs.
    assert [a["text"] for a in comment.anchors] == ["Should this not be const?"]
    assert comment.anchors[0]["new_line"] == 2
    assert comment.cues == int(read_reply(comment.message.body, []))
    # The same as anchoring it afresh from what is stored.
    again = find_anchors([(comment.message_id, comment.patch_id)])
    assert again[(comment.message_id, comment.patch_id)] == comment.anchors
