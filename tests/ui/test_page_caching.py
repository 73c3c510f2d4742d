"""Cached parts of pages follow the data: new mail or a state change shows at once."""

from __future__ import annotations

import datetime as dt

import pytest

pytestmark = pytest.mark.django_db

PATCH_URL = "/project/test/patch/p1%2Fx@example.org/"


def _reply(patch, body: str):
    from archive.models import Message, Person
    from tests.listing import file_in_list

    author = Person.objects.create(name="Ack Er", email="ack@example.org")
    reply = Message.objects.create(
        msgid="late@example.org", subject="Re: late", author=author, parent=patch.message,
        date=dt.datetime(2024, 2, 1, tzinfo=dt.UTC), body=body,
    )  # fmt: skip
    file_in_list([reply], patch.project.mailing_list)
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


def _by_web(client, patch, state, boss) -> None:
    client.force_login(boss)
    fields = {"state": state.slug, "delegate": patch.delegate_id or "", "commit_ref": ""}
    response = client.post(f"/patch/{patch.id}/update/", fields)
    assert response.status_code == 302
    client.logout()


def _by_api(client, patch, state, boss) -> None:
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=boss).key}")
    response = api.patch(f"/api/1.3/patches/{patch.id}/", {"state": state.slug}, format="json")
    assert response.status_code == 200, response.content


def _by_admin(client, patch, state, boss) -> None:
    client.force_login(boss)
    fields = {"state": state.id, "delegate": patch.delegate_id or "", "commit_ref": ""}
    response = client.post(f"/admin/reviews/patch/{patch.id}/change/", fields)
    assert response.status_code == 302, response.content.decode()[:2000]
    client.logout()


@pytest.mark.parametrize("change", [_by_web, _by_api, _by_admin], ids=["web", "api", "admin"])
def test_every_page_shows_a_state_change_at_once(client, make_patches, change):
    """Whichever way a state changes, no cached part of any page shows the old one."""
    from django.contrib.auth import get_user_model

    from reviews import services
    from reviews.models import Patch, State

    patches = make_patches(3)
    boss = get_user_model().objects.create_superuser("boss", "boss@example.org", "pw-boss-123")
    services.add_maintainer(patches[0].project, get_user_model().objects.get(username="maint"))
    series = patches[0].series_id
    pages = [PATCH_URL, "/project/test/patch/p0%2Fx@example.org/", "/project/test/list/?state=*",
             f"/project/test/series/{series}/", "/project/test/events/", "/"]  # fmt: skip
    for url in pages:  # the first view fills the caches
        client.get(url)
    before = {url: client.get(url).content.decode() for url in pages}
    deferred = State.objects.get(slug="deferred")
    assert not any("st-deferred" in page for page in before.values())

    change(client, Patch.objects.get(id=patches[1].id), deferred, boss)

    assert Patch.objects.get(id=patches[1].id).state == deferred
    after = {url: client.get(url).content.decode() for url in pages}
    for url in pages[:4]:
        assert after[url].count("st-deferred") > before[url].count("st-deferred"), url
    assert after[pages[4]].count("Deferred") > before[pages[4]].count("Deferred")
    assert after["/"] != before["/"]  # one patch fewer needs action


def test_a_state_renamed_in_the_admin_shows_at_once(client, make_patches):
    from django.contrib.auth import get_user_model

    from reviews.models import State

    make_patches(3)
    pages = [PATCH_URL, "/project/test/list/?state=*", "/project/test/patch/p0%2Fx@example.org/"]
    assert all("Under Review" in client.get(url).content.decode() for url in pages)
    boss = get_user_model().objects.create_superuser("boss", "boss@example.org", "pw-boss-123")
    client.force_login(boss)
    review = State.objects.get(slug="under-review")
    fields = {"slug": review.slug, "name": "Being Read", "ordering": review.ordering,
              "action_required": "on"}  # fmt: skip
    assert client.post(f"/admin/reviews/state/{review.id}/change/", fields).status_code == 302
    for url in pages:
        page = client.get(url).content.decode()
        assert "Being Read" in page and "Under Review" not in page, url
