"""The site's own error pages under `make run` (dev settings) and `make serve` (prod)
alike; Django's debug page only with DJANGO_DEBUG=1 (#19).

Each case runs a fresh Python with the settings named, makes the home page
raise, and reads the page. The database address leads nowhere: a 500 page
that needed the database would not be drawn at all.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.conftest import REPO

_RAISE = """
import sys
import django
django.setup()
from django.conf import settings
from django.http import Http404
from django.test import Client
import reviews.views

def boom():
    raise Http404("No such project") if sys.argv[1] == "404" else RuntimeError("canary-19")

reviews.views.home_projects = boom
response = Client(raise_request_exception=False).get("/")
print("debug", settings.DEBUG)
print("status", response.status_code)
print(response.content.decode())
"""


def _page(settings: str, error: str, static_root: str, **env: str) -> str:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST"))}
    base.update(
        DJANGO_SETTINGS_MODULE=f"config.settings.{settings}",
        DJANGO_SECRET_KEY="error-pages-test-" + "k" * 50,
        DJANGO_SECURE_SSL_REDIRECT="0",
        ALLOWED_HOSTS="testserver",
        DATABASE_URL="postgresql://nobody@127.0.0.1:9/none",
        # Where collectstatic never ran: no manifest of hashed names either.
        DJANGO_STATIC_ROOT=static_root,
        **env,
    )
    done = subprocess.run(
        [sys.executable, "-c", _RAISE, error], cwd=REPO, env=base, capture_output=True,
        text=True, timeout=120, check=True,
    )  # fmt: skip
    return done.stdout


@pytest.mark.parametrize("settings", ["dev", "prod"])
def test_500_is_the_sites_page_without_the_database(settings: str, tmp_path) -> None:
    page = _page(settings, "500", str(tmp_path))
    assert "debug False" in page and "status 500" in page
    assert "Something went wrong on our side" in page
    assert 'class="error-search" action="/all/"' in page and '<a href="/">Projects</a>' in page
    assert "canary-19" not in page and "Traceback" not in page


@pytest.fixture(scope="module")
def collected(tmp_path_factory) -> str:
    """A STATIC_ROOT as `make serve` leaves it: pages other than the 500 name hashed files."""
    root = tmp_path_factory.mktemp("static")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST"))}
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input", "--verbosity", "0"],
        cwd=REPO, check=True, timeout=300,
        env={**env, "DJANGO_SETTINGS_MODULE": "config.settings.prod",
             "DJANGO_SECRET_KEY": "error-pages-test-" + "k" * 50, "DJANGO_STATIC_ROOT": str(root)},
    )  # fmt: skip
    return str(root)


@pytest.mark.parametrize("settings", ["dev", "prod"])
def test_404_is_the_sites_page(settings: str, collected: str) -> None:
    page = _page(settings, "404", collected)
    assert "status 404" in page
    assert "There is no page at <code>/</code>. No such project." in page
    assert 'class="error-search" action="/all/"' in page


def test_django_debug_page_only_when_asked_for(tmp_path) -> None:
    page = _page("dev", "500", str(tmp_path), DJANGO_DEBUG="1")
    assert "debug True" in page and "status 500" in page
    assert "canary-19" in page and "Traceback" in page  # Django's technical page
