"""PostgreSQL goes away: ingest stops with one clear sentence, the web answers 503, both recover.

The outage is real: a private PostgreSQL server (tests/faults/pgserver.py)
stopped with ``pg_ctl stop -m immediate`` under a running ingest and a
running web server, then started again.
"""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from config.middleware import UNAVAILABLE
from tests.conftest import SAMPLE
from tests.faults.mailgen import archive_mails, write_mbox
from tests.faults.pgserver import PrivatePostgres
from tests.faults.processes import REPO, Ingest, environment, wait_until
from tests.faults.snapshot import problems

TEMPLATE = "faults_template"
STOPPED = re.compile(
    r'^CommandError: Ingest stopped: the database "(?P<name>[^"]+)" on (?P<where>\S+) .*'
    r"is unavailable \(.+\); (?P<saved>\d+) new messages of the \d+ read were saved, "
    r"and running the same command again stores the rest without duplicating any\.$"
)
SEED = "20190613094326.24093-6-hch@lst.de"
PAGES = {
    "list": "/project/linux-mm/list/",
    "patch": f"/project/linux-mm/patch/{SEED}/",
    "api": "/api/patches/",
    "message": f"/linux-mm/{SEED}/",
}


@pytest.fixture(scope="module")
def server() -> Iterator[PrivatePostgres]:
    pg = PrivatePostgres()
    try:
        pg.start()
        pg.create_database(TEMPLATE)  # migrated once, copied per test
        yield pg
    finally:
        pg.remove()


def fresh_database(pg: PrivatePostgres, name: str) -> str:
    if not pg.running():
        pg.start()
    with psycopg.connect(pg.url(), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{TEMPLATE}"')
    return pg.url(name)


def real_messages(url: str) -> int:
    with psycopg.connect(url) as conn:
        return conn.execute("SELECT count(*) FROM archive_message WHERE NOT is_ghost").fetchone()[0]


def stopped_line(run: Ingest) -> re.Match[str]:
    output = run.output()
    assert "Traceback" not in output, output
    lines = [line for line in output.splitlines() if line.startswith("CommandError")]
    assert len(lines) == 1, output
    found = STOPPED.match(lines[0])
    assert found, lines[0]
    return found


def test_ingest_stops_cleanly_when_the_database_goes_away(server, tmp_path: Path) -> None:
    url = fresh_database(server, "ingest_down")
    mails = archive_mails(topics=90)
    source = write_mbox(tmp_path / "big.mbox", mails)
    run = Ingest.start(url, [source], tmp_path / "cut-off.log", workers=2, batch=20)
    wait_until(lambda: real_messages(url) >= 60 or run.process.poll() is not None,
               timeout=60, what="some mail to be committed")  # fmt: skip
    server.stop()
    assert run.wait(60) == 75, run.output()  # EX_TEMPFAIL: an MTA retries later
    stopped = stopped_line(run)
    assert stopped["name"] == "ingest_down" and stopped["where"].startswith(str(server.root))

    # Still down: the next attempt says so too, having saved nothing.
    again = Ingest.start(url, [source], tmp_path / "refused.log")
    assert again.wait(60) == 75
    assert stopped_line(again)["saved"] == "0"

    server.start()
    saved = int(stopped["saved"])
    # A batch whose COMMIT reached the server but whose answer was lost is
    # saved without the command knowing: at most one batch more.
    assert 60 <= saved <= real_messages(url) <= saved + 20 < len(mails) - 40
    finish = Ingest.start(url, [source], tmp_path / "finish.log")
    assert finish.wait(60) == 0, finish.output()
    read = int(finish.output().split(" read,")[0])
    assert read == len(mails) and real_messages(url) == distinct_messages(mails)
    with psycopg.connect(url) as conn:
        assert problems(conn.cursor()) == {}


def distinct_messages(mails: list[bytes]) -> int:
    """Distinct Message-IDs, plus mail without one (each gets its own synthetic id)."""
    msgids = {
        m.group(1) for mail in mails if (m := re.search(rb"^Message-ID: <(.+)>$", mail, re.M))
    }
    no_id = [mail for mail in mails if mail.startswith(b"From:") and b"\nMessage-ID:" not in mail]
    return len(msgids) + len(no_id)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(base: str, path: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(base + path, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def statuses(base: str) -> dict[str, int]:
    return {name: get(base, path)[0] for name, path in PAGES.items()}


@pytest.fixture
def web(server, tmp_path: Path) -> Iterator[str]:
    """``runserver`` on the seed archive, one thread: its persistent connection is reused."""
    url = fresh_database(server, "web_down")
    samples = [str(path) for path in SAMPLE.glob("*.mbox")]
    subprocess.run(
        [sys.executable, "manage.py", "ingest", "--verbosity", "0", *samples],
        cwd=REPO, env=environment(url), check=True, capture_output=True,
    )  # fmt: skip
    port = free_port()
    log = (tmp_path / "runserver.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload",
         "--nothreading", "--skip-checks"],
        cwd=REPO, env=environment(url), stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: _answers(base), timeout=30, what="runserver to answer")
        yield base
    finally:
        process.terminate()
        process.wait(10)
        log.close()


def _answers(base: str) -> bool:
    try:
        return get(base, "/")[0] == 200
    except OSError:
        return False


def test_pages_answer_503_while_the_database_is_down_and_recover(server, web: str) -> None:
    up = {name: 200 for name in PAGES}
    assert statuses(web) == up

    # A restart while no request runs: the idle persistent connection is stale.
    server.stop()
    server.start()
    assert statuses(web) == up

    server.stop()
    assert statuses(web) == {name: 503 for name in PAGES}
    status, body = get(web, PAGES["patch"])
    assert status == 503 and UNAVAILABLE in body.replace("&#x27;", "'")
    assert "Traceback" not in body and len(body) < 3000  # the site's own short page

    server.start()
    assert statuses(web) == up
