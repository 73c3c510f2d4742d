# SPDX-License-Identifier: AGPL-3.0-or-later
"""What every form post shares: POST only, log in first, go back where the form was."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

__all__ = ["back_to", "login_first"]


def back_to(request: HttpRequest, fallback: str) -> str:
    """The page the form was on (its ``next`` field, if it is ours), else ``fallback``."""
    target = request.POST.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


def login_first(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """POST only; anonymous users go to the login page, then back to the form's page."""

    @require_POST
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(back_to(request, "/"))
        return view(request, *args, **kwargs)

    return wrapper
