# SPDX-License-Identifier: AGPL-3.0-or-later
"""Security headers on every kind of response, CSP-clean templates, a clean deploy check."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys

import pytest

from tests.conftest import REPO
from tests.security.safety import assert_headers

# Inline code the CSP refuses: <script> without src, on*= handlers, style="",
# javascript: URLs. Scanning the sources catches branches no test renders.
_INLINE = re.compile(
    r"<script(?![^>]*\bsrc=)[^>]*>|\son[a-z]+\s*=|\sstyle\s*=|javascript:", re.IGNORECASE
)


def test_templates_have_no_inline_code() -> None:
    found = [
        f"{path.relative_to(REPO)}:{n}: {line.strip()[:100]}"
        for path in sorted((REPO / "templates").rglob("*.html"))
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if _INLINE.search(line)
    ]
    assert not found, "inline code the CSP refuses:\n" + "\n".join(found)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/", 200),
        ("/no-such-list/", 404),
        ("/api/", 200),
        ("/api/patches/999999/", 404),
        ("/api/1.2/projects/", 200),
        ("/accounts/login/", 200),
        ("/patch/1/update/", 405),  # POST only
    ],
)
def test_headers_on_every_kind_of_response(client, url: str, status: int) -> None:
    response = client.get(url)
    assert response.status_code == status
    assert_headers(response, url)


@pytest.mark.django_db
def test_browsable_api_gets_inline_styles_but_never_inline_scripts(client) -> None:
    response = client.get("/api/", HTTP_ACCEPT="text/html")
    assert response["Content-Type"].startswith("text/html")
    assert_headers(response, "browsable API")
    policy = dict(d.strip().split(" ", 1) for d in response["Content-Security-Policy"].split(";"))
    assert policy["script-src"] == "'self'"
    assert "'unsafe-inline'" in policy["style-src"]
    html = client.get("/").get("Content-Security-Policy")
    assert "unsafe-inline" not in html


def test_deploy_check_is_clean_with_production_settings() -> None:
    """``manage.py check --deploy`` under config.settings.prod: no warning at all."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.prod",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="threadwork.example.org",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "no issues" in output, output
