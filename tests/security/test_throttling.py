# SPDX-License-Identifier: AGPL-3.0-or-later
"""Anonymous API clients are rate limited; accounts and web pages are not.

Login lockout (reviews/auth.py) is tested in tests/workflow/test_accounts.py.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.test import override_settings

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
    assert out.startswith("42/hour ['rest_framework.throttling.AnonRateThrottle']"), out
    env.pop("THREADWORK_API_ANON_RATE")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True,
                         text=True, check=True).stdout  # fmt: skip
    assert out.startswith("600/minute"), out
