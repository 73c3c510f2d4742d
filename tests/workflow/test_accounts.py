"""Accounts: log in and out, lockout, password change, the profile page, add_maintainer."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from rest_framework.authtoken.models import Token

from reviews.models import Patch, State
from tests.workflow.conftest import PASSWORD, SEED_URL, login

pytestmark = pytest.mark.django_db


def test_login_and_logout(client, accounts):
    html = client.get("/accounts/login/").content.decode()
    assert 'name="csrfmiddlewaretoken"' in html and 'name="password"' in html
    response = client.post("/accounts/login/", {"username": "maint", "password": PASSWORD,
                                                "next": SEED_URL})  # fmt: skip
    assert response.status_code == 302 and response.url == SEED_URL
    html = client.get(SEED_URL).content.decode()
    assert 'href="/user/"' in html and "Log out" in html
    response = client.post("/accounts/logout/")
    assert response.status_code == 200 and "You have been logged out." in response.content.decode()
    assert client.get("/user/").status_code == 302


def test_login_lands_on_the_profile(client, accounts):
    response = client.post("/accounts/login/", {"username": "maint", "password": PASSWORD})
    assert response.url == "/user/"


def test_login_refuses_foreign_next(client, accounts):
    response = client.post("/accounts/login/", {"username": "maint", "password": PASSWORD,
                                                "next": "https://evil.example/"})  # fmt: skip
    assert response.url == "/user/"


def test_wrong_password_is_a_clear_error(client, accounts):
    response = client.post("/accounts/login/", {"username": "maint", "password": "nope"})
    assert response.status_code == 200
    assert "Please enter a correct username and password." in response.content.decode()


def test_lockout_after_five_failures(client, accounts):
    for _ in range(5):
        response = client.post("/accounts/login/", {"username": "maint", "password": "wrong"})
        assert "Too many failed login attempts" not in response.content.decode()
    response = client.post("/accounts/login/", {"username": "MAINT", "password": PASSWORD})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Too many failed login attempts for this account from your address." in html
    assert "_auth_user_id" not in client.session
    # Another account from the same address is not affected.
    response = client.post("/accounts/login/", {"username": "other", "password": PASSWORD})
    assert response.status_code == 302
    # Nor the same account from another address.
    from django.test import Client

    elsewhere = Client(REMOTE_ADDR="192.0.2.7")
    response = elsewhere.post("/accounts/login/", {"username": "maint", "password": PASSWORD})
    assert response.status_code == 302


def test_lockout_covers_basic_auth_on_the_api(client, accounts):
    import base64

    for _ in range(5):
        client.post("/accounts/login/", {"username": "maint", "password": "wrong"})
    good = base64.b64encode(f"maint:{PASSWORD}".encode()).decode()
    response = client.get("/api/users/", HTTP_AUTHORIZATION=f"Basic {good}")
    assert response.status_code in (401, 403)


def test_success_resets_the_count(client, accounts):
    for _ in range(4):
        client.post("/accounts/login/", {"username": "maint", "password": "wrong"})
    assert (
        client.post("/accounts/login/", {"username": "maint", "password": PASSWORD}).status_code
        == 302
    )
    client.post("/accounts/logout/")
    for _ in range(4):
        client.post("/accounts/login/", {"username": "maint", "password": "wrong"})
    assert (
        client.post("/accounts/login/", {"username": "maint", "password": PASSWORD}).status_code
        == 302
    )


def test_password_change(client, accounts):
    login(client, accounts.other)
    assert "Change password" in client.get("/accounts/password_change/").content.decode()
    response = client.post("/accounts/password_change/", {
        "old_password": PASSWORD, "new_password1": "a much longer new secret",
        "new_password2": "a much longer new secret",
    })  # fmt: skip
    assert response.status_code == 302
    assert "Password changed" in client.get(response.url).content.decode()
    client.logout()
    assert client.login(username="other", password="a much longer new secret")


def test_profile_token(client, accounts):
    login(client, accounts.other)
    html = client.get("/user/").content.decode()
    assert "You have no API token yet." in html and "Create token" in html
    assert client.get("/user/token/").status_code == 405  # GET changes nothing
    assert not Token.objects.filter(user=accounts.other).exists()
    client.post("/user/token/")
    key = Token.objects.get(user=accounts.other).key
    html = client.get("/user/").content.decode()
    assert key in html and "Your API token was created." in html
    client.post("/user/token/")
    new = Token.objects.get(user=accounts.other).key
    assert new != key
    assert "the old one no longer works" in client.get("/user/").content.decode()
    response = client.get("/api/users/", HTTP_AUTHORIZATION=f"Token {new}")
    assert response.status_code == 200


def test_token_needs_login(client, accounts):
    response = client.post("/user/token/")
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")
    assert not Token.objects.exists()


def test_profile_todo_lists_action_required_delegations(client, accounts, seed_patch):
    login(client, accounts.maintainer)
    assert "Nothing delegated to you needs action." in client.get("/user/").content.decode()
    Patch.objects.filter(pk=seed_patch.pk).update(delegate=accounts.maintainer)
    html = client.get("/user/").content.decode()
    assert seed_patch.name in html and "linux-mm" in html
    Patch.objects.filter(pk=seed_patch.pk).update(state=State.objects.get(slug="accepted"))
    assert seed_patch.name not in client.get("/user/").content.decode()


def test_add_maintainer_command(project, django_user_model):
    user = django_user_model.objects.create_user("newbie", "n@example.org", PASSWORD)
    call_command("add_maintainer", "newbie", "linux-mm")
    assert project.maintainers.filter(pk=user.pk).exists()
    with pytest.raises(CommandError, match=r"No project 'nope'\. Known projects: linux-mm\."):
        call_command("add_maintainer", "newbie", "nope")
    with pytest.raises(CommandError, match="No user 'ghost'"):
        call_command("add_maintainer", "ghost", "linux-mm")
