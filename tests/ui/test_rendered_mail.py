"""Long replies to patches rendered at ingest (reviews.renderedmail): stored once,
read by the patch page's discussion, the page unchanged."""

from __future__ import annotations

from pathlib import Path
from unittest import mock

import pytest

pytestmark = pytest.mark.django_db

DATA = Path(__file__).resolve().parent.parent / "data" / "rendered"
URL = "/project/linux-rtc/patch/long-patch@example.org/"


def _cold(client, url: str = URL) -> str:
    from django.core.cache import cache

    cache.clear()
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def _stored() -> dict[str, tuple[str, str]]:
    """Message-ID -> (made_for, HTML) of every stored entry."""
    from archive.models import Message
    from reviews.models import RenderedMail
    from reviews.renderedmail import unpack

    messages = {m.id: m for m in Message.objects.all()}
    return {
        messages[r.message_id].msgid: (r.made_for, unpack(r.html, messages[r.message_id].body))
        for r in RenderedMail.objects.all()
    }


def _body(msgid: str) -> str:
    from archive.models import Message

    return Message.objects.get(msgid=msgid).body


def test_only_the_long_reply_is_rendered_at_ingest(ingest_file):
    from reviews.renderedmail import STORE_BYTES, made_for
    from reviews.rendering.mail import render_mail

    ingest_file(DATA / "long-review-reply.mbox", "linux-rtc")
    stored = _stored()
    assert list(stored) == ["long-review@example.org"]  # not the patch, not the short thanks
    body = _body("long-review@example.org")
    assert len(body.encode()) > STORE_BYTES
    assert stored["long-review@example.org"] == (made_for(len(body.encode())), render_mail(body))


def test_a_reply_before_its_patch_is_rendered_when_the_patch_arrives(ingest_file):
    ingest_file(DATA / "long-reply-before-its-patch.mbox", "linux-rtc")
    assert list(_stored()) == ["long-review@example.org"]


def test_the_page_is_the_same_with_the_stored_html_stale_or_none(client, ingest_file):
    from reviews.models import RenderedMail

    ingest_file(DATA / "long-review-reply.mbox", "linux-rtc")
    with_stored = _cold(client)
    assert "regmap_multi_reg_write()" in with_stored and "Thanks, will do in v2." in with_stored
    # Made by other renderers, or for another body: not used.
    RenderedMail.objects.update(made_for="0:1")
    assert _cold(client) == with_stored
    RenderedMail.objects.all().delete()
    assert _cold(client) == with_stored


def test_the_stored_html_is_used(client, ingest_file):
    from reviews.models import RenderedMail
    from reviews.renderedmail import _pack

    ingest_file(DATA / "long-review-reply.mbox", "linux-rtc")
    body = _body("long-review@example.org")
    stored = RenderedMail.objects.get().html
    assert bytes(stored)[:1] == b"\x01"  # packed with the body as its dictionary
    assert len(stored) < len(_stored()["long-review@example.org"][1]) // 3
    # An entry that says something else than the renderers would, packed alike:
    # the page shows the entry, so the entry is what it read.
    with mock.patch("reviews.renderedmail.render_mail", lambda text: "<i>as stored</i>"):
        RenderedMail.objects.update(html=_pack(body, body.encode()))
    page = _cold(client)
    # The reply's mail box holds what was stored (its answers are also under the diff lines).
    assert '<div class="mail"><i>as stored</i></div>' in page
    assert "Thanks, will do in v2." in page  # the short reply: rendered live


def test_an_entry_stored_before_as_a_plain_frame_is_read(client, ingest_file):
    import zstandard

    from reviews.models import RenderedMail

    ingest_file(DATA / "long-review-reply.mbox", "linux-rtc")
    marked = zstandard.ZstdCompressor().compress(b"<i>as stored</i>")
    RenderedMail.objects.update(html=marked)
    assert '<div class="mail"><i>as stored</i></div>' in _cold(client)


def test_an_entry_packed_with_another_body_is_not_used(client, ingest_file):
    from reviews.models import RenderedMail
    from reviews.renderedmail import _pack, unpack

    ingest_file(DATA / "long-review-reply.mbox", "linux-rtc")
    page = _cold(client)
    body = _body("long-review@example.org")
    # Another body of the same length: its entry passes the length check, not the checksum.
    other = body.replace("regmap", "REGMAP")
    assert other != body and len(other.encode()) == len(body.encode())
    entry = _pack(other, other.encode())
    assert unpack(entry, body) is None
    RenderedMail.objects.update(html=entry)
    assert _cold(client) == page


def test_parse_workers_render_long_replies_only():
    from archive.parsing import parse_message
    from archive.sources import iter_source
    from reviews.processor import ReviewProcessor
    from reviews.renderedmail import made_for, unpack
    from reviews.rendering.mail import render_mail

    mails = [parse_message(raw.data) for raw in iter_source(str(DATA / "long-review-reply.mbox"))]
    analyses = {m.msgid: ReviewProcessor().analyze(m) for m in mails}
    assert analyses["long-patch@example.org"].rendered is None  # a patch: its diff is the page
    assert analyses["long-thanks@example.org"].rendered is None  # short: rendered live
    review = next(m for m in mails if m.msgid == "long-review@example.org")
    found = analyses["long-review@example.org"].rendered
    assert found is not None
    assert found[0] == made_for(len(review.body.encode()))
    assert unpack(found[1], review.body) == render_mail(review.body)


def test_the_writer_renders_what_no_worker_made_for_the_stored_body(ingest_file):
    import zstandard

    from archive.models import Message
    from reviews.models import RenderedMail
    from reviews.renderedmail import made_for, store_threads
    from reviews.rendering.mail import render_mail

    ingest_file(DATA / "long-review-reply.mbox", "linux-rtc")
    review = Message.objects.get(msgid="long-review@example.org")
    size = len(review.body.encode())
    RenderedMail.objects.all().delete()
    worker = zstandard.ZstdCompressor().compress(b"<i>from a worker</i>")
    # Made for the body as stored: kept as the worker made it.
    assert store_threads([review.thread_id], {review.id: (made_for(size), worker)}) == 1
    assert _stored()["long-review@example.org"][1] == "<i>from a worker</i>"
    # Made for another body: rendered here, and the stale entry replaced.
    RenderedMail.objects.update(made_for="0:1")
    assert store_threads([review.thread_id], {review.id: ("0:1", worker)}) == 1
    assert _stored()["long-review@example.org"] == (made_for(size), render_mail(review.body))
    assert store_threads([review.thread_id]) == 0  # nothing left to do


def test_reparse_renders_again_what_the_renderers_no_longer_match(ingest_file):
    from django.core.management import call_command

    from reviews.models import RenderedMail

    ingest_file(DATA / "long-review-reply.mbox", "linux-rtc")
    before = _stored()
    RenderedMail.objects.update(made_for="0:1")
    call_command("reparse", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert _stored() == before
