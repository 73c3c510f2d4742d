# SPDX-License-Identifier: AGPL-3.0-or-later
"""Reads of safe requests go to a read replica; everything else to the primary.

Django's routers never see the request, so :class:`ReplicaRoutingMiddleware`
records, in a context variable, which replica the current request may read
from: only GET, HEAD and OPTIONS requests get one. :class:`ReplicaRouter`
then decides per query:

- writes always go to ``default`` (the primary), whatever the request;
- a read goes to the replica only while the request has one, nothing in the
  request has written yet (so a view reads its own writes), no transaction
  is open on the primary (reads inside ``atomic`` must see its state), and
  the model is not one where a stale answer shows: sessions, users and API
  tokens, so a user who just logged in, or whose token was revoked, is
  recognised at once;
- a client whose request wrote gets a short-lived cookie that keeps its
  next requests on the primary, so the page after a form post shows the
  change even while the replicas catch up.

Management commands (``ingest``, ``migrate``) and other threads never carry
the mark, so they use the primary only. Without ``DATABASE_REPLICA_URL``
everything uses ``default``.

It lives in ``archive`` because both apps read through
:func:`read_connection` (``reviews`` may import ``archive``, and no app
imports ``config``); the settings name the router and the middleware by
dotted path.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connections, router
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Model
from django.http import HttpRequest, HttpResponseBase

PRIMARY = "default"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Apps whose rows decide who the user is: never read from a lagging copy.
PRIMARY_ONLY_APPS = frozenset({"auth", "sessions", "authtoken", "admin", "contenttypes"})
PIN_COOKIE = "tw_primary"


@dataclass
class _RequestState:
    replica: str | None
    wrote: bool = False


_state: ContextVar[_RequestState | None] = ContextVar("threadwork_replica_state", default=None)


def replica_aliases() -> list[str]:
    return list(getattr(settings, "THREADWORK_REPLICA_DATABASES", []))


class ReplicaRouter:
    """Database router: see the module docstring for the rules."""

    def db_for_read(self, model: type[Model], **hints: Any) -> str:
        state = _state.get()
        if state is None or state.replica is None or state.wrote:
            return PRIMARY
        if model._meta.app_label in PRIMARY_ONLY_APPS or connections[PRIMARY].in_atomic_block:
            return PRIMARY
        return state.replica

    def db_for_write(self, model: type[Model], **hints: Any) -> str:
        state = _state.get()
        if state is not None:
            state.wrote = True  # later reads of this request must see the write
        return PRIMARY

    def allow_relation(self, obj1: Model, obj2: Model, **hints: Any) -> bool:
        return True  # every alias holds the same data

    # No allow_migrate: a replica gets its schema by replication, and a hot
    # standby refuses `migrate --database=replica` by itself.


class ReplicaRoutingMiddleware:
    """Give GET/HEAD/OPTIONS requests a replica to read from, and pin writers to the primary."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        replicas = replica_aliases()
        state = _RequestState(self._choose(request, replicas))
        token = _state.set(state)
        try:
            response = self.get_response(request)
        finally:
            _state.reset(token)
        if state.replica and response.streaming:
            # mbox downloads query while they stream, after this call returns.
            response.streaming_content = _streamed_with(state, response.streaming_content)
        if replicas and request.method not in SAFE_METHODS:
            response.set_cookie(
                PIN_COOKIE,
                "1",
                max_age=settings.THREADWORK_REPLICA_PIN_SECONDS,
                httponly=True,
                samesite="Lax",
                secure=request.is_secure(),
            )
        return response

    @staticmethod
    def _choose(request: HttpRequest, replicas: list[str]) -> str | None:
        if not replicas or request.method not in SAFE_METHODS or PIN_COOKIE in request.COOKIES:
            return None
        return random.choice(replicas)  # one per request, so its reads are consistent


def _streamed_with(state: _RequestState, chunks: Iterable[bytes]) -> Iterator[bytes]:
    """Yield ``chunks``, producing each one with the request's routing state in force."""
    iterator = iter(chunks)
    while True:
        token = _state.set(state)
        try:
            chunk = next(iterator)
        except StopIteration:
            return
        finally:
            _state.reset(token)
        yield chunk


def read_connection(model: type[Model]) -> BaseDatabaseWrapper:
    """The connection the router reads ``model`` from, for raw SQL.

    Raw cursors on ``django.db.connection`` always use the primary; a page
    that mixes them with ORM reads (a cache stamp, then the data) must read
    both from the same database, or it may cache a replica's older data
    under the primary's newer stamp.
    """
    return connections[router.db_for_read(model)]
