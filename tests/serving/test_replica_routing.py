"""Reads of GET requests come from the replica; writes, logins and write requests use the primary.

The replica here is a real second PostgreSQL database (a copy of the test
database made with CREATE DATABASE ... TEMPLATE), not a test mirror, so each
side can hold rows the other lacks and the pages show which one they read.
"""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest
from django.contrib.auth.models import User
from django.contrib.sessions.models import Session
from django.db import connections, router, transaction
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.test import Client, RequestFactory, override_settings
from rest_framework.authtoken.models import Token

from archive.dbrouting import PIN_COOKIE, ReplicaRoutingMiddleware
from archive.models import MailingList
from reviews.models import Project

ALIAS = "test_replica"
pytestmark = pytest.mark.django_db(transaction=True, databases=["default", ALIAS])


def _server(settings_dict: dict) -> str:
    return psycopg.conninfo.make_conninfo(
        dbname="postgres",
        user=settings_dict["USER"],
        password=settings_dict["PASSWORD"],
        host=settings_dict["HOST"],
        port=settings_dict["PORT"],
    )


@pytest.fixture(scope="module", autouse=True)
def replica_database(django_db_setup, django_db_blocker) -> Iterator[str]:
    """A second database with the test database's schema, registered as ``test_replica``."""
    with django_db_blocker.unblock():
        primary = connections["default"].settings_dict
        name = f"{primary['NAME']}_replica"
        connections["default"].close()  # a template database must have no sessions
        with psycopg.connect(_server(primary), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{primary["NAME"]}"')
        connections.settings[ALIAS] = {**primary, "NAME": name}
        try:
            with override_settings(THREADWORK_REPLICA_DATABASES=[ALIAS]):
                yield name
        finally:
            connections[ALIAS].close()
            del connections[ALIAS]
            del connections.settings[ALIAS]
            with psycopg.connect(_server(primary), autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def add_list(alias: str, name: str) -> MailingList:
    mailing_list = MailingList.objects.using(alias).create(list_id=f"{name}.example.org", name=name)
    Project.objects.using(alias).create(
        mailing_list=mailing_list, name=name, link_name=name, list_id=mailing_list.list_id
    )
    return mailing_list


@pytest.fixture
def two_sides() -> None:
    """A list only the replica has, and one only the primary has."""
    add_list(ALIAS, "only-on-replica")
    add_list("default", "only-on-primary")


def test_get_pages_and_api_lists_read_from_the_replica(two_sides, client: Client) -> None:
    home = client.get("/").content.decode()
    assert "only-on-replica" in home
    assert "only-on-primary" not in home
    projects = client.get("/api/1.3/projects/").json()
    assert [p["link_name"] for p in projects] == ["only-on-replica"]


def test_without_replicas_everything_reads_the_primary(two_sides, client: Client) -> None:
    with override_settings(THREADWORK_REPLICA_DATABASES=[]):
        home = client.get("/").content.decode()
    assert "only-on-primary" in home
    assert "only-on-replica" not in home


def test_login_and_writes_go_to_the_primary_and_pin_the_client(two_sides, client: Client) -> None:
    user = User.objects.create_user("maint", password="a long passphrase")
    response = client.post(
        "/accounts/login/", {"username": "maint", "password": "a long passphrase"}
    )
    assert response.status_code == 302
    # The session and last_login are written to the primary; the replica never saw them.
    assert Session.objects.using("default").count() == 1
    assert Session.objects.using(ALIAS).count() == 0
    assert User.objects.using("default").get(id=user.id).last_login is not None
    assert not User.objects.using(ALIAS).exists()
    # Right after a write the client reads the primary (the replica may lag).
    assert response.cookies[PIN_COOKIE]["max-age"] > 0
    assert "only-on-primary" in client.get("/").content.decode()

    client.cookies.pop(PIN_COOKIE)
    # Later GETs read the replica, but who the user is still comes from the primary.
    assert client.get("/user/").status_code == 200
    assert "only-on-replica" in client.get("/").content.decode()
    client.post("/user/token/")
    assert Token.objects.using("default").filter(user=user).exists()
    assert not Token.objects.using(ALIAS).exists()


def _names() -> list[str]:
    return list(MailingList.objects.order_by("name").values_list("name", flat=True))


def test_a_get_that_writes_reads_its_own_writes_from_the_primary(two_sides) -> None:
    seen: dict[str, list[str]] = {}

    def view(request: HttpRequest) -> HttpResponse:
        seen["before"] = _names()
        add_list("default", "written-during-get")
        seen["after"] = _names()
        return HttpResponse()

    ReplicaRoutingMiddleware(view)(RequestFactory().get("/"))
    assert seen["before"] == ["only-on-replica"]
    assert seen["after"] == ["only-on-primary", "written-during-get"]


def test_reads_inside_a_transaction_use_the_primary(two_sides) -> None:
    def view(request: HttpRequest) -> HttpResponse:
        with transaction.atomic():
            return HttpResponse(",".join(_names()))

    response = ReplicaRoutingMiddleware(view)(RequestFactory().get("/"))
    assert response.content == b"only-on-primary"


def test_streamed_responses_keep_reading_the_replica(two_sides) -> None:
    def view(request: HttpRequest) -> StreamingHttpResponse:
        # Like the mbox downloads: the queries run while the body streams.
        return StreamingHttpResponse(name.encode() for name in _names())

    response = ReplicaRoutingMiddleware(view)(RequestFactory().get("/"))
    assert b"".join(response.streaming_content) == b"only-on-replica"


def test_post_requests_and_code_outside_requests_use_the_primary(two_sides) -> None:
    def view(request: HttpRequest) -> HttpResponse:
        return HttpResponse(",".join(_names()))

    response = ReplicaRoutingMiddleware(view)(RequestFactory().post("/"))
    assert response.content == b"only-on-primary"
    # Management commands (ingest) and other threads never carry a request's mark.
    assert router.db_for_read(MailingList) == "default"
    assert router.db_for_write(MailingList) == "default"


def test_a_visitors_search_reads_the_replica_and_is_counted_on_the_primary(
    two_sides, client: Client, settings
) -> None:
    """Counts live on the primary: with a replica the page's statement cannot count
    the hit (archive.browse.search_page), so it is counted apart, and still limits."""
    from throttle import counters

    settings.THREADWORK_ANON_RATES = {**settings.THREADWORK_ANON_RATES, "search": "2/minute"}
    key = "anon:search:127.0.0.1"
    counters.clear(key)
    for query in ("alarm", "kumquat"):  # the list is only on the replica
        assert client.get("/only-on-replica/", {"q": query}).status_code == 200
    assert counters.current(key) == 2
    assert client.get("/only-on-replica/", {"q": "zebra"}).status_code == 429
