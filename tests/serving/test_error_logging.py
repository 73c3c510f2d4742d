# SPDX-License-Identifier: AGPL-3.0-or-later
"""In production a 500 leaves its traceback on standard error (gunicorn's error log)
and, when ADMINS is set, in the admins' mail.

Django alone logs request errors to the console only with DEBUG on, so with
the production settings a crash used to leave no trace anywhere. Each test
runs a fresh Python with config.settings.prod, makes the home page raise,
and reads what that process wrote.
"""

from __future__ import annotations

import os
import subprocess
import sys

from tests.conftest import REPO

# Runs in the child: the home page's one query function raises, the test
# client asks for the page, and the child reports the status and the mail.
_CRASH = """
import django
django.setup()
from django.core import mail
from django.test import Client
import reviews.views

def boom():
    raise RuntimeError("canary-4711: the home page failed")

reviews.views.home_projects = boom
response = Client(raise_request_exception=False).get("/")
print("status", response.status_code)
print("mails", len(getattr(mail, "outbox", [])))
for message in getattr(mail, "outbox", []):
    print("to", ",".join(message.to), "|", message.subject)
"""


def _run(**env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST"))}
    base.update(
        DJANGO_SETTINGS_MODULE="config.settings.prod",
        DJANGO_SECRET_KEY="error-logging-test-" + "k" * 50,
        DJANGO_SECURE_SSL_REDIRECT="0",
        ALLOWED_HOSTS="testserver",
        # Never connected to: the crash happens before any query.
        DATABASE_URL="postgresql://nobody@127.0.0.1:9/none",
        DJANGO_EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        **env,
    )
    return subprocess.run(
        [sys.executable, "-c", _CRASH], cwd=REPO, env=base, capture_output=True, text=True,
        timeout=120, check=True,
    )  # fmt: skip


def test_a_500_writes_its_traceback_to_stderr() -> None:
    done = _run()
    assert "status 500" in done.stdout, done.stderr
    assert "Traceback (most recent call last)" in done.stderr
    assert "RuntimeError: canary-4711: the home page failed" in done.stderr
    assert "Internal Server Error: /" in done.stderr
    assert "mails 0" in done.stdout  # no ADMINS, no mail


def test_a_500_is_mailed_to_admins_when_they_are_set() -> None:
    done = _run(DJANGO_ADMINS="Ops Team <ops@example.org>, oncall@example.org")
    assert "status 500" in done.stdout, done.stderr
    assert "mails 1" in done.stdout, done.stdout
    assert "to ops@example.org,oncall@example.org | [Django] ERROR" in done.stdout
    assert "canary-4711" in done.stderr  # and still in the error log
