# SPDX-License-Identifier: AGPL-3.0-or-later
"""Per-address limits for visitors who are not logged in, on the routes that cost the most.

``THREADWORK_ANON_RATES`` maps a scope (``search``, ``search-mbox``,
``thread-mbox``) to a rate such as ``"10/minute"``; an empty rate is no
limit. Counts are shared by every worker (throttle/counters.py). A client
over its rate gets a 429 with a ``Retry-After`` header and one sentence
saying what is limited and when to try again. Logged-in users are not
limited here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse

from throttle import counters

__all__ = ["Gate", "anonymous_limit", "client_address", "gate", "parse_rate", "refusal"]

_PERIODS = {"s": ("second", 1), "m": ("minute", 60), "h": ("hour", 3600), "d": ("day", 86400)}
# What each scope counts, for the sentence of a refusal.
_WHAT = {
    "search": "searches",
    "search-mbox": "mbox downloads of search results",
    "thread-mbox": "thread downloads",
}


def client_address(request: HttpRequest) -> str:
    """The client's address: REMOTE_ADDR, or behind a proxy we trust, the address it saw.

    Behind the reverse proxy (THREADWORK_PROXY_ADDRESSES, loopback by default)
    every request comes from the proxy; it appends the address it saw to
    X-Forwarded-For (nginx's ``$proxy_add_x_forwarded_for``), so the last
    entry is the proxy's word and any earlier one is whatever the client sent.
    """
    remote = request.META.get("REMOTE_ADDR") or "-"
    if remote in settings.THREADWORK_PROXY_ADDRESSES:
        seen = request.META.get("HTTP_X_FORWARDED_FOR", "").rsplit(",", 1)[-1].strip()
        if seen:
            return seen[:64]
    return remote


def parse_rate(rate: str) -> tuple[int, str, int]:
    """``"10/minute"`` (or ``"10/m"``) -> (10, "minute", 60)."""
    count, _, period = rate.partition("/")
    try:
        name, seconds = _PERIODS[period.strip()[:1]]
        return int(count), name, seconds
    except (KeyError, ValueError) as exc:
        raise ImproperlyConfigured(
            f"{rate!r} is not a rate: write it as a number of requests per second, "
            "minute, hour or day, like 10/minute."
        ) from exc


@dataclass(frozen=True)
class Gate:
    """The count a request adds to in ``scope`` (``key``, a window of ``seconds``), and
    how many the window allows (``allowed``, per ``period``).

    A view may count the hit itself (``refusal``) or have it counted by a statement
    that does its work in the same round trip (``counters.TALLY_CTE``, run only
    while ``allowed`` is not passed) and hand the tally to ``refused``.
    """

    scope: str
    key: str
    seconds: int
    allowed: int
    period: str

    def over(self, tally: counters.Tally) -> bool:
        """Whether ``tally`` is past what the window allows."""
        return tally.count > self.allowed

    def refused(self, tally: counters.Tally) -> HttpResponse | None:
        """A 429 answer when ``tally`` is over the rate, else None."""
        if not self.over(tally):
            return None
        wait = max(tally.seconds_left, 1)
        text = (
            f"Too many {_WHAT.get(self.scope, 'requests of this kind')} from your address: "
            f"without logging in, {self.allowed} per {self.period} are allowed. Try again in "
            f"{wait} seconds, or log in.\n"
        )
        response = HttpResponse(text, status=429, content_type="text/plain; charset=utf-8")
        response["Retry-After"] = str(wait)
        return response


def gate(request: HttpRequest, scope: str) -> Gate | None:
    """What this request counts in ``scope``; None when it is not limited (a user
    logged in, or no rate)."""
    user = getattr(request, "user", None)
    rate = settings.THREADWORK_ANON_RATES.get(scope, "")
    if (user is not None and user.is_authenticated) or not rate:
        return None
    allowed, period, seconds = parse_rate(rate)
    return Gate(scope, f"anon:{scope}:{client_address(request)}", seconds, allowed, period)


def refusal(request: HttpRequest, scope: str) -> HttpResponse | None:
    """Count this request in ``scope``; a 429 answer when its client is over the rate, else None."""
    limit = gate(request, scope)
    if limit is None:
        return None
    return limit.refused(counters.hit(limit.key, limit.seconds))


def anonymous_limit(scope: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorate a view: visitors not logged in are limited per address in ``scope``."""

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def limited(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            return refusal(request, scope) or view(request, *args, **kwargs)

        return limited

    return decorate
