# SPDX-License-Identifier: AGPL-3.0-or-later
"""Logging in, with repeated failures locked out.

Five failed attempts for one username from one address within fifteen
minutes lock that pair out for the rest of the window. The count lives in
PostgreSQL (throttle/counters.py), where every worker process sees it: a
per-process cache would give each gunicorn worker its own five tries. The check
sits in the authentication backend, so the login page, the admin and the
API's Basic authentication are all covered; the login form checks first to
say clearly why it refuses.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django import forms
from django.contrib.auth import views as auth_views
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from throttle import counters, limits

__all__ = [
    "LOCKED_MESSAGE",
    "LoginForm",
    "LoginView",
    "ThrottledModelBackend",
    "is_locked_out",
    "record_failure",
]

MAX_FAILURES = 5
WINDOW_SECONDS = 15 * 60
LOCKED_MESSAGE = (
    "Too many failed login attempts for this account from your address. Try again in 15 minutes."
)


def client_address(request: HttpRequest | None) -> str:
    # The address the reverse proxy saw, never one the client claims (throttle/limits.py).
    return "-" if request is None else limits.client_address(request)


def _key(username: str, address: str) -> str:
    digest = hashlib.sha256(f"{username.strip().lower()}\0{address}".encode()).hexdigest()
    return f"login-failures:{digest}"


def is_locked_out(username: str, request: HttpRequest | None) -> bool:
    return counters.current(_key(username, client_address(request))) >= MAX_FAILURES


def record_failure(username: str, request: HttpRequest | None) -> None:
    counters.hit(_key(username, client_address(request)), WINDOW_SECONDS)


def clear_failures(username: str, request: HttpRequest | None) -> None:
    counters.clear(_key(username, client_address(request)))


class ThrottledModelBackend(ModelBackend):
    """Django's username/password check, refusing locked-out username+address pairs."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        from django.contrib.auth import get_user_model

        name = username if username is not None else kwargs.get(get_user_model().USERNAME_FIELD)
        if name is None or password is None:
            return None
        if is_locked_out(name, request):
            # Stops authenticate() trying further backends.
            raise PermissionDenied(LOCKED_MESSAGE)
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None:
            record_failure(name, request)
        else:
            clear_failures(name, request)
        return user


class LoginForm(AuthenticationForm):
    """Refuses a locked-out username+address before checking the password at all."""

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username")
        if username and is_locked_out(username, self.request):
            raise forms.ValidationError(LOCKED_MESSAGE, code="locked")
        return super().clean()


class LoginView(auth_views.LoginView):
    """Django's login view with our form (which explains a lockout); lands on /user/."""

    next_page = "/user/"
    form_class = LoginForm
