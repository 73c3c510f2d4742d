# SPDX-License-Identifier: AGPL-3.0-or-later
"""The opt-out link every notification mail carries: a page that asks, then a post that does."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from reviews.notifications import read_opt_out_token
from reviews.services.notices import opt_out as record_opt_out

__all__ = ["opt_out"]


@require_http_methods(["GET", "HEAD", "POST"])
def opt_out(request: HttpRequest, token: str) -> HttpResponse:
    """GET asks (mail scanners follow links), POST records the opt-out."""
    email = read_opt_out_token(token)
    if email is None:
        context = {"error": "This link is not one Threadwork sent, or it was cut short: "
                   "copy the whole link from the mail."}  # fmt: skip
        return render(request, "reviews/opt_out.html", context, status=400)
    done = request.method == "POST"
    if done:
        record_opt_out(email)
    return render(request, "reviews/opt_out.html", {"email": email, "done": done})
