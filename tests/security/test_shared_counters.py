# SPDX-License-Identifier: AGPL-3.0-or-later
"""Login lockout and rate limits hold across worker processes, as gunicorn runs them.

Each gunicorn worker is a process with its own local-memory cache; counts
kept there would give every worker its own five login tries. Here separate
``python`` processes (each a Django process like a worker) count against
the committed test database, and must see one count.
"""

from __future__ import annotations

import os
import subprocess
import sys
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.db import connection

from reviews.auth import is_locked_out
from tests.conftest import REPO
from throttle import counters

pytestmark = pytest.mark.django_db(transaction=True)  # other processes must see the rows

PASSWORD = "a long enough password"


def worker_env() -> dict[str, str]:
    """The environment of a Django process on this test's database."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    name = connection.settings_dict["NAME"]
    if env.get("DATABASE_URL"):
        env["DATABASE_URL"] = urlunsplit(urlsplit(env["DATABASE_URL"])._replace(path=f"/{name}"))
    else:
        env["THREADWORK_DB_NAME"] = name
    return env


def in_worker(code: str) -> subprocess.Popen[str]:
    """Start ``code`` in a new Django process; its last line of output is its answer."""
    script = "import django; django.setup()\n" + code
    return subprocess.Popen([sys.executable, "-c", script], cwd=REPO, env=worker_env(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip


def answer(process: subprocess.Popen[str]) -> str:
    out, err = process.communicate(timeout=120)
    assert process.returncode == 0, err
    return out.strip().splitlines()[-1]


def test_concurrent_processes_lose_no_count() -> None:
    code = (
        "from throttle import counters\n"
        "for _ in range(200): counters.hit('shared-test', 600)\n"
        "print('done')\n"
    )
    workers = [in_worker(code) for _ in range(2)]
    assert [answer(w) for w in workers] == ["done", "done"]
    assert counters.current("shared-test") == 400
    assert counters.hit("shared-test", 600).count == 401


LOGIN = """
from django.test import Client
client = Client(HTTP_HOST="127.0.0.1")
codes = []
for password in {passwords!r}:
    response = client.post("/accounts/login/", {{"username": "maint", "password": password}})
    codes.append(str(response.status_code))
print(" ".join(codes))
"""


def test_the_lockout_holds_across_worker_processes(django_user_model) -> None:
    django_user_model.objects.create_user("maint", "", PASSWORD)
    # Three failures in one worker, two in another: five from this address in all.
    assert answer(in_worker(LOGIN.format(passwords=["wrong"] * 3))) == "200 200 200"
    assert answer(in_worker(LOGIN.format(passwords=["wrong"] * 2))) == "200 200"
    # A third worker refuses even the right password (the form says why, with a 200).
    refused = LOGIN.replace('print(" ".join(codes))', 'print(response.content.decode().count('
                            '"Too many failed login attempts"), codes)')  # fmt: skip
    assert answer(in_worker(refused.format(passwords=[PASSWORD]))) == "1 ['200']"

    class Request:
        META = {"REMOTE_ADDR": "127.0.0.1"}

    assert is_locked_out("maint", Request())  # and so does this process
