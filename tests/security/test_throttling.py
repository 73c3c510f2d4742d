# SPDX-License-Identifier: AGPL-3.0-or-later
"""Anonymous clients are rate limited on the API and on the costly web routes; accounts are not.

Login lockout (reviews/auth.py) is tested in tests/workflow/test_accounts.py,
and that every worker process shares the counts in tests/security/test_shared_counters.py.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.test import Client, override_settings

from tests.conftest import REPO

pytestmark = pytest.mark.django_db


@pytest.fixture
def anon_rate(monkeypatch):
    """A limit of three anonymous API requests a minute for this test."""
    from rest_framework.settings import api_settings
    from rest_framework.throttling import SimpleRateThrottle

    rest = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": "3/minute"}}
    with override_settings(REST_FRAMEWORK=rest):
        # DRF copies the rates onto the class when it is imported.
        monkeypatch.setattr(
            SimpleRateThrottle, "THROTTLE_RATES", api_settings.DEFAULT_THROTTLE_RATES
        )
        yield


def test_anonymous_api_requests_are_throttled(anon_rate, client, django_user_model) -> None:
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    assert [client.get("/api/projects/").status_code for _ in range(3)] == [200] * 3
    refused = client.get("/api/1.2/patches/")
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert refused["Content-Type"].startswith("application/json")
    # Accounts are not limited, nor are the web pages.
    api = APIClient()
    token = Token.objects.create(user=django_user_model.objects.create_user("bot", "", "pw"))
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert all(api.get("/api/projects/").status_code == 200 for _ in range(5))
    assert client.get("/").status_code == 200


def test_rate_comes_from_the_environment() -> None:
    code = (
        "from config.settings import base; "
        "print(base.REST_FRAMEWORK['DEFAULT_THROTTLE_RATES']['anon'], "
        "base.REST_FRAMEWORK['DEFAULT_THROTTLE_CLASSES'])"
    )
    env = {**os.environ, "THREADWORK_API_ANON_RATE": "42/hour"}
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True,
                         text=True, check=True).stdout  # fmt: skip
    assert out.startswith("42/hour ['throttle.drf.SharedAnonRateThrottle']"), out
    env.pop("THREADWORK_API_ANON_RATE")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True,
                         text=True, check=True).stdout  # fmt: skip
    assert out.startswith("600/minute"), out


def test_a_forwarded_for_header_does_not_make_a_new_client(anon_rate, client) -> None:
    # DRF's own throttle believes X-Forwarded-For; a client could send a new one each time.
    codes = [
        client.get("/api/projects/", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}").status_code
        for n in range(4)
    ]
    assert codes == [200, 200, 200, 429]


# --- costly web routes -------------------------------------------------------------------

SEED = REPO / "sample" / "alloc_pages_vma-thread.mbox"
SEED_MSGID = "201906140147.r1.jhubbard@seed.example"


@pytest.fixture
def web_rates(settings, ingest_file):
    """Two requests a minute per scope, on the sample thread."""
    ingest_file(SEED)
    settings.THREADWORK_ANON_RATES = {
        "search": "2/minute",
        "search-mbox": "2/minute",
        "thread-mbox": "2/minute",
    }


def _search_mbox(client):
    return client.post("/all/?x=m&q=s:mm", data="x=m",
                       content_type="application/x-www-form-urlencoded")  # fmt: skip


def _refused_sentence(response, what: str) -> None:
    assert response.status_code == 429
    assert response["Content-Type"].startswith("text/plain")
    assert 0 < int(response["Retry-After"]) <= 60
    text = response.content.decode()
    assert text.startswith(
        f"Too many {what} from your address: without logging in, 2 per minute are allowed. "
        "Try again in "
    ), text
    assert text.endswith(" seconds, or log in.\n"), text


@pytest.mark.parametrize(
    ("request_once", "what"),
    [
        (_search_mbox, "mbox downloads of search results"),
        (lambda client: client.get(f"/all/{SEED_MSGID}/t.mbox.gz"), "thread downloads"),
        (lambda client: client.get(f"/all/{SEED_MSGID}/t.mbox"), "thread downloads"),
        (lambda client: client.get("/all/?q=s:mm"), "searches"),
    ],
)
def test_costly_routes_answer_429_with_a_sentence(
    web_rates, client, django_user_model, request_once, what
) -> None:
    assert [request_once(client).status_code for _ in range(2)] == [200, 200]
    _refused_sentence(request_once(client), what)
    # Another address has its own count; a logged-in user is not limited.
    from django.test import Client

    assert request_once(Client(REMOTE_ADDR="192.0.2.9")).status_code == 200
    user = django_user_model.objects.create_user("reader", "", "pw")
    client.force_login(user)
    assert [request_once(client).status_code for _ in range(3)] == [200] * 3


def test_pages_people_read_are_not_limited(web_rates, client) -> None:
    for _ in range(5):
        assert client.get(f"/all/{SEED_MSGID}/").status_code == 200
        assert client.get("/all/").status_code == 200


def test_web_rates_come_from_the_environment() -> None:
    code = "from config.settings import base; print(base.THREADWORK_ANON_RATES)"
    env = {**os.environ, "THREADWORK_ANON_SEARCH_MBOX_RATE": "3/hour"}
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True,
                         text=True, check=True).stdout  # fmt: skip
    assert "'search-mbox': '3/hour'" in out, out


def test_behind_a_trusted_proxy_the_client_is_the_address_it_saw(settings) -> None:
    from django.test import RequestFactory

    from throttle.limits import client_address

    settings.THREADWORK_PROXY_ADDRESSES = ["127.0.0.1"]
    factory = RequestFactory()
    # The proxy appends what it saw; what the client sent before it is not believed.
    proxied = factory.get("/", REMOTE_ADDR="127.0.0.1",
                          HTTP_X_FORWARDED_FOR="203.0.113.1, 198.51.100.7")  # fmt: skip
    assert client_address(proxied) == "198.51.100.7"
    direct = factory.get("/", REMOTE_ADDR="192.0.2.5", HTTP_X_FORWARDED_FOR="198.51.100.7")
    assert client_address(direct) == "192.0.2.5"
    assert client_address(factory.get("/", REMOTE_ADDR="127.0.0.1")) == "127.0.0.1"


def test_search_downloads_for_visitors_share_a_few_slots(
    web_rates, settings, client, django_user_model
) -> None:
    from django.db import connection, connections

    settings.THREADWORK_ANON_RATES = {}
    settings.THREADWORK_SEARCH_MBOX_CONCURRENT = 1
    # The test client closes a streamed response only once it is read: earlier
    # tests' unread downloads still hold their slot in this session.
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_unlock_all()")
    # Another worker (another database session) is streaming a download.
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s, 0)", [0x74687274])
            assert cursor.fetchone()[0]
        busy = _search_mbox(client)
        assert busy.status_code == 503
        assert int(busy["Retry-After"]) > 0
        assert busy.content.decode().startswith(
            "The server is busy sending other search results to visitors who are not logged in."
        )
        user = django_user_model.objects.create_user("reader", "", "pw")
        logged_in = Client(HTTP_HOST="127.0.0.1")
        logged_in.force_login(user)
        assert _search_mbox(logged_in).status_code == 200  # accounts are not limited
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s, 0)", [0x74687274])
        served = _search_mbox(client)
        assert served.status_code == 200
        # While it streams the slot is taken; once read (or closed), it is free again.
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s, 0)", [0x74687274])
            assert not cursor.fetchone()[0]
            b"".join(served.streaming_content)
            cursor.execute("SELECT pg_try_advisory_lock(%s, 0)", [0x74687274])
            assert cursor.fetchone()[0]
            cursor.execute("SELECT pg_advisory_unlock(%s, 0)", [0x74687274])
        # A download that fails before streaming (here: nothing matches) frees its slot too.
        nothing = client.post("/all/?x=m&q=nothingmatchesthis", data="x=m",
                              content_type="application/x-www-form-urlencoded")  # fmt: skip
        assert nothing.status_code == 404
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s, 0)", [0x74687274])
            assert cursor.fetchone()[0]
    finally:
        with other.cursor() as cursor:  # not left to the closing's timing
            cursor.execute("SELECT pg_advisory_unlock_all()")
        other.close()
