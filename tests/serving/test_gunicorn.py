"""`make serve`'s stack starts: gunicorn with production settings, whitenoise for static files.

A real gunicorn (two workers) runs against the test database, with
collectstatic into a temporary STATIC_ROOT, exactly as `make serve` runs it
apart from the port, the secret and the database.
"""

from __future__ import annotations

import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connections

from tests.bench.scratch import lift_address_limits
from tests.conftest import REPO, SAMPLE
from tests.loadtest import client

pytestmark = pytest.mark.django_db(transaction=True)
GUNICORN = Path(sys.executable).with_name("gunicorn")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_database_url() -> str:
    db = connections["default"].settings_dict
    user, password = quote(db["USER"], safe=""), quote(db["PASSWORD"] or "", safe="")
    return f"postgresql://{user}:{password}@/{db['NAME']}?host={db['HOST']}&port={db['PORT']}"


test_database_url.__test__ = False  # a helper, not a test


def production_env(tmp_path: Path, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST"))}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.prod",
        DJANGO_SECRET_KEY="serving-test-" + "k" * 50,
        DJANGO_SECURE_SSL_REDIRECT="0",
        ALLOWED_HOSTS="127.0.0.1",
        DATABASE_URL=test_database_url(),
        DJANGO_STATIC_ROOT=str(tmp_path / "static"),
        PORT=str(port),
        WEB_CONCURRENCY="2",
    )
    # Every request here comes from one address; the limits themselves are
    # tested in tests/security/test_throttling.py.
    lift_address_limits(env)
    return env


def get(port: int, path: str, **headers: str) -> http.client.HTTPResponse:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", path, headers=headers)
    response = conn.getresponse()
    response.body = response.read()  # type: ignore[attr-defined]
    conn.close()
    return response


@pytest.fixture
def server(tmp_path: Path, ingest_file) -> Iterator[int]:
    ingest_file(SAMPLE / "toy-rtc-series.mbox")
    port = free_port()
    env = production_env(tmp_path, port)
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input", "--verbosity", "0"],
        cwd=REPO,
        env=env,
        check=True,
    )
    log = (tmp_path / "gunicorn.log").open("w")
    proc = subprocess.Popen(
        [str(GUNICORN), "-c", "config/gunicorn.conf.py"],
        cwd=REPO,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        _wait_until_listening(port, proc, tmp_path / "gunicorn.log")
        yield port
    finally:
        # Workers hold connections to the test database, which is dropped later.
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
        log.close()


def _wait_until_listening(port: int, proc: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"gunicorn exited with {proc.returncode}:\n{log.read_text()}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"gunicorn did not listen on {port} within 60 s:\n{log.read_text()}")


def test_pages_and_hashed_static_files_are_served(server: int) -> None:
    home = get(server, "/")
    assert home.status == 200
    html = home.body.decode()
    assert "/project/toy-rtc/list/" in html  # the ingested list, read through gunicorn
    # Production settings: no https redirect on loopback, but the other hardening is on.
    assert home.getheader("X-Content-Type-Options") == "nosniff"

    stylesheet = re.search(r'href="(/static/css/threadwork\.[0-9a-f]{12}\.css)"', html)
    assert stylesheet, "templates must link the hashed name from the manifest"
    static = get(server, stylesheet.group(1), **{"Accept-Encoding": "gzip"})
    assert static.status == 200
    cache_control = static.getheader("Cache-Control")
    assert "max-age=315360000" in cache_control
    assert "immutable" in cache_control
    assert static.getheader("Content-Encoding") == "gzip"
    # ALLOWED_HOSTS comes from the environment and is enforced.
    assert get(server, "/", Host="evil.example.org").status == 400


def test_the_load_generator_drives_it_without_errors(server: int) -> None:
    urls = {"home": ["/"], "list page": ["/project/toy-rtc/list/", "/all/?q=s:rtc"]}
    results = client.run("127.0.0.1", server, urls, {"home": 1, "list page": 1}, clients=4,
                         seconds=1.5)  # fmt: skip
    assert not any(results.errors.values()), dict(results.errors)
    overall = results.rows()[-1]
    assert overall["kind"] == "all"
    assert overall["requests"] > 0
