"""Cached parts of pages follow the data: new mail or a state change shows at once."""

from __future__ import annotations

import datetime as dt

import pytest

pytestmark = pytest.mark.django_db

PATCH_URL = "/project/test/patch/p1%2Fx@example.org/"


def _reply(patch, body: str):
    from archive.models import Message, MessageList, Person

    author = Person.objects.create(name="Ack Er", email="ack@example.org")
    reply = Message.objects.create(
        msgid="late@example.org", subject="Re: late", author=author, parent=patch.message,
        date=dt.datetime(2024, 2, 1, tzinfo=dt.UTC), body=body,
    )  # fmt: skip
    MessageList.objects.create(message=reply, mailing_list=patch.project.mailing_list)
    return reply


def test_patch_page_shows_a_new_reply_and_its_trailer(client, make_patches):
    from reviews.models import Comment, Trailer

    patches = make_patches(3)
    before = client.get(PATCH_URL).content.decode()
    assert client.get(PATCH_URL).content.decode() == before  # the second time from the cache
    assert "Acked-by" not in before
    reply = _reply(patches[1], "Fine by me.\n\nAcked-by: Ack Er <ack@example.org>\n")
    Comment.objects.create(message=reply, patch=patches[1])
    Trailer.objects.create(message=reply, position=0, kind="Acked-by", name="Ack Er",
                           email="ack@example.org", value="Ack Er <ack@example.org>")  # fmt: skip
    after = client.get(PATCH_URL).content.decode()
    assert "Fine by me." in after and '<span class="kind">Acked-by</span>' in after


def test_patch_page_shows_a_state_change_elsewhere_in_the_series(client, make_patches):
    from django.contrib.auth import get_user_model

    from reviews import services
    from reviews.models import State

    patches = make_patches(3)
    rejected = State.objects.get(slug="rejected")
    badge = f'<span class="state-badge st-rejected">{rejected.name}</span>'
    shown = client.get(PATCH_URL).content.decode().count(badge)
    maintainer = get_user_model().objects.create(username="boss")
    services.add_maintainer(patches[0].project, maintainer)
    services.set_patch_state(maintainer, patches[2], rejected)
    assert client.get(PATCH_URL).content.decode().count(badge) == shown + 1


def test_search_results_show_new_mail(client, make_patches):
    from django.db import connection

    patches = make_patches(2)
    assert "zebra crossing" not in client.get("/test/", {"q": "s:zebra"}).content.decode()
    reply = _reply(patches[0], "stripes")
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE archive_message SET subject = 'zebra crossing', header_search ="
            " threadwork_header_vector('zebra crossing', '') WHERE id = %s",
            [reply.id],
        )
    assert "zebra crossing" in client.get("/test/", {"q": "s:zebra"}).content.decode()
