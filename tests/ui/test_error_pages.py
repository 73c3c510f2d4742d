"""404, 403, 400 and 500 pages in the site's own look, the favicon, the admin link (#19).

Each error page says what happened in a sentence, offers a search of every
list and the way home; the 500 page is drawn without the database.
"""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def _assert_site_error_page(html: str) -> None:
    assert '<a class="brand" href="/">' in html  # the site's header
    assert 'class="error-search" action="/all/"' in html  # a search of every list
    assert '<a href="/">Projects</a> · <a href="/all/">All lists</a>' in html  # the way home
    assert "Traceback" not in html and "Django" not in html


def test_404_for_an_unknown_patch_says_so_in_the_sites_look(client) -> None:
    response = client.get("/project/nope/patch/missing@example.org/")
    assert response.status_code == 404
    html = response.content.decode()
    _assert_site_error_page(html)
    assert "There is no page at <code>/project/nope/patch/missing@example.org/</code>." in html
    assert "Log in" in html  # the usual header, with the account links


def test_404_from_a_view_gives_its_reason_as_a_sentence(client, seed) -> None:
    html = client.get("/linux-mm/no-such-message@example.org/").content.decode()
    _assert_site_error_page(html)
    assert "Resolver404" not in html


def test_403_when_deleting_someone_elses_bundle(client, make_patches) -> None:
    from django.contrib.auth import get_user_model

    from reviews import services

    users = get_user_model().objects
    owner = users.create_user("owner", password="pw-owner-123")
    services.create_bundle(owner, "mine", make_patches(1), public=True)
    client.force_login(users.create_user("other", password="pw-other-123"))
    response = client.post("/bundle/owner/mine/delete/")
    assert response.status_code == 403
    html = response.content.decode()
    _assert_site_error_page(html)
    assert "Only the bundle&#x27;s owner may change it. Nothing was changed." in html


def test_403_page_for_a_refused_action(rf) -> None:
    from django.core.exceptions import PermissionDenied
    from django.views.defaults import permission_denied

    request = rf.get("/project/x/list/")
    from django.contrib.auth.models import AnonymousUser

    request.user = AnonymousUser()
    response = permission_denied(request, PermissionDenied("Only maintainers of x may do that."))
    html = response.content.decode()
    assert response.status_code == 403
    _assert_site_error_page(html)
    assert "Only maintainers of x may do that. Nothing was changed." in html


def test_csrf_failure_explains_and_keeps_the_look() -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post("/accounts/logout/")
    assert response.status_code == 403
    html = response.content.decode()
    _assert_site_error_page(html)
    assert "The form could not be sent" in html and "CSRF" not in html


def test_500_page_needs_no_database(rf, django_db_blocker) -> None:
    from django.views.defaults import server_error

    with django_db_blocker.block():  # any query would raise here
        response = server_error(rf.get("/"))
    assert response.status_code == 500
    html = response.content.decode()
    _assert_site_error_page(html)
    assert "Something went wrong on our side" in html


def test_400_page(rf, django_db_blocker) -> None:
    from django.core.exceptions import SuspiciousOperation
    from django.views.defaults import bad_request

    with django_db_blocker.block():
        response = bad_request(rf.get("/"), SuspiciousOperation("x"))
    assert response.status_code == 400
    _assert_site_error_page(response.content.decode())


def test_favicon_answers_for_the_admin_and_every_page(client, admin_client) -> None:
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response["Location"].endswith("favicon.svg")
    assert client.get(response["Location"]).status_code == 200
    admin = admin_client.get("/admin/").content.decode()
    assert 'rel="icon" href="/static/favicon.svg"' in admin
    assert 'rel="icon" href="/static/favicon.svg"' in client.get("/").content.decode()


def test_header_links_to_the_admin_for_staff_only(client, admin_client) -> None:
    from django.contrib.auth import get_user_model

    assert 'href="/admin/"' in admin_client.get("/").content.decode()
    user = get_user_model().objects.create_user("plain", password="pw-plain-123")
    client.force_login(user)
    assert 'href="/admin/"' not in client.get("/").content.decode()
