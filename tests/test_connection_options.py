"""Every connection Threadwork opens runs without parallel query (config.database)."""

from __future__ import annotations

import pytest
from django.db import connection

from config.database import parse_database_url


def test_a_database_url_gives_connections_without_parallel_workers():
    settings = parse_database_url("postgresql://u:p@db.example.org:5433/archive")
    assert settings["OPTIONS"] == {"options": "-c max_parallel_workers_per_gather=0"}


@pytest.mark.django_db
def test_the_connection_in_use_plans_no_parallel_workers():
    with connection.cursor() as cursor:
        cursor.execute("SHOW max_parallel_workers_per_gather")
        assert cursor.fetchone() == ("0",)
